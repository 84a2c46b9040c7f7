import { constants, type KeyObject, verify as verifySignature } from 'node:crypto';
import { z } from 'zod';
import { accessEntrySchema } from './access.js';
import { algorithmFor, jwkThumbprint, type TokenAlgorithm } from './signing-keys.js';

/**
 * Where trusted public keys come from. A source may use the `kid` of the token being
 * verified to refresh itself when it does not know that key yet.
 */
export type KeySource = (kid?: string) => Promise<KeyObject[]>;

export interface TokenVerifierOptions {
  issuer: string;
  service: string;
  keys: KeyObject[] | KeySource;
  clockSkewSeconds?: number;
  /** Milliseconds since the epoch; tests pin it. */
  now?: () => number;
}

export const tokenClaimsSchema = z.object({
  iss: z.string(),
  sub: z.string(),
  aud: z.union([z.string(), z.array(z.string())]),
  exp: z.number(),
  nbf: z.number().optional(),
  iat: z.number().optional(),
  jti: z.string().optional(),
  // An empty grant is legitimate (docs/token-auth.md); a token without the claim grants nothing.
  access: z.array(accessEntrySchema).default([]),
});
export type TokenClaims = z.infer<typeof tokenClaimsSchema>;

/** Why a token was refused: short, fixed strings that are safe to log. */
export type TokenRefusal =
  | 'malformed token'
  | 'algorithm not allowed'
  | 'embedded key not trusted'
  | 'critical header not supported'
  | 'unknown key'
  | 'bad signature'
  | 'invalid claims'
  | 'wrong issuer'
  | 'wrong audience'
  | 'expired'
  | 'not yet valid';

export type TokenVerification = { ok: true; claims: TokenClaims } | { ok: false; reason: TokenRefusal };

export interface TokenVerifier {
  verify(token: string): Promise<TokenVerification>;
}

const headerSchema = z.looseObject({ alg: z.string(), kid: z.string().optional() });
// Each of these would let a token name its own key.
const EMBEDDED_KEY_HEADERS = ['jwk', 'x5c', 'jku', 'x5u'];

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const ES256_SIGNATURE_BYTES = 64;
const DEFAULT_CLOCK_SKEW_SECONDS = 60;

export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const { issuer, service } = options;
  const skew = options.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS;
  const now = options.now ?? Date.now;
  const staticKeys = options.keys;
  const keySource: KeySource = typeof staticKeys === 'function' ? staticKeys : async () => staticKeys;

  async function verify(token: string): Promise<TokenVerification> {
    const parts = token.split('.');
    if (parts.length !== 3 || !parts.every((part) => BASE64URL.test(part))) return refuse('malformed token');
    const [encodedHeader, encodedClaims, encodedSignature] = parts as [string, string, string];

    const header = headerSchema.safeParse(decodeJson(encodedHeader));
    if (!header.success) return refuse('malformed token');
    const { alg, kid } = header.data;
    if (alg !== 'ES256' && alg !== 'RS256') return refuse('algorithm not allowed');
    if (EMBEDDED_KEY_HEADERS.some((name) => name in header.data)) return refuse('embedded key not trusted');
    // RFC 7515 §4.1.11: extensions marked critical must be understood, and this verifier knows none.
    if ('crit' in header.data) return refuse('critical header not supported');

    const candidates = (await keySource(kid)).filter(
      (key) => algorithmFor(key) === alg && (kid === undefined || jwkThumbprint(key) === kid),
    );
    if (candidates.length === 0) return refuse('unknown key');

    const signingInput = Buffer.from(`${encodedHeader}.${encodedClaims}`, 'ascii');
    const signature = Buffer.from(encodedSignature, 'base64url');
    if (!candidates.some((key) => signatureMatches(alg, key, signingInput, signature))) {
      return refuse('bad signature');
    }

    // Claims are only looked at once the signature proved who wrote them.
    const parsed = tokenClaimsSchema.safeParse(decodeJson(encodedClaims));
    if (!parsed.success) return refuse('invalid claims');
    const claims = parsed.data;
    if (claims.iss !== issuer) return refuse('wrong issuer');
    const audiences = typeof claims.aud === 'string' ? [claims.aud] : claims.aud;
    if (!audiences.includes(service)) return refuse('wrong audience');
    const seconds = now() / 1000;
    if (seconds >= claims.exp + skew) return refuse('expired');
    if (claims.nbf !== undefined && seconds < claims.nbf - skew) return refuse('not yet valid');
    return { ok: true, claims };
  }

  return { verify };
}

function refuse(reason: TokenRefusal): TokenVerification {
  return { ok: false, reason };
}

function decodeJson(part: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

function signatureMatches(alg: TokenAlgorithm, key: KeyObject, input: Buffer, signature: Buffer): boolean {
  if (alg === 'ES256') {
    // JWS carries ECDSA signatures as raw r‖s (RFC 7518 §3.4), not DER.
    return (
      signature.length === ES256_SIGNATURE_BYTES &&
      verifySignature('sha256', input, { key, dsaEncoding: 'ieee-p1363' }, signature)
    );
  }
  return verifySignature('sha256', input, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
}
