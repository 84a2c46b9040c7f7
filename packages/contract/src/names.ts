import { z } from 'zod';

/** The distribution spec's repository name grammar (docs/design.md §5). */
export const REPOSITORY_NAME_PATTERN =
  /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;
export const REPOSITORY_NAME_MAX_LENGTH = 255;
export const TAG_PATTERN = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
export const DIGEST_PATTERN = /^(?:sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

export const repositoryNameSchema = z
  .string()
  .max(REPOSITORY_NAME_MAX_LENGTH)
  .regex(REPOSITORY_NAME_PATTERN, 'must match the distribution repository name grammar');
export const tagSchema = z.string().regex(TAG_PATTERN, 'must match [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}');
export const digestSchema = z.string().regex(DIGEST_PATTERN, 'must be sha256:<64 hex> or sha512:<128 hex>');
