import { randomBytes } from 'node:crypto';
import { OCI_CONFIG, OCI_LAYER_TAR, OCI_MANIFEST, type OciClient, sha256 } from './oci-client.js';

export interface Blob {
  data: Buffer;
  digest: string;
}

export interface SmallImage {
  layer: Blob;
  config: Blob;
  manifest: Blob;
}

const blob = (data: Buffer): Blob => ({ data, digest: sha256(data) });

/** Registries do not look inside layers, so random bytes stand in for a tar. */
export const smallLayer = (bytes = 1024): Blob => blob(randomBytes(bytes));

/**
 * A small image on the given layer; `label` makes the config, and so the manifest, distinct.
 * Built as bytes once, so the registry stores exactly what was hashed.
 */
export function smallImage(layer: Blob, label: string): SmallImage {
  return { layer, ...imageOn([layer], label) };
}

/**
 * Config and manifest of an image on `layers` (bottom first); `label` makes them distinct,
 * `annotations` (in the manifest only) make the manifest distinct on the same config.
 */
export function imageOn(
  layers: Blob[],
  label: string,
  annotations?: Record<string, string>,
): { config: Blob; manifest: Blob } {
  const config = blob(
    Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        config: { Labels: { 'dev.berth.bench': label } },
        rootfs: { type: 'layers', diff_ids: layers.map((layer) => layer.digest) },
      }),
    ),
  );
  const manifest = blob(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: OCI_CONFIG, digest: config.digest, size: config.data.length },
        layers: layers.map((layer) => ({
          mediaType: OCI_LAYER_TAR,
          digest: layer.digest,
          size: layer.data.length,
        })),
        ...(annotations ? { annotations } : {}),
      }),
    ),
  );
  return { config, manifest };
}

/** Pushes layer, config and manifest under `tag`. */
export async function pushSmallImage(client: OciClient, repo: string, image: SmallImage, tag: string) {
  await client.pushBlob(repo, image.layer.data, image.layer.digest);
  await client.pushBlob(repo, image.config.data, image.config.digest);
  await client.putManifest(repo, tag, image.manifest.data);
}
