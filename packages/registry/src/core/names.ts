import { REPOSITORY_NAME_MAX_LENGTH, REPOSITORY_NAME_PATTERN, TAG_PATTERN } from '@berth/contract';
import { registryError } from './errors.js';

/** Throws NAME_INVALID unless `name` follows the distribution grammar (docs/design.md §5). */
export function assertRepositoryName(name: string): void {
  if (!isRepositoryName(name)) {
    throw registryError('NAME_INVALID', 'invalid repository name', {
      detail: {
        name: name.slice(0, 300),
        rule: `lowercase path components [a-z0-9]+ separated by '.', '_', '__' or '-', joined by '/', at most ${REPOSITORY_NAME_MAX_LENGTH} characters`,
      },
    });
  }
}

export function isRepositoryName(name: string): boolean {
  return name.length <= REPOSITORY_NAME_MAX_LENGTH && REPOSITORY_NAME_PATTERN.test(name);
}

export function isTag(reference: string): boolean {
  return TAG_PATTERN.test(reference);
}

export function assertTag(tag: string): void {
  if (!TAG_PATTERN.test(tag)) {
    throw registryError('TAG_INVALID', 'invalid tag', {
      detail: { tag: tag.slice(0, 200), rule: '[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}' },
    });
  }
}
