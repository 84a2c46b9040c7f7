import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/** Builds a one-layer OCI image layout in a temp folder, tagged `tag`; returns the folder. */
export function buildOciLayout(tag: string, content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'berth-oci-'));
  const blobs = join(dir, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  const put = (data: Buffer | string) => {
    const hex = sha256(data);
    writeFileSync(join(blobs, hex), data);
    return { digest: `sha256:${hex}`, size: Buffer.byteLength(data) };
  };
  const source = mkdtempSync(join(tmpdir(), 'berth-layer-'));
  writeFileSync(join(source, 'hello.txt'), content);
  const tarPath = join(source, '..', `${source.split('/').pop()}.tar`);
  execFileSync('tar', ['-cf', tarPath, '-C', source, 'hello.txt']);
  const tar = readFileSync(tarPath);
  const layer = put(gzipSync(tar));
  const config = put(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: {},
      rootfs: { type: 'layers', diff_ids: [`sha256:${sha256(tar)}`] },
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
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          ...manifest,
          annotations: { 'org.opencontainers.image.ref.name': tag },
        },
      ],
    }),
  );
  return dir;
}
