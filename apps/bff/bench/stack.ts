/**
 * What the BFF benches share: starting the real registry and BFF processes, and pushing images into
 * the registry with tokens signed by the BFF's key, as the token service would sign them.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { signRegistryToken } from '../src/token-service/jwt.js';
import type { SigningKey } from '../src/token-service/keys.js';

export const ISSUER = 'berth-token-service';
const bffRoot = fileURLToPath(new URL('../..', import.meta.url));
export const registryBin = join(bffRoot, '../../packages/registry/dist/berth-registry.mjs');
export const bffBin = join(bffRoot, 'dist/src/server.js');

/** Every process a bench started; killed when the bench exits, however it exits. */
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/**
 * Starts a server process and resolves with the port its `listening` log line names. The registry
 * is executed itself, so it runs with the node flags its first line names.
 */
export async function startProcess(
  program: string,
  args: string[],
  env: Record<string, string>,
  ready: string,
) {
  const name = [program, ...args].join(' ');
  const child = spawn(program, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const stderr: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const port = await new Promise<number>((resolvePort, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start\n${stderr.join('')}`)), 20_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const match = /"port":\s*(\d+)/.exec(line);
      if (line.includes(ready) && match) {
        clearTimeout(timer);
        resolvePort(Number(match[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}\n${stderr.join('')}`)));
  });
  child.stdout?.resume();
  return { url: `http://127.0.0.1:${port}`, child };
}

/**
 * The registry process on SQLite under `dataDir`, with token auth trusting the key in `keyDir` (the
 * BFF's data folder) and no access log: the figures are the requests' cost.
 */
export function startRegistry(dataDir: string, keyDir: string) {
  return startProcess(
    registryBin,
    ['serve'],
    {
      REGISTRY_HOST: '127.0.0.1',
      REGISTRY_PORT: '0',
      BERTH_DATA_DIR: dataDir,
      REGISTRY_DATABASE_URL: '',
      REGISTRY_ACCESS_LOG: 'false',
      LOG_LEVEL: 'info',
      REGISTRY_AUTH: 'token',
      REGISTRY_AUTH_TOKEN_REALM: 'http://127.0.0.1:1/jwt/auth',
      REGISTRY_AUTH_TOKEN_SERVICE: 'container_registry',
      REGISTRY_AUTH_TOKEN_ISSUER: ISSUER,
      REGISTRY_AUTH_TOKEN_PUBLIC_KEY_FILE: join(keyDir, 'token-signing-key.pub.pem'),
    },
    'registry listening',
  );
}

/** Runs fn(0..count-1) on `lanes` concurrent lanes. */
export async function pool(count: number, lanes: number, fn: (index: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(lanes, count) }, async () => {
      while (next < count) await fn(next++);
    }),
  );
}

export async function request(url: string, init: RequestInit & { expect?: number } = {}) {
  const response = await fetch(url, init);
  const text = await response.text();
  if (response.status !== (init.expect ?? 200)) {
    throw new Error(`${init.method ?? 'GET'} ${url}: ${response.status} ${text.slice(0, 300)}`);
  }
  return text ? JSON.parse(text) : undefined;
}

export const json = (method: string, body: unknown, headers: Record<string, string> = {}) => ({
  method,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

export const sha256 = (data: Buffer | string) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/** Pushes image manifests through `/v2/` with tokens signed by the BFF key, as the token service would. */
export class Pusher {
  private readonly layer = Buffer.alloc(64 * 1024, 7);
  private readonly config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {} }));

  constructor(
    private readonly registryUrl: string,
    private readonly key: SigningKey,
  ) {}

  private auth(repository: string) {
    const { token } = signRegistryToken(
      this.key,
      {
        iss: ISSUER,
        aud: 'container_registry',
        sub: 'bench',
        access: [{ type: 'repository', name: repository, actions: ['pull', 'push'] }],
      },
      new Date(),
    );
    return { authorization: `Bearer ${token}` };
  }

  async blobs(repository: string) {
    for (const blob of [this.layer, this.config]) {
      await request(`${this.registryUrl}/v2/${repository}/blobs/uploads/?digest=${sha256(blob)}`, {
        method: 'POST',
        headers: { ...this.auth(repository), 'content-type': 'application/octet-stream' },
        body: blob,
        expect: 201,
      });
    }
  }

  /** A distinct manifest per tag (its annotation differs), as CI builds are. */
  async manifest(repository: string, tag: string, headers = this.auth(repository)) {
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: sha256(this.config),
        size: this.config.length,
      },
      layers: [
        {
          mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
          digest: sha256(this.layer),
          size: this.layer.length,
        },
      ],
      annotations: { 'org.opencontainers.image.version': tag },
    });
    await request(`${this.registryUrl}/v2/${repository}/manifests/${tag}`, {
      method: 'PUT',
      headers: { ...headers, 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
      body: manifest,
      expect: 201,
    });
  }

  headers(repository: string) {
    return this.auth(repository);
  }
}
