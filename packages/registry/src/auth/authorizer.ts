import {
  type AccessEntry,
  type AccessRequest,
  accessCovers,
  type CoverageOptions,
  formatScope,
} from './access.js';
import type { TokenRefusal, TokenVerifier } from './token-verifier.js';

/** One entry of the OCI `UNAUTHORIZED` error's `detail`, as the reference registry writes it. */
export interface AccessDetail {
  Type: string;
  Name: string;
  Action: string;
}

export type AuthorizationFailure = {
  ok: false;
  /** `missing_token` also stands for a Basic or garbled `Authorization` header. */
  error: 'missing_token' | 'invalid_token' | 'insufficient_scope';
  /** Why a presented token was refused; safe to log. */
  reason?: TokenRefusal;
  /** The full `WWW-Authenticate` header value. */
  challenge: string;
  detail: AccessDetail[];
};

export type Authorization = { ok: true; subject: string; access: AccessEntry[] } | AuthorizationFailure;

export interface TokenAuthorizer {
  /**
   * `required` undefined is `GET /v2/`: any valid token passes. Pass `{ extensionApi: true }`
   * for `/berth/v1/` calls (see `CoverageOptions`).
   */
  authorize(
    authorizationHeader: string | undefined,
    required: AccessRequest | undefined,
    options?: CoverageOptions,
  ): Promise<Authorization>;
}

// RFC 6750 §2.1: the scheme is case-insensitive and the credential a token68.
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

export function createTokenAuthorizer(options: {
  verifier: TokenVerifier;
  realm: string;
  service: string;
}): TokenAuthorizer {
  const { verifier, realm, service } = options;

  function fail(
    error: AuthorizationFailure['error'],
    required: AccessRequest | undefined,
    reason?: TokenRefusal,
  ): AuthorizationFailure {
    let challenge = `Bearer realm=${quote(realm)},service=${quote(service)}`;
    if (required) challenge += `,scope=${quote(formatScope(required))}`;
    if (error !== 'missing_token') challenge += `,error="${error}"`;
    const detail = required
      ? required.actions.map((action) => ({ Type: required.type, Name: required.name, Action: action }))
      : [];
    return reason === undefined
      ? { ok: false, error, challenge, detail }
      : { ok: false, error, reason, challenge, detail };
  }

  return {
    async authorize(authorizationHeader, required, coverage = {}) {
      const token = authorizationHeader?.match(BEARER)?.[1];
      if (token === undefined) return fail('missing_token', required);
      const verification = await verifier.verify(token);
      if (!verification.ok) return fail('invalid_token', required, verification.reason);
      const { sub, access } = verification.claims;
      if (required && !accessCovers(access, required, coverage)) return fail('insufficient_scope', required);
      return { ok: true, subject: sub, access };
    },
  };
}

/** An RFC 7230 quoted-string. */
function quote(value: string): string {
  return `"${value.replace(/[\\"]/g, '\\$&')}"`;
}
