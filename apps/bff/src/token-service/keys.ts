import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** RFC 7638 thumbprint of the public key. */
  kid: string;
  publicKeyPem: string;
  jwk: { kty: string; crv: string; x: string; y: string; kid: string; alg: 'ES256'; use: 'sig' };
}

export const SIGNING_KEY_FILE = 'token-signing-key.pem';
export const PUBLIC_KEY_FILE = 'token-signing-key.pub.pem';

/**
 * Loads the ES256 signing key from `<dir>/token-signing-key.pem`, creating it (PKCS#8, mode 0600) on
 * first start, and (re)writes the public key beside it (SPKI) for the registry (docs/token-auth.md).
 */
export function loadOrCreateSigningKey(dir: string): SigningKey {
  mkdirSync(dir, { recursive: true });
  const privatePath = join(dir, SIGNING_KEY_FILE);
  if (!existsSync(privatePath)) {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    try {
      writeFileSync(privatePath, privateKey.export({ type: 'pkcs8', format: 'pem' }), {
        mode: 0o600,
        flag: 'wx',
      });
    } catch (error) {
      // Another process created it first; use theirs.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  const privateKey = createPrivateKey(readFileSync(privatePath));
  if (privateKey.asymmetricKeyType !== 'ec' || privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error(`${privatePath} is not an ECDSA P-256 key (ES256)`);
  }
  const publicKey = createPublicKey(privateKey);
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const publicPath = join(dir, PUBLIC_KEY_FILE);
  if (!existsSync(publicPath) || readFileSync(publicPath, 'utf8') !== publicKeyPem) {
    writeFileSync(publicPath, publicKeyPem, { mode: 0o644 });
  }
  const { crv, x, y } = publicKey.export({ format: 'jwk' }) as { crv: string; x: string; y: string };
  // RFC 7638: the required members in lexicographic order, no whitespace.
  const kid = createHash('sha256')
    .update(JSON.stringify({ crv, kty: 'EC', x, y }))
    .digest('base64url');
  return {
    privateKey,
    publicKey,
    kid,
    publicKeyPem,
    jwk: { kty: 'EC', crv, x, y, kid, alg: 'ES256', use: 'sig' },
  };
}
