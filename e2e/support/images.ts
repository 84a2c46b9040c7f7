import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OciLayout } from '../../packages/registry/test/support/oci-layout.ts';

export interface PushedImage {
  reference: string;
  /** The manifest (or index) digest skopeo reported. */
  digest: string;
  /** For an index: each platform's manifest digest, as pushed. */
  platforms: { platform: string; digest: string; size: number }[];
}

function skopeo(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('skopeo', ['--insecure-policy', ...args], (error, _stdout, stderr) =>
      error ? reject(new Error(`skopeo ${args[0]} failed: ${stderr.trim()}`)) : resolve(),
    );
  });
}

/**
 * Builds an image (one platform, or a linux/amd64 + linux/arm64 index) as an OCI layout from random
 * layers, and pushes it with skopeo using the given credentials, as a person at a terminal would.
 */
export async function pushImage(
  registryHost: string,
  reference: string,
  credentials: { username: string; password: string },
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
      `--dest-creds=${credentials.username}:${credentials.password}`,
      `--digestfile=${digestFile}`,
      `oci:${join(dir, 'layout')}:push`,
      `docker://${registryHost}/${reference}`,
    ]);
    return {
      reference,
      digest: readFileSync(digestFile, 'utf8').trim(),
      platforms: options.multiArch
        ? images.map((image) => ({
            platform: [image.platform.os, image.platform.architecture, image.platform.variant]
              .filter(Boolean)
              .join('/'),
            digest: image.manifest.digest,
            size: image.manifest.size,
          }))
        : [],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
