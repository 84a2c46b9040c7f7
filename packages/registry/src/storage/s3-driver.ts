import { randomUUID } from 'node:crypto';
import type { Readable, Writable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { z } from 'zod';
import { assertStorageKey, type StorageDriver, StorageNotFoundError, type UploadState } from './driver.js';
import { writeChunk } from './write-chunk.js';

const MiB = 1024 * 1024;
/** S3's smallest part (all but the last) and its part count limit. */
export const S3_MIN_PART_SIZE = 5 * MiB;
const MAX_PARTS = 10_000;
/** The largest object a single CopyObject may copy; larger ones are copied part by part. */
const MAX_SINGLE_COPY = 5 * 1024 * MiB;
const COPY_PART_SIZE = 512 * MiB;
const S3_MAX_SOCKETS = 256;
/** How long a presigned blob URL stays valid (the CNCF registry's default). */
const REDIRECT_SECONDS = 20 * 60;

export interface S3Settings {
  bucket: string;
  region: string;
  /** e.g. http://127.0.0.1:9000 for an S3-compatible server; AWS when undefined. */
  endpoint: string | undefined;
  /** Static keys; the SDK's default chain (environment, profile, instance role) when undefined. */
  credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
  /** `endpoint/bucket/key` rather than `bucket.endpoint/key` (most self-hosted servers). */
  pathStyle: boolean;
  /** Bytes per multipart part; every part but the last has exactly this size. */
  partSize: number;
  /** Answer blob GETs with a redirect to a presigned URL. */
  redirect: boolean;
}

/**
 * What the S3 driver records about an upload (UploadState.detail). Bytes arrive in
 * chunks of any size, but S3 parts must be at least 5 MiB: a chunk fills parts of
 * `partSize`, and what is left over is stored as a staged object of its own, to be
 * read back into the next part (or the last one). So every acknowledged byte is
 * durable in S3, in a part or in a staged object, and the database row says which.
 */
const uploadDetailSchema = z.object({
  /** The multipart upload, created with the first full part. */
  multipart: z
    .object({
      uploadId: z.string(),
      parts: z.array(z.object({ number: z.number().int(), etag: z.string(), size: z.number().int() })),
    })
    .optional(),
  /** Bytes after the last part, in order; together smaller than a part. */
  staged: z.array(z.object({ key: z.string(), size: z.number().int() })),
  /**
   * Staged objects this append read into a part. They are deleted on the next call,
   * which receives this state only once the core has recorded it: until then the
   * previous state, which still lists them, is the one in force.
   */
  consumed: z.array(z.string()),
});
type UploadDetail = z.infer<typeof uploadDetailSchema>;
type Part = NonNullable<UploadDetail['multipart']>['parts'][number];

/**
 * Blobs in an S3 bucket (AWS or any S3-compatible server). An upload at key
 * `uploads/<id>` keeps its objects under `uploads/<id>/`: staged chunks, the
 * multipart upload's target `data`, and a `multipart/<upload id>` marker so a
 * delete of the upload can abort it without the database row. S3 cannot rename, so
 * `move` is a server-side copy and a delete.
 */
export class S3Driver implements StorageDriver {
  private readonly client: S3Client;
  private readonly bucket: string;

  constructor(private readonly settings: S3Settings) {
    if (settings.partSize < S3_MIN_PART_SIZE)
      throw new Error(`S3 parts must be at least ${S3_MIN_PART_SIZE} bytes`);
    this.bucket = settings.bucket;
    this.client = new S3Client({
      region: settings.region,
      forcePathStyle: settings.pathStyle,
      ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
      ...(settings.credentials ? { credentials: settings.credentials } : {}),
      // Checksums only where S3 requires them: the registry checks digests itself, and
      // many S3-compatible servers do not understand the SDK's newer trailing checksums.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      // A blob pull holds its S3 connection for as long as the client reads; the SDK's
      // default of 50 sockets would queue the 51st concurrent pull behind the others.
      requestHandler: {
        httpAgent: { keepAlive: true, maxSockets: S3_MAX_SOCKETS },
        httpsAgent: { keepAlive: true, maxSockets: S3_MAX_SOCKETS },
      },
    });
  }

  /** Fails unless the bucket answers with these settings, so a misconfigured registry stops at start. */
  async checkBucket(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (error) {
      const reason =
        error instanceof S3ServiceException
          ? `${error.name} (${error.$metadata.httpStatusCode})`
          : String(error);
      throw new Error(`S3 bucket ${this.bucket} is not usable: ${reason}`);
    }
  }

  async stat(path: string): Promise<{ size: number } | undefined> {
    assertStorageKey(path);
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: path }));
      return { size: head.ContentLength ?? 0 };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async read(path: string, range?: { start: number; end: number }): Promise<Readable> {
    assertStorageKey(path);
    return this.get(path, range);
  }

  async copyTo(path: string, destination: Writable, range?: { start: number; end: number }): Promise<void> {
    // Each write's callback before the next: the caller may end `destination` once this resolves.
    for await (const chunk of await this.read(path, range)) await writeChunk(destination, chunk as Buffer);
  }

  async redirectUrl(path: string): Promise<string | undefined> {
    assertStorageKey(path);
    if (!this.settings.redirect) return undefined;
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: path }), {
      expiresIn: REDIRECT_SECONDS,
    });
  }

  /** Nothing to create yet: S3 sees the upload with its first staged chunk or part. */
  async startUpload(path: string): Promise<UploadState> {
    assertStorageKey(path);
    return { size: 0, detail: JSON.stringify(emptyDetail()) };
  }

  async appendUpload(
    path: string,
    state: UploadState,
    source: AsyncIterable<Uint8Array>,
  ): Promise<UploadState> {
    const detail = this.parseDetail(path, state);
    await this.deleteKeys(detail.consumed);
    const parts = [...(detail.multipart?.parts ?? [])];
    let nextPart = (parts.at(-1)?.number ?? 0) + 1;
    let uploadId = detail.multipart?.uploadId;
    /** Staged objects not yet read into a part. */
    let staged = detail.staged;
    let stagedBytes = sumSizes(staged);
    const consumed: string[] = [];
    const pending = new ByteQueue();
    let written = 0;
    // One part travels to S3 while the next one fills.
    let inFlight: Promise<void> | undefined;
    for await (const chunk of source) {
      // The chunk's memory is reused once the next one is asked for: keep a copy.
      pending.push(Buffer.from(chunk));
      written += chunk.length;
      while (stagedBytes + pending.length >= this.settings.partSize) {
        const body = Buffer.concat([
          ...(await this.readStaged(path, staged)),
          pending.take(this.settings.partSize - stagedBytes),
        ]);
        consumed.push(...staged.map(({ key }) => key));
        staged = [];
        stagedBytes = 0;
        uploadId ??= await this.createMultipart(path);
        const number = nextPart++;
        await inFlight;
        inFlight = this.uploadPart(path, uploadId, number, body).then((part) => {
          parts.push(part);
        });
        inFlight.catch(() => {});
      }
    }
    await inFlight;
    if (pending.length > 0) {
      const key = `${path}/staged/${randomUUID()}`;
      const body = pending.take(pending.length);
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body }));
      staged = [...staged, { key, size: body.length }];
    }
    const next: UploadDetail = {
      ...(uploadId ? { multipart: { uploadId, parts } } : {}),
      staged,
      consumed,
    };
    return { size: state.size + written, detail: JSON.stringify(next) };
  }

  /** Parts of an unfinished multipart upload cannot be read back. */
  async readUpload(): Promise<undefined> {
    return undefined;
  }

  async finishUpload(path: string, state: UploadState): Promise<string> {
    const detail = this.parseDetail(path, state);
    await this.deleteKeys(detail.consumed);
    const data = `${path}/data`;
    if (!detail.multipart) {
      // Everything is staged and smaller than one part: no multipart upload was needed.
      const [only] = detail.staged;
      if (detail.staged.length === 1 && only) {
        if ((await this.stat(only.key))?.size !== only.size) throw new StorageNotFoundError(only.key);
        return only.key;
      }
      const body = Buffer.concat(await this.readStaged(path, detail.staged));
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: data, Body: body }));
      return data;
    }
    // Completed before a crash: S3 no longer knows the upload, and the object is there whole.
    if ((await this.stat(data))?.size === state.size) return data;
    const { uploadId } = detail.multipart;
    const parts = [...detail.multipart.parts];
    if (detail.staged.length > 0) {
      const body = Buffer.concat(await this.readStaged(path, detail.staged));
      parts.push(await this.uploadPart(path, uploadId, (parts.at(-1)?.number ?? 0) + 1, body));
    }
    await this.client.send(
      new CompleteMultipartUploadCommand({
        Bucket: this.bucket,
        Key: data,
        UploadId: uploadId,
        MultipartUpload: { Parts: parts.map((part) => ({ PartNumber: part.number, ETag: part.etag })) },
      }),
    );
    return data;
  }

  async move(from: string, to: string): Promise<void> {
    assertStorageKey(from);
    assertStorageKey(to);
    const source = await this.stat(from);
    if (!source) throw new StorageNotFoundError(from);
    if (source.size <= MAX_SINGLE_COPY) {
      await this.client.send(
        new CopyObjectCommand({ Bucket: this.bucket, Key: to, CopySource: `${this.bucket}/${from}` }),
      );
    } else {
      await this.copyInParts(from, to, source.size);
    }
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: from }));
  }

  async delete(path: string): Promise<void> {
    assertStorageKey(path);
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: path }));
    const under = await this.list(`${path}/`);
    for (const key of under) {
      const marker = key.slice(path.length + 1).match(/^multipart\/(.+)$/);
      if (marker) await this.abortMultipart(`${path}/data`, decodeURIComponent(marker[1]!));
    }
    await this.deleteKeys(under);
  }

  // ---- internals ----

  private async get(key: string, range?: { start: number; end: number }): Promise<Readable> {
    try {
      const object = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: key,
          ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
        }),
      );
      return object.Body as Readable;
    } catch (error) {
      if (isNotFound(error)) throw new StorageNotFoundError(key);
      throw error;
    }
  }

  private parseDetail(path: string, state: UploadState): UploadDetail {
    assertStorageKey(path);
    if (state.detail === null) return emptyDetail();
    return uploadDetailSchema.parse(JSON.parse(state.detail));
  }

  /** The staged objects' bytes, in order; a missing one means acknowledged bytes are gone. */
  private async readStaged(path: string, staged: UploadDetail['staged']): Promise<Buffer[]> {
    return Promise.all(
      staged.map(async ({ key, size }) => {
        const bytes = await buffer(await this.get(key));
        if (bytes.length !== size) throw new StorageNotFoundError(path);
        return bytes;
      }),
    );
  }

  private async createMultipart(path: string): Promise<string> {
    const created = await this.client.send(
      new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: `${path}/data` }),
    );
    const uploadId = created.UploadId!;
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: `${path}/multipart/${encodeURIComponent(uploadId)}`,
        Body: '',
      }),
    );
    return uploadId;
  }

  private async uploadPart(path: string, uploadId: string, number: number, body: Buffer): Promise<Part> {
    if (number > MAX_PARTS) {
      throw new Error(`upload exceeds ${MAX_PARTS} parts of ${this.settings.partSize} bytes`);
    }
    const part = await this.client.send(
      new UploadPartCommand({
        Bucket: this.bucket,
        Key: `${path}/data`,
        UploadId: uploadId,
        PartNumber: number,
        Body: body,
        ContentLength: body.length,
      }),
    );
    return { number, etag: part.ETag!, size: body.length };
  }

  /** A server-side copy of an object larger than one CopyObject may copy. */
  private async copyInParts(from: string, to: string, size: number): Promise<void> {
    const partSize = Math.max(COPY_PART_SIZE, Math.ceil(size / MAX_PARTS));
    const { UploadId } = await this.client.send(
      new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: to }),
    );
    try {
      const parts: { PartNumber: number; ETag: string }[] = [];
      for (let start = 0, number = 1; start < size; start += partSize, number += 1) {
        const end = Math.min(start + partSize, size) - 1;
        const copied = await this.client.send(
          new UploadPartCopyCommand({
            Bucket: this.bucket,
            Key: to,
            UploadId,
            PartNumber: number,
            CopySource: `${this.bucket}/${from}`,
            CopySourceRange: `bytes=${start}-${end}`,
          }),
        );
        parts.push({ PartNumber: number, ETag: copied.CopyPartResult!.ETag! });
      }
      await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: to,
          UploadId,
          MultipartUpload: { Parts: parts },
        }),
      );
    } catch (error) {
      await this.abortMultipart(to, UploadId!);
      throw error;
    }
  }

  /**
   * Aborting frees the parts. Some S3-compatible servers cannot abort; a bucket
   * lifecycle rule (AbortIncompleteMultipartUpload) then cleans up, as it should anyway.
   */
  private async abortMultipart(key: string, uploadId: string): Promise<void> {
    try {
      await this.client.send(
        new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId }),
      );
    } catch (error) {
      if (!isNamed(error, 'NoSuchUpload', 'NotImplemented', 'MethodNotAllowed')) throw error;
    }
  }

  private async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: prefix,
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
      for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }

  private async deleteKeys(keys: string[]): Promise<void> {
    await Promise.all(
      keys.map((key) => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }))),
    );
  }
}

/** Bytes received but not yet sent on, taken from the front in exact amounts. */
class ByteQueue {
  private buffers: Buffer[] = [];
  length = 0;

  push(buffer: Buffer): void {
    this.buffers.push(buffer);
    this.length += buffer.length;
  }

  take(count: number): Buffer {
    const taken: Buffer[] = [];
    let needed = count;
    while (needed > 0) {
      const first = this.buffers[0]!;
      if (first.length <= needed) {
        taken.push(first);
        this.buffers.shift();
        needed -= first.length;
      } else {
        taken.push(first.subarray(0, needed));
        this.buffers[0] = first.subarray(needed);
        needed = 0;
      }
    }
    this.length -= count;
    return Buffer.concat(taken);
  }
}

function emptyDetail(): UploadDetail {
  return { staged: [], consumed: [] };
}

function sumSizes(objects: { size: number }[]): number {
  return objects.reduce((sum, { size }) => sum + size, 0);
}

function isNotFound(error: unknown): boolean {
  return (
    error instanceof S3ServiceException &&
    (error.$metadata.httpStatusCode === 404 || error.name === 'NoSuchKey' || error.name === 'NotFound')
  );
}

function isNamed(error: unknown, ...names: string[]): boolean {
  return error instanceof S3ServiceException && names.includes(error.name);
}
