import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';

/** A blob as it is pushed: its bytes, digest and size. */
export interface Blob {
  bytes: Buffer;
  digest: string;
  size: number;
}

export interface ImageManifest {
  manifest: Blob;
  mediaType: string;
  /** The config and layers the manifest references. */
  blobs: Blob[];
  /** The single-platform manifests an index references (empty for an image). */
  children: ImageManifest[];
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

function blob(bytes: Buffer | string): Blob {
  const data = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes);
  return {
    bytes: data,
    digest: `sha256:${createHash('sha256').update(data).digest('hex')}`,
    size: data.length,
  };
}

/** A ustar archive of regular files: enough for a real, pullable image layer. */
function tar(files: Record<string, string>): Buffer {
  const blocks: Buffer[] = [];
  for (const [name, text] of Object.entries(files)) {
    const data = Buffer.from(text);
    const header = Buffer.alloc(512);
    const field = (value: string, offset: number, length: number) =>
      header.write(value, offset, length, 'ascii');
    const octal = (value: number, length: number) => value.toString(8).padStart(length - 1, '0');
    field(name, 0, 100);
    field(octal(0o644, 8), 100, 8);
    field(octal(0, 8), 108, 8);
    field(octal(0, 8), 116, 8);
    field(octal(data.length, 12), 124, 12);
    field(octal(0, 12), 136, 12);
    field('        ', 148, 8);
    field('0', 156, 1);
    field('ustar\u000000', 257, 8);
    const checksum = header.reduce((sum, byte) => sum + byte, 0);
    field(`${octal(checksum, 7)}\u0000 `, 148, 8);
    blocks.push(header, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

/** A one-layer OCI image for `platform` whose only file says `message`. */
export function ociImage(
  message: string,
  platform: Platform = { os: 'linux', architecture: 'amd64' },
): ImageManifest {
  const archive = tar({ 'etc/motd': `${message}\n` });
  const layer = blob(gzipSync(archive));
  const config = blob(
    JSON.stringify({
      ...platform,
      created: '2026-01-01T00:00:00Z',
      config: { Cmd: ['cat', '/etc/motd'] },
      rootfs: { type: 'layers', diff_ids: [blob(archive).digest] },
    }),
  );
  const manifest = blob(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: config.digest,
        size: config.size,
      },
      layers: [
        { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layer.digest, size: layer.size },
      ],
    }),
  );
  return { manifest, mediaType: OCI_MANIFEST, blobs: [config, layer], children: [] };
}

/** An OCI index of one image per platform (a multi-arch image). */
export function ociIndex(message: string, platforms: Platform[]): ImageManifest {
  const children = platforms.map((platform) =>
    ociImage(`${message} (${platform.os}/${platform.architecture})`, platform),
  );
  const manifest = blob(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: children.map((child, index) => ({
        mediaType: child.mediaType,
        digest: child.manifest.digest,
        size: child.manifest.size,
        platform: platforms[index],
      })),
    }),
  );
  return { manifest, mediaType: OCI_INDEX, blobs: [], children };
}
