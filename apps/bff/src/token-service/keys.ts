import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { BffDatabase } from '../db/schema.js';

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
export function loadOrCreateSigningKey(dir: string, sharedPem?: string): SigningKey {
  mkdirSync(dir, { recursive: true });
  const privatePath = join(dir, SIGNING_KEY_FILE);
  if (sharedPem !== undefined) {
    // The database's key replaces this process's own file, so the public key beside it matches.
    if (!existsSync(privatePath) || readFileSync(privatePath, 'utf8') !== sharedPem) {
      writeFileSync(privatePath, sharedPem, { mode: 0o600 });
    }
  } else if (!existsSync(privatePath)) {
    try {
      writeFileSync(privatePath, generateSigningKeyPem(), { mode: 0o600, flag: 'wx' });
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

export function generateSigningKeyPem(): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/**
 * BFF replicas on one PostgreSQL sign with one key, kept in the database: the first process to start
 * stores its key (an install that already has a key file keeps that key), every later one adopts the
 * stored key. The private key is stored as it is, so the database is as secret as the key file.
 */
export async function sharedSigningKeyPem(db: Kysely<BffDatabase>, dir: string): Promise<string> {
  const ownPath = join(dir, SIGNING_KEY_FILE);
  const candidate = existsSync(ownPath) ? readFileSync(ownPath, 'utf8') : generateSigningKeyPem();
  await db
    .insertInto('token_signing_keys')
    .values({ id: 1, private_key_pem: candidate, created_at: new Date().toISOString() })
    .onConflict((conflict) => conflict.column('id').doNothing())
    .execute();
  const row = await db
    .selectFrom('token_signing_keys')
    .select('private_key_pem')
    .where('id', '=', 1)
    .executeTakeFirstOrThrow();
  return row.private_key_pem;
}
