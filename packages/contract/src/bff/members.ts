import { z } from 'zod';
import { accessLevelSchema, dateParam, idParam, paginationQuerySchema } from './common.js';
import { userBasicSchema } from './users.js';

export const memberSchema = userBasicSchema.extend({
  access_level: z.number(),
  created_at: z.string(),
  expires_at: z.string().nullable(),
});
export type Member = z.infer<typeof memberSchema>;

export const addMemberRequestSchema = z.object({
  user_id: idParam,
  access_level: accessLevelSchema,
  expires_at: dateParam.optional(),
});
export type AddMemberRequest = z.infer<typeof addMemberRequestSchema>;

export const updateMemberRequestSchema = z.object({
  access_level: accessLevelSchema,
  expires_at: dateParam.nullable().optional(),
});
export type UpdateMemberRequest = z.infer<typeof updateMemberRequestSchema>;

export const listMembersQuerySchema = paginationQuerySchema.extend({ query: z.string().optional() });
