import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/** What an image's configuration says, for tests of the image view. */
export interface ImageOptions {
  os?: string;
  architecture?: string;
  variant?: string;
  env?: string[];
  labels?: Record<string, string>;
  entrypoint?: string[];
  cmd?: string[];
  exposedPorts?: string[];
  history?: { created_by: string; empty_layer?: boolean; comment?: string }[];
}

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
}

type Put = (data: Buffer | string) => { digest: string; size: number };

function layoutDir(): { dir: string; put: Put } {
  const dir = mkdtempSync(join(tmpdir(), 'berth-oci-'));
  const blobs = join(dir, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  const put: Put = (data) => {
    const hex = sha256(data);
    writeFileSync(join(blobs, hex), data);
    return { digest: `sha256:${hex}`, size: Buffer.byteLength(data) };
  };
  return { dir, put };
}

function writeImage(put: Put, content: string, options: ImageOptions): Descriptor {
  const source = mkdtempSync(join(tmpdir(), 'berth-layer-'));
  writeFileSync(join(source, 'hello.txt'), content);
  const tarPath = `${source}.tar`;
  execFileSync('tar', ['-cf', tarPath, '-C', source, 'hello.txt']);
  const tar = readFileSync(tarPath);
  rmSync(source, { recursive: true, force: true });
  rmSync(tarPath, { force: true });
  const layer = put(gzipSync(tar));
  const config = put(
    JSON.stringify({
      created: '2026-11-01T12:00:00Z',
      architecture: options.architecture ?? 'amd64',
      os: options.os ?? 'linux',
      ...(options.variant ? { variant: options.variant } : {}),
      config: {
        ...(options.env ? { Env: options.env } : {}),
        ...(options.labels ? { Labels: options.labels } : {}),
        ...(options.entrypoint ? { Entrypoint: options.entrypoint } : {}),
        ...(options.cmd ? { Cmd: options.cmd } : {}),
        ...(options.exposedPorts
          ? { ExposedPorts: Object.fromEntries(options.exposedPorts.map((port) => [port, {}])) }
          : {}),
      },
      rootfs: { type: 'layers', diff_ids: [`sha256:${sha256(tar)}`] },
      ...(options.history ? { history: options.history } : {}),
    }),
  );
  const manifest = put(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer }],
    }),
  );
  return { mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest };
}

function finish(dir: string, tag: string, top: Descriptor): string {
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{ ...top, annotations: { 'org.opencontainers.image.ref.name': tag } }],
    }),
  );
  return dir;
}

/** Builds a one-layer OCI image layout in a temp folder, tagged `tag`; returns the folder. */
export function buildOciLayout(tag: string, content: string, options: ImageOptions = {}): string {
  const { dir, put } = layoutDir();
  return finish(dir, tag, writeImage(put, content, options));
}

/** Builds a multi-architecture image (an OCI index of one image per platform), tagged `tag`. */
export function buildMultiArchLayout(
  tag: string,
  platforms: (ImageOptions & { os: string; architecture: string; content: string })[],
): string {
  const { dir, put } = layoutDir();
  const manifests = platforms.map((platform) => ({
    ...writeImage(put, platform.content, platform),
    platform: {
      os: platform.os,
      architecture: platform.architecture,
      ...(platform.variant ? { variant: platform.variant } : {}),
    },
  }));
  const index = put(
    JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests }),
  );
  return finish(dir, tag, { mediaType: 'application/vnd.oci.image.index.v1+json', ...index });
}
