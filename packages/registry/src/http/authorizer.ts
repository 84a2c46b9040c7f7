import type { AccessRequest } from '../auth/access.js';

export type AuthDecision = { ok: true } | { ok: false; challenge: string; detail: unknown };

/** What the HTTP layer needs from authentication; absent when REGISTRY_AUTH=none. */
export interface RequestAuthorizer {
  /** `required` is undefined for `GET /v2/` (any valid credential passes). */
  authorize(authorization: string | undefined, required: AccessRequest | undefined): Promise<AuthDecision>;
}
