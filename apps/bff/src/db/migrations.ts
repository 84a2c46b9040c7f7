import { explainPathSegmentProblem } from '@berth/contract';
import type { Dialect } from '@berth/sql';
import { type ColumnDefinitionBuilder, type Kysely, type Migration, sql } from 'kysely';
import type { BffDatabase } from './schema.js';

/** The BFF's migrations; ids are the one place the two dialects differ. */
export function bffMigrations(dialect: Dialect): Record<string, Migration> {
  const idType = dialect === 'postgres' ? 'serial' : 'integer';
  const id = (col: ColumnDefinitionBuilder) =>
    dialect === 'postgres' ? col.primaryKey() : col.primaryKey().autoIncrement();
  return {
    '0001_identity_and_projects': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('users')
          .addColumn('id', idType, id)
          .addColumn('username', 'text', (col) => col.notNull())
          .addColumn('name', 'text', (col) => col.notNull())
          .addColumn('email', 'text', (col) => col.notNull())
          .addColumn('password_hash', 'text', (col) => col.notNull())
          .addColumn('is_admin', 'integer', (col) => col.notNull().defaultTo(0))
          .addColumn('state', 'text', (col) => col.notNull().defaultTo('active'))
          .addColumn('created_at', 'text', (col) => col.notNull())
          .execute();
        await db.schema
          .createIndex('users_username_lower')
          .unique()
          .on('users')
          .expression(sql`lower(username)`)
          .execute();
        await db.schema
          .createIndex('users_email_lower')
          .unique()
          .on('users')
          .expression(sql`lower(email)`)
          .execute();

        await db.schema
          .createTable('sessions')
          .addColumn('id', idType, id)
          .addColumn('token_hash', 'text', (col) => col.notNull().unique())
          .addColumn('csrf_token', 'text', (col) => col.notNull())
          .addColumn('user_id', 'integer', (col) => col.notNull().references('users.id').onDelete('cascade'))
          .addColumn('created_at', 'text', (col) => col.notNull())
          .addColumn('expires_at', 'text', (col) => col.notNull())
          .execute();

        await db.schema
          .createTable('groups')
          .addColumn('id', idType, id)
          .addColumn('name', 'text', (col) => col.notNull())
          .addColumn('path', 'text', (col) => col.notNull())
          .addColumn('full_path', 'text', (col) => col.notNull().unique())
          .addColumn('parent_id', 'integer', (col) => col.references('groups.id').onDelete('restrict'))
          .addColumn('visibility', 'text', (col) => col.notNull())
          .addColumn('description', 'text', (col) => col.notNull().defaultTo(''))
          .addColumn('created_at', 'text', (col) => col.notNull())
          .execute();
        await db.schema.createIndex('groups_parent_id').on('groups').column('parent_id').execute();

        await db.schema
          .createTable('projects')
          .addColumn('id', idType, id)
          .addColumn('name', 'text', (col) => col.notNull())
          .addColumn('path', 'text', (col) => col.notNull())
          .addColumn('full_path', 'text', (col) => col.notNull().unique())
          .addColumn('namespace_id', 'integer', (col) =>
            col.notNull().references('groups.id').onDelete('restrict'),
          )
          .addColumn('visibility', 'text', (col) => col.notNull())
          .addColumn('container_registry_access_level', 'text', (col) => col.notNull())
          .addColumn('description', 'text', (col) => col.notNull().defaultTo(''))
          .addColumn('created_at', 'text', (col) => col.notNull())
          .addColumn('last_activity_at', 'text', (col) => col.notNull())
          .execute();
        await db.schema.createIndex('projects_namespace_id').on('projects').column('namespace_id').execute();

        // Members of groups and projects; no foreign key on source_id because it points at either table.
        await db.schema
          .createTable('members')
          .addColumn('id', idType, id)
          .addColumn('source_type', 'text', (col) => col.notNull())
          .addColumn('source_id', 'integer', (col) => col.notNull())
          .addColumn('user_id', 'integer', (col) => col.notNull().references('users.id').onDelete('cascade'))
          .addColumn('access_level', 'integer', (col) => col.notNull())
          .addColumn('expires_at', 'text')
          .addColumn('created_at', 'text', (col) => col.notNull())
          .addUniqueConstraint('members_source_user', ['source_type', 'source_id', 'user_id'])
          .execute();
        await db.schema.createIndex('members_user_id').on('members').column('user_id').execute();

        await db.schema
          .createTable('personal_access_tokens')
          .addColumn('id', idType, id)
          .addColumn('user_id', 'integer', (col) => col.notNull().references('users.id').onDelete('cascade'))
          .addColumn('name', 'text', (col) => col.notNull())
          .addColumn('token_hash', 'text', (col) => col.notNull().unique())
          .addColumn('scopes', 'text', (col) => col.notNull())
          .addColumn('expires_at', 'text')
          .addColumn('revoked', 'integer', (col) => col.notNull().defaultTo(0))
          .addColumn('created_at', 'text', (col) => col.notNull())
          .addColumn('last_used_at', 'text')
          .execute();
        await db.schema
          .createIndex('personal_access_tokens_user_id')
          .on('personal_access_tokens')
          .column('user_id')
          .execute();

        await db.schema
          .createTable('oauth_tokens')
          .addColumn('id', idType, id)
          .addColumn('user_id', 'integer', (col) => col.notNull().references('users.id').onDelete('cascade'))
          .addColumn('token_hash', 'text', (col) => col.notNull().unique())
          .addColumn('scopes', 'text', (col) => col.notNull())
          .addColumn('expires_at', 'text', (col) => col.notNull())
          .addColumn('created_at', 'text', (col) => col.notNull())
          .execute();

        await db.schema
          .createTable('deploy_tokens')
          .addColumn('id', idType, id)
          .addColumn('project_id', 'integer', (col) => col.references('projects.id').onDelete('cascade'))
          .addColumn('group_id', 'integer', (col) => col.references('groups.id').onDelete('cascade'))
          .addColumn('name', 'text', (col) => col.notNull())
          .addColumn('username', 'text', (col) => col.notNull())
          .addColumn('token_hash', 'text', (col) => col.notNull().unique())
          .addColumn('scopes', 'text', (col) => col.notNull())
          .addColumn('expires_at', 'text')
          .addColumn('revoked', 'integer', (col) => col.notNull().defaultTo(0))
          .addColumn('created_at', 'text', (col) => col.notNull())
          .execute();

        await db.schema
          .createTable('job_tokens')
          .addColumn('id', idType, id)
          .addColumn('project_id', 'integer', (col) =>
            col.notNull().references('projects.id').onDelete('cascade'),
          )
          .addColumn('user_id', 'integer', (col) => col.notNull().references('users.id').onDelete('cascade'))
          .addColumn('token_hash', 'text', (col) => col.notNull().unique())
          .addColumn('expires_at', 'text', (col) => col.notNull())
          .addColumn('created_at', 'text', (col) => col.notNull())
          .execute();
      },
    },
    '0002_container_repository_deletions': {
      async up(db: Kysely<unknown>) {
        // Repository deletes in progress: lists show `delete_scheduled` until the registry has dropped it.
        await db.schema
          .createTable('container_repository_deletions')
          .addColumn('repository_id', 'integer', (col) => col.primaryKey())
          .addColumn('project_id', 'integer', (col) =>
            col.notNull().references('projects.id').onDelete('cascade'),
          )
          .addColumn('status', 'text', (col) => col.notNull())
          .addColumn('scheduled_at', 'text', (col) => col.notNull())
          .addColumn('updated_at', 'text', (col) => col.notNull())
          .execute();
      },
    },
    '0003_container_cleanup': {
      async up(db: Kysely<unknown>) {
        // Named, expiring locks taken atomically (insert, or take over an expired row): the hourly limit
        // of bulk tag deletes and the one-run-at-a-time guard of cleanup policies, across BFF processes.
        await db.schema
          .createTable('leases')
          .addColumn('name', 'text', (col) => col.primaryKey())
          .addColumn('holder', 'text', (col) => col.notNull())
          .addColumn('expires_at', 'text', (col) => col.notNull())
          .execute();

        await db.schema
          .createTable('container_expiration_policies')
          .addColumn('project_id', 'integer', (col) =>
            col.primaryKey().references('projects.id').onDelete('cascade'),
          )
          .addColumn('enabled', 'integer', (col) => col.notNull().defaultTo(0))
          .addColumn('cadence', 'text', (col) => col.notNull())
          .addColumn('keep_n', 'integer')
          .addColumn('older_than', 'text')
          .addColumn('name_regex', 'text')
          .addColumn('name_regex_keep', 'text')
          .addColumn('next_run_at', 'text')
          .addColumn('created_at', 'text', (col) => col.notNull())
          .addColumn('updated_at', 'text', (col) => col.notNull())
          .execute();
        await db.schema
          .createIndex('container_expiration_policies_due')
          .on('container_expiration_policies')
          .columns(['enabled', 'next_run_at'])
          .execute();

        // Cleanup state of each registry repository (keyed by the registry's repository id).
        await db.schema
          .createTable('container_repository_cleanups')
          .addColumn('repository_id', 'integer', (col) => col.primaryKey())
          .addColumn('project_id', 'integer', (col) =>
            col.notNull().references('projects.id').onDelete('cascade'),
          )
          .addColumn('path', 'text', (col) => col.notNull())
          .addColumn('status', 'text')
          .addColumn('cleanup_policy_started_at', 'text')
          .execute();
        await db.schema
          .createIndex('container_repository_cleanups_project_id')
          .on('container_repository_cleanups')
          .column('project_id')
          .execute();
      },
    },
    // Lists sort and page in SQL: each order a list offers walks an index and stops after the page
    // (ties broken by id); counting what a caller may see reads (visibility, namespace) ranges; a
    // group's projects by creation time come from one covering index, which also serves every lookup
    // by namespace alone.
    '0004_list_indexes': {
      async up(db: Kysely<unknown>) {
        for (const column of ['created_at', 'last_activity_at', 'name']) {
          await db.schema
            .createIndex(`projects_${column}_id`)
            .on('projects')
            .columns([column, 'id'])
            .execute();
        }
        await db.schema
          .createIndex('projects_visibility_namespace_id')
          .on('projects')
          .columns(['visibility', 'namespace_id'])
          .execute();
        await db.schema
          .createIndex('projects_namespace_id_visibility_created_at_id')
          .on('projects')
          .columns(['namespace_id', 'visibility', 'created_at', 'id'])
          .execute();
        await db.schema.dropIndex('projects_namespace_id').execute();
        await db.schema.createIndex('groups_name_id').on('groups').columns(['name', 'id']).execute();
      },
    },
    '0005_personal_namespaces_and_released_paths': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .alterTable('groups')
          .addColumn('kind', 'text', (col) => col.notNull().defaultTo('group'))
          .execute();
        await db.schema
          .alterTable('groups')
          .addColumn('owner_id', 'integer', (col) => col.references('users.id').onDelete('cascade'))
          .execute();
        await db.schema.createIndex('groups_owner_id').unique().on('groups').column('owner_id').execute();
        await addPersonalNamespaces(db as Kysely<BffDatabase>);
        await db.schema
          .createTable('released_paths')
          .addColumn('id', idType, id)
          .addColumn('full_path', 'text', (col) => col.notNull())
          .addColumn('released_at', 'text', (col) => col.notNull())
          .execute();
        await db.schema
          .createIndex('released_paths_full_path')
          .on('released_paths')
          .column('full_path')
          .execute();
      },
    },
    '0006_sign_in_throttle_and_expiry': {
      async up(db: Kysely<unknown>) {
        // Failed password sign-ins per account (`account:<lower-case login>`) and per client address
        // (`address:<ip>`), shared by every BFF process that uses this database.
        await db.schema
          .createTable('sign_in_throttle')
          .addColumn('key', 'text', (col) => col.primaryKey())
          .addColumn('failures', 'integer', (col) => col.notNull())
          .addColumn('last_failure_at', 'text', (col) => col.notNull())
          .addColumn('blocked_until', 'text')
          .execute();
        // Expired job tokens, OAuth tokens and sessions are deleted by expiry (TokenService).
        for (const table of ['job_tokens', 'oauth_tokens', 'sessions']) {
          await db.schema.createIndex(`${table}_expires_at`).on(table).column('expires_at').execute();
        }
      },
    },
    '0007_shared_token_signing_key': {
      async up(db: Kysely<unknown>) {
        // The token signing key every BFF process on this database uses (docs/scale.md); one row.
        await db.schema
          .createTable('token_signing_keys')
          .addColumn('id', 'integer', (col) => col.primaryKey())
          .addColumn('private_key_pem', 'text', (col) => col.notNull())
          .addColumn('created_at', 'text', (col) => col.notNull())
          .execute();
      },
    },
  };
}

/**
 * Gives every existing user the personal namespace new users get at sign-up. Its path is the lower-cased
 * username; when that is no valid image-name segment or a group already holds it, a derived path with
 * a number appended is used instead, so no existing group or image path changes meaning.
 */
async function addPersonalNamespaces(db: Kysely<BffDatabase>): Promise<void> {
  const taken = new Set(
    (await db.selectFrom('groups').select('full_path').execute()).map((g) => g.full_path),
  );
  const users = await db
    .selectFrom('users')
    .select(['id', 'username', 'name', 'created_at'])
    .orderBy('id')
    .execute();
  for (const user of users) {
    const wanted = user.username.toLowerCase();
    const base = explainPathSegmentProblem(wanted) === undefined ? wanted : sanitizedSegment(wanted, user.id);
    let path = base;
    for (let n = 1; taken.has(path); n++) path = `${base}${n}`;
    taken.add(path);
    const namespace = await db
      .insertInto('groups')
      .values({
        name: user.name,
        path,
        full_path: path,
        parent_id: null,
        visibility: 'public',
        description: '',
        created_at: user.created_at,
        kind: 'user',
        owner_id: user.id,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db
      .insertInto('members')
      .values({
        source_type: 'group',
        source_id: namespace.id,
        user_id: user.id,
        access_level: 50,
        expires_at: null,
        created_at: user.created_at,
      })
      .execute();
  }
}

/** `_Bob..x-` → `bob-x`: separators collapsed to one hyphen and trimmed; `user-<id>` when nothing is left. */
function sanitizedSegment(username: string, id: number): string {
  const segment = username.replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return segment === '' ? `user-${id}` : segment;
}
