// Who may call /berth/v1/ with REGISTRY_AUTH=token: the admin entry registry:berth:* for
// everything, repository pull scopes (exact or `<prefix>/*`) for reads only.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningRegistry, startRegistry } from '../support/registry-process.js';
import { generateTestKeyPair, mintTestToken, TEST_ISSUER, TEST_SERVICE } from '../support/tokens.js';

const keys = generateTestKeyPair();
const keyDir = mkdtempSync(join(tmpdir(), 'berth-extension-auth-'));
let registry: RunningRegistry;

const token = (access: { type: string; name: string; actions: string[] }[]) =>
  mintTestToken(keys.privateKey, { access });
const admin = token([{ type: 'registry', name: 'berth', actions: ['*'] }]);

function call(path: string, bearer?: string, init: RequestInit = {}) {
  return fetch(`${registry.url}/berth/v1/${path}`, {
    ...init,
    headers: { ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), ...(init.headers ?? {}) },
  });
}

beforeAll(async () => {
  const publicKeyFile = join(keyDir, 'token.pub.pem');
  writeFileSync(publicKeyFile, keys.publicKey.export({ type: 'spki', format: 'pem' }));
  registry = await startRegistry({
    env: {
      REGISTRY_AUTH: 'token',
      REGISTRY_AUTH_TOKEN_REALM: 'http://127.0.0.1:1/jwt/auth',
      REGISTRY_AUTH_TOKEN_SERVICE: TEST_SERVICE,
      REGISTRY_AUTH_TOKEN_ISSUER: TEST_ISSUER,
      REGISTRY_AUTH_TOKEN_PUBLIC_KEY_FILE: publicKeyFile,
    },
  });
  // Content comes in through the distribution API with a push token.
  const push = token([{ type: 'repository', name: 'team/app', actions: ['pull', 'push'] }]);
  const config = Buffer.from('{}');
  const digest = 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a';
  const auth = { authorization: `Bearer ${push}` };
  const blob = await fetch(`${registry.url}/v2/team/app/blobs/uploads/?digest=${digest}`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/octet-stream' },
    body: config,
  });
  expect(blob.status).toBe(201);
  const manifest = await fetch(`${registry.url}/v2/team/app/manifests/latest`, {
    method: 'PUT',
    headers: { ...auth, 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
    body: JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest, size: 2 },
      layers: [],
    }),
  });
  expect(manifest.status).toBe(201);
});

afterAll(async () => {
  await registry?.stop();
  rmSync(keyDir, { recursive: true, force: true });
});

describe('extension API authorization', () => {
  it('answers 401 with a challenge naming the scope a read needs', async () => {
    const response = await call('repositories/team/app/tags/list/');
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('scope="repository:team/app:pull"');
    expect(((await response.json()) as { errors: { code: string }[] }).errors[0]?.code).toBe('UNAUTHORIZED');
  });

  it('lets registry:berth:* read and write', async () => {
    expect((await call('repository-paths/team/repositories/list/', admin)).status).toBe(200);
    const deleted = await call('repositories/team/app/tags/', admin, {
      method: 'DELETE',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ names: ['nope'] }),
    });
    expect(deleted.status).toBe(200);
    expect(await deleted.json()).toEqual({ deleted: [], not_found: ['nope'] });
  });

  it('lets a pull scope read its repository, and a wildcard pull scope list its prefix', async () => {
    const pull = token([{ type: 'repository', name: 'team/app', actions: ['pull'] }]);
    expect((await call('repositories/team/app/', pull)).status).toBe(200);
    expect((await call('repositories/team/other/', pull)).status).toBe(401);
    expect((await call('repository-paths/team/repositories/list/', pull)).status).toBe(401);
    const group = token([{ type: 'repository', name: 'team/*', actions: ['pull'] }]);
    expect((await call('repository-paths/team/repositories/list/', group)).status).toBe(200);
    expect((await call('repository-paths/team/repositories/names/', group)).status).toBe(200);
    expect((await call('repository-paths/team/repositories/names/', pull)).status).toBe(401);
    expect((await call('repositories/team/app/tags/detail/latest/', group)).status).toBe(200);
  });

  it('lets a wildcard pull scope post a scoped list, and only registry:berth:* look a repository up by id', async () => {
    const group = token([{ type: 'repository', name: 'team/*', actions: ['pull'] }]);
    const scoped = (bearer: string) =>
      call('repository-paths/team/repositories/list/', bearer, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ include: ['team/app'] }),
      });
    expect((await scoped(group)).status).toBe(200);
    const other = token([{ type: 'repository', name: 'other/*', actions: ['pull'] }]);
    expect((await scoped(other)).status).toBe(401);
    const listed = (await (await scoped(admin)).json()) as { id: number }[];
    const id = listed[0]?.id;
    expect((await call(`repository-ids/${id}/`, admin)).status).toBe(200);
    const byId = await call(`repository-ids/${id}/`, group);
    expect(byId.status).toBe(401);
    expect(byId.headers.get('www-authenticate')).toContain('scope="registry:berth:*"');
  });

  it('never lets a repository scope write, not even push and delete on that repository', async () => {
    const owner = token([{ type: 'repository', name: 'team/app', actions: ['pull', 'push', 'delete', '*'] }]);
    const response = await call('repositories/team/app/', owner, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'team/renamed' }),
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('scope="registry:berth:*"');
    expect((await call('repositories/team/app/', owner, { method: 'DELETE' })).status).toBe(401);
    expect((await call('repositories/team/app/', admin)).status).toBe(200);
  });
});
