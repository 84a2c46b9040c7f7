import type { Dialect } from '@berth/sql';
import type { Kysely, Migration } from 'kysely';
import { dialectColumns } from './dialect-columns.js';

/** Repositories, blobs and links, manifests with their references, tags and uploads. */
export function registryCoreMigration(dialect: Dialect): Migration {
  const { identity, byteOrder, bytes, idType } = dialectColumns(dialect);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('repositories')
        .addColumn('id', idType, identity)
        .addColumn('name', 'text', (c) => byteOrder(c.notNull().unique()))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('blobs')
        .addColumn('digest', 'text', (c) => c.primaryKey())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('repository_blobs')
        .addColumn('repository_id', idType, (c) =>
          c.notNull().references('repositories.id').onDelete('cascade'),
        )
        .addColumn('digest', 'text', (c) => c.notNull().references('blobs.digest'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('repository_blobs_pk', ['repository_id', 'digest'])
        .execute();
      await db.schema
        .createIndex('repository_blobs_digest')
        .on('repository_blobs')
        .column('digest')
        .execute();

      await db.schema
        .createTable('manifests')
        .addColumn('id', idType, identity)
        .addColumn('repository_id', idType, (c) =>
          c.notNull().references('repositories.id').onDelete('cascade'),
        )
        .addColumn('digest', 'text', (c) => c.notNull())
        .addColumn('media_type', 'text', (c) => c.notNull())
        .addColumn('artifact_type', 'text')
        .addColumn('config_digest', 'text')
        .addColumn('config_media_type', 'text')
        .addColumn('subject_digest', 'text')
        .addColumn('annotations', 'text')
        .addColumn('payload', bytes, (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('manifests_repository_digest', ['repository_id', 'digest'])
        .execute();
      await db.schema
        .createIndex('manifests_subject')
        .on('manifests')
        .columns(['repository_id', 'subject_digest'])
        .execute();

      await db.schema
        .createTable('manifest_blobs')
        .addColumn('manifest_id', idType, (c) => c.notNull().references('manifests.id').onDelete('cascade'))
        .addColumn('digest', 'text', (c) => c.notNull().references('blobs.digest'))
        .addPrimaryKeyConstraint('manifest_blobs_pk', ['manifest_id', 'digest'])
        .execute();
      await db.schema.createIndex('manifest_blobs_digest').on('manifest_blobs').column('digest').execute();

      await db.schema
        .createTable('manifest_children')
        .addColumn('parent_id', idType, (c) => c.notNull().references('manifests.id').onDelete('cascade'))
        .addColumn('child_id', idType, (c) => c.notNull().references('manifests.id'))
        .addColumn('platform', 'text')
        .addPrimaryKeyConstraint('manifest_children_pk', ['parent_id', 'child_id'])
        .execute();
      await db.schema
        .createIndex('manifest_children_child')
        .on('manifest_children')
        .column('child_id')
        .execute();

      await db.schema
        .createTable('tags')
        .addColumn('id', idType, identity)
        .addColumn('repository_id', idType, (c) =>
          c.notNull().references('repositories.id').onDelete('cascade'),
        )
        .addColumn('name', 'text', (c) => byteOrder(c.notNull()))
        .addColumn('manifest_id', idType, (c) => c.notNull().references('manifests.id'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('published_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('tags_repository_name', ['repository_id', 'name'])
        .execute();
      await db.schema.createIndex('tags_manifest').on('tags').column('manifest_id').execute();
      await db.schema
        .createIndex('tags_published')
        .on('tags')
        .columns(['repository_id', 'published_at', 'name'])
        .execute();

      await db.schema
        .createTable('uploads')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('repository_id', idType, (c) =>
          c.notNull().references('repositories.id').onDelete('cascade'),
        )
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  };
}
