import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { buildImageLayout, ClientError, readLayoutBlobs, sha256, skopeo } from '../support/oci-layout.js';
import { type RegistryUnderTest, startRegistryUnderTest, underTest } from './registry-under-test.js';

let registry: RegistryUnderTest;
let work: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'berth-delete-'));
  registry = await startRegistryUnderTest();
});

afterAll(async () => {
  await registry?.stop();
  rmSync(work, { recursive: true, force: true });
});

/** Builds a one-image layout and pushes it under each tag; returns the layout folder and manifest digest. */
async function pushUnderTags(name: string, repo: string, tags: string[]) {
  const dir = join(work, name);
  const image = buildImageLayout(dir, 'v1', [{ size: 16 * 1024 }, { size: 4096 }]);
  for (const tag of tags) await skopeo('copy', `oci:${dir}:v1`, `docker://${registry.host}/${repo}:${tag}`);
  return { dir, digest: image.manifest.digest };
}

const manifestDigest = async (reference: string) =>
  sha256((await skopeo('inspect', '--raw', `docker://${registry.host}/${reference}`)).stdout);

async function expectManifestUnknown(reference: string): Promise<void> {
  const failure = await skopeo('inspect', '--raw', `docker://${registry.host}/${reference}`).catch(
    (error: unknown) => error,
  );
  expect(failure, `${reference} still resolves`).toBeInstanceOf(ClientError);
  expect((failure as ClientError).stderr).toContain('manifest unknown');
}

async function listTags(repo: string): Promise<string[]> {
  const { stdout } = await skopeo('list-tags', `docker://${registry.host}/${repo}`);
  return (JSON.parse(stdout) as { Tags: string[] }).Tags.sort();
}

/** Pulls `reference` into a fresh layout and checks every blob against the pushed layout. */
async function expectPullsIntact(reference: string, pushedDir: string): Promise<void> {
  const pulledDir = join(work, `pulled-${reference.replaceAll(/[/:]/g, '-')}`);
  await skopeo('copy', `docker://${registry.host}/${reference}`, `oci:${pulledDir}:v1`);
  const pushed = readLayoutBlobs(pushedDir);
  const pulled = readLayoutBlobs(pulledDir);
  expect([...pulled.keys()].sort()).toEqual([...pushed.keys()].sort());
  for (const [digest, bytes] of pushed) expect(pulled.get(digest)?.equals(bytes), digest).toBe(true);
}

// docs/design.md §6: delete a tag deletes that tag only. The CNCF registry refuses a delete by tag
// (it parses the tag as a digest), so this runs against Berth only.
test.skipIf(underTest === 'cncf')('deleting one tag leaves the other tag on the same manifest', async () => {
  const repo = 'delete/by-tag';
  const { dir, digest } = await pushUnderTags('by-tag', repo, ['tag-a', 'tag-b']);
  expect(await manifestDigest(`${repo}:tag-a`)).toBe(digest);
  expect(await manifestDigest(`${repo}:tag-b`)).toBe(digest);

  // OCI distribution 1.1 "deleting tags": DELETE /v2/<name>/manifests/<tag>. No installed client
  // sends it (skopeo delete resolves the tag and deletes the digest, see the next test).
  const response = await fetch(`${registry.url}/v2/${repo}/manifests/tag-a`, { method: 'DELETE' });
  expect(response.status, await response.text()).toBe(202);

  await expectManifestUnknown(`${repo}:tag-a`);
  expect(await manifestDigest(`${repo}:tag-b`)).toBe(digest);
  expect(await manifestDigest(`${repo}@${digest}`)).toBe(digest);
  await expectPullsIntact(`${repo}:tag-b`, dir);
  expect(await listTags(repo)).toEqual(['tag-b']);
});

test('skopeo delete removes the tagged manifest with every tag on it, and nothing else', async () => {
  const repo = 'delete/by-digest';
  const { digest } = await pushUnderTags('by-digest', repo, ['tag-a', 'tag-b']);
  const other = await pushUnderTags('other', repo, ['tag-c']);
  expect(await listTags(repo)).toEqual(['tag-a', 'tag-b', 'tag-c']);

  await skopeo('delete', `docker://${registry.host}/${repo}:tag-a`);

  // skopeo 1.9 sends GET manifests/tag-a then DELETE manifests/<digest>: the manifest itself goes
  await expectManifestUnknown(`${repo}:tag-a`);
  await expectManifestUnknown(`${repo}:tag-b`);
  await expectManifestUnknown(`${repo}@${digest}`);
  expect(await listTags(repo)).toEqual(['tag-c']);
  expect(await manifestDigest(`${repo}:tag-c`)).toBe(other.digest);
  await expectPullsIntact(`${repo}:tag-c`, other.dir);
});
