import { createPublicKey, generateKeyPairSync, type KeyObject, randomUUID, sign } from 'node:crypto';
import { jwkThumbprint } from '../../src/auth/signing-keys.js';

export const TEST_ISSUER = 'berth-token-service';
export const TEST_SERVICE = 'container_registry';

export interface TestKeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The RFC 7638 thumbprint the BFF uses as `kid`. */
  kid: string;
}

/** A fresh ES256 (P-256) key pair, like the BFF's token signing key. */
export function generateTestKeyPair(): TestKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateKey, publicKey, kid: jwkThumbprint(publicKey) };
}

/**
 * A token signed the way the BFF signs (docs/token-auth.md): header
 * `{"alg":"ES256","typ":"JWT","kid":<thumbprint>}` (RS256 for an RSA key), a 5-minute
 * lifetime from now, issuer `berth-token-service`, audience `container_registry`, no access.
 * `header` entries override or add header fields (an `undefined` value removes one).
 */
export function mintTestToken(
  privateKey: KeyObject,
  /** Overrides of the default claims; a claim set to `undefined` is left out. Not checked, so tests can mint bad claims. */
  claims: Record<string, unknown> = {},
  header: Record<string, unknown> = {},
): string {
  const isRsa = privateKey.asymmetricKeyType === 'rsa';
  const issuedAt = Math.floor(Date.now() / 1000);
  const fullHeader = {
    alg: isRsa ? 'RS256' : 'ES256',
    typ: 'JWT',
    kid: jwkThumbprint(createPublicKey(privateKey)),
    ...header,
  };
  const fullClaims = {
    iss: TEST_ISSUER,
    sub: 'tester',
    aud: TEST_SERVICE,
    iat: issuedAt,
    nbf: issuedAt,
    exp: issuedAt + 300,
    jti: randomUUID(),
    access: [],
    ...claims,
  };
  const signingInput = `${encodeJson(fullHeader)}.${encodeJson(fullClaims)}`;
  const signature = sign(
    'sha256',
    Buffer.from(signingInput),
    isRsa ? privateKey : { key: privateKey, dsaEncoding: 'ieee-p1363' },
  );
  return `${signingInput}.${signature.toString('base64url')}`;
}

export function encodeJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
