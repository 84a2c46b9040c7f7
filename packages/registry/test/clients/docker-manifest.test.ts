import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  type BuiltImage,
  type BuiltIndex,
  buildImageLayout,
  buildMultiPlatformLayout,
  ClientError,
  type Descriptor,
  OCI_INDEX,
  OCI_MANIFEST,
  run,
  sha256,
  skopeo,
} from '../support/oci-layout.js';
import { type RegistryUnderTest, startRegistryUnderTest } from './registry-under-test.js';

let registry: RegistryUnderTest;
let work: string;
let dockerEnv: NodeJS.ProcessEnv;
let multi: BuiltIndex;
let single: BuiltImage;

/** `docker manifest inspect --insecure` (plain http) with a throw-away DOCKER_CONFIG. */
async function inspect(reference: string, ...flags: string[]): Promise<unknown> {
  const { stdout } = await run(
    'docker',
    ['manifest', 'inspect', '--insecure', ...flags, reference],
    dockerEnv,
  );
  return JSON.parse(stdout);
}

const descriptorOf = ({ mediaType, digest, size }: Descriptor) => ({ mediaType, digest, size });

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'berth-docker-'));
  mkdirSync(join(work, 'docker'));
  writeFileSync(join(work, 'docker', 'config.json'), '{}');
  dockerEnv = { ...process.env, DOCKER_CONFIG: join(work, 'docker') };
  registry = await startRegistryUnderTest();
  multi = buildMultiPlatformLayout(join(work, 'multi'), 'v1', [{ size: 4096 }, { size: 2048 }]);
  single = buildImageLayout(join(work, 'single'), 'v1', [{ size: 8192 }, { size: 1024 }, { size: 512 }]);
  await skopeo('copy', '--all', `oci:${join(work, 'multi')}:v1`, `docker://${registry.host}/docker/multi:v1`);
  await skopeo('copy', `oci:${join(work, 'single')}:v1`, `docker://${registry.host}/docker/single:v1`);
});

afterAll(async () => {
  await registry?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('docker manifest inspect', () => {
  test('reads the index with the platforms that were pushed', async () => {
    const index = (await inspect(`${registry.host}/docker/multi:v1`)) as {
      mediaType: string;
      manifests: Descriptor[];
    };
    expect(index.mediaType).toBe(OCI_INDEX);
    expect(index.manifests).toEqual(
      multi.images.map((image) => ({ ...descriptorOf(image.manifest), platform: image.platform })),
    );
    expect(index.manifests.map((m) => m.platform)).toEqual([
      { architecture: 'amd64', os: 'linux' },
      { architecture: 'arm64', os: 'linux', variant: 'v8' },
    ]);
  });

  test('-v on the index follows each platform to its manifest and layers', async () => {
    const entries = (await inspect(`${registry.host}/docker/multi:v1`, '-v')) as Array<{
      Descriptor: Descriptor;
      OCIManifest: { config: Descriptor; layers: Descriptor[] };
    }>;
    expect(entries).toHaveLength(2);
    for (const [i, image] of multi.images.entries()) {
      expect(entries[i]?.Descriptor).toEqual({ ...descriptorOf(image.manifest), platform: image.platform });
      expect(entries[i]?.OCIManifest.config).toEqual(descriptorOf(image.config));
      expect(entries[i]?.OCIManifest.layers).toEqual(image.layers.map(descriptorOf));
    }
  });

  test('reads a single image manifest', async () => {
    const manifest = (await inspect(`${registry.host}/docker/single:v1`)) as {
      mediaType: string;
      config: Descriptor;
      layers: Descriptor[];
    };
    expect(manifest.mediaType).toBe(OCI_MANIFEST);
    expect(manifest.config).toEqual(descriptorOf(single.config));
    expect(manifest.layers).toEqual(single.layers.map(descriptorOf));
  });

  test('-v on a single manifest shows its descriptor, raw bytes and layers', async () => {
    const verbose = (await inspect(`${registry.host}/docker/single:v1`, '-v')) as {
      Ref: string;
      Descriptor: Descriptor;
      Raw: string;
      OCIManifest: { layers: Descriptor[] };
    };
    expect(verbose.Ref).toBe(`${registry.host}/docker/single:v1`);
    // digest and size come from the registry's answer; the platform from the config blob it served
    expect(verbose.Descriptor).toEqual({ ...descriptorOf(single.manifest), platform: single.platform });
    expect(sha256(Buffer.from(verbose.Raw, 'base64'))).toBe(single.manifest.digest);
    expect(verbose.OCIManifest.layers).toEqual(single.layers.map(descriptorOf));
  });

  test('an unknown tag is reported as no such manifest', async () => {
    const failure = await inspect(`${registry.host}/docker/single:nope`).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ClientError);
    expect((failure as ClientError).stderr).toContain('no such manifest');
  });
});
