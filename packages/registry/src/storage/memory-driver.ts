import { Readable, type Writable } from 'node:stream';
import { assertStorageKey, type StorageDriver, StorageNotFoundError, type UploadState } from './driver.js';
import { writeChunk } from './write-chunk.js';

/** Keeps objects in memory; for tests and for proving the driver contract is backend-neutral. */
export class MemoryDriver implements StorageDriver {
  private readonly objects = new Map<string, Buffer>();

  async stat(path: string): Promise<{ size: number } | undefined> {
    assertStorageKey(path);
    const object = this.objects.get(path);
    return object ? { size: object.length } : undefined;
  }

  async read(path: string, range?: { start: number; end: number }): Promise<Readable> {
    assertStorageKey(path);
    const object = this.objects.get(path);
    if (!object) throw new StorageNotFoundError(path);
    return Readable.from([range ? object.subarray(range.start, range.end + 1) : object]);
  }

  async copyTo(path: string, destination: Writable, range?: { start: number; end: number }): Promise<void> {
    const source = await this.read(path, range);
    for await (const chunk of source) await writeChunk(destination, chunk as Buffer);
  }

  async redirectUrl(): Promise<string | undefined> {
    return undefined;
  }

  async startUpload(path: string): Promise<UploadState> {
    assertStorageKey(path);
    this.objects.set(path, Buffer.alloc(0));
    return { size: 0, detail: null };
  }

  async appendUpload(
    path: string,
    state: UploadState,
    source: AsyncIterable<Uint8Array>,
  ): Promise<UploadState> {
    const acknowledged = this.acknowledged(path, state);
    const chunks: Buffer[] = [];
    for await (const chunk of source) chunks.push(Buffer.from(chunk));
    const object = Buffer.concat([acknowledged, ...chunks]);
    this.objects.set(path, object);
    return { size: object.length, detail: null };
  }

  async readUpload(path: string, state: UploadState): Promise<Readable> {
    return Readable.from([this.acknowledged(path, state)]);
  }

  async finishUpload(path: string, state: UploadState): Promise<string> {
    this.objects.set(path, this.acknowledged(path, state));
    return path;
  }

  async move(from: string, to: string): Promise<void> {
    assertStorageKey(from);
    assertStorageKey(to);
    const object = this.objects.get(from);
    if (!object) throw new StorageNotFoundError(from);
    this.objects.set(to, object);
    this.objects.delete(from);
  }

  async delete(path: string): Promise<void> {
    assertStorageKey(path);
    for (const key of this.objects.keys()) {
      if (key === path || key.startsWith(`${path}/`)) this.objects.delete(key);
    }
  }

  private acknowledged(path: string, state: UploadState): Buffer {
    assertStorageKey(path);
    const object = this.objects.get(path);
    if (!object || object.length < state.size) throw new StorageNotFoundError(path);
    return object.subarray(0, state.size);
  }
}
