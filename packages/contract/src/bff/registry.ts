import { z } from 'zod';
import { tagSchema } from '../names.js';
import { REGISTRY_BULK_DELETE_MAX } from '../registry/extension.js';
import { booleanParam, paginationQuerySchema } from './common.js';

/**
 * GitLab's container registry API (`/api/v4/…/registry/…`) with GitLab's field names, plus the fields
 * the web UI needs (sizes, times, platforms, the image view). Extra fields never break GitLab clients.
 */

/** Deleting a repository is asynchronous: the row shows `delete_scheduled` until the registry drops it. */
export const containerRepositoryStatusSchema = z.enum([
  'delete_scheduled',
  'delete_ongoing',
  'delete_failed',
]);
export type ContainerRepositoryStatus = z.infer<typeof containerRepositoryStatusSchema>;

/** GitLab's `expiration_policy_cleanup_status` of a repository. */
export const cleanupStatusSchema = z.enum([
  'cleanup_unscheduled',
  'cleanup_scheduled',
  'cleanup_unfinished',
  'cleanup_ongoing',
]);
export type CleanupStatus = z.infer<typeof cleanupStatusSchema>;

/** A tag as `GET …/repositories?tags=true` embeds it and the plain tag list shows it in GitLab. */
export const containerTagSummarySchema = z.object({
  name: tagSchema,
  /** `<repository path>:<tag>` */
  path: z.string(),
  /** `<registry host>/<repository path>:<tag>`, what `docker pull` takes. */
  location: z.string(),
});

export const containerRepositorySchema = z.object({
  id: z.number().int().positive(),
  /** The path below the project (`""` for the project's own image), as GitLab names it. */
  name: z.string(),
  /** Full repository path: `<group>/<project>[/<name>]`. */
  path: z.string(),
  project_id: z.number().int().positive(),
  /** `<registry host>/<path>`, what `docker pull` takes. */
  location: z.string(),
  created_at: z.string(),
  cleanup_policy_started_at: z.string().nullable(),
  status: containerRepositoryStatusSchema.nullable(),
  expiration_policy_cleanup_status: cleanupStatusSchema.optional(),
  /** GitLab sends it with `tags_count=true`; Berth always does. */
  tags_count: z.number().int().nonnegative().optional(),
  /** With `tags=true`. */
  tags: z.array(containerTagSummarySchema).optional(),
  /** Deduplicated bytes of the repository's blobs (GitLab: with `size=true`); Berth always sends it. */
  size: z.number().int().nonnegative().optional(),
  updated_at: z.string(),
  last_published_at: z.string().nullable(),
  /** The owning project's full path and name: lets a group list show where each repository lives. */
  project_path: z.string(),
  project_name: z.string(),
});
export type ContainerRepository = z.infer<typeof containerRepositorySchema>;

export const containerRepositoryOrderSchema = z.enum(['name', 'created_at', 'updated_at']);
export const sortDirectionSchema = z.enum(['asc', 'desc']);

/** `GET /projects/:id/registry/repositories` and `GET /groups/:id/registry/repositories`. */
export const listContainerRepositoriesQuerySchema = paginationQuerySchema.extend({
  tags: booleanParam.optional(),
  tags_count: booleanParam.optional(),
  /** Substring of the repository path below the project or group (GitLab: `name`, kept as an alias). */
  search: z.string().max(255).optional(),
  name: z.string().max(255).optional(),
  order_by: containerRepositoryOrderSchema.default('name'),
  sort: sortDirectionSchema.default('asc'),
});
export type ListContainerRepositoriesQuery = z.infer<typeof listContainerRepositoriesQuerySchema>;

/** `GET /registry/repositories/:id`. */
export const getContainerRepositoryQuerySchema = z.object({
  tags: booleanParam.optional(),
  tags_count: booleanParam.optional(),
  size: booleanParam.optional(),
});
export type GetContainerRepositoryQuery = z.infer<typeof getContainerRepositoryQuerySchema>;

/** One platform of a multi-architecture image. */
export const containerTagPlatformSchema = z.object({
  digest: z.string(),
  media_type: z.string(),
  size: z.number().int().nonnegative(),
  /** Null when the index entry names no platform (attestations, for example). */
  os: z.string().nullable(),
  architecture: z.string().nullable(),
  variant: z.string().nullable(),
});
export type ContainerTagPlatform = z.infer<typeof containerTagPlatformSchema>;

/** A tag in lists and details: GitLab's tag detail fields plus what the UI shows. */
export const containerTagSchema = containerTagSummarySchema.extend({
  /** Config digest without its algorithm (GitLab's meaning); null for an index. */
  revision: z.string().nullable(),
  /** First 9 characters of `revision`. */
  short_revision: z.string().nullable(),
  /** Manifest digest. */
  digest: z.string(),
  created_at: z.string(),
  published_at: z.string(),
  /** Image: config and layers; index: its children's distinct blobs. */
  total_size: z.number().int().nonnegative(),
  config_digest: z.string().nullable(),
  media_type: z.string(),
  /** Each platform of an index; empty for a single image. */
  platforms: z.array(containerTagPlatformSchema),
});
export type ContainerTag = z.infer<typeof containerTagSchema>;

/**
 * `GET …/repositories/:repository_id/tags`: offset pages (`page`/`per_page`, `X-Total`…), or with
 * `pagination=keyset` pages that follow the `Link` header (`last` / `before` markers).
 */
export const listContainerTagsQuerySchema = paginationQuerySchema.extend({
  search: z.string().max(128).optional(),
  order_by: z.enum(['name', 'published_at']).default('name'),
  sort: sortDirectionSchema.default('asc'),
  pagination: z.enum(['offset', 'keyset']).default('offset'),
  last: z.string().max(1024).optional(),
  before: z.string().max(1024).optional(),
});
export type ListContainerTagsQuery = z.infer<typeof listContainerTagsQuerySchema>;

/** "Delete selected": `POST …/repositories/:repository_id/tags/delete`. */
export const deleteSelectedTagsRequestSchema = z.object({
  names: z.array(tagSchema).min(1).max(REGISTRY_BULK_DELETE_MAX),
});
export type DeleteSelectedTagsRequest = z.infer<typeof deleteSelectedTagsRequestSchema>;
export const deleteSelectedTagsResultSchema = z.object({
  deleted: z.array(tagSchema),
  /** Names that were already gone (or never existed). */
  not_found: z.array(tagSchema),
});
export type DeleteSelectedTagsResult = z.infer<typeof deleteSelectedTagsResultSchema>;

export const imageLayerSchema = z.object({
  digest: z.string(),
  size: z.number().int().nonnegative(),
  media_type: z.string(),
});
export const imageHistoryEntrySchema = z.object({
  created: z.string().nullable(),
  created_by: z.string().nullable(),
  empty_layer: z.boolean(),
  comment: z.string().nullable(),
});

/** The configuration of one image (one platform of an index). */
export const imageDetailsSchema = z.object({
  /** Manifest digest of this image. */
  digest: z.string(),
  media_type: z.string(),
  config_digest: z.string(),
  created: z.string().nullable(),
  os: z.string().nullable(),
  architecture: z.string().nullable(),
  variant: z.string().nullable(),
  entrypoint: z.array(z.string()).nullable(),
  cmd: z.array(z.string()).nullable(),
  working_dir: z.string().nullable(),
  user: z.string().nullable(),
  /** Names only: values can hold secrets. */
  env: z.array(z.string()),
  labels: z.record(z.string(), z.string()),
  exposed_ports: z.array(z.string()),
  layers: z.array(imageLayerSchema),
  history: z.array(imageHistoryEntrySchema),
});
export type ImageDetails = z.infer<typeof imageDetailsSchema>;

/** `GET …/repositories/:repository_id/tags/:tag_name/image`: one entry for an image, one per platform for an index. */
export const tagImageSchema = z.object({
  name: tagSchema,
  digest: z.string(),
  media_type: z.string(),
  images: z.array(imageDetailsSchema),
});
export type TagImage = z.infer<typeof tagImageSchema>;
