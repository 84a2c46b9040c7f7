import { REPOSITORY_NAME_MAX_LENGTH, type Visibility } from '@berth/contract';
import type { Kysely, Transaction } from 'kysely';
import type { BffDatabase } from '../db/schema.js';
import { badRequest } from '../errors.js';

export const VISIBILITY_RANK: Record<Visibility, number> = { private: 0, internal: 10, public: 20 };

/** `a/b/c` → `['a', 'a/b']`: the full paths of every group above it. */
export function prefixesOf(fullPath: string): string[] {
  const segments = fullPath.split('/');
  return segments.slice(0, -1).map((_, index) => segments.slice(0, index + 1).join('/'));
}

/** A project's full path is the start of every image name in it, which the registry caps at 255 characters. */
export function checkFullPathLength(fullPath: string): void {
  if (fullPath.length > REPOSITORY_NAME_MAX_LENGTH) {
    throw badRequest(
      `path "${fullPath}" is too long: image names are limited to ${REPOSITORY_NAME_MAX_LENGTH} characters`,
    );
  }
}

export function assertVisibilityWithin(
  visibility: Visibility,
  parentVisibility: Visibility,
  what: 'group' | 'project',
  parentName: string,
): void {
  if (VISIBILITY_RANK[visibility] > VISIBILITY_RANK[parentVisibility]) {
    throw badRequest(
      `visibility ${visibility} is not allowed for this ${what}: it cannot be more visible than its ${parentName} (${parentVisibility})`,
    );
  }
}

/** Groups and projects share one path space: `acme/shop` is either a group or a project, never both. */
export async function assertFullPathFree(
  db: Kysely<BffDatabase> | Transaction<BffDatabase>,
  fullPath: string,
) {
  const taken =
    (await db.selectFrom('groups').select('id').where('full_path', '=', fullPath).executeTakeFirst()) ??
    (await db.selectFrom('projects').select('id').where('full_path', '=', fullPath).executeTakeFirst());
  if (taken) throw badRequest(`path "${fullPath}" has already been taken`);
}

/** GitLab derives a missing project path from its name: `My App` → `my-app`. */
export function pathFromName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/[._-]*$/, '')
    .replace(/^[._-]*/, '');
}
