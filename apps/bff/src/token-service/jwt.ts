import { randomBytes, sign } from 'node:crypto';
import type { RegistryAccessEntry } from '@berth/contract';
import type { SigningKey } from './keys.js';

/** Registry tokens live 5 minutes (docs/token-auth.md). */
export const REGISTRY_TOKEN_LIFETIME_S = 300;

export interface RegistryTokenClaims {
  iss: string;
  aud: string;
  sub: string;
  access: RegistryAccessEntry[];
}

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Signs a compact JWS with ES256 (raw r||s signature, as JWS requires). */
export function signRegistryToken(
  key: SigningKey,
  claims: RegistryTokenClaims,
  now: Date,
): { token: string; issuedAt: Date; expiresIn: number } {
  const iat = Math.floor(now.getTime() / 1000);
  const header = { alg: 'ES256', typ: 'JWT', kid: key.kid };
  const payload = {
    iss: claims.iss,
    sub: claims.sub,
    aud: claims.aud,
    iat,
    nbf: iat,
    exp: iat + REGISTRY_TOKEN_LIFETIME_S,
    jti: randomBytes(16).toString('base64url'),
    access: claims.access,
  };
  const signingInput = `${encode(header)}.${encode(payload)}`;
  const signature = sign('sha256', Buffer.from(signingInput), {
    key: key.privateKey,
    dsaEncoding: 'ieee-p1363',
  });
  return {
    token: `${signingInput}.${signature.toString('base64url')}`,
    issuedAt: new Date(iat * 1000),
    expiresIn: REGISTRY_TOKEN_LIFETIME_S,
  };
}
