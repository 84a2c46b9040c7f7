import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { RunningRegistry } from './registry.js';

const run = promisify(execFile);

/** What a client prints when the registry's authorization refused it. */
export const REFUSED = /unauthorized|denied|authentication required|insufficient_scope/i;

/** skopeo with the registry on plain HTTP; `ok` false carries what it printed. */
export async function skopeo(args: string[]): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout, stderr } = await run('skopeo', ['--insecure-policy', ...args], { timeout: 60_000 });
    return { ok: true, output: stdout + stderr };
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${failure.stdout ?? ''}${failure.stderr ?? ''}` };
  }
}

/** How skopeo authenticates: username and password (or token), a bearer token, or nothing. */
export type Credentials = { username: string; password: string } | { bearer: string } | undefined;

function credentialFlags(flag: 'src' | 'dest', credentials: Credentials): string[] {
  if (credentials === undefined) return [`--${flag}-no-creds`];
  if ('bearer' in credentials) return [`--${flag}-registry-token`, credentials.bearer];
  return [`--${flag}-creds`, `${credentials.username}:${credentials.password}`];
}

/** Pushes the OCI layout's `v1` to `<repository>:v1`. */
export function pushImage(registry: RunningRegistry, layout: string, repository: string, as: Credentials) {
  return skopeo([
    'copy',
    '--dest-tls-verify=false',
    ...credentialFlags('dest', as),
    `oci:${layout}:v1`,
    `docker://${registry.host}/${repository}:v1`,
  ]);
}

/** Pulls `<repository>:v1` into a fresh folder under `work`. */
export function pullImage(registry: RunningRegistry, work: string, repository: string, as: Credentials) {
  return skopeo([
    'copy',
    '--src-tls-verify=false',
    ...credentialFlags('src', as),
    `docker://${registry.host}/${repository}:v1`,
    `oci:${mkdtempSync(join(work, 'pulled-'))}:v1`,
  ]);
}
