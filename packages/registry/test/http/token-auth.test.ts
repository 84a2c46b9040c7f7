import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningRegistry, startRegistry } from '../support/registry-process.js';
import { generateTestKeyPair, mintTestToken } from '../support/tokens.js';

const REALM = 'http://127.0.0.1:9/jwt/auth';
const keys = generateTestKeyPair();
let registry: RunningRegistry;

function token(
  access: { type: string; name: string; actions: string[] }[],
  claims: Record<string, unknown> = {},
) {
  return mintTestToken(keys.privateKey, { access, ...claims });
}

// biome-ignore lint/suspicious/noExplicitAny: test bodies are asserted field by field
async function json(response: Response): Promise<any> {
  return response.json();
}

function bearer(value: string) {
  return { Authorization: `Bearer ${value}` };
}

async function pushBlob(repository: string, bytes: Buffer, headers: Record<string, string>) {
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  const response = await fetch(`${registry.url}/v2/${repository}/blobs/uploads/?digest=${digest}`, {
    method: 'POST',
    headers: { ...headers, 'Content-Type': 'application/octet-stream' },
    body: bytes,
  });
  return { digest, response };
}

beforeAll(async () => {
  const keyFile = join(tmpdir(), `berth-token-key-${randomBytes(4).toString('hex')}.pem`);
  writeFileSync(keyFile, keys.publicKey.export({ type: 'spki', format: 'pem' }));
  registry = await startRegistry({
    env: {
      REGISTRY_AUTH: 'token',
      REGISTRY_AUTH_TOKEN_REALM: REALM,
      REGISTRY_AUTH_TOKEN_PUBLIC_KEY_FILE: keyFile,
    },
  });
});
afterAll(() => registry?.stop());

describe('registry with token authentication', () => {
  it('challenges GET /v2/ without a scope, so clients can log in', async () => {
    const response = await fetch(`${registry.url}/v2/`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(
      `Bearer realm="${REALM}",service="container_registry"`,
    );
    expect((await json(response)).errors[0].code).toBe('UNAUTHORIZED');
    const authed = await fetch(`${registry.url}/v2/`, { headers: bearer(token([])) });
    expect(authed.status).toBe(200);
  });

  it('challenges an anonymous pull with the repository scope and the requested access in detail', async () => {
    const response = await fetch(`${registry.url}/v2/acme/app/tags/list`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(
      `Bearer realm="${REALM}",service="container_registry",scope="repository:acme/app:pull"`,
    );
    const body = await json(response);
    expect(body.errors[0]).toMatchObject({
      code: 'UNAUTHORIZED',
      detail: [{ Type: 'repository', Name: 'acme/app', Action: 'pull' }],
    });
  });

  it('lets a push token push and a pull token only pull', async () => {
    const pusher = bearer(token([{ type: 'repository', name: 'acme/app', actions: ['pull', 'push'] }]));
    const { digest, response } = await pushBlob('acme/app', randomBytes(100), pusher);
    expect(response.status).toBe(201);

    const puller = bearer(token([{ type: 'repository', name: 'acme/app', actions: ['pull'] }]));
    expect((await fetch(`${registry.url}/v2/acme/app/blobs/${digest}`, { headers: puller })).status).toBe(
      200,
    );
    const refused = await pushBlob('acme/app', randomBytes(100), puller);
    expect(refused.response.status).toBe(401);
    expect(refused.response.headers.get('www-authenticate')).toContain(
      'scope="repository:acme/app:pull,push",error="insufficient_scope"',
    );
    const deletion = await fetch(`${registry.url}/v2/acme/app/blobs/${digest}`, {
      method: 'DELETE',
      headers: puller,
    });
    expect(deletion.status).toBe(401);
    expect(deletion.headers.get('www-authenticate')).toContain('scope="repository:acme/app:delete"');
  });

  it('refuses a token for another repository, an expired token and a forged one', async () => {
    const other = bearer(token([{ type: 'repository', name: 'acme/other', actions: ['*'] }]));
    expect((await fetch(`${registry.url}/v2/acme/app/tags/list`, { headers: other })).status).toBe(401);
    const now = Math.floor(Date.now() / 1000);
    const expired = bearer(
      token([{ type: 'repository', name: 'acme/app', actions: ['pull'] }], {
        iat: now - 900,
        nbf: now - 900,
        exp: now - 600,
      }),
    );
    const answer = await fetch(`${registry.url}/v2/acme/app/tags/list`, { headers: expired });
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toContain('error="invalid_token"');
    const forged = mintTestToken(generateTestKeyPair().privateKey, {
      access: [{ type: 'repository', name: 'acme/app', actions: ['pull'] }],
    });
    expect((await fetch(`${registry.url}/v2/acme/app/tags/list`, { headers: bearer(forged) })).status).toBe(
      401,
    );
  });

  it('gives the catalog only to registry:catalog:* and mounts only from readable repositories', async () => {
    const repoWide = bearer(token([{ type: 'repository', name: 'acme/app', actions: ['*'] }]));
    expect((await fetch(`${registry.url}/v2/_catalog`, { headers: repoWide })).status).toBe(401);
    const admin = bearer(token([{ type: 'registry', name: 'catalog', actions: ['*'] }]));
    const catalog = await fetch(`${registry.url}/v2/_catalog`, { headers: admin });
    expect(catalog.status).toBe(200);
    expect((await json(catalog)).repositories).toContain('acme/app');

    const owner = bearer(token([{ type: 'repository', name: 'acme/app', actions: ['pull', 'push'] }]));
    const { digest } = await pushBlob('acme/app', randomBytes(64), owner);
    const outsider = bearer(token([{ type: 'repository', name: 'evil/copy', actions: ['pull', 'push'] }]));
    const mount = await fetch(`${registry.url}/v2/evil/copy/blobs/uploads/?mount=${digest}&from=acme/app`, {
      method: 'POST',
      headers: outsider,
    });
    // Without pull on the source the mount is not done; a plain upload starts instead.
    expect(mount.status).toBe(202);
    expect(
      (await fetch(`${registry.url}/v2/evil/copy/blobs/${digest}`, { method: 'HEAD', headers: outsider }))
        .status,
    ).toBe(404);
    const both = bearer(
      token([
        { type: 'repository', name: 'acme/app', actions: ['pull'] },
        { type: 'repository', name: 'acme/copy', actions: ['pull', 'push'] },
      ]),
    );
    const allowed = await fetch(`${registry.url}/v2/acme/copy/blobs/uploads/?mount=${digest}&from=acme/app`, {
      method: 'POST',
      headers: both,
    });
    expect(allowed.status).toBe(201);
  });
});
