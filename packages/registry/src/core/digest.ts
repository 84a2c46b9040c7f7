import { createHash, type Hash } from 'node:crypto';
import { DIGEST_PATTERN } from '@berth/contract';
import { registryError } from './errors.js';

export type DigestAlgorithm = 'sha256' | 'sha512';

export interface ParsedDigest {
  algorithm: DigestAlgorithm;
  hex: string;
  /** `<algorithm>:<hex>` */
  value: string;
}

/** Parses a digest or throws DIGEST_INVALID; only lowercase sha256/sha512 are accepted. */
export function parseDigest(value: string): ParsedDigest {
  if (!DIGEST_PATTERN.test(value)) {
    throw registryError(
      'DIGEST_INVALID',
      'digest must be sha256:<64 lowercase hex> or sha512:<128 lowercase hex>',
      {
        detail: { digest: value.slice(0, 200) },
      },
    );
  }
  const [algorithm, hex] = value.split(':') as [DigestAlgorithm, string];
  return { algorithm, hex, value };
}

export function isDigest(value: string): boolean {
  return DIGEST_PATTERN.test(value);
}

export function createDigestHash(algorithm: DigestAlgorithm): Hash {
  return createHash(algorithm);
}

export function digestOf(bytes: Uint8Array, algorithm: DigestAlgorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}
