import { z } from 'zod';
import {
  booleanParam,
  idParam,
  paginationQuerySchema,
  pathSegmentSchema,
  visibilitySchema,
} from './common.js';
import { descriptionSchema, displayNameSchema } from './text.js';

export const groupSchema = z.object({
  id: z.number(),
  name: z.string(),
  path: z.string(),
  full_name: z.string(),
  full_path: z.string(),
  description: z.string(),
  visibility: visibilitySchema,
  parent_id: z.number().nullable(),
  web_url: z.string(),
  avatar_url: z.string().nullable(),
  created_at: z.string(),
});
export type Group = z.infer<typeof groupSchema>;

export const createGroupRequestSchema = z.object({
  name: displayNameSchema,
  path: pathSegmentSchema,
  parent_id: idParam.optional(),
  visibility: visibilitySchema.optional(),
  description: descriptionSchema.optional(),
});
export type CreateGroupRequest = z.infer<typeof createGroupRequestSchema>;

export const updateGroupRequestSchema = z.object({
  name: displayNameSchema.optional(),
  path: pathSegmentSchema.optional(),
  visibility: visibilitySchema.optional(),
  description: descriptionSchema.optional(),
});
export type UpdateGroupRequest = z.infer<typeof updateGroupRequestSchema>;

/** `POST /groups/:id/transfer`: the new parent group; absent makes the group top-level. */
export const transferGroupRequestSchema = z.object({ group_id: idParam.optional() });

export const listGroupsQuerySchema = paginationQuerySchema.extend({
  search: z.string().optional(),
  all_available: booleanParam.optional(),
  owned: booleanParam.optional(),
  min_access_level: z.coerce.number().int().optional(),
  top_level_only: booleanParam.optional(),
  order_by: z.enum(['name', 'path', 'id']).default('name'),
  sort: z.enum(['asc', 'desc']).default('asc'),
});
export type ListGroupsQuery = z.infer<typeof listGroupsQuerySchema>;
