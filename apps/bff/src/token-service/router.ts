import { type TokenServiceResponse, tokenServiceQuerySchema } from '@berth/contract';
import { Router } from 'express';
import { type Actor, ANONYMOUS } from '../access/access.js';
import { unauthorized } from '../errors.js';
import { parse } from '../http/validate.js';
import type { Services } from '../services.js';
import { grantAccess } from './grants.js';
import { signRegistryToken } from './jwt.js';
import { parseScopes } from './scopes.js';

function basicCredentials(header: string | undefined): { username: string; password: string } | undefined {
  const match = header && /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header);
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** The distribution token service (docs/token-auth.md): `GET /jwt/auth` and the public key at `GET /jwt/jwks`. */
export function tokenServiceRouter(services: Services): Router {
  const router = Router();
  const { config, signingKey } = services;
  const registryHosts = [
    config.externalRegistryHost,
    new URL(`http://${config.externalRegistryHost}`).hostname,
    config.registryUrl.host,
    config.registryUrl.hostname,
  ];

  router.get('/jwt/auth', async (req, res) => {
    const query = parse(tokenServiceQuerySchema, req.query);
    const now = new Date();
    const authorization = req.get('authorization');
    let actor: Actor = ANONYMOUS;
    if (authorization !== undefined) {
      const credentials = basicCredentials(authorization);
      const resolved =
        credentials && (await services.credentials.basic(credentials.username, credentials.password, now));
      if (!resolved) throw unauthorized('HTTP Basic: Access denied');
      actor = resolved;
    }
    const access = await grantAccess(actor, parseScopes(query.scope, registryHosts), services.projects, now);
    const subject =
      actor.kind === 'anonymous'
        ? ''
        : actor.kind === 'deploy-token'
          ? actor.username
          : actor.kind === 'job'
            ? 'gitlab-ci-token'
            : actor.user.username;
    const signed = signRegistryToken(
      signingKey,
      { iss: config.tokenIssuer, aud: query.service, sub: subject, access },
      now,
    );
    const answer: TokenServiceResponse = {
      token: signed.token,
      access_token: signed.token,
      expires_in: signed.expiresIn,
      issued_at: signed.issuedAt.toISOString(),
    };
    res.setHeader('Cache-Control', 'no-store');
    res.json(answer);
  });

  router.get('/jwt/jwks', (_req, res) => {
    res.json({ keys: [signingKey.jwk] });
  });

  return router;
}
