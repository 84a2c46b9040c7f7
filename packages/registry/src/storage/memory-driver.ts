import { Readable, type Writable } from 'node:stream';
import { assertStorageKey, type StorageDriver, StorageNotFoundError } from './driver.js';
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

  async append(path: string, source: Readable): Promise<number> {
    assertStorageKey(path);
    const chunks: Buffer[] = [];
    for await (const chunk of source) chunks.push(Buffer.from(chunk as Uint8Array));
    const added = Buffer.concat(chunks);
    this.objects.set(path, Buffer.concat([this.objects.get(path) ?? Buffer.alloc(0), added]));
    return added.length;
  }

  async truncate(path: string, size: number): Promise<void> {
    assertStorageKey(path);
    const object = this.objects.get(path);
    if (!object) throw new StorageNotFoundError(path);
    this.objects.set(path, object.subarray(0, size));
  }

  async sync(path: string): Promise<void> {
    assertStorageKey(path);
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
    this.objects.delete(path);
  }
}
