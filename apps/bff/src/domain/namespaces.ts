import { ACCESS_LEVELS, explainPathSegmentProblem } from '@berth/contract';
import type { Kysely, Transaction } from 'kysely';
import type { BffDatabase, GroupRow, UserRow } from '../db/schema.js';
import { badRequest } from '../errors.js';

/**
 * A user's personal namespace is a `groups` row of kind `user` whose path is the lower-cased username
 * (image paths are lower case). Its owner holds an ordinary Owner membership of it, so the access
 * module and every query over memberships treat the owner as Owner of the projects in it.
 */
export function personalNamespacePath(username: string): string {
  const path = username.toLowerCase();
  const problem = explainPathSegmentProblem(path);
  if (problem) {
    throw badRequest(
      `username: ${problem} (the username names the user's namespace, which starts image paths)`,
    );
  }
  return path;
}

/** Creates the namespace inside the transaction that creates its user; a path a group holds is refused. */
export async function insertPersonalNamespace(
  trx: Transaction<BffDatabase>,
  user: UserRow,
  path: string,
): Promise<GroupRow> {
  const taken = await trx.selectFrom('groups').select('id').where('full_path', '=', path).executeTakeFirst();
  if (taken) throw badRequest('Username has already been taken');
  const namespace = await trx
    .insertInto('groups')
    .values({
      name: user.name,
      path,
      full_path: path,
      parent_id: null,
      // Projects in it may be of any visibility, as in GitLab; the namespace itself is not listed as a group.
      visibility: 'public',
      description: '',
      created_at: user.created_at,
      kind: 'user',
      owner_id: user.id,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await trx
    .insertInto('members')
    .values({
      source_type: 'group',
      source_id: namespace.id,
      user_id: user.id,
      access_level: ACCESS_LEVELS.owner,
      expires_at: null,
      created_at: user.created_at,
    })
    .execute();
  return namespace;
}

export function findPersonalNamespace(
  db: Kysely<BffDatabase>,
  userId: number,
): Promise<GroupRow | undefined> {
  return db.selectFrom('groups').selectAll().where('owner_id', '=', userId).executeTakeFirst();
}
