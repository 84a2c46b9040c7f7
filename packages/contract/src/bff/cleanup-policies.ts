import { z } from 'zod';
import { booleanParam } from './common.js';

/** GitLab's cleanup policy (`container_expiration_policy`) values (DESIGN §6). */
export const cleanupCadenceSchema = z.enum(['1d', '7d', '14d', '1month', '3month']);
export const cleanupKeepNSchema = z.union([
  z.literal(1),
  z.literal(5),
  z.literal(10),
  z.literal(25),
  z.literal(50),
  z.literal(100),
]);
export const cleanupOlderThanSchema = z.enum(['7d', '14d', '30d', '90d']);

/** `container_expiration_policy` on `GET /projects/:id`. */
export const containerExpirationPolicySchema = z.object({
  cadence: cleanupCadenceSchema,
  enabled: z.boolean(),
  keep_n: cleanupKeepNSchema.nullable(),
  older_than: cleanupOlderThanSchema.nullable(),
  /** Tags to delete: RE2, anchored (GitLab's `name_regex`, alias `name_regex_delete`). */
  name_regex: z.string().nullable(),
  /** Tags to keep whatever `name_regex` says. */
  name_regex_keep: z.string().nullable(),
  next_run_at: z.string().nullable(),
});
export type ContainerExpirationPolicy = z.infer<typeof containerExpirationPolicySchema>;

/** `container_expiration_policy_attributes` of `PUT /projects/:id`: every field optional, `null` clears. */
export const containerExpirationPolicyAttributesSchema = z.object({
  cadence: cleanupCadenceSchema.optional(),
  enabled: booleanParam.optional(),
  keep_n: z.coerce.number().pipe(cleanupKeepNSchema).nullable().optional(),
  older_than: cleanupOlderThanSchema.nullable().optional(),
  name_regex: z.string().max(255).nullable().optional(),
  name_regex_delete: z.string().max(255).nullable().optional(),
  name_regex_keep: z.string().max(255).nullable().optional(),
});
export type ContainerExpirationPolicyAttributes = z.infer<typeof containerExpirationPolicyAttributesSchema>;

/**
 * `POST /projects/:id/registry/cleanup_policy/preview`: the body is a policy being edited (absent fields
 * come from the saved policy); the answer lists, per repository, what the policy would delete and keep now.
 */
export const cleanupPreviewRequestSchema = containerExpirationPolicyAttributesSchema;
export const cleanupPreviewTagSchema = z.object({ name: z.string(), published_at: z.string() });
/** Which rule keeps a tag, in GitLab's order: `latest`, the name regexes, `keep_n`, `older_than`. */
export const cleanupKeepReasonSchema = z.enum(['latest', 'name', 'keep_n', 'older_than']);
export const cleanupPreviewKeptTagSchema = cleanupPreviewTagSchema.extend({
  reason: cleanupKeepReasonSchema.optional(),
});
export const cleanupPreviewSchema = z.object({
  repositories: z.array(
    z.object({
      id: z.number().int().positive(),
      path: z.string(),
      delete: z.array(cleanupPreviewTagSchema),
      keep: z.array(cleanupPreviewKeptTagSchema),
    }),
  ),
});
export type CleanupPreview = z.infer<typeof cleanupPreviewSchema>;

const emptyToUndefined = (value: unknown) => (value === '' ? undefined : value);

/**
 * `DELETE /projects/:id/registry/repositories/:repository_id/tags` (GitLab's bulk delete), from the query
 * string, a form or JSON. Regexes are RE2 and must match the whole tag name.
 */
export const bulkDeleteTagsRequestSchema = z
  .object({
    name_regex_delete: z.string().max(255).optional(),
    /** GitLab's older name of `name_regex_delete`. */
    name_regex: z.string().max(255).optional(),
    name_regex_keep: z.string().max(255).optional(),
    keep_n: z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).optional()),
    /** GitLab's durations: `1h`, `7d`, `1month`… */
    older_than: z.preprocess(emptyToUndefined, z.string().max(100).optional()),
  })
  .refine(
    (body) => body.name_regex_delete !== undefined || body.name_regex !== undefined,
    'name_regex, name_regex_delete are missing, at least one parameter must be provided',
  );
export type BulkDeleteTagsRequest = z.infer<typeof bulkDeleteTagsRequestSchema>;
