import type { FileHandle } from 'node:fs/promises';

/** Start flushing once this much has been written since the last flush began. */
const FLUSH_EVERY_BYTES = 8 * 1024 * 1024;

/**
 * Appends to a file and flushes it to disk while it is still being written. Without it, a
 * large upload writes into the page cache at network speed and then waits for the whole
 * file at the final fdatasync; with it, the disk works during the upload and the final sync
 * only has the tail left.
 */
export class WriteBehindFile {
  bytesWritten = 0;
  private flushedUpTo = 0;
  private flushing: Promise<void> | undefined;
  private flushError: Error | undefined;

  constructor(private readonly handle: FileHandle) {}

  /** Resolves once all of `chunk` is written, so its memory may be reused. */
  async write(chunk: Uint8Array): Promise<void> {
    if (this.flushError) throw this.flushError;
    let offset = 0;
    while (offset < chunk.byteLength) {
      const { bytesWritten } = await this.handle.write(chunk, offset, chunk.byteLength - offset);
      offset += bytesWritten;
    }
    this.bytesWritten += chunk.byteLength;
    this.startFlushIfDue();
  }

  /** Waits for a flush under way; the caller syncs the rest when it needs it durable. */
  async settle(): Promise<void> {
    await this.flushing;
    if (this.flushError) throw this.flushError;
  }

  private startFlushIfDue(): void {
    if (this.flushing || this.bytesWritten - this.flushedUpTo < FLUSH_EVERY_BYTES) return;
    const upTo = this.bytesWritten;
    this.flushing = this.handle.datasync().then(
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
}
