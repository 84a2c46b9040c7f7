import { mkdir, open, rename, rm, stat, truncate } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { assertStorageKey, type StorageDriver, StorageNotFoundError, type UploadState } from './driver.js';
import { WriteBehindFile } from './write-behind-file.js';
import { writeChunk } from './write-chunk.js';

const READ_BUFFER_BYTES = 1024 * 1024;
/** Image layers may be private: only the registry's own user reads its storage. */
const PRIVATE_FOLDER = 0o700;
const PRIVATE_FILE = 0o600;

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

  async copyTo(path: string, destination: Writable, range?: { start: number; end: number }): Promise<void> {
    const handle = await open(this.resolve(path), 'r').catch((error: unknown) => {
      throw isNotFound(error) ? new StorageNotFoundError(path) : error;
    });
    try {
      const start = range?.start ?? 0;
      const end = range?.end ?? (await handle.stat()).size - 1;
      // Two buffers in turn: one is read into while the other is on its way to the socket. A buffer
      // is reused only after its write completed, so nothing is allocated per chunk (and the
      // garbage collector stays out of large pulls).
      const size = Math.max(1, Math.min(READ_BUFFER_BYTES, end - start + 1));
      const buffers = [Buffer.allocUnsafe(size), Buffer.allocUnsafe(size)];
      const inFlight: (Promise<void> | undefined)[] = [undefined, undefined];
      let position = start;
      for (let turn = 0; position <= end; turn ^= 1) {
        await inFlight[turn];
        const buffer = buffers[turn]!;
        const { bytesRead } = await handle.read(buffer, 0, Math.min(size, end - position + 1), position);
        if (bytesRead === 0) throw new Error(`${path} is shorter than ${end + 1} bytes`);
        position += bytesRead;
        inFlight[turn] = writeChunk(destination, buffer.subarray(0, bytesRead));
        // A failed write must not wait for the other buffer's turn to surface.
        inFlight[turn]!.catch(() => {});
      }
      await Promise.all(inFlight);
    } finally {
      await handle.close();
    }
  }

  async redirectUrl(): Promise<string | undefined> {
    return undefined;
  }

  /** An upload is one file, appended to; the file exists from the start so an empty upload is a valid blob. */
  async startUpload(path: string): Promise<UploadState> {
    const file = this.resolve(path);
    await mkdir(dirname(file), { recursive: true, mode: PRIVATE_FOLDER });
    await (await open(file, 'w', PRIVATE_FILE)).close();
    return { size: 0, detail: null };
  }

  async appendUpload(
    path: string,
    state: UploadState,
    source: AsyncIterable<Uint8Array>,
  ): Promise<UploadState> {
    const file = this.resolve(path);
    await this.cutBackTo(path, state.size);
    const handle = await open(file, 'a');
    try {
      const sink = new WriteBehindFile(handle);
      for await (const chunk of source) await sink.write(chunk);
      await sink.settle();
      return { size: state.size + sink.bytesWritten, detail: null };
    } catch (error) {
      // An interrupted chunk leaves no trace: cut the file back to what was acknowledged.
      await handle.truncate(state.size).catch(() => {});
      throw error;
    } finally {
      await handle.close();
    }
  }

  async readUpload(path: string, state: UploadState): Promise<Readable> {
    await this.cutBackTo(path, state.size);
    return state.size === 0 ? Readable.from([]) : this.read(path, { start: 0, end: state.size - 1 });
  }

  async finishUpload(path: string, state: UploadState): Promise<string> {
    await this.cutBackTo(path, state.size);
    const handle = await open(this.resolve(path), 'r');
    try {
      await handle.datasync();
    } finally {
      await handle.close();
    }
    return path;
  }

  /** Drops bytes past the acknowledged size (a chunk cut off by a crash); fails when acknowledged bytes are gone. */
  private async cutBackTo(path: string, size: number): Promise<void> {
    const stored = await this.stat(path);
    if (!stored || stored.size < size) throw new StorageNotFoundError(path);
    if (stored.size > size) await truncate(this.resolve(path), size);
  }

  async move(from: string, to: string): Promise<void> {
    const target = this.resolve(to);
    await mkdir(dirname(target), { recursive: true, mode: PRIVATE_FOLDER });
    await rename(this.resolve(from), target);
    await syncDirectory(dirname(target));
  }

  async delete(path: string): Promise<void> {
    await rm(this.resolve(path), { force: true, recursive: true });
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
