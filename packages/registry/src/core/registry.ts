import { type Hash, randomUUID } from 'node:crypto';
import type { Readable, Writable } from 'node:stream';
import type { MetadataStore, Referrer, StoredManifest, Upload } from '../meta/metadata-store.js';
import { type StorageDriver, StorageNotFoundError, type UploadState } from '../storage/driver.js';
import { createDigestHash, digestOf, type ParsedDigest, parseDigest } from './digest.js';
import { registryError, registryErrors } from './errors.js';
import type { DigestLocks } from './keyed-mutex.js';
import { parseManifest } from './manifest.js';
import { assertTag, isTag } from './names.js';
import { blobKey, uploadKey } from './storage-keys.js';
import { UploadBody } from './upload-body.js';

export interface ByteRange {
  start: number;
  end: number;
}

export interface RegistryDeps {
  meta: MetadataStore;
  storage: StorageDriver;
  /** Shared with garbage collection so a blob is never deleted under a commit that relies on it. */
  digestLocks: DigestLocks;
  clock?: () => number;
}

export interface Page<T> {
  items: T[];
  /** The marker for the next page, when there is one. */
  next: string | undefined;
}

/**
 * Running sha256 of an upload, kept between chunks; rebuilt from storage when another
 * process (or a restart) continues the upload. Undefined when storage cannot read an
 * unfinished upload (S3): the digest is then checked on the finished object.
 */
interface UploadHashState {
  hash: Hash | undefined;
  size: number;
}

const UPLOAD_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The distribution API's behaviour, independent of HTTP: names and references
 * arrive validated by the caller, everything else is checked here.
 */
export class Registry {
  private readonly meta: MetadataStore;
  private readonly storage: StorageDriver;
  private readonly now: () => number;
  private readonly digestLocks: DigestLocks;
  private readonly uploadHashes = new Map<string, UploadHashState>();
  /** Uploads with a request writing to them right now; a second writer is refused, not interleaved. */
  private readonly busyUploads = new Set<string>();

  constructor(deps: RegistryDeps) {
    this.meta = deps.meta;
    this.storage = deps.storage;
    this.now = deps.clock ?? Date.now;
    this.digestLocks = deps.digestLocks;
  }

  // ---- blobs ----

  async statBlob(repository: string, digest: string): Promise<{ size: number }> {
    const blob = await this.meta.findRepositoryBlob(repository, parseDigest(digest).value);
    if (!blob) throw registryError('BLOB_UNKNOWN', 'blob unknown to registry', { detail: { digest } });
    return blob;
  }

  /** Where a client may fetch the blob from storage directly, when storage offers redirects. */
  async blobRedirect(digest: string): Promise<string | undefined> {
    return this.storage.redirectUrl(blobKey(parseDigest(digest)));
  }

  /** Writes the blob's bytes (or a range of them) into `destination`, which stays open. */
  async sendBlob(
    repository: string,
    digest: string,
    destination: Writable,
    range?: ByteRange,
  ): Promise<void> {
    try {
      await this.storage.copyTo(blobKey(parseDigest(digest)), destination, range);
    } catch (error) {
      if (error instanceof StorageNotFoundError) {
        throw registryError('BLOB_UNKNOWN', 'blob unknown to registry', { detail: { digest, repository } });
      }
      throw error;
    }
  }

  /** Unlinks the blob from the repository; its bytes go when garbage collection finds them unreferenced. */
  async deleteBlob(repository: string, digest: string): Promise<void> {
    const parsed = parseDigest(digest);
    const repositoryId = await this.meta.findRepositoryId(repository);
    if (repositoryId === undefined || !(await this.meta.unlinkBlob(repositoryId, parsed.value, this.now()))) {
      throw registryError('BLOB_UNKNOWN', 'blob unknown to registry', { detail: { digest } });
    }
  }

  /** Links a blob of `from` into `repository`; false when `from` has no such blob. */
  async mountBlob(repository: string, digest: string, from: string): Promise<boolean> {
    const parsed = parseDigest(digest);
    return this.digestLocks.run(parsed.value, async () => {
      const source = await this.meta.findRepositoryBlob(from, parsed.value);
      if (!source) return false;
      const repositoryId = await this.meta.ensureRepository(repository, this.now());
      await this.meta.linkBlob(repositoryId, parsed.value, source.size, this.now());
      return true;
    });
  }

  /** A whole blob in one request (POST with `digest`). */
  async putBlob(repository: string, digest: string, body: Readable): Promise<string> {
    const expected = parseDigest(digest);
    const repositoryId = await this.meta.ensureRepository(repository, this.now());
    const key = uploadKey(randomUUID());
    try {
      const hash = createDigestHash(expected.algorithm);
      const empty = await this.storage.startUpload(key);
      const state = await receive(body, hash, (chunks) => this.storage.appendUpload(key, empty, chunks));
      const finished = await this.storage.finishUpload(key, state);
      const actual = hash.digest('hex');
      await this.commitBlob(repositoryId, finished, expected, actual, state.size);
    } finally {
      await this.storage.delete(key);
    }
    return expected.value;
  }

  // ---- uploads ----

  async startUpload(repository: string): Promise<Upload> {
    const repositoryId = await this.meta.ensureRepository(repository, this.now());
    const id = randomUUID();
    const state = await this.storage.startUpload(uploadKey(id));
    const upload = {
      id,
      repositoryId,
      repositoryName: repository,
      size: state.size,
      storageState: state.detail,
    };
    await this.meta.createUpload(id, repositoryId, upload, this.now());
    this.uploadHashes.set(id, { hash: createDigestHash('sha256'), size: 0 });
    return upload;
  }

  async getUpload(repository: string, id: string): Promise<Upload> {
    const upload = UPLOAD_ID.test(id) ? await this.meta.findUpload(id) : undefined;
    if (!upload || upload.repositoryName !== repository) {
      throw registryError('BLOB_UPLOAD_UNKNOWN', 'blob upload unknown to registry', { detail: { uuid: id } });
    }
    return upload;
  }

  /** Appends a chunk; with `range`, it must start exactly where the upload ends. */
  async appendUpload(repository: string, id: string, body: Readable, range?: ByteRange): Promise<Upload> {
    const upload = await this.getUpload(repository, id);
    return this.whileWriting(upload, () => this.appendChunk(upload, body, range));
  }

  /** Finishes an upload (with an optional last chunk), checks the digest and makes the blob visible. */
  async completeUpload(
    repository: string,
    id: string,
    digest: string,
    body: Readable | undefined,
    range?: ByteRange,
  ): Promise<string> {
    const expected = parseDigest(digest);
    const upload = await this.getUpload(repository, id);
    return this.whileWriting(upload, async () => {
      const complete = body ? await this.appendChunk(upload, body, range) : upload;
      const { hash } = await this.hashState(complete);
      try {
        const running = expected.algorithm === 'sha256' ? hash?.copy().digest('hex') : undefined;
        const finished = await lostAsInvalid(
          id,
          this.storage.finishUpload(uploadKey(id), uploadStateOf(complete)),
        );
        const actual = running ?? (await this.hashStored(finished, expected.algorithm));
        await this.commitBlob(upload.repositoryId, finished, expected, actual, complete.size);
      } finally {
        await this.discardUpload(id);
      }
      return expected.value;
    });
  }

  async cancelUpload(repository: string, id: string): Promise<void> {
    const upload = await this.getUpload(repository, id);
    await this.whileWriting(upload, () => this.discardUpload(id));
  }

  // ---- manifests and tags ----

  async getManifest(repository: string, reference: string): Promise<StoredManifest> {
    const target = lookupReferenceOf(reference);
    const manifest = target && (await this.meta.findManifest(repository, target));
    if (!manifest) {
      throw registryError('MANIFEST_UNKNOWN', 'manifest unknown to registry', { detail: { reference } });
    }
    return manifest;
  }

  async putManifest(
    repository: string,
    reference: string,
    contentType: string | undefined,
    payload: Buffer,
  ): Promise<{ digest: string; subject: string | null }> {
    const record = parseManifest(payload, contentType);
    const target = referenceOf(reference);
    const tag = 'tag' in target ? target.tag : undefined;
    if ('digest' in target) {
      const expected = parseDigest(target.digest);
      const actual = expected.algorithm === 'sha256' ? record.digest : digestOf(payload, expected.algorithm);
      if (actual !== expected.value) {
        throw registryError('DIGEST_INVALID', 'manifest digest does not match the digest in the URL', {
          detail: { expected: expected.value, actual },
        });
      }
      record.digest = expected.value;
    }
    const repositoryId = await this.meta.ensureRepository(repository, this.now());
    const result = await this.meta.putManifest(repositoryId, record, tag, this.now());
    if (!result.ok) {
      const refusals = [
        ...result.missingBlobs.map((digest) => ({ message: 'blob unknown to registry', detail: { digest } })),
        ...result.missingManifests.map((digest) => ({
          message: 'manifest referenced by the index is unknown to this repository',
          detail: { digest },
        })),
      ];
      throw registryErrors('MANIFEST_BLOB_UNKNOWN', refusals);
    }
    return { digest: record.digest, subject: record.subjectDigest };
  }

  /** By digest: the manifest and all its tags; by tag: only that tag. */
  async deleteManifest(repository: string, reference: string): Promise<void> {
    const repositoryId = await this.meta.findRepositoryId(repository);
    const unknown = () =>
      registryError('MANIFEST_UNKNOWN', 'manifest unknown to registry', { detail: { reference } });
    const target = lookupReferenceOf(reference);
    if (!target) throw unknown();
    if ('tag' in target) {
      if (
        repositoryId === undefined ||
        !(await this.meta.deleteTags(repositoryId, [target.tag], this.now())).has(target.tag)
      )
        throw unknown();
      return;
    }
    const digest = parseDigest(target.digest);
    if (repositoryId === undefined) throw unknown();
    const outcome = await this.meta.deleteManifest(repositoryId, digest.value, this.now());
    if (outcome === 'not-found') throw unknown();
    if (outcome === 'referenced') {
      throw registryError(
        'MANIFEST_REFERENCED',
        'manifest is referenced by an index in this repository; delete the index first',
        { detail: { digest: digest.value } },
      );
    }
  }

  async listTags(repository: string, options: { last?: string; limit?: number }): Promise<Page<string>> {
    const repositoryId = await this.meta.findRepositoryId(repository);
    if (repositoryId === undefined) {
      throw registryError('NAME_UNKNOWN', 'repository name not known to registry', {
        detail: { name: repository },
      });
    }
    if (options.limit === 0) return { items: [], next: undefined };
    const limit = options.limit === undefined ? undefined : options.limit + 1;
    const tags = await this.meta.listTags(repositoryId, {
      ...(options.last === undefined ? {} : { last: options.last }),
      ...(limit === undefined ? {} : { limit }),
    });
    return paged(tags, options.limit);
  }

  async listRepositories(options: { last?: string; limit: number }): Promise<Page<string>> {
    if (options.limit === 0) return { items: [], next: undefined };
    const names = await this.meta.listRepositories({ ...options, limit: options.limit + 1 });
    return paged(names, options.limit);
  }

  async listReferrers(repository: string, digest: string, artifactType?: string): Promise<Referrer[]> {
    const subject = parseDigest(digest);
    const repositoryId = await this.meta.findRepositoryId(repository);
    if (repositoryId === undefined) return [];
    return this.meta.listReferrers(repositoryId, subject.value, artifactType);
  }

  // ---- internals ----

  private async commitBlob(
    repositoryId: number,
    key: string,
    expected: ParsedDigest,
    actualHex: string,
    size: number,
  ): Promise<void> {
    if (actualHex !== expected.hex) {
      throw registryError('DIGEST_INVALID', 'uploaded content does not match the digest', {
        detail: { expected: expected.value, actual: `${expected.algorithm}:${actualHex}` },
      });
    }
    await this.digestLocks.run(expected.value, async () => {
      const target = blobKey(expected);
      const existing = await this.storage.stat(target);
      if (existing?.size !== size) await this.storage.move(key, target);
      await this.meta.linkBlob(repositoryId, expected.value, size, this.now());
    });
  }

  private async whileWriting<T>(upload: Upload, work: () => Promise<T>): Promise<T> {
    if (this.busyUploads.has(upload.id)) {
      throw registryError('CHUNK_OUT_OF_ORDER', 'another request is writing to this upload', {
        detail: { uuid: upload.id },
      });
    }
    this.busyUploads.add(upload.id);
    try {
      return await work();
    } finally {
      this.busyUploads.delete(upload.id);
    }
  }

  private async appendChunk(upload: Upload, body: Readable, range?: ByteRange): Promise<Upload> {
    if (range && range.start !== upload.size) {
      body.resume();
      throw registryError('CHUNK_OUT_OF_ORDER', 'chunk does not start where the upload ends', {
        detail: { expectedStart: upload.size, start: range.start },
      });
    }
    const hash = (await this.hashState(upload)).hash?.copy();
    // An interrupted chunk leaves no trace: the driver keeps what `upload` describes, and
    // the state is only recorded once the whole chunk is stored.
    const state = await lostAsInvalid(
      upload.id,
      receive(body, hash, (chunks) =>
        this.storage.appendUpload(uploadKey(upload.id), uploadStateOf(upload), chunks),
      ),
    );
    const written = state.size - upload.size;
    if (range && written !== range.end - range.start + 1) {
      throw registryError('SIZE_INVALID', 'chunk length does not match Content-Range', {
        detail: { contentRange: `${range.start}-${range.end}`, received: written },
      });
    }
    const appended = { ...upload, size: state.size, storageState: state.detail };
    await this.meta.setUploadState(upload.id, appended, this.now());
    this.uploadHashes.set(upload.id, { hash, size: state.size });
    return appended;
  }

  /** The running hash, rebuilt from the stored bytes when this process did not see them arrive. */
  private async hashState(upload: Upload): Promise<UploadHashState> {
    const known = this.uploadHashes.get(upload.id);
    if (known && known.size === upload.size) return known;
    const stored = await lostAsInvalid(
      upload.id,
      this.storage.readUpload(uploadKey(upload.id), uploadStateOf(upload)),
    );
    let hash: Hash | undefined;
    if (stored) {
      hash = createDigestHash('sha256');
      await receive(stored, hash, async (chunks) => {
        for await (const _ of chunks);
      });
    }
    const state = { hash, size: upload.size };
    this.uploadHashes.set(upload.id, state);
    return state;
  }

  private async hashStored(key: string, algorithm: 'sha256' | 'sha512'): Promise<string> {
    const hash = createDigestHash(algorithm);
    const stored = await this.storage.stat(key);
    if (stored && stored.size > 0) {
      for await (const chunk of await this.storage.read(key)) hash.update(chunk as Buffer);
    }
    return hash.digest('hex');
  }

  private async discardUpload(id: string): Promise<void> {
    this.uploadHashes.delete(id);
    await this.storage.delete(uploadKey(id));
    await this.meta.deleteUpload(id);
  }
}

function referenceOf(reference: string): { tag: string } | { digest: string } {
  if (isTag(reference)) return { tag: reference };
  if (reference.includes(':')) return { digest: parseDigest(reference).value };
  assertTag(reference);
  return { tag: reference };
}

/**
 * A reference to look up: a name that no tag can have names no manifest, which the distribution spec
 * answers with 404 MANIFEST_UNKNOWN (its conformance suite pulls `.INVALID_MANIFEST_NAME`); a malformed
 * digest is still a 400, and a bad tag on PUT stays a 400 through `referenceOf`.
 */
function lookupReferenceOf(reference: string): { tag: string } | { digest: string } | undefined {
  if (!reference.includes(':') && !isTag(reference)) return undefined;
  return referenceOf(reference);
}

function paged(rows: string[], limit: number | undefined): Page<string> {
  if (limit === undefined || rows.length <= limit) return { items: rows, next: undefined };
  const items = rows.slice(0, limit);
  return { items, next: items[items.length - 1] };
}

/** Hands `body` to `consume` as an UploadBody hashed on the way, and lets go of it however `consume` ends. */
async function receive<T>(
  body: Readable,
  hash: Hash | undefined,
  consume: (chunks: UploadBody) => Promise<T>,
): Promise<T> {
  const chunks = new UploadBody(body, hash);
  try {
    return await consume(chunks);
  } finally {
    chunks.close();
  }
}

function uploadStateOf(upload: Upload): UploadState {
  return { size: upload.size, detail: upload.storageState };
}

/** Storage lost bytes the upload's row says were acknowledged: the client must start again. */
function lostAsInvalid<T>(id: string, work: Promise<T>): Promise<T> {
  return work.catch((error: unknown) => {
    if (!(error instanceof StorageNotFoundError)) throw error;
    throw registryError('BLOB_UPLOAD_INVALID', 'upload data is missing; start the upload again', {
      detail: { uuid: id },
    });
  });
}
