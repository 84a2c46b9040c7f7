import { z } from 'zod';
import { REPOSITORY_NAME_MAX_LENGTH } from '../names.js';

/** GitLab access levels (docs/design.md §4). */
export const ACCESS_LEVELS = { guest: 10, reporter: 20, developer: 30, maintainer: 40, owner: 50 } as const;
export const accessLevelSchema = z.coerce
  .number()
  .pipe(z.union([z.literal(10), z.literal(20), z.literal(30), z.literal(40), z.literal(50)]));
export type AccessLevel = z.infer<typeof accessLevelSchema>;

export const visibilitySchema = z.enum(['private', 'internal', 'public']);
export type Visibility = z.infer<typeof visibilitySchema>;

export const registryAccessLevelSchema = z.enum(['enabled', 'private', 'disabled']);
export type RegistryAccessLevel = z.infer<typeof registryAccessLevelSchema>;

/** Query strings and form bodies carry strings; JSON bodies carry real values. Both are accepted, as GitLab does. */
export const booleanParam = z.union([
  z.boolean(),
  z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1'),
]);
export const idParam = z.coerce.number().int().positive();
export const dateParam = z.iso.date();

/** `page`/`per_page` of GitLab's offset pagination; per_page above 100 is clamped, as GitLab does. */
export const paginationQuerySchema = z.object({
  page: z.coerce.number().int().min(1).catch(1).default(1),
  per_page: z.coerce
    .number()
    .int()
    .min(1)
    .transform((n) => Math.min(n, 100))
    .catch(20)
    .default(20),
});
export type PaginationQuery = z.infer<typeof paginationQuerySchema>;

export const errorResponseSchema = z.object({
  message: z.union([z.string(), z.record(z.string(), z.unknown())]),
});

const SEPARATOR_RUN = /[._-]+/g;
const VALID_SEPARATOR = /^(?:\.|_|__|-+)$/;

/**
 * Why a group or project path segment would make an invalid image name (docs/design.md §5), or undefined when
 * it is valid. Each segment becomes one component of `<registry>/<group>/<project>/…` and must match
 * the distribution grammar `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`.
 */
export function explainPathSegmentProblem(segment: string): string | undefined {
  if (segment.length === 0) return 'must not be empty';
  if (/[A-Z]/.test(segment)) return 'must be lowercase: image names cannot contain upper case letters';
  if (/[^a-z0-9._-]/.test(segment))
    return "may contain only lowercase letters, digits, '.', '_' and '-': other characters are not allowed in image names";
  if (/^[._-]/.test(segment))
    return "must start with a letter or digit: image names cannot start with '.', '_' or '-'";
  if (/[._-]$/.test(segment))
    return "must end with a letter or digit: image names cannot end with '.', '_' or '-'";
  for (const run of segment.match(SEPARATOR_RUN) ?? []) {
    if (!VALID_SEPARATOR.test(run))
      return `must not contain "${run}": between letters and digits image names allow only '.', '_', '__' or a run of '-'`;
  }
  return undefined;
}

/** A group or project `path`: one segment that is valid as part of an image name. */
export const pathSegmentSchema = z
  .string()
  .max(REPOSITORY_NAME_MAX_LENGTH)
  .superRefine((value, ctx) => {
    const problem = explainPathSegmentProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** `:id` of GitLab's API: a number or a URL-encoded full path (`acme%2Fshop`, decoded by the router). */
export const resourceIdSchema = z.union([
  z.number().int().positive(),
  z
    .string()
    .regex(/^\d+$/)
    .transform((value) => Number(value)),
  z.string().min(1).max(REPOSITORY_NAME_MAX_LENGTH),
]);
export type ResourceId = z.infer<typeof resourceIdSchema>;

/** Arrays arrive as JSON arrays, `scopes[]=a&scopes[]=b` (parsed to arrays) or `scopes=a,b`. */
export function listParam<T extends z.ZodType>(item: T) {
  return z.preprocess(
    (value) => (typeof value === 'string' ? value.split(',').map((part) => part.trim()) : value),
    z.array(item),
  );
}
