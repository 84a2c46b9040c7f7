import { describe, expect, it } from 'vitest';
import {
  type AccessEntry,
  type AccessRequest,
  createTokenAuthorizer,
  createTokenVerifier,
} from '../../src/auth/index.js';
import { generateTestKeyPair, mintTestToken, TEST_ISSUER, TEST_SERVICE } from '../support/tokens.js';

const REALM = 'http://127.0.0.1:8080/jwt/auth';
const keys = generateTestKeyPair();
const authorizer = createTokenAuthorizer({
  verifier: createTokenVerifier({ issuer: TEST_ISSUER, service: TEST_SERVICE, keys: [keys.publicKey] }),
  realm: REALM,
  service: TEST_SERVICE,
});

const bearer = (access: AccessEntry[], sub = 'alice') =>
  `Bearer ${mintTestToken(keys.privateKey, { sub, access })}`;
const repository = (name: string, ...actions: ('pull' | 'push' | 'delete' | '*')[]): AccessRequest => ({
  type: 'repository',
  name,
  actions,
});
const CATALOG: AccessRequest = { type: 'registry', name: 'catalog', actions: ['*'] };
const BERTH: AccessRequest = { type: 'registry', name: 'berth', actions: ['*'] };
const CHALLENGE = `Bearer realm="${REALM}",service="container_registry"`;

describe('token authorizer', () => {
  describe('grants', () => {
    it.each([
      ['pull', [{ type: 'repository', name: 'acme/app', actions: ['pull'] }], repository('acme/app', 'pull')],
      [
        'push',
        [{ type: 'repository', name: 'acme/app', actions: ['pull', 'push'] }],
        repository('acme/app', 'pull', 'push'),
      ],
      [
        'delete',
        [{ type: 'repository', name: 'acme/app', actions: ['delete'] }],
        repository('acme/app', 'delete'),
      ],
      [
        '* for push',
        [{ type: 'repository', name: 'acme/app', actions: ['*'] }],
        repository('acme/app', 'pull', 'push'),
      ],
      [
        '* for delete',
        [{ type: 'repository', name: 'acme/app', actions: ['*'] }],
        repository('acme/app', 'delete'),
      ],
      ['the catalog to an admin token', [{ type: 'registry', name: 'catalog', actions: ['*'] }], CATALOG],
      ['the berth API', [{ type: 'registry', name: 'berth', actions: ['*'] }], BERTH],
    ])('%s', async (_, access, required) => {
      expect(await authorizer.authorize(bearer(access), required)).toEqual({
        ok: true,
        subject: 'alice',
        access,
      });
    });

    it('/berth/v1/ reads under a prefix to a <prefix>/* pull token', async () => {
      const access = [{ type: 'repository', name: 'acme/shop/*', actions: ['pull'] }];
      const extensionApi = { extensionApi: true };
      expect(
        (await authorizer.authorize(bearer(access), repository('acme/shop/*', 'pull'), extensionApi)).ok,
      ).toBe(true);
      expect(
        (await authorizer.authorize(bearer(access), repository('acme/shop/app', 'pull'), extensionApi)).ok,
      ).toBe(true);
      expect(
        await authorizer.authorize(bearer(access), repository('acme/*', 'pull'), extensionApi),
      ).toMatchObject({
        ok: false,
        error: 'insufficient_scope',
      });
    });

    it('GET /v2/ to any valid token, even an anonymous one with no access', async () => {
      expect(await authorizer.authorize(bearer([], ''), undefined)).toEqual({
        ok: true,
        subject: '',
        access: [],
      });
    });

    it('reads the Bearer scheme case-insensitively', async () => {
      const token = mintTestToken(keys.privateKey, { access: [] });
      expect((await authorizer.authorize(`bearer ${token}`, undefined)).ok).toBe(true);
    });
  });

  describe('challenges', () => {
    it('a request without a token with the scope it needs', async () => {
      expect(await authorizer.authorize(undefined, repository('acme/app', 'pull', 'push'))).toEqual({
        ok: false,
        error: 'missing_token',
        challenge: `${CHALLENGE},scope="repository:acme/app:pull,push"`,
        detail: [
          { Type: 'repository', Name: 'acme/app', Action: 'pull' },
          { Type: 'repository', Name: 'acme/app', Action: 'push' },
        ],
      });
    });

    it('GET /v2/ without a token without a scope', async () => {
      expect(await authorizer.authorize(undefined, undefined)).toEqual({
        ok: false,
        error: 'missing_token',
        challenge: CHALLENGE,
        detail: [],
      });
    });

    it.each([
      ['Basic credentials', `Basic ${Buffer.from('alice:secret').toString('base64')}`],
      ['an empty Bearer', 'Bearer '],
      ['garbage', 'Bearer a b'],
      ['an unknown scheme', 'Token abc'],
    ])('%s as no token', async (_, header) => {
      expect(await authorizer.authorize(header, repository('acme/app', 'pull'))).toMatchObject({
        ok: false,
        error: 'missing_token',
        challenge: `${CHALLENGE},scope="repository:acme/app:pull"`,
      });
    });

    it('a token that fails verification with invalid_token and the reason', async () => {
      const other = generateTestKeyPair();
      const header = `Bearer ${mintTestToken(other.privateKey, { access: [{ type: 'repository', name: 'acme/app', actions: ['pull'] }] })}`;
      expect(await authorizer.authorize(header, repository('acme/app', 'pull'))).toEqual({
        ok: false,
        error: 'invalid_token',
        reason: 'unknown key',
        challenge: `${CHALLENGE},scope="repository:acme/app:pull",error="invalid_token"`,
        detail: [{ Type: 'repository', Name: 'acme/app', Action: 'pull' }],
      });
      const expired = mintTestToken(keys.privateKey, { exp: 1_000_000 });
      expect(await authorizer.authorize(`Bearer ${expired}`, undefined)).toMatchObject({
        ok: false,
        reason: 'expired',
        challenge: `${CHALLENGE},error="invalid_token"`,
      });
    });

    it.each([
      [
        'scope for another repository',
        [{ type: 'repository', name: 'acme/other', actions: ['*'] }],
        repository('acme/app', 'pull'),
        'repository:acme/app:pull',
      ],
      [
        'a pull-only token asking for push',
        [{ type: 'repository', name: 'acme/app', actions: ['pull'] }],
        repository('acme/app', 'pull', 'push'),
        'repository:acme/app:pull,push',
      ],
      [
        'a pull-only token asking for delete',
        [{ type: 'repository', name: 'acme/app', actions: ['pull'] }],
        repository('acme/app', 'delete'),
        'repository:acme/app:delete',
      ],
      [
        'a non-admin token asking for the catalog',
        [{ type: 'repository', name: 'acme/app', actions: ['*'] }],
        CATALOG,
        'registry:catalog:*',
      ],
      [
        'a berth token asking for the catalog',
        [{ type: 'registry', name: 'berth', actions: ['*'] }],
        CATALOG,
        'registry:catalog:*',
      ],
      [
        'a prefix token on the distribution API',
        [{ type: 'repository', name: 'acme/*', actions: ['pull'] }],
        repository('acme/app', 'pull'),
        'repository:acme/app:pull',
      ],
    ])('%s with insufficient_scope', async (_, access, required, scope) => {
      const result = await authorizer.authorize(bearer(access), required);
      expect(result).toEqual({
        ok: false,
        error: 'insufficient_scope',
        challenge: `${CHALLENGE},scope="${scope}",error="insufficient_scope"`,
        detail: required.actions.map((Action) => ({ Type: required.type, Name: required.name, Action })),
      });
    });

    it('quotes a realm that carries a quote', async () => {
      const odd = createTokenAuthorizer({
        verifier: createTokenVerifier({ issuer: TEST_ISSUER, service: TEST_SERVICE, keys: [keys.publicKey] }),
        realm: 'http://x/"a\\b',
        service: TEST_SERVICE,
      });
      expect(await odd.authorize(undefined, undefined)).toMatchObject({
        challenge: 'Bearer realm="http://x/\\"a\\\\b",service="container_registry"',
      });
    });
  });
});
