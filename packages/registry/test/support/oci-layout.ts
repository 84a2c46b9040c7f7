import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
export const OCI_LAYER_TAR = 'application/vnd.oci.image.layer.v1.tar';
const REF_NAME = 'org.opencontainers.image.ref.name';

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
  annotations?: Record<string, string>;
}

export interface Platform {
  architecture: string;
  os: string;
  variant?: string;
}

export interface LayerSpec {
  /** Bytes of random file content inside the tar (the tar itself is a little larger). */
  size: number;
  /** gzip (default) or an uncompressed tar. */
  compression?: 'gzip' | 'none';
}

export interface BuiltLayer extends Descriptor {
  /** sha256 of the uncompressed tar, as listed in the config's rootfs.diff_ids. */
  diffId: string;
}

export interface BuiltImage {
  /** The manifest's descriptor; carries `platform` when built for an index. */
  manifest: Descriptor;
  config: Descriptor;
  layers: BuiltLayer[];
  platform: Platform;
}

export interface BuiltIndex {
  index: Descriptor;
  images: BuiltImage[];
}

export const sha256 = (bytes: Buffer | string): string =>
  `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** One tar header block (ustar): the fields a reader needs, checksum computed over the block. */
function tarHeader(name: string, size: number): Buffer {
  const header = Buffer.alloc(512);
  const field = (offset: number, length: number, value: string) =>
    header.write(value, offset, length, 'ascii');
  const octal = (offset: number, length: number, value: number) =>
    field(offset, length, `${value.toString(8).padStart(length - 1, '0')}\0`);
  field(0, 100, name);
  octal(100, 8, 0o644); // mode
  octal(108, 8, 0); // uid
  octal(116, 8, 0); // gid
  octal(124, 12, size);
  octal(136, 12, 0); // mtime: fixed, the content is random enough
  field(148, 8, '        '); // checksum is computed with its own field as spaces
  field(156, 1, '0'); // regular file
  field(257, 6, 'ustar\0');
  field(263, 2, '00');
  field(265, 32, 'root');
  field(297, 32, 'root');
  let sum = 0;
  for (const byte of header) sum += byte;
  field(148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return header;
}

/** A valid tar holding one regular file of random content, ended by the two zero blocks. */
export function randomTar(fileName: string, size: number): Buffer {
  const content = randomBytes(size);
  const padding = Buffer.alloc((512 - (size % 512)) % 512);
  return Buffer.concat([tarHeader(fileName, size), content, padding, Buffer.alloc(1024)]);
}

/**
 * An OCI image layout on disk (`oci-layout`, `index.json`, `blobs/sha256/…`), built in the test
 * from random content so no image is ever downloaded.
 */
export class OciLayout {
  private readonly refs: Descriptor[] = [];
  private layerCount = 0;

  constructor(readonly dir: string) {
    mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
    writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    this.writeIndexJson();
  }

  writeBlob(bytes: Buffer, mediaType: string): Descriptor {
    const digest = sha256(bytes);
    writeFileSync(join(this.dir, 'blobs', 'sha256', digest.slice('sha256:'.length)), bytes);
    return { mediaType, digest, size: bytes.length };
  }

  addLayer({ size, compression = 'gzip' }: LayerSpec): BuiltLayer {
    const tar = randomTar(`layer-${++this.layerCount}.bin`, size);
    const diffId = sha256(tar);
    // level 1: random content does not compress anyway, so spend no time trying
    const descriptor =
      compression === 'gzip'
        ? this.writeBlob(gzipSync(tar, { level: 1 }), OCI_LAYER_GZIP)
        : this.writeBlob(tar, OCI_LAYER_TAR);
    return { ...descriptor, diffId };
  }

  /** Config + manifest over new random layers. */
  addImage({ platform, layers }: { platform: Platform; layers: LayerSpec[] }): BuiltImage {
    const built = layers.map((spec) => this.addLayer(spec));
    const configJson = {
      created: '2024-01-01T00:00:00Z',
      architecture: platform.architecture,
      os: platform.os,
      ...(platform.variant ? { variant: platform.variant } : {}),
      config: { Env: ['PATH=/usr/local/bin:/usr/bin:/bin'], Cmd: ['/bin/sh'] },
      rootfs: { type: 'layers', diff_ids: built.map((layer) => layer.diffId) },
      history: built.map((_, i) => ({
        created: '2024-01-01T00:00:00Z',
        created_by: `berth test layer ${i}`,
      })),
    };
    const config = this.writeBlob(Buffer.from(JSON.stringify(configJson)), OCI_CONFIG);
    const manifestJson = {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config,
      layers: built.map(({ mediaType, digest, size }) => ({ mediaType, digest, size })),
    };
    const manifest = this.writeBlob(Buffer.from(JSON.stringify(manifestJson)), OCI_MANIFEST);
    return { manifest: { ...manifest, platform }, config, layers: built, platform };
  }

  addIndex(images: BuiltImage[]): BuiltIndex {
    const indexJson = {
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: images.map((image) => image.manifest),
    };
    return { index: this.writeBlob(Buffer.from(JSON.stringify(indexJson)), OCI_INDEX), images };
  }

  /** Names a manifest or index in index.json so `oci:<dir>:<ref>` finds it. */
  tag(ref: string, descriptor: Descriptor): void {
    const { mediaType, digest, size } = descriptor;
    this.refs.push({ mediaType, digest, size, annotations: { [REF_NAME]: ref } });
    this.writeIndexJson();
  }

  private writeIndexJson(): void {
    const index = { schemaVersion: 2, mediaType: OCI_INDEX, manifests: this.refs };
    writeFileSync(join(this.dir, 'index.json'), JSON.stringify(index));
  }
}

/** A layout with a two-platform (linux/amd64 + linux/arm64/v8) index named `ref`. */
export function buildMultiPlatformLayout(dir: string, ref: string, layers: LayerSpec[]): BuiltIndex {
  const layout = new OciLayout(dir);
  const platforms: Platform[] = [
    { architecture: 'amd64', os: 'linux' },
    { architecture: 'arm64', os: 'linux', variant: 'v8' },
  ];
  const built = layout.addIndex(platforms.map((platform) => layout.addImage({ platform, layers })));
  layout.tag(ref, built.index);
  return built;
}

/** A layout with one linux/amd64 image named `ref`. */
export function buildImageLayout(dir: string, ref: string, layers: LayerSpec[]): BuiltImage {
  const layout = new OciLayout(dir);
  const image = layout.addImage({ platform: { architecture: 'amd64', os: 'linux' }, layers });
  layout.tag(ref, image.manifest);
  return image;
}

/** Every blob of a layout by digest. */
export function readLayoutBlobs(dir: string): Map<string, Buffer> {
  const root = join(dir, 'blobs', 'sha256');
  return new Map(readdirSync(root).map((hex) => [`sha256:${hex}`, readFileSync(join(root, hex))]));
}

/** The descriptors index.json lists (with their ref.name annotations). */
export function readLayoutRefs(dir: string): Descriptor[] {
  return (JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { manifests: Descriptor[] }).manifests;
}

export class ClientError extends Error {
  constructor(
    readonly command: string,
    readonly exitCode: number | null,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(`${command} exited with ${exitCode}\n${stderr.trim() || stdout.trim()}`);
  }
}

/** Runs a client CLI; rejects with a ClientError carrying stderr when it fails. */
export function run(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (!error) return resolve({ stdout, stderr });
      const code = typeof error.code === 'number' ? error.code : null;
      reject(new ClientError(`${file} ${args.join(' ')}`, code, stdout, stderr));
    });
  });
}

/**
 * Runs `skopeo <subcommand> …` against plain-http loopback registries: copy gets
 * --src-tls-verify=false/--dest-tls-verify=false, the one-image commands --tls-verify=false.
 */
export function skopeo(subcommand: string, ...args: string[]): Promise<{ stdout: string; stderr: string }> {
  const tls = ['copy', 'sync'].includes(subcommand)
    ? ['--src-tls-verify=false', '--dest-tls-verify=false']
    : ['--tls-verify=false'];
  return run('skopeo', ['--insecure-policy', subcommand, ...tls, ...args]);
}
