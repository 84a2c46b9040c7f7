import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';

/** Start flushing once this much has been written since the last flush began. */
const FLUSH_EVERY_BYTES = 8 * 1024 * 1024;
/** Direct I/O wants file offsets, lengths and memory aligned to the device's logical block; 4 KiB covers common devices. */
const DIRECT_IO_ALIGNMENT = 4096;

/**
 * Writes an upload's bytes onto the end of its file. Chunks that are whole blocks at a block
 * boundary (the core's full slots, storage/driver.ts) go with direct I/O from their memory to
 * the device: no copy into the page cache, and no page-cache pages taken for write-once data.
 * On a virtual machine whose memory the host backs on first touch, those pages cost more than
 * the copy (0.3–0.5 s of kernel time per 256 MiB push, docs/benchmarks.md). Other bytes (a
 * request's unaligned tail, memory that is not aligned) go through the page cache.
 *
 * The file is flushed while the upload is still arriving, so the final fdatasync (the caller's)
 * has only the tail left; that flush is also what makes directly written bytes durable, as
 * they may still sit in the device's cache.
 */
export class UploadFile {
  bytesWritten = 0;
  private flushedUpTo = 0;
  private flushing: Promise<void> | undefined;
  private flushError: Error | undefined;

  private constructor(
    private readonly buffered: FileHandle,
    private direct: FileHandle | undefined,
    private position: number,
  ) {}

  /**
   * Opens `file` to append at `size` (its current length). `direct` false skips direct I/O;
   * `directSupported` in the result says whether the file system accepted it.
   */
  static async open(
    file: string,
    size: number,
    direct: boolean,
  ): Promise<{ upload: UploadFile; directSupported: boolean }> {
    const buffered = await open(file, 'r+');
    if (!direct) return { upload: new UploadFile(buffered, undefined, size), directSupported: false };
    try {
      const handle = await open(file, constants.O_WRONLY | constants.O_DIRECT);
      return { upload: new UploadFile(buffered, handle, size), directSupported: true };
    } catch (error) {
      if (!isInvalid(error)) {
        await buffered.close();
        throw error;
      }
      return { upload: new UploadFile(buffered, undefined, size), directSupported: false };
    }
  }

  /** Resolves once all of `chunk` is written, so its memory may be reused. */
  async write(chunk: Uint8Array): Promise<void> {
    if (this.flushError) throw this.flushError;
    if (
      this.direct &&
      this.position % DIRECT_IO_ALIGNMENT === 0 &&
      chunk.byteLength % DIRECT_IO_ALIGNMENT === 0
    ) {
      try {
        await writeAll(this.direct, chunk, this.position);
        return this.advance(chunk.byteLength);
      } catch (error) {
        if (!isInvalid(error)) throw error;
        // The memory is not aligned: this file goes through the page cache from here on.
        await this.closeDirect();
      }
    }
    await writeAll(this.buffered, chunk, this.position);
    this.advance(chunk.byteLength);
  }

  /** Truncates the file back to `size` bytes (an interrupted append leaves no trace). */
  async cutBackTo(size: number): Promise<void> {
    await this.buffered.truncate(size);
  }

  /** Waits for a flush under way; the caller syncs the rest when it needs it durable. */
  async settle(): Promise<void> {
    await this.flushing;
    if (this.flushError) throw this.flushError;
  }

  async close(): Promise<void> {
    await this.flushing;
    await this.closeDirect();
    await this.buffered.close();
  }

  private advance(bytes: number): void {
    this.position += bytes;
    this.bytesWritten += bytes;
    if (this.flushing || this.bytesWritten - this.flushedUpTo < FLUSH_EVERY_BYTES) return;
    const upTo = this.bytesWritten;
    this.flushing = this.buffered.datasync().then(
      () => {
        this.flushedUpTo = upTo;
        this.flushing = undefined;
      },
      (error: Error) => {
        this.flushError = error;
        this.flushing = undefined;
      },
    );
  }

  private async closeDirect(): Promise<void> {
    const direct = this.direct;
    this.direct = undefined;
    await direct?.close();
  }
}

async function writeAll(handle: FileHandle, chunk: Uint8Array, position: number): Promise<void> {
  let offset = 0;
  while (offset < chunk.byteLength) {
    const { bytesWritten } = await handle.write(chunk, offset, chunk.byteLength - offset, position + offset);
    offset += bytesWritten;
  }
}

function isInvalid(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'EINVAL';
}
