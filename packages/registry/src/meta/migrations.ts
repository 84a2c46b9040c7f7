import type { Dialect } from '@berth/sql';
import type { Migration } from 'kysely';
import { registryCoreMigration } from './migrations/0001-registry-core.js';
import { gcReviewQueuesMigration } from './migrations/0003-gc-review-queues.js';
import { uploadStorageStateMigration } from './migrations/0004-upload-storage-state.js';
import { repositorySizesMigration } from './migrations/0005-repository-sizes.js';

/** One migration set for both dialects, applied in name order. */
export function registryMigrations(dialect: Dialect): Record<string, Migration> {
  return {
    '0001_registry_core': registryCoreMigration(dialect),
    '0003_gc_review_queues': gcReviewQueuesMigration(dialect),
    '0004_upload_storage_state': uploadStorageStateMigration(),
    '0005_repository_sizes': repositorySizesMigration(),
  };
}
