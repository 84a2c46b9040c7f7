import { z } from 'zod';
import { digestSchema, repositoryNameSchema, tagSchema } from '../names.js';

/**
 * Answers of the registry's `/berth/v1/` extension API (packages/registry/src/extension/README.md).
 * Times are ISO 8601 with milliseconds, UTC.
 */

/** Header carrying the number of rows a list's filter matches, on every page. */
export const REGISTRY_TOTAL_HEADER = 'Berth-Total-Count';
/** Most names one bulk tag delete may carry. */
export const REGISTRY_BULK_DELETE_MAX = 1000;
/** Largest page a `/berth/v1/` list serves. */
export const REGISTRY_PAGE_SIZE_MAX = 1000;
/** Largest page of the names-only repository list: names are short and cost no statistics. */
export const REGISTRY_NAMES_PAGE_MAX = 10_000;

const isoTime = z.iso.datetime();

export const registryRepositorySchema = z.object({
  /** The registry's own primary key: stable across renames, used by GitLab's API and URLs. */
  id: z.number().int().positive(),
  /** In a list: the path below the prefix (`""` for the prefix itself); in details: the last segment. */
  name: z.string(),
  path: repositoryNameSchema,
  tags_count: z.number().int().nonnegative(),
  /** Distinct config and layer blobs of all the repository's manifests. */
  size_bytes: z.number().int().nonnegative(),
  created_at: isoTime,
  updated_at: isoTime,
  last_published_at: isoTime.nullable(),
});
export type RegistryRepository = z.infer<typeof registryRepositorySchema>;
export const registryRepositoryListSchema = z.array(registryRepositorySchema);
/** Full repository paths at or under a prefix, in byte order: what a caller needs to decide visibility. */
export const registryRepositoryNamesSchema = z.array(repositoryNameSchema);

export const registryPlatformSchema = z.object({
  os: z.string(),
  architecture: z.string(),
  variant: z.string().optional(),
});
export type RegistryPlatform = z.infer<typeof registryPlatformSchema>;

/** One child manifest of an index. */
export const registryTagReferenceSchema = z.object({
  digest: digestSchema,
  media_type: z.string(),
  size_bytes: z.number().int().nonnegative(),
  platform: registryPlatformSchema.nullable(),
});
export type RegistryTagReference = z.infer<typeof registryTagReferenceSchema>;

export const registryTagSchema = z.object({
  name: tagSchema,
  digest: digestSchema,
  /** Null for an index, which has no config. */
  config_digest: digestSchema.nullable(),
  media_type: z.string(),
  size_bytes: z.number().int().nonnegative(),
  created_at: isoTime,
  updated_at: isoTime,
  published_at: isoTime,
  /** Present for an index only. */
  references: z.array(registryTagReferenceSchema).optional(),
});
export type RegistryTag = z.infer<typeof registryTagSchema>;
export const registryTagListSchema = z.array(registryTagSchema);

/** One page of a list as the client hands it on: rows, the total matching the filter, keyset markers. */
export function registryPageSchema<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    total: z.number().int().nonnegative(),
    /** `last` marker of the next page, from the `Link` header; absent on the last page. */
    next: z.string().optional(),
    /** `before` marker of the previous page; absent on the first page. */
    previous: z.string().optional(),
  });
}
export const registryRepositoryPageSchema = registryPageSchema(registryRepositorySchema);
export type RegistryRepositoryPage = z.infer<typeof registryRepositoryPageSchema>;
export const registryTagPageSchema = registryPageSchema(registryTagSchema);
export type RegistryTagPage = z.infer<typeof registryTagPageSchema>;

/** Body of `POST /berth/v1/repository-paths/<prefix>/repositories/list/`: project paths to keep or to leave out. */
export const registryRepositoryListRequestSchema = z.union([
  z.strictObject({ include: z.array(repositoryNameSchema).max(100_000) }),
  z.strictObject({ exclude: z.array(repositoryNameSchema).max(100_000) }),
]);
export type RegistryRepositoryListRequest = z.infer<typeof registryRepositoryListRequestSchema>;

export const registryBulkTagDeleteRequestSchema = z.strictObject({
  names: z.array(tagSchema).min(1).max(REGISTRY_BULK_DELETE_MAX),
});
export const registryBulkTagDeleteResultSchema = z.object({
  deleted: z.array(tagSchema),
  not_found: z.array(tagSchema),
});
export type RegistryBulkTagDeleteResult = z.infer<typeof registryBulkTagDeleteResultSchema>;

export const registryRenameResultSchema = z.object({
  name: repositoryNameSchema,
  dry_run: z.boolean(),
  repositories: z.array(z.object({ from: repositoryNameSchema, to: repositoryNameSchema })),
});
export type RegistryRenameResult = z.infer<typeof registryRenameResultSchema>;

/** The OCI distribution error body every registry error carries. */
export const registryErrorBodySchema = z.object({
  errors: z
    .array(z.object({ code: z.string(), message: z.string().optional(), detail: z.unknown().optional() }))
    .min(1),
});
export type RegistryErrorBody = z.infer<typeof registryErrorBodySchema>;

/** The subset of an OCI image manifest the image view reads. */
export const ociDescriptorSchema = z.object({
  mediaType: z.string().optional(),
  digest: digestSchema,
  size: z.number().int().nonnegative(),
  platform: z.object({ os: z.string(), architecture: z.string(), variant: z.string().optional() }).optional(),
});
export const ociImageManifestSchema = z.object({
  mediaType: z.string().optional(),
  config: ociDescriptorSchema,
  layers: z.array(ociDescriptorSchema),
});
export const ociIndexSchema = z.object({
  mediaType: z.string().optional(),
  manifests: z.array(ociDescriptorSchema),
});
/** The subset of an OCI image configuration the image view reads; every field is optional in the spec. */
export const ociImageConfigSchema = z.object({
  created: z.string().optional(),
  os: z.string().optional(),
  architecture: z.string().optional(),
  variant: z.string().optional(),
  config: z
    .object({
      Entrypoint: z.array(z.string()).nullish(),
      Cmd: z.array(z.string()).nullish(),
      Env: z.array(z.string()).nullish(),
      Labels: z.record(z.string(), z.string()).nullish(),
      ExposedPorts: z.record(z.string(), z.unknown()).nullish(),
      WorkingDir: z.string().nullish(),
      User: z.string().nullish(),
    })
    .nullish(),
  history: z
    .array(
      z.object({
        created: z.string().optional(),
        created_by: z.string().optional(),
        empty_layer: z.boolean().optional(),
        comment: z.string().optional(),
      }),
    )
    .optional(),
});
export type OciImageConfig = z.infer<typeof ociImageConfigSchema>;
