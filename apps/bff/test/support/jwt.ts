import { createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface RegistryClaims {
  iss: string;
  aud: string;
  sub: string;
  iat: number;
  nbf: number;
  exp: number;
  jti: string;
  access: { type: string; name: string; actions: string[] }[];
}

/** Verifies a registry token against the public key file the BFF wrote, as the registry does. */
export function verifyRegistryToken(
  token: string,
  dataDir: string,
): { header: Record<string, unknown>; claims: RegistryClaims } {
  const [header, payload, signature] = token.split('.');
  if (!header || !payload || !signature) throw new Error('not a compact JWS');
  const key = createPublicKey(readFileSync(join(dataDir, 'bff', 'token-signing-key.pub.pem')));
  const valid = verify(
    'sha256',
    Buffer.from(`${header}.${payload}`),
    { key, dsaEncoding: 'ieee-p1363' },
    Buffer.from(signature, 'base64url'),
  );
  if (!valid) throw new Error('bad signature');
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString()),
    claims: JSON.parse(Buffer.from(payload, 'base64url').toString()),
  };
}
