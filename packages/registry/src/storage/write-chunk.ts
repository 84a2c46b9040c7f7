import type { Writable } from 'node:stream';

/** Resolves once `destination` has handed `chunk` on (its write callback), so the buffer may be reused. */
export function writeChunk(destination: Writable, chunk: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    destination.write(chunk, (error) => (error ? reject(error) : resolve()));
  });
}
