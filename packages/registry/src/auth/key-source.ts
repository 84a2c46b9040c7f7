import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { algorithmFor, jwkThumbprint } from './signing-keys.js';
import type { KeySource } from './token-verifier.js';

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]+?-----END \1-----/g;
const PUBLIC_PEM_LABELS = new Set(['PUBLIC KEY', 'RSA PUBLIC KEY', 'CERTIFICATE']);

/**
 * Reads every public key of a PEM file (`REGISTRY_AUTH_TOKEN_PUBLIC_KEY_FILE`); several
 * blocks let a new signing key be trusted before the old one retires. Throws, naming
 * the file, when it holds no key or a key Berth would not verify with.
 */
export async function readPublicKeyFile(path: string): Promise<KeyObject[]> {
  const text = await readFile(path, 'utf8');
  const keys = [...text.matchAll(PEM_BLOCK)].map(([block, label], index) => {
    if (!PUBLIC_PEM_LABELS.has(label ?? '')) {
      throw new Error(`${path}: PEM block ${index + 1} is a ${label}, expected a PUBLIC KEY`);
    }
    const key = createPublicKey(block);
    if (algorithmFor(key) === undefined) {
      throw new Error(`${path}: PEM block ${index + 1} is not an EC P-256 or RSA (>= 2048 bits) public key`);
    }
    return key;
  });
  if (keys.length === 0) throw new Error(`${path}: no PEM public key found`);
  return keys;
}

export interface JwksKeySourceOptions {
  url: string;
  timeoutMs?: number;
  /** The least time between two fetches caused by an unknown `kid`. */
  refetchIntervalMs?: number;
  /** Called when a fetch fails while older keys stay in use. */
  onError?: (error: Error) => void;
  now?: () => number;
}

const jwksSchema = z.object({ keys: z.array(z.unknown()) });
const publicJwkSchema = z.union([
  z.object({ kty: z.literal('EC'), crv: z.string(), x: z.string(), y: z.string() }),
  z.object({ kty: z.literal('RSA'), n: z.string(), e: z.string() }),
]);
const jwkUsageSchema = z.object({ use: z.string().optional(), alg: z.string().optional() });

/**
 * Trusted keys from a JWKS URL (`REGISTRY_AUTH_TOKEN_JWKS_URL`, the BFF's `/jwt/jwks`).
 * Fetched on first use and cached; a `kid` that no cached key has triggers a refetch at
 * most once per `refetchIntervalMs`, so forged kids cannot flood the token service. A
 * failed refetch keeps the cached keys; with no keys ever fetched the source throws, as
 * the registry cannot tell valid tokens from invalid ones.
 */
export function createJwksKeySource(options: JwksKeySourceOptions): KeySource {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const refetchIntervalMs = options.refetchIntervalMs ?? 60_000;
  const now = options.now ?? Date.now;
  let cached: KeyObject[] | undefined;
  let lastFetchAt = Number.NEGATIVE_INFINITY;
  let inFlight: Promise<KeyObject[]> | undefined;

  function refresh(): Promise<KeyObject[]> {
    inFlight ??= (async () => {
      const previous = cached;
      lastFetchAt = now();
      try {
        cached = await fetchJwks(options.url, timeoutMs);
        return cached;
      } catch (error) {
        if (previous === undefined) throw error;
        options.onError?.(error instanceof Error ? error : new Error(String(error)));
        return previous;
      } finally {
        inFlight = undefined;
      }
    })();
    return inFlight;
  }

  return async (kid) => {
    if (inFlight) return inFlight;
    if (cached === undefined) return refresh();
    const known = kid === undefined || cached.some((key) => jwkThumbprint(key) === kid);
    if (!known && now() - lastFetchAt >= refetchIntervalMs) return refresh();
    return cached;
  };
}

async function fetchJwks(url: string, timeoutMs: number): Promise<KeyObject[]> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
  if (!response.ok) throw new Error(`JWKS ${url} answered ${response.status}`);
  const parsed = jwksSchema.safeParse(await response.json());
  if (!parsed.success) throw new Error(`JWKS ${url} is not a JSON Web Key Set`);
  // Keys Berth cannot verify with (other curves, `use: enc`, short RSA) are skipped, not fatal.
  return parsed.data.keys.flatMap((jwk) => {
    const key = importPublicJwk(jwk);
    const usage = jwkUsageSchema.safeParse(jwk);
    if (!key || !usage.success) return [];
    const { use, alg } = usage.data;
    return (use === undefined || use === 'sig') && (alg === undefined || alg === algorithmFor(key))
      ? [key]
      : [];
  });
}

/** Imports only the public members: a JWKS that leaks `d` must not make the registry hold a private key. */
function importPublicJwk(jwk: unknown): KeyObject | undefined {
  const parsed = publicJwkSchema.safeParse(jwk);
  if (!parsed.success) return undefined;
  try {
    const key = createPublicKey({ key: parsed.data, format: 'jwk' });
    return algorithmFor(key) === undefined ? undefined : key;
  } catch {
    return undefined;
  }
}
