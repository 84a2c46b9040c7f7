import type { ParsedDigest } from './digest.js';

/** Where a blob's bytes live: content-addressed, fanned out by the first byte of the hash. */
export function blobKey(digest: ParsedDigest): string {
  return `blobs/${digest.algorithm}/${digest.hex.slice(0, 2)}/${digest.hex}`;
}

export function uploadKey(id: string): string {
  return `uploads/${id}`;
}
