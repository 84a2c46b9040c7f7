import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OciLayout } from '../../packages/registry/test/support/oci-layout.ts';

export interface PushedImage {
  reference: string;
  /** The manifest (or index) digest skopeo reported. */
  digest: string;
  /** Bytes of the distinct blobs (configs and layers) the image references, as the registry counts them. */
  size: number;
  /** For an index: each platform's manifest digest and the bytes of its config and layers, as pushed. */
  platforms: { platform: string; digest: string; size: number }[];
}

/** Who pushes: a user name with a password or token, or a file `skopeo login` / `docker login` wrote. */
export type Credentials = { username: string; password: string } | { authfile: string };

export function credentialArgs(flag: 'src' | 'dest' | 'none', credentials: Credentials | null): string[] {
  if (!credentials) return flag === 'none' ? ['--no-creds'] : [`--${flag}-no-creds`];
  if ('authfile' in credentials) return [`--authfile=${credentials.authfile}`];
  const prefix = flag === 'none' ? '' : `${flag}-`;
  return [`--${prefix}creds=${credentials.username}:${credentials.password}`];
}

/** Runs skopeo and resolves with its output; rejects with its error output when it fails. */
export function skopeo(args: string[], stdin?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('skopeo', ['--insecure-policy', ...args], (error, stdout, stderr) =>
      error ? reject(new Error(`skopeo ${args[0]} failed: ${stderr.trim()}`)) : resolve(stdout),
    );
    if (stdin !== undefined) child.stdin?.end(stdin);
  });
}

/** Whether `skopeo inspect` can read the image's manifest with these credentials (null: anonymous). */
export async function canPull(
  registryHost: string,
  reference: string,
  credentials: Credentials | null,
): Promise<boolean> {
  try {
    await skopeo([
      'inspect',
      '--raw',
      '--tls-verify=false',
      ...credentialArgs('none', credentials),
      `docker://${registryHost}/${reference}`,
    ]);
    return true;
  } catch {
    return false;
  }
}

/**
 * Builds an image (one platform, or a linux/amd64 + linux/arm64 index) as an OCI layout from random
 * layers, and pushes it with skopeo using the given credentials, as a person at a terminal would.
 */
export async function pushImage(
  registryHost: string,
  reference: string,
  credentials: Credentials,
  options: { multiArch?: boolean; layerSizes?: number[] } = {},
): Promise<PushedImage> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-e2e-image-'));
  try {
    const layout = new OciLayout(join(dir, 'layout'));
    const layers = (options.layerSizes ?? [4096, 2048]).map((size) => ({ size }));
    const platforms = options.multiArch
      ? [
          { os: 'linux', architecture: 'amd64' },
          { os: 'linux', architecture: 'arm64', variant: 'v8' },
        ]
      : [{ os: 'linux', architecture: 'amd64' }];
    const images = platforms.map((platform) => layout.addImage({ platform, layers }));
    const top = options.multiArch ? layout.addIndex(images).index : images[0]!.manifest;
    layout.tag('push', top);
    const digestFile = join(dir, 'digest');
    await skopeo([
      'copy',
      '--dest-tls-verify=false',
      '--preserve-digests',
      // Without it skopeo copies only the host's platform out of an index.
      '--multi-arch=all',
      ...credentialArgs('dest', credentials),
      `--digestfile=${digestFile}`,
      `oci:${join(dir, 'layout')}:push`,
      `docker://${registryHost}/${reference}`,
    ]);
    const blobBytes = (blobs: { digest: string; size: number }[]) =>
      [...new Map(blobs.map((blob) => [blob.digest, blob.size])).values()].reduce((a, b) => a + b, 0);
    const imageBlobs = (image: (typeof images)[number]) => [image.config, ...image.layers];
    return {
      reference,
      digest: readFileSync(digestFile, 'utf8').trim(),
      size: blobBytes(images.flatMap(imageBlobs)),
      platforms: options.multiArch
        ? images.map((image) => ({
            platform: [image.platform.os, image.platform.architecture, image.platform.variant]
              .filter(Boolean)
              .join('/'),
            digest: image.manifest.digest,
            size: blobBytes(imageBlobs(image)),
          }))
        : [],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Gives an image already in the registry another tag (`skopeo copy` between two references of it). */
export async function tagImage(
  registryHost: string,
  from: string,
  to: string,
  credentials: Credentials,
): Promise<void> {
  await skopeo([
    'copy',
    '--src-tls-verify=false',
    '--dest-tls-verify=false',
    '--preserve-digests',
    '--multi-arch=all',
    ...credentialArgs('src', credentials),
    ...credentialArgs('dest', credentials),
    `docker://${registryHost}/${from}`,
    `docker://${registryHost}/${to}`,
  ]);
}

/** The tags the registry itself lists for a repository (skopeo list-tags); [] once it is gone. */
export async function registryTags(
  registryHost: string,
  repository: string,
  credentials: Credentials,
): Promise<string[]> {
  try {
    const listed = JSON.parse(
      await skopeo([
        'list-tags',
        '--tls-verify=false',
        ...credentialArgs('none', credentials),
        `docker://${registryHost}/${repository}`,
      ]),
    );
    return [...(listed.Tags ?? [])].sort();
  } catch (error) {
    if (/unknown|not found|NAME_UNKNOWN/i.test(String(error))) return [];
    throw error;
  }
}
