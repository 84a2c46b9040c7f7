import { type OAuthTokenResponse, oauthRevokeRequestSchema, oauthTokenRequestSchema } from '@berth/contract';
import { Router } from 'express';
import { OAuthError } from '../errors.js';
import { clientAddress } from '../http/client-address.js';
import type { Services } from '../services.js';

/**
 * `POST /oauth/token` with `grant_type=password`, as GitLab offers scripts (the token has the `api` scope),
 * and `POST /oauth/revoke`.
 */
export function oauthRouter(services: Services): Router {
  const router = Router();
  router.post('/oauth/token', async (req, res) => {
    const body = { ...(req.query as Record<string, unknown>), ...(req.body ?? {}) };
    if (body.grant_type !== 'password') {
      throw new OAuthError('unsupported_grant_type', 'Only grant_type=password is supported');
    }
    const parsed = oauthTokenRequestSchema.safeParse(body);
    if (!parsed.success) throw new OAuthError('invalid_request', 'username and password are required');
    const user = await services.passwords.verify(
      parsed.data.username,
      parsed.data.password,
      clientAddress(req),
    );
    if (!user) throw new OAuthError('invalid_grant', 'The provided authorization grant is invalid');
    const { token, expiresIn, createdAt } = await services.tokens.createOAuthToken(user.id);
    const answer: OAuthTokenResponse = {
      access_token: token,
      token_type: 'Bearer',
      expires_in: expiresIn,
      scope: 'api',
      created_at: Math.floor(createdAt.getTime() / 1000),
    };
    res.setHeader('Cache-Control', 'no-store');
    res.json(answer);
  });

  /** RFC 7009: whoever holds a token may revoke it; an unknown or expired token is answered alike. */
  router.post('/oauth/revoke', async (req, res) => {
    const parsed = oauthRevokeRequestSchema.safeParse({
      ...(req.query as Record<string, unknown>),
      ...(req.body ?? {}),
    });
    if (!parsed.success) throw new OAuthError('invalid_request', 'token is required');
    await services.tokens.revokeOAuthToken(parsed.data.token);
    res.setHeader('Cache-Control', 'no-store');
    res.json({});
  });
  return router;
}
