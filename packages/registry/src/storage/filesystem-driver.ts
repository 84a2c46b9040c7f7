import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat, truncate } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { assertStorageKey, type StorageDriver, StorageNotFoundError } from './driver.js';

const WRITE_BUFFER_BYTES = 1024 * 1024;
const READ_BUFFER_BYTES = 1024 * 1024;

export class FilesystemDriver implements StorageDriver {
  constructor(private readonly root: string) {}

  private resolve(path: string): string {
    assertStorageKey(path);
    return join(this.root, path);
  }

  async stat(path: string): Promise<{ size: number } | undefined> {
    try {
      const info = await stat(this.resolve(path));
      return info.isFile() ? { size: info.size } : undefined;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async read(path: string, range?: { start: number; end: number }): Promise<Readable> {
    const file = this.resolve(path);
    // Open first so a missing file is a clean StorageNotFoundError, not a stream error mid-answer.
    const handle = await open(file, 'r').catch((error: unknown) => {
      throw isNotFound(error) ? new StorageNotFoundError(path) : error;
    });
    // Size the buffer to the read: a 1 MiB buffer per request for a small blob costs more than the read.
    const length = range ? range.end - range.start + 1 : (await handle.stat()).size;
    return handle.createReadStream({
      highWaterMark: Math.max(1, Math.min(READ_BUFFER_BYTES, length)),
      ...(range ? { start: range.start, end: range.end } : {}),
    });
  }

  async append(path: string, source: Readable): Promise<number> {
    const file = this.resolve(path);
    await mkdir(dirname(file), { recursive: true });
    const sink = createWriteStream(file, { flags: 'a', highWaterMark: WRITE_BUFFER_BYTES });
    await pipeline(source, sink);
    return sink.bytesWritten;
  }

  async truncate(path: string, size: number): Promise<void> {
    await truncate(this.resolve(path), size);
  }

  async sync(path: string): Promise<void> {
    const handle = await open(this.resolve(path), 'r');
    try {
      await handle.datasync();
    } finally {
      await handle.close();
    }
  }

  async move(from: string, to: string): Promise<void> {
    const target = this.resolve(to);
    await mkdir(dirname(target), { recursive: true });
    await rename(this.resolve(from), target);
    await syncDirectory(dirname(target));
  }

  async delete(path: string): Promise<void> {
    await rm(this.resolve(path), { force: true });
  }
}

async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}
