import { z } from 'zod';
import {
  booleanParam,
  paginationQuerySchema,
  pathSegmentSchema,
  registryAccessLevelSchema,
  resourceIdSchema,
  visibilitySchema,
} from './common.js';

export const projectNamespaceSchema = z.object({
  id: z.number(),
  name: z.string(),
  path: z.string(),
  kind: z.literal('group'),
  full_path: z.string(),
  parent_id: z.number().nullable(),
  web_url: z.string(),
});

/**
 * What the registry page and CI need to reach the project's images (GitLab shows these on the registry
 * page and sets them in every job); Berth returns them with the project so the UI never builds hosts.
 */
export const projectRegistryCiSchema = z.object({
  variables: z.object({
    CI_REGISTRY: z.string(),
    CI_REGISTRY_IMAGE: z.string(),
    CI_REGISTRY_USER: z.literal('gitlab-ci-token'),
  }),
  commands: z.object({ login: z.string(), build: z.string(), push: z.string() }),
});
export type ProjectRegistryCi = z.infer<typeof projectRegistryCiSchema>;

export const projectSchema = z.object({
  id: z.number(),
  name: z.string(),
  path: z.string(),
  name_with_namespace: z.string(),
  path_with_namespace: z.string(),
  description: z.string(),
  visibility: visibilitySchema,
  namespace: projectNamespaceSchema,
  container_registry_enabled: z.boolean(),
  container_registry_access_level: registryAccessLevelSchema,
  container_registry_image_prefix: z.string(),
  registry_ci: projectRegistryCiSchema,
  created_at: z.string(),
  last_activity_at: z.string(),
  web_url: z.string(),
  permissions: z.object({
    project_access: z.object({ access_level: z.number() }).nullable(),
    group_access: z.object({ access_level: z.number() }).nullable(),
  }),
});
export type Project = z.infer<typeof projectSchema>;

const projectNameSchema = z.string().trim().min(1).max(255);

export const createProjectRequestSchema = z
  .object({
    name: projectNameSchema.optional(),
    path: pathSegmentSchema.optional(),
    /** A group id or full path, as GitLab accepts. */
    namespace_id: resourceIdSchema.optional(),
    description: z.string().max(2000).optional(),
    visibility: visibilitySchema.optional(),
    container_registry_access_level: registryAccessLevelSchema.optional(),
    /** Deprecated in GitLab in favour of container_registry_access_level; still accepted. */
    container_registry_enabled: booleanParam.optional(),
  })
  .refine((body) => body.name !== undefined || body.path !== undefined, 'name or path is required');
export type CreateProjectRequest = z.infer<typeof createProjectRequestSchema>;

export const updateProjectRequestSchema = z.object({
  name: projectNameSchema.optional(),
  path: pathSegmentSchema.optional(),
  description: z.string().max(2000).optional(),
  visibility: visibilitySchema.optional(),
  container_registry_access_level: registryAccessLevelSchema.optional(),
  container_registry_enabled: booleanParam.optional(),
});
export type UpdateProjectRequest = z.infer<typeof updateProjectRequestSchema>;

export const listProjectsQuerySchema = paginationQuerySchema.extend({
  search: z.string().optional(),
  visibility: visibilitySchema.optional(),
  membership: booleanParam.optional(),
  owned: booleanParam.optional(),
  min_access_level: z.coerce.number().int().optional(),
  order_by: z.enum(['id', 'name', 'path', 'created_at', 'last_activity_at']).default('created_at'),
  sort: z.enum(['asc', 'desc']).default('desc'),
});
export type ListProjectsQuery = z.infer<typeof listProjectsQuerySchema>;

/** `GET /groups/:id/projects`: the group's projects; with include_subgroups, its subgroups' too. */
export const listGroupProjectsQuerySchema = listProjectsQuerySchema.extend({
  include_subgroups: booleanParam.optional(),
});
