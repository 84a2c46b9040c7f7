import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { DatabaseTarget } from '@berth/sql/testing';
import { RegistryClient } from '../../src/registry/registry-client.js';
import { signRegistryToken } from '../../src/token-service/jwt.js';
import { loadOrCreateSigningKey, type SigningKey } from '../../src/token-service/keys.js';
import { type RunningBff, startBff } from './bff.js';

const run = promisify(execFile);
const here = fileURLToPath(new URL('.', import.meta.url));
const registrySupport = resolve(here, '../../../../packages/registry/test/support/registry-process.ts');
const registryBin = resolve(here, '../../../../packages/registry/dist/berth-registry.mjs');

/** The shape of packages/registry/test/support/registry-process.ts (imported at run time: another package). */
export interface RunningRegistry {
  url: string;
  host: string;
  stop(): Promise<void>;
}
type StartRegistry = (options: { env?: Record<string, string> }) => Promise<RunningRegistry>;

/** Why tests against the real registry and skopeo cannot run here, or undefined when they can. */
export async function missingRegistryPrerequisite(): Promise<string | undefined> {
  if (!existsSync(registrySupport)) return `${registrySupport} (startRegistry) does not exist`;
  if (!existsSync(registryBin)) return `the built registry ${registryBin} does not exist (run pnpm build)`;
  try {
    await run('skopeo', ['--version']);
  } catch {
    return 'skopeo is not installed';
  }
  return undefined;
}

/** Skips with a warning where prerequisites are missing; CI installs and builds everything, so there it fails. */
export async function registryPrerequisiteOrSkip(what: string): Promise<string | undefined> {
  const missing = await missingRegistryPrerequisite();
  if (missing && process.env.CI) throw new Error(`${what} cannot run: ${missing}`);
  if (missing) console.warn(`\n*** SKIPPED: ${what}: ${missing} ***\n`);
  return missing;
}

/**
 * The real registry process with token auth trusting the signing key in `bffDataDir` (the BFF's), on a
 * database of its own (`databaseUrl`, SQLite when absent).
 */
export async function startTokenRegistry(options: {
  bffDataDir: string;
  issuer: string;
  realm: string;
  databaseUrl?: string;
  env?: Record<string, string>;
}): Promise<RunningRegistry> {
  const { startRegistry } = (await import(registrySupport)) as { startRegistry: StartRegistry };
  return startRegistry({
    env: {
      REGISTRY_AUTH: 'token',
      REGISTRY_AUTH_TOKEN_REALM: options.realm,
      REGISTRY_AUTH_TOKEN_SERVICE: 'container_registry',
      REGISTRY_AUTH_TOKEN_ISSUER: options.issuer,
      REGISTRY_AUTH_TOKEN_PUBLIC_KEY_FILE: join(options.bffDataDir, 'bff', 'token-signing-key.pub.pem'),
      ...(options.databaseUrl ? { REGISTRY_DATABASE_URL: options.databaseUrl } : {}),
      ...options.env,
    },
  });
}

/** A token for pushes in test set-up, signed as the token service would sign it. */
export function pushToken(signingKey: SigningKey, issuer: string, repository: string): string {
  return signRegistryToken(
    signingKey,
    {
      iss: issuer,
      aud: 'container_registry',
      sub: 'test-setup',
      access: [{ type: 'repository', name: repository, actions: ['pull', 'push'] }],
    },
    new Date(),
  ).token;
}

/** Copies an OCI layout (every platform of an index) to `<host>/<repository>:<tag>` with skopeo. */
export async function skopeoPush(
  host: string,
  layout: string,
  layoutTag: string,
  repository: string,
  tag: string,
  credentials: { token: string } | { username: string; password: string },
): Promise<void> {
  const auth =
    'token' in credentials
      ? ['--dest-registry-token', credentials.token]
      : ['--dest-creds', `${credentials.username}:${credentials.password}`];
  await run(
    'skopeo',
    [
      '--insecure-policy',
      'copy',
      '--all',
      '--dest-tls-verify=false',
      ...auth,
      `oci:${layout}:${layoutTag}`,
      `docker://${host}/${repository}:${tag}`,
    ],
    { timeout: 60_000 },
  );
}

/**
 * Adds tags to a repository quickly by putting an already pushed manifest under more names through
 * `/v2/` (the registry records each as a tag with its own published time).
 */
export async function tagManifest(
  registryUrl: string,
  token: string,
  repository: string,
  fromTag: string,
  tags: string[],
): Promise<void> {
  const auth = { authorization: `Bearer ${token}` };
  const manifest = await fetch(`${registryUrl}/v2/${repository}/manifests/${fromTag}`, {
    headers: {
      ...auth,
      accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json',
    },
  });
  if (!manifest.ok) throw new Error(`GET manifest ${repository}:${fromTag}: ${manifest.status}`);
  const mediaType = manifest.headers.get('content-type') ?? 'application/vnd.oci.image.manifest.v1+json';
  const body = Buffer.from(await manifest.arrayBuffer());
  for (const tag of tags) {
    const put = await fetch(`${registryUrl}/v2/${repository}/manifests/${tag}`, {
      method: 'PUT',
      headers: { ...auth, 'content-type': mediaType },
      body,
    });
    if (put.status !== 201) throw new Error(`PUT ${repository}:${tag}: ${put.status} ${await put.text()}`);
  }
}

/**
 * The BFF in-process and the real registry process trusting its signing key, each on a fresh database
 * of the target's dialect; the registry's token realm is the BFF's `/jwt/auth`, so skopeo logs in with
 * BFF credentials, and the BFF's registry client points at the registry.
 */
export async function startBffWithRegistry(
  target: DatabaseTarget,
  env: Record<string, string> = {},
  options: { clock?: () => Date } = {},
): Promise<{ bff: RunningBff; registry: RunningRegistry; signingKey: SigningKey; stop(): Promise<void> }> {
  const registryDatabase = await target.create();
  let registry: RunningRegistry | undefined;
  let signingKey: SigningKey | undefined;
  const bff = await startBff(target, env, {
    ...options,
    registry: async ({ url, dataDir, config }) => {
      registry = await startTokenRegistry({
        bffDataDir: dataDir,
        issuer: config.tokenIssuer,
        realm: `${url}/jwt/auth`,
        ...(registryDatabase.url ? { databaseUrl: registryDatabase.url } : {}),
      });
      signingKey = loadOrCreateSigningKey(join(dataDir, 'bff'));
      return new RegistryClient({ baseUrl: new URL(registry.url), signingKey, issuer: config.tokenIssuer });
    },
  });
  if (!registry || !signingKey) throw new Error('the registry was not started');
  const running = registry;
  return {
    bff,
    registry: running,
    signingKey,
    stop: async () => {
      await running.stop();
      await bff.stop();
      await registryDatabase.drop();
    },
  };
}
