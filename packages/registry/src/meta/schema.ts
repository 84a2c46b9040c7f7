import type { Generated, Insertable, Selectable } from 'kysely';

/** Times are milliseconds since the epoch, stored as BIGINT in both dialects. */
export interface RepositoriesTable {
  id: Generated<number>;
  name: string;
  created_at: number;
  updated_at: number;
  /** Kept up to date by every write: the distinct blobs its manifests reference (see meta/repository-sizes.ts). */
  size_bytes: Generated<number>;
}

/** Content-addressed bytes known to the store, shared by every repository that links them. */
export interface BlobsTable {
  digest: string;
  size: number;
  created_at: number;
}

/** A blob is visible in a repository only through a link (pushed there or mounted). */
export interface RepositoryBlobsTable {
  repository_id: number;
  digest: string;
  created_at: number;
  /** How many of the repository's manifests reference the blob; it counts in the size while above zero. */
  manifest_count: Generated<number>;
}

export interface ManifestsTable {
  id: Generated<number>;
  repository_id: number;
  digest: string;
  media_type: string;
  artifact_type: string | null;
  config_digest: string | null;
  config_media_type: string | null;
  subject_digest: string | null;
  /** JSON of the manifest's annotations, for referrers answers. */
  annotations: string | null;
  /** The manifest bytes exactly as pushed; manifests live here, not in the blob store. */
  payload: Uint8Array;
  /** Bytes of the payload itself. */
  size: number;
  created_at: number;
}

/** Layers and config referenced by an image manifest. */
export interface ManifestBlobsTable {
  manifest_id: number;
  digest: string;
}

/** Manifests referenced by an index, with the platform the index gives them. */
export interface ManifestChildrenTable {
  parent_id: number;
  child_id: number;
  platform: string | null;
}

export interface TagsTable {
  id: Generated<number>;
  repository_id: number;
  name: string;
  manifest_id: number;
  created_at: number;
  updated_at: number;
  published_at: number;
}

export interface UploadsTable {
  id: string;
  repository_id: number;
  /** Bytes acknowledged so far; storage is cut back to this after an interrupted chunk. */
  size: number;
  /** The storage driver's own record of the upload (UploadState.detail), e.g. its S3 parts. */
  storage_state: string | null;
  created_at: number;
  updated_at: number;
}

export type GcEvent =
  | 'blob_upload'
  | 'blob_delete'
  | 'manifest_upload'
  | 'manifest_delete'
  | 'manifest_list_delete'
  | 'tag_delete'
  | 'tag_switch'
  | 'repository_delete';

export interface GcManifestReviewQueueTable {
  manifest_id: number;
  review_after: number;
  event: GcEvent;
}

export interface GcBlobReviewQueueTable {
  digest: string;
  review_after: number;
  event: GcEvent;
}

export interface RegistryDatabase {
  repositories: RepositoriesTable;
  blobs: BlobsTable;
  repository_blobs: RepositoryBlobsTable;
  manifests: ManifestsTable;
  manifest_blobs: ManifestBlobsTable;
  manifest_children: ManifestChildrenTable;
  tags: TagsTable;
  uploads: UploadsTable;
  gc_manifest_review_queue: GcManifestReviewQueueTable;
  gc_blob_review_queue: GcBlobReviewQueueTable;
}

export type ManifestRow = Selectable<ManifestsTable>;
export type NewManifest = Insertable<ManifestsTable>;
