import type { Dialect } from '@berth/sql';
import { type ColumnDefinitionBuilder, type Kysely, type Migration, sql } from 'kysely';

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
    '0002_sign_in_throttle_and_expiry': {
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
  };
}
