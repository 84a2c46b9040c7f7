import type { FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';

/** Start flushing once this much has been written since the last flush began. */
const FLUSH_EVERY_BYTES = 8 * 1024 * 1024;

/**
 * A file sink that flushes to disk while it is still being written. Without it, a
 * large upload writes into the page cache at network speed and then waits for the
 * whole file at the final fdatasync; with it, the disk works during the upload and
 * the final sync only has the tail left.
 */
export class WriteBehindFile extends Writable {
  bytesWritten = 0;
  private flushedUpTo = 0;
  private flushing: Promise<void> | undefined;
  private flushError: Error | undefined;

  constructor(
    private readonly handle: FileHandle,
    highWaterMark: number,
  ) {
    super({ highWaterMark });
  }

  override _writev(chunks: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    if (this.flushError) {
      callback(this.flushError);
      return;
    }
    const buffers = chunks.map(({ chunk }) => chunk);
    const expected = buffers.reduce((sum, buffer) => sum + buffer.length, 0);
    this.handle.writev(buffers).then(({ bytesWritten }) => {
      if (bytesWritten !== expected)
        return callback(new Error(`short write: ${bytesWritten} of ${expected} bytes`));
      this.bytesWritten += bytesWritten;
      this.startFlushIfDue();
      callback();
    }, callback);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this._writev([{ chunk }], callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    Promise.resolve(this.flushing).then(() => callback(this.flushError), callback);
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
