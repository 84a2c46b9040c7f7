import { createHash, type KeyObject } from 'node:crypto';

/** The only algorithms a token may use; each is pinned to one key type. */
export type TokenAlgorithm = 'ES256' | 'RS256';

const MIN_RSA_BITS = 2048;

/** The algorithm a public key verifies, or undefined when Berth does not accept the key. */
export function algorithmFor(key: KeyObject): TokenAlgorithm | undefined {
  if (key.type !== 'public') return undefined;
  const details = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === 'ec' && details?.namedCurve === 'prime256v1') return 'ES256';
  if (key.asymmetricKeyType === 'rsa' && (details?.modulusLength ?? 0) >= MIN_RSA_BITS) return 'RS256';
  return undefined;
}

const thumbprints = new WeakMap<KeyObject, string>();

/** The RFC 7638 JWK thumbprint (SHA-256, base64url): the `kid` the BFF puts in token headers. */
export function jwkThumbprint(key: KeyObject): string {
  const cached = thumbprints.get(key);
  if (cached !== undefined) return cached;
  const jwk = key.export({ format: 'jwk' });
  // RFC 7638 §3.2: only the required members, in lexicographic order, no whitespace.
  const members =
    jwk.kty === 'EC'
      ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }
      : { e: jwk.e, kty: jwk.kty, n: jwk.n };
  const thumbprint = createHash('sha256').update(JSON.stringify(members)).digest('base64url');
  thumbprints.set(key, thumbprint);
  return thumbprint;
}
