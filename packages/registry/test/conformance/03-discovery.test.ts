// OCI Distribution Spec v1.1 — Content discovery (conformance/03_discovery_test.go; spec "Listing Tags",
// "Listing Referrers"), plus the catalog (distribution's `_catalog`, with Berth's cap of 1000 on `n`).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Descriptor,
  descriptorOf,
  EMPTY_JSON,
  imageIndex,
  imageManifest,
  MediaType,
  nextLink,
  type PushedManifest,
  randomBlob,
  randomName,
  sha256,
} from '../support/oci-client.js';
import { expectOciError, onCncf, startTarget, type Target } from './harness.js';

let target: Target;
/** Every repository this file pushes a manifest to: the catalog must list exactly these. */
const repositories = new Set<string>();

beforeAll(async () => {
  target = await startTarget();
});

afterAll(async () => {
  await target?.stop();
});

/** Pushes the empty config and a manifest of it to `repo` under `tag`. */
async function pushTiny(repo: string, tag: string): Promise<PushedManifest> {
  repositories.add(repo);
  await target.client.pushBlob(repo, EMPTY_JSON);
  return target.client.pushManifest(
    repo,
    tag,
    imageManifest({ config: descriptorOf(MediaType.ociEmpty, EMPTY_JSON), layers: [] }),
  );
}

describe('listing tags', () => {
  const repo = `${randomName('tags')}/app`;
  // Pushed in this shuffled order; the listing must be in lexical (byte) order.
  const tags = ['latest', 'v1.10', 'v1.2', 'v1.0', 'a', 'A', 'B', '_x', '0.1', 'z-last'];
  const sorted = [...tags].sort();

  beforeAll(async () => {
    const pushed = await pushTiny(repo, tags[0]!);
    for (const tag of tags.slice(1)) await target.client.pushManifest(repo, tag, pushed.body);
  });

  it('GET /tags/list answers 200 with the name and every tag', async () => {
    const response = await target.client.fetch(`/v2/${repo}/tags/list`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await response.json()) as { name: string; tags: string[] };
    expect({ name: body.name, tags: [...body.tags].sort() }).toEqual({ name: repo, tags: sorted });
  });

  // CNCF 2.8 neither sorts nor pages tags (distribution 3 does), so order and paging are Berth-only.
  it.skipIf(onCncf)('the tags are in lexical (byte) order', async () => {
    const { tags: all } = await target.client.listTags(repo);
    expect(all).toEqual(sorted);
  });

  it.skipIf(onCncf)(
    'n limits the page to the first n tags and a Link rel="next" points at the rest',
    async () => {
      const { response, tags: page } = await target.client.listTags(repo, '?n=3');
      expect(response.status).toBe(200);
      expect(page).toEqual(sorted.slice(0, 3));
      const next = nextLink(response.headers.get('link'));
      expect(next).toBeDefined();
      const url = new URL(next!, target.url);
      expect(url.pathname).toBe(`/v2/${repo}/tags/list`);
      expect(url.searchParams.get('n')).toBe('3');
      expect(url.searchParams.get('last')).toBe(sorted[2]);
    },
  );

  it.skipIf(onCncf)(
    'following Link pages yields every tag once, in order, and the last page has no Link',
    async () => {
      const seen: string[] = [];
      let path: string | undefined = `/v2/${repo}/tags/list?n=4`;
      let pages = 0;
      while (path) {
        const response = await target.client.fetch(path);
        expect(response.status).toBe(200);
        const body = (await response.json()) as { tags: string[] };
        seen.push(...body.tags);
        path = nextLink(response.headers.get('link'));
        pages++;
        expect(pages).toBeLessThanOrEqual(3);
      }
      expect(seen).toEqual(sorted);
      expect(pages).toBe(3);
    },
  );

  it.skipIf(onCncf)('last alone (n is optional with it) answers the tags after it', async () => {
    const { response, tags: page } = await target.client.listTags(repo, '?last=B');
    expect(response.status).toBe(200);
    expect(page).toEqual(sorted.slice(sorted.indexOf('B') + 1));
  });

  it.skipIf(onCncf)('n and last together answer at most n tags after last, never last itself', async () => {
    const { tags: page } = await target.client.listTags(repo, '?n=2&last=B');
    expect(page).toEqual(['_x', 'a']);
  });

  it.skipIf(onCncf)('a last that is not a tag answers the tags lexically after it', async () => {
    const { tags: page } = await target.client.listTags(repo, '?last=b0');
    expect(page).toEqual(['latest', 'v1.0', 'v1.10', 'v1.2', 'z-last']);
  });

  it.skipIf(onCncf)('n larger than the number of tags answers them all and no Link', async () => {
    const { response, tags: page } = await target.client.listTags(repo, '?n=50');
    expect(page).toEqual(sorted);
    expect(response.headers.get('link')).toBeNull();
  });

  it.skipIf(onCncf)('n=0 answers an empty list and no Link', async () => {
    const { response, tags: page } = await target.client.listTags(repo, '?n=0');
    expect(response.status).toBe(200);
    expect(page).toEqual([]);
    expect(response.headers.get('link')).toBeNull();
  });

  it('an unknown repository answers 404 NAME_UNKNOWN', async () => {
    await expectOciError(
      await target.client.fetch(`/v2/${randomName('nosuch')}/tags/list`),
      404,
      'NAME_UNKNOWN',
    );
  });
});

describe('catalog', () => {
  const prefix = randomName('cat');
  const many = Array.from({ length: 1001 }, (_, i) => `${prefix}/r${String(i).padStart(4, '0')}`);

  beforeAll(async () => {
    // Over the cap of 1000, so a huge n must be clipped. An empty index needs no blobs: one request each.
    const empty = imageIndex({ manifests: [] });
    for (let i = 0; i < many.length; i += 50) {
      const batch = many.slice(i, i + 50);
      for (const repo of batch) repositories.add(repo);
      await Promise.all(
        batch.map(async (repo) => {
          // CNCF 2.8 lists only repositories holding a blob link.
          if (onCncf) await target.client.pushBlob(repo, EMPTY_JSON);
          await target.client.pushManifest(repo, 'latest', empty);
        }),
      );
    }
  }, 60_000);

  it('n and Link page through every repository exactly once, in lexical order', async () => {
    const seen: string[] = [];
    let path: string | undefined = '/v2/_catalog?n=300';
    while (path) {
      const response = await target.client.fetch(path);
      expect(response.status).toBe(200);
      const body = (await response.json()) as { repositories: string[] };
      expect(body.repositories.length).toBeLessThanOrEqual(300);
      seen.push(...body.repositories);
      path = nextLink(response.headers.get('link'));
    }
    expect(seen).toEqual([...repositories].sort());
  });

  it('n limits the page and Link carries n and the last name', async () => {
    const response = await target.client.fetch('/v2/_catalog?n=5');
    expect(response.status).toBe(200);
    const body = (await response.json()) as { repositories: string[] };
    const all = [...repositories].sort();
    expect(body.repositories).toEqual(all.slice(0, 5));
    const next = new URL(nextLink(response.headers.get('link'))!, target.url);
    expect(next.pathname).toBe('/v2/_catalog');
    expect(next.searchParams.get('n')).toBe('5');
    expect(next.searchParams.get('last')).toBe(all[4]);
  });

  it('last answers the repositories after it', async () => {
    const response = await target.client.fetch(`/v2/_catalog?n=3&last=${many[10]}`);
    const body = (await response.json()) as { repositories: string[] };
    expect(body.repositories).toEqual(many.slice(11, 14));
  });

  it.skipIf(onCncf)(
    'n=2147483647 answers at most the cap of 1000 names, with a Link to the rest',
    async () => {
      const response = await target.client.fetch('/v2/_catalog?n=2147483647');
      expect(response.status).toBe(200);
      const body = (await response.json()) as { repositories: string[] };
      expect(body.repositories.length).toBe(1000);
      expect(body.repositories).toEqual([...repositories].sort().slice(0, 1000));
      const next = new URL(nextLink(response.headers.get('link'))!, target.url);
      expect(next.searchParams.get('last')).toBe(body.repositories[999]);
    },
  );
});

// CNCF 2.8 predates the referrers API (it answers 404), so this block is Berth-only.
describe.skipIf(onCncf)('listing referrers', () => {
  const repo = `${randomName('refs')}/app`;
  const sbomType = 'application/vnd.example.sbom.v1';
  const sigConfigType = 'application/vnd.example.signature.config.v1+json';
  const earlyType = 'application/vnd.example.early.v1';
  let subject: PushedManifest;
  /** The referrers expected in the listing, keyed by name, with the descriptor each must produce. */
  const expected: Record<string, Descriptor> = {};

  const artifact = (
    artifactType: string | undefined,
    subjectDescriptor: Descriptor,
    annotations: Record<string, string>,
  ) =>
    imageManifest({
      artifactType,
      config: descriptorOf(MediaType.ociEmpty, EMPTY_JSON),
      layers: [descriptorOf(MediaType.ociEmpty, EMPTY_JSON)],
      subject: subjectDescriptor,
      annotations,
    });

  beforeAll(async () => {
    const { client } = target;
    repositories.add(repo);
    await client.pushBlob(repo, EMPTY_JSON);
    // The subject is built (not pushed) first, so one referrer can be pushed before it exists.
    const config = Buffer.from(JSON.stringify({ os: 'linux', nonce: randomName() }));
    await client.pushBlob(repo, config);
    const subjectManifest = imageManifest({ config: descriptorOf(MediaType.ociConfig, config) });
    const subjectBody = Buffer.from(JSON.stringify(subjectManifest));
    const subjectDescriptor = descriptorOf(MediaType.ociManifest, subjectBody);

    const early = await client.pushManifest(
      repo,
      undefined,
      artifact(earlyType, subjectDescriptor, { kind: 'early' }),
    );
    expect(early.response.headers.get('oci-subject')).toBe(subjectDescriptor.digest);
    expected.early = { ...early.descriptor, artifactType: earlyType, annotations: { kind: 'early' } };

    subject = await client.pushManifest(repo, 'subject', subjectBody);

    const sbom = await client.pushManifest(
      repo,
      undefined,
      artifact(sbomType, subject.descriptor, {
        kind: 'sbom',
        'org.opencontainers.image.created': '2024-01-01T00:00:00Z',
      }),
    );
    expected.sbom = {
      ...sbom.descriptor,
      artifactType: sbomType,
      annotations: { kind: 'sbom', 'org.opencontainers.image.created': '2024-01-01T00:00:00Z' },
    };

    // No artifactType: the listing takes the config's mediaType.
    const sigConfig = Buffer.from('{"signature":true}');
    await client.pushBlob(repo, sigConfig);
    const sig = await client.pushManifest(
      repo,
      undefined,
      imageManifest({
        config: descriptorOf(sigConfigType, sigConfig),
        layers: [descriptorOf(MediaType.ociEmpty, EMPTY_JSON)],
        subject: subject.descriptor,
        annotations: { kind: 'sig' },
      }),
    );
    expected.sig = { ...sig.descriptor, artifactType: sigConfigType, annotations: { kind: 'sig' } };

    // Indexes can be referrers too: with an artifactType, and without one (then it is omitted).
    const child = await client.pushManifest(
      repo,
      undefined,
      artifact('application/vnd.example.part.v1', subject.descriptor, { kind: 'child' }),
    );
    expected.child = {
      ...child.descriptor,
      artifactType: 'application/vnd.example.part.v1',
      annotations: { kind: 'child' },
    };
    const index = await client.pushManifest(
      repo,
      undefined,
      imageIndex({
        artifactType: sbomType,
        manifests: [child.descriptor],
        subject: subject.descriptor,
        annotations: { kind: 'index' },
      }),
    );
    expect(index.response.headers.get('oci-subject')).toBe(subject.digest);
    expected.index = { ...index.descriptor, artifactType: sbomType, annotations: { kind: 'index' } };
    const plainIndex = await client.pushManifest(
      repo,
      undefined,
      imageIndex({
        manifests: [child.descriptor],
        subject: subject.descriptor,
        annotations: { kind: 'plain-index' },
      }),
    );
    expected.plainIndex = { ...plainIndex.descriptor, annotations: { kind: 'plain-index' } };

    // Neither of these may be listed: no subject, and the same subject in another repository.
    await client.pushManifest(
      repo,
      'unrelated',
      imageManifest({
        config: descriptorOf(MediaType.ociEmpty, EMPTY_JSON),
        annotations: { kind: 'unrelated' },
      }),
    );
    const elsewhere = `${randomName('refs')}/elsewhere`;
    repositories.add(elsewhere);
    await client.pushBlob(elsewhere, EMPTY_JSON);
    await client.pushManifest(
      elsewhere,
      undefined,
      artifact(sbomType, subject.descriptor, { kind: 'elsewhere' }),
    );
  });

  const list = (digest: string, query = '') => target.client.fetch(`/v2/${repo}/referrers/${digest}${query}`);
  const sortByDigest = (ds: Descriptor[]) => [...ds].sort((a, b) => a.digest.localeCompare(b.digest));

  it('answers 200 with an OCI index listing every referrer with artifactType and annotations', async () => {
    const response = await list(subject.digest);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(MediaType.ociIndex);
    expect(response.headers.get('oci-filters-applied')).toBeNull();
    const body = (await response.json()) as {
      schemaVersion: number;
      mediaType: string;
      manifests: Descriptor[];
    };
    expect(body.schemaVersion).toBe(2);
    expect(body.mediaType).toBe(MediaType.ociIndex);
    expect(sortByDigest(body.manifests)).toEqual(sortByDigest(Object.values(expected)));
  });

  it('?artifactType= filters, and OCI-Filters-Applied: artifactType says so', async () => {
    const response = await list(subject.digest, `?artifactType=${encodeURIComponent(sbomType)}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('oci-filters-applied')).toBe('artifactType');
    const body = (await response.json()) as { manifests: Descriptor[] };
    expect(sortByDigest(body.manifests)).toEqual(sortByDigest([expected.sbom!, expected.index!]));
  });

  it('the filter matches the artifactType taken from the config mediaType', async () => {
    const response = await list(subject.digest, `?artifactType=${encodeURIComponent(sigConfigType)}`);
    expect(response.headers.get('oci-filters-applied')).toBe('artifactType');
    expect(((await response.json()) as { manifests: Descriptor[] }).manifests).toEqual([expected.sig]);
  });

  it('a filter nothing matches answers an empty index, still with OCI-Filters-Applied', async () => {
    const response = await list(subject.digest, '?artifactType=application%2Fvnd.example.none');
    expect(response.status).toBe(200);
    expect(response.headers.get('oci-filters-applied')).toBe('artifactType');
    expect(((await response.json()) as { manifests: Descriptor[] }).manifests).toEqual([]);
  });

  it('an unknown subject answers 200 with an empty manifests list (never 404)', async () => {
    const response = await list(sha256(randomBlob()));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(MediaType.ociIndex);
    const body = (await response.json()) as { schemaVersion: number; manifests: Descriptor[] };
    expect(body.schemaVersion).toBe(2);
    expect(body.manifests).toEqual([]);
  });

  it('a malformed digest answers 400 DIGEST_INVALID', async () => {
    await expectOciError(await list('sha256:nothex'), 400, 'DIGEST_INVALID');
  });

  it('a deleted referrer leaves the listing', async () => {
    const response = await target.client.fetch(`/v2/${repo}/manifests/${expected.sig!.digest}`, {
      method: 'DELETE',
    });
    expect(response.status).toBe(202);
    const after = (await (await list(subject.digest)).json()) as { manifests: Descriptor[] };
    const { sig: _deleted, ...rest } = expected;
    expect(sortByDigest(after.manifests)).toEqual(sortByDigest(Object.values(rest)));
  });
});
