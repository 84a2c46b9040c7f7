// The /berth/v1/ extension API against the real registry process, on SQLite and (with
// BERTH_TEST_POSTGRES_URL) PostgreSQL; content is pushed through the distribution API.
import {
  type RegistryRepository,
  registryBulkTagDeleteResultSchema,
  registryErrorBodySchema,
  registryRenameResultSchema,
  registryRepositoryListSchema,
  registryRepositoryNamesSchema,
  registryRepositorySchema,
  registryTagListSchema,
  registryTagSchema,
} from '@berth/contract';
import { databaseTargets } from '@berth/sql/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ACCEPT_ALL_MANIFESTS,
  type Descriptor,
  descriptorOf,
  imageIndex,
  imageManifest,
  MediaType,
  OciClient,
  ociErrorsOf,
  randomBlob,
} from '../support/oci-client.js';
import { type RunningRegistry, startRegistry } from '../support/registry-process.js';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe.each(databaseTargets())('extension API on $dialect', (target) => {
  let registry: RunningRegistry;
  let client: OciClient;
  let drop: () => Promise<void>;
  // Blobs of known sizes, so every size the API answers can be computed here.
  const config1 = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', n: 1 }));
  const config2 = Buffer.from(JSON.stringify({ architecture: 'arm64', os: 'linux', n: 22 }));
  const shared = randomBlob(1000);
  const only1 = randomBlob(300);
  const only2 = randomBlob(70);
  let image1: Descriptor;
  let image2: Descriptor;
  let index: Descriptor;

  const api = (path: string, init: RequestInit = {}) => client.fetch(`/berth/v1/${path}`, init);
  /**
   * The body, checked against its schema in @berth/contract: it must parse, and parsing must keep
   * every field (the schemas strip unknown keys, so an extra field fails here too).
   */
  const json = async <S extends z.ZodType>(
    response: Response,
    schema: S,
    status = 200,
  ): Promise<z.infer<S>> => {
    const text = await response.text();
    expect(response.status, text).toBe(status);
    const body: unknown = JSON.parse(text);
    const parsed = schema.safeParse(body);
    if (!parsed.success) throw new Error(`${text.slice(0, 500)}: ${parsed.error.message}`);
    expect(parsed.data).toEqual(body);
    return parsed.data;
  };
  const expectError = async (response: Response, status: number, code: string) => {
    expect(response.status).toBe(status);
    const body: unknown = await response.json();
    expect(registryErrorBodySchema.safeParse(body).success, JSON.stringify(body)).toBe(true);
    const errors = ociErrorsOf(body, response.status);
    expect(errors[0]?.code).toBe(code);
    return errors[0];
  };

  /** Pushes config1+shared+only1 as v1, config2+shared+only2 as v2 and an index of both as multi. */
  async function pushFamily(repo: string) {
    for (const blob of [config1, config2, shared, only1, only2]) await client.pushBlob(repo, blob);
    const layer = (blob: Buffer) => descriptorOf(MediaType.ociLayer, blob);
    const one = await client.pushManifest(
      repo,
      'v1',
      imageManifest({
        config: descriptorOf(MediaType.ociConfig, config1),
        layers: [layer(shared), layer(only1)],
      }),
    );
    const two = await client.pushManifest(
      repo,
      'v2',
      imageManifest({
        config: descriptorOf(MediaType.ociConfig, config2),
        layers: [layer(shared), layer(only2)],
      }),
    );
    image1 = { ...one.descriptor, platform: { os: 'linux', architecture: 'amd64' } };
    image2 = { ...two.descriptor, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } as never };
    index = (await client.pushManifest(repo, 'multi', imageIndex({ manifests: [image1, image2] })))
      .descriptor;
  }

  const size1 = config1.length + shared.length + only1.length;
  const size2 = config2.length + shared.length + only2.length;
  const familySize = config1.length + config2.length + shared.length + only1.length + only2.length;

  beforeAll(async () => {
    const created = await target.create();
    drop = created.drop;
    registry = await startRegistry(created.url ? { env: { REGISTRY_DATABASE_URL: created.url } } : {});
    client = new OciClient(registry.url);
    await pushFamily('acme/shop');
    await pushFamily('acme/shop/api');
    await client.pushImage('acme/shop/tools/lint', 'latest');
    // Outside the prefix, though `acme/shop2` and `acme/shop-x` start with the same characters.
    await client.pushImage('acme/shop2', 'latest');
    await client.pushImage('acme/shop-x', 'latest');
    await client.pushImage('other/shop', 'latest');
  });

  afterAll(async () => {
    await registry?.stop();
    await drop?.();
  });

  describe('repositories under a path', () => {
    it('lists the base repository and those below it, with GitLab names, counts and deduplicated sizes', async () => {
      const body = await json(
        await api('repository-paths/acme/shop/repositories/list/'),
        registryRepositoryListSchema,
      );
      expect(body.map((r) => [r.path, r.name])).toEqual([
        ['acme/shop', ''],
        ['acme/shop/api', 'api'],
        ['acme/shop/tools/lint', 'tools/lint'],
      ]);
      const [base, apiRepo, lint] = body;
      // Five distinct blobs though `shared` is a layer of both images.
      expect(base).toMatchObject({ tags_count: 3, size_bytes: familySize });
      expect(apiRepo).toMatchObject({ tags_count: 3, size_bytes: familySize });
      expect(lint?.tags_count).toBe(1);
      expect(lint?.size_bytes).toBeGreaterThan(128);
      for (const repository of body) {
        expect(repository.created_at).toMatch(ISO);
        expect(repository.updated_at).toMatch(ISO);
        expect(repository.last_published_at).toMatch(ISO);
      }
    });

    it('pages with n and a Link to the next page, which the last page leaves out', async () => {
      const first = await api('repository-paths/acme/shop/repositories/list/?n=2');
      const page1 = await json(first, registryRepositoryListSchema);
      expect(page1.map((r) => r.path)).toEqual(['acme/shop', 'acme/shop/api']);
      const link = first.headers.get('link');
      expect(link).toBe(
        '</berth/v1/repository-paths/acme/shop/repositories/list/?n=2&last=acme%2Fshop%2Fapi>; rel="next"',
      );
      const second = await client.fetch(/<([^>]+)>/.exec(link ?? '')?.[1] ?? '');
      expect((await json(second, registryRepositoryListSchema)).map((r) => r.path)).toEqual([
        'acme/shop/tools/lint',
      ]);
      // The last page: a way back, none forward.
      expect(second.headers.get('link')).toBe(
        '</berth/v1/repository-paths/acme/shop/repositories/list/?n=2&before=acme%2Fshop%2Ftools%2Flint>; rel="previous"',
      );
    });

    it('filters by a substring of the name below the prefix and sorts both ways', async () => {
      const filtered = await json(
        await api('repository-paths/acme/shop/repositories/list/?name=lin'),
        registryRepositoryListSchema,
      );
      expect(filtered.map((r) => r.path)).toEqual(['acme/shop/tools/lint']);
      // `shop` is only in the prefix part, which the filter does not look at.
      expect(
        await json(
          await api('repository-paths/acme/shop/repositories/list/?name=shop'),
          registryRepositoryListSchema,
        ),
      ).toEqual([]);
      const descending = await json(
        await api('repository-paths/acme/shop/repositories/list/?sort=-name'),
        registryRepositoryListSchema,
      );
      expect(descending.map((r) => r.path)).toEqual(['acme/shop/tools/lint', 'acme/shop/api', 'acme/shop']);
      const byCreation = await json(
        await api('repository-paths/acme/repositories/list/?sort=-created_at&n=2'),
        registryRepositoryListSchema,
      );
      expect(byCreation.map((r) => r.path)).toEqual(['acme/shop-x', 'acme/shop2']);
    });

    it('pages a time sort with opaque markers without skipping or repeating', async () => {
      const seen: string[] = [];
      let next: string | undefined = '/berth/v1/repository-paths/acme/repositories/list/?sort=created_at&n=2';
      while (next) {
        const response = await client.fetch(next);
        seen.push(...(await json(response, registryRepositoryListSchema)).map((r) => r.path));
        next = /<([^>]+)>; rel="next"/.exec(response.headers.get('link') ?? '')?.[1];
      }
      expect(seen).toEqual([
        'acme/shop',
        'acme/shop/api',
        'acme/shop/tools/lint',
        'acme/shop2',
        'acme/shop-x',
      ]);
    });

    it('answers an empty list for a prefix holding nothing', async () => {
      expect(
        await json(await api('repository-paths/nobody/repositories/list/'), registryRepositoryListSchema),
      ).toEqual([]);
    });

    it.each([
      ['n=0', 'n', 'PAGINATION_NUMBER_INVALID'],
      ['n=1001', 'n', 'PAGINATION_NUMBER_INVALID'],
      ['n=ten', 'n', 'PAGINATION_NUMBER_INVALID'],
      ['n=1&n=2', 'n', 'PAGINATION_NUMBER_INVALID'],
      ['sort=size', 'sort', 'INVALID_QUERY_PARAMETER_VALUE'],
      ['last=Not%20A%20Name', 'last', 'NAME_INVALID'],
      // A time sort takes the opaque marker of its Link header, not a bare name.
      ['sort=created_at&last=acme%2Fshop', 'last', 'NAME_INVALID'],
      ['name=UPPER', 'name', 'NAME_INVALID'],
      ['page=2', 'page', 'INVALID_QUERY_PARAMETER_VALUE'],
    ])('refuses %s (parameter %s) with 400 %s', async (query, parameter, code) => {
      const error = await expectError(
        await api(`repository-paths/acme/shop/repositories/list/?${query}`),
        400,
        code,
      );
      expect(error?.detail).toMatchObject({ parameter });
    });

    it('refuses a prefix outside the name grammar, %2F included', async () => {
      await expectError(await api('repository-paths/Acme/repositories/list/'), 400, 'NAME_INVALID');
      await expectError(await api('repository-paths/acme%2Fshop/repositories/list/'), 400, 'NAME_INVALID');
    });
  });

  describe('offsets, totals and scoped lists', () => {
    const total = (response: Response) => Number(response.headers.get('berth-total-count'));
    const paths = (rows: RegistryRepository[]) => rows.map((r) => r.path);

    it('answers the total matching the filter on every page, and jumps to any offset', async () => {
      const all = await api('repository-paths/acme/repositories/list/?sort=-created_at');
      const everything = paths(await json(all, registryRepositoryListSchema));
      expect(total(all)).toBe(5);
      const third = await api('repository-paths/acme/repositories/list/?sort=-created_at&n=2&offset=2');
      expect(paths(await json(third, registryRepositoryListSchema))).toEqual(everything.slice(2, 4));
      expect(total(third)).toBe(5);
      expect(third.headers.get('link')).toBe(
        '</berth/v1/repository-paths/acme/repositories/list/?n=2&sort=-created_at&offset=0>; rel="previous", ' +
          '</berth/v1/repository-paths/acme/repositories/list/?n=2&sort=-created_at&offset=4>; rel="next"',
      );
      const filtered = await api('repository-paths/acme/repositories/list/?name=shop%2F&n=1');
      expect(total(filtered)).toBe(2);
      const past = await api('repository-paths/acme/repositories/list/?offset=99');
      expect(await json(past, registryRepositoryListSchema)).toEqual([]);
      expect(total(past)).toBe(5);
    });

    it('pages tags by offset with a total, in the time order too', async () => {
      const response = await api('repositories/acme/shop/tags/list/?sort=-published_at&n=1&offset=1');
      expect((await json(response, registryTagListSchema)).map((t) => t.name)).toEqual(['v2']);
      expect(total(response)).toBe(3);
      expect(response.headers.get('link')).toContain('offset=2>; rel="next"');
      const filtered = await api('repositories/acme/shop/tags/list/?name=v&offset=0');
      expect(total(filtered)).toBe(2);
      // Offset pages, one row each, walk the same order as one page of everything, filter included.
      for (const query of ['sort=-published_at', 'sort=name', 'sort=published_at&name=v']) {
        const all = (
          await json(await api(`repositories/acme/shop/tags/list/?${query}`), registryTagListSchema)
        ).map((t) => t.name);
        const walked: string[] = [];
        for (let offset = 0; offset < all.length + 1; offset++) {
          const page = await json(
            await api(`repositories/acme/shop/tags/list/?${query}&n=1&offset=${offset}`),
            registryTagListSchema,
          );
          walked.push(...page.map((t) => t.name));
        }
        expect(walked).toEqual(all);
      }
    });

    it.each([
      ['offset=-1', 'PAGINATION_NUMBER_INVALID'],
      ['offset=x', 'PAGINATION_NUMBER_INVALID'],
      ['offset=1&last=v1', 'PAGINATION_NUMBER_INVALID'],
    ])('refuses %s with 400 %s', async (query, code) => {
      const error = await expectError(await api(`repositories/acme/shop/tags/list/?${query}`), 400, code);
      expect(error?.detail).toMatchObject({ parameter: 'offset' });
    });

    it('lists only repositories at or below the included project paths, or not below the excluded', async () => {
      const list = (body: unknown, query = '') =>
        api(`repository-paths/acme/repositories/list/${query}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const included = await list(
        { include: ['acme/shop', 'acme/shop-x', 'acme/nothing'] },
        '?sort=created_at',
      );
      // acme/shop2 shares the characters of acme/shop but is not below it.
      expect(paths(await json(included, registryRepositoryListSchema))).toEqual([
        'acme/shop',
        'acme/shop/api',
        'acme/shop/tools/lint',
        'acme/shop-x',
      ]);
      expect(total(included)).toBe(4);
      const page = await list(
        { include: ['acme/shop', 'acme/shop-x'] },
        '?sort=-name&n=1&offset=1&name=shop%2F',
      );
      expect(paths(await json(page, registryRepositoryListSchema))).toEqual(['acme/shop/api']);
      expect(total(page)).toBe(2);
      const excluded = await list({ exclude: ['acme/shop'] }, '?sort=created_at');
      expect(paths(await json(excluded, registryRepositoryListSchema))).toEqual([
        'acme/shop2',
        'acme/shop-x',
      ]);
      expect(paths(await json(await list({ include: [] }), registryRepositoryListSchema))).toEqual([]);
      await expectError(await list({ include: ['acme/shop'], exclude: [] }), 400, 'INVALID_REQUEST_BODY');
      await expectError(
        await list({ include: ['acme/shop'] }, '?last=acme%2Fshop'),
        400,
        'PAGINATION_NUMBER_INVALID',
      );
    });

    it('names every repository at or under a prefix in byte order, in pages of n after last', async () => {
      const names = async (query: string) =>
        json(await api(`repository-paths/acme/repositories/names/${query}`), registryRepositoryNamesSchema);
      const all = await names('');
      // The same repositories as the full list, by path; acme/shop2 and acme/shop-x are not below acme/shop.
      const listed = paths(
        await json(await api('repository-paths/acme/repositories/list/'), registryRepositoryListSchema),
      );
      // Default sort compares UTF-16 code units: byte order for the ASCII the name grammar allows.
      expect(all).toEqual([...listed].sort());
      expect(all.length).toBeGreaterThan(3);
      expect(await names('?n=2')).toEqual(all.slice(0, 2));
      expect(await names(`?n=2&last=${encodeURIComponent(all[1]!)}`)).toEqual(all.slice(2, 4));
      expect(await names(`?last=${encodeURIComponent(all.at(-1)!)}`)).toEqual([]);
      expect(
        await json(
          await api('repository-paths/acme/shop/repositories/names/'),
          registryRepositoryNamesSchema,
        ),
      ).toEqual(all.filter((name) => name === 'acme/shop' || name.startsWith('acme/shop/')));
      expect(
        await json(await api('repository-paths/nothing/repositories/names/'), registryRepositoryNamesSchema),
      ).toEqual([]);
      await expectError(
        await api('repository-paths/acme/repositories/names/?n=0'),
        400,
        'PAGINATION_NUMBER_INVALID',
      );
      await expectError(
        await api('repository-paths/acme/repositories/names/?n=10001'),
        400,
        'PAGINATION_NUMBER_INVALID',
      );
      await expectError(await api('repository-paths/acme/repositories/names/?last=Bad'), 400, 'NAME_INVALID');
      await expectError(
        await api('repository-paths/acme/repositories/names/?sort=name'),
        400,
        'INVALID_QUERY_PARAMETER_VALUE',
      );
      expect((await api('repository-paths/acme/repositories/names/', { method: 'POST' })).status).toBe(405);
    });

    it('finds a repository by its id, and the id survives a rename', async () => {
      const [listed] = await json(
        await api('repository-paths/acme/shop/tools/repositories/list/'),
        registryRepositoryListSchema,
      );
      expect(listed?.id).toBeGreaterThan(0);
      const byId = await json(await api(`repository-ids/${listed?.id}/`), registryRepositorySchema);
      expect(byId).toMatchObject({
        id: listed?.id,
        name: 'lint',
        path: 'acme/shop/tools/lint',
        tags_count: 1,
      });
      const details = await json(await api('repositories/acme/shop/tools/lint/'), registryRepositorySchema);
      expect(details.id).toBe(listed?.id);
      await client.pushImage('ids/before', 'latest');
      const before = await json(await api('repositories/ids/before/'), registryRepositorySchema);
      await json(
        await api('repositories/ids/before/', {
          method: 'PATCH',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'ids/after' }),
        }),
        registryRenameResultSchema,
      );
      expect(await json(await api(`repository-ids/${before.id}/`), registryRepositorySchema)).toMatchObject({
        id: before.id,
        path: 'ids/after',
      });
      await expectError(await api('repository-ids/999999999/'), 404, 'NAME_UNKNOWN');
      await expectError(await api('repository-ids/0/'), 404, 'UNSUPPORTED');
    });
  });

  describe('one repository', () => {
    it('answers its details with the last path segment as name', async () => {
      const body = await json(await api('repositories/acme/shop/api/'), registryRepositorySchema);
      expect(body).toMatchObject({
        name: 'api',
        path: 'acme/shop/api',
        tags_count: 3,
        size_bytes: familySize,
      });
      expect(body.last_published_at).toMatch(ISO);
    });

    it('answers 404 NAME_UNKNOWN for an unknown repository', async () => {
      await expectError(await api('repositories/acme/nothing-here/'), 404, 'NAME_UNKNOWN');
    });

    it('refuses an unsupported method', async () => {
      await expectError(await api('repositories/acme/shop/', { method: 'POST' }), 405, 'UNSUPPORTED');
    });
  });

  describe('tags', () => {
    it('lists tags by name with digests, sizes, times and an index with its platforms', async () => {
      const tags = await json(await api('repositories/acme/shop/tags/list/'), registryTagListSchema);
      expect(tags.map((t) => t.name)).toEqual(['multi', 'v1', 'v2']);
      const [multi, v1, v2] = tags;
      expect(v1).toMatchObject({
        digest: image1.digest,
        media_type: MediaType.ociManifest,
        size_bytes: size1,
        config_digest: descriptorOf(MediaType.ociConfig, config1).digest,
      });
      expect(v1?.references).toBeUndefined();
      expect(v2?.size_bytes).toBe(size2);
      expect(multi).toMatchObject({
        digest: index.digest,
        media_type: MediaType.ociIndex,
        config_digest: null,
        size_bytes: familySize,
      });
      expect(multi?.references).toEqual([
        {
          digest: image1.digest,
          media_type: MediaType.ociManifest,
          size_bytes: size1,
          platform: { os: 'linux', architecture: 'amd64' },
        },
        {
          digest: image2.digest,
          media_type: MediaType.ociManifest,
          size_bytes: size2,
          platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
        },
      ]);
      for (const tag of tags) {
        for (const field of [tag.created_at, tag.updated_at, tag.published_at]) expect(field).toMatch(ISO);
      }
    });

    it('pages forwards with last and backwards with before, with next and previous links', async () => {
      const first = await api('repositories/acme/shop/tags/list/?n=1');
      expect((await json(first, registryTagListSchema)).map((t) => t.name)).toEqual(['multi']);
      expect(first.headers.get('link')).toBe(
        '</berth/v1/repositories/acme/shop/tags/list/?n=1&last=multi>; rel="next"',
      );
      const middle = await api('repositories/acme/shop/tags/list/?n=1&last=multi');
      expect((await json(middle, registryTagListSchema)).map((t) => t.name)).toEqual(['v1']);
      expect(middle.headers.get('link')).toBe(
        '</berth/v1/repositories/acme/shop/tags/list/?n=1&before=v1>; rel="previous", ' +
          '</berth/v1/repositories/acme/shop/tags/list/?n=1&last=v1>; rel="next"',
      );
      const back = await api('repositories/acme/shop/tags/list/?n=2&before=v2');
      expect((await json(back, registryTagListSchema)).map((t) => t.name)).toEqual(['multi', 'v1']);
      expect(back.headers.get('link')).toBe(
        '</berth/v1/repositories/acme/shop/tags/list/?n=2&last=v1>; rel="next"',
      );
    });

    it('sorts by published time both ways (the push order) and filters by substring', async () => {
      const newest = await json(
        await api('repositories/acme/shop/tags/list/?sort=-published_at'),
        registryTagListSchema,
      );
      expect(newest.map((t) => t.name)).toEqual(['multi', 'v2', 'v1']);
      const oldest = await json(
        await api('repositories/acme/shop/tags/list/?sort=published_at'),
        registryTagListSchema,
      );
      expect(oldest.map((t) => t.name)).toEqual(['v1', 'v2', 'multi']);
      const filtered = await json(
        await api('repositories/acme/shop/tags/list/?name=V'),
        registryTagListSchema,
      );
      expect(filtered.map((t) => t.name)).toEqual(['v1', 'v2']);
    });

    it('answers one tag in the same shape, and 404 for an unknown tag', async () => {
      const listed = await json(
        await api('repositories/acme/shop/tags/list/?name=multi'),
        registryTagListSchema,
      );
      const detail = await json(await api('repositories/acme/shop/tags/detail/multi/'), registryTagSchema);
      expect(detail).toEqual(listed[0]);
      await expectError(await api('repositories/acme/shop/tags/detail/nope/'), 404, 'MANIFEST_UNKNOWN');
      await expectError(await api('repositories/acme/shop/tags/detail/-bad/'), 400, 'TAG_INVALID');
    });

    it.each([
      ['n=0', 'PAGINATION_NUMBER_INVALID'],
      ['sort=created_at', 'INVALID_QUERY_PARAMETER_VALUE'],
      ['last=a&before=b', 'TAG_INVALID'],
      ['last=.dot', 'TAG_INVALID'],
      ['sort=published_at&last=v1', 'TAG_INVALID'],
      ['name=a%25b', 'TAG_INVALID'],
    ])('refuses %s with 400 %s', async (query, code) => {
      await expectError(await api(`repositories/acme/shop/tags/list/?${query}`), 400, code);
    });

    it('answers 404 NAME_UNKNOWN for the tags of an unknown repository', async () => {
      await expectError(await api('repositories/acme/ghost/tags/list/'), 404, 'NAME_UNKNOWN');
    });
  });

  describe('bulk tag delete', () => {
    const del = (repo: string, body: unknown) =>
      api(`repositories/${repo}/tags/`, {
        method: 'DELETE',
        headers: { 'content-type': 'application/json' },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });

    it('deletes the named tags only and says which were not found', async () => {
      const repo = 'bulk/app';
      await pushFamily(repo);
      const body = await json(
        await del(repo, { names: ['v1', 'ghost', 'multi', 'v1'] }),
        registryBulkTagDeleteResultSchema,
      );
      expect(body).toEqual({ deleted: ['v1', 'multi'], not_found: ['ghost'] });
      expect((await client.listTags(repo)).tags).toEqual(['v2']);
      // The manifests stay (garbage collection decides), so a pull by digest still works.
      const pulled = await client.fetch(`/v2/${repo}/manifests/${image1.digest}`, {
        headers: { accept: ACCEPT_ALL_MANIFESTS },
      });
      expect(pulled.status).toBe(200);
      await pulled.arrayBuffer();
    });

    it.each([
      ['not JSON', '{names:'],
      ['no names', {}],
      ['empty names', { names: [] }],
      ['an invalid tag', { names: ['ok', '-no'] }],
      ['an extra field', { names: ['ok'], all: true }],
      ['1001 names', { names: Array.from({ length: 1001 }, (_, i) => `t${i}`) }],
    ])('refuses %s with 400', async (_label, body) => {
      await expectError(await del('bulk/app', body), 400, 'INVALID_REQUEST_BODY');
    });

    it('answers 404 NAME_UNKNOWN for an unknown repository', async () => {
      await expectError(await del('bulk/ghost', { names: ['v1'] }), 404, 'NAME_UNKNOWN');
    });
  });

  describe('rename', () => {
    const patch = (path: string, body: unknown, query = '') =>
      api(`repositories/${path}/${query}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const pull = (repo: string, reference: string) =>
      client.fetch(`/v2/${repo}/manifests/${reference}`, { headers: { accept: ACCEPT_ALL_MANIFESTS } });

    beforeAll(async () => {
      await client.pushImage('move/proj', 'latest');
      await client.pushImage('move/proj/sub/a', 'latest');
      await client.pushImage('move/proj2', 'latest');
      await client.pushImage('taken/proj/sub/a', 'latest');
    });

    it('a dry run answers the plan and changes nothing', async () => {
      const plan = await json(
        await patch('move/proj', { name: 'moved/p' }, '?dry_run=true'),
        registryRenameResultSchema,
      );
      expect(plan).toEqual({
        name: 'moved/p',
        dry_run: true,
        repositories: [
          { from: 'move/proj', to: 'moved/p' },
          { from: 'move/proj/sub/a', to: 'moved/p/sub/a' },
        ],
      });
      expect((await pull('move/proj', 'latest')).status).toBe(200);
      await expectError(await api('repositories/moved/p/'), 404, 'NAME_UNKNOWN');
    });

    it('refuses with 409 when any target exists, moving nothing', async () => {
      const error = await expectError(await patch('move/proj', { name: 'taken/proj' }), 409, 'DENIED');
      expect(error?.detail).toEqual({ taken: ['taken/proj/sub/a'] });
      expect((await pull('move/proj/sub/a', 'latest')).status).toBe(200);
    });

    it('refuses invalid names, also when only a moved child would be too long', async () => {
      await expectError(await patch('move/proj', { name: 'Moved' }), 400, 'NAME_INVALID');
      await expectError(await patch('move/proj', { name: `x/${'a'.repeat(248)}` }), 400, 'NAME_INVALID');
      await expectError(await patch('move/proj', { nom: 'x' }), 400, 'INVALID_REQUEST_BODY');
      await expectError(
        await patch('move/proj', { name: 'x' }, '?dry_run=yes'),
        400,
        'INVALID_QUERY_PARAMETER_VALUE',
      );
      await expectError(await patch('move/none', { name: 'x' }), 404, 'NAME_UNKNOWN');
    });

    it('moves the path and everything below it; pulls work by the new names only', async () => {
      const done = await json(await patch('move/proj', { name: 'moved/p' }), registryRenameResultSchema);
      expect(done.repositories).toHaveLength(2);
      for (const repo of ['moved/p', 'moved/p/sub/a']) {
        const response = await pull(repo, 'latest');
        expect(response.status).toBe(200);
        await response.arrayBuffer();
      }
      for (const repo of ['move/proj', 'move/proj/sub/a']) {
        await expectError(await pull(repo, 'latest'), 404, 'MANIFEST_UNKNOWN');
      }
      // A sibling whose name merely starts with the same characters stays.
      expect((await pull('move/proj2', 'latest')).status).toBe(200);
      const listed = await json(
        await api('repository-paths/moved/repositories/list/'),
        registryRepositoryListSchema,
      );
      expect(listed.map((r) => r.path)).toEqual(['moved/p', 'moved/p/sub/a']);
    });
  });

  describe('repository delete', () => {
    it('deletes the repository and nothing else; it is gone from pulls and listings', async () => {
      await client.pushImage('gone/app', 'latest');
      const kept = await client.pushImage('gone/app/child', 'latest');
      const response = await api('repositories/gone/app/', { method: 'DELETE' });
      expect(response.status).toBe(204);
      await expectError(await api('repositories/gone/app/'), 404, 'NAME_UNKNOWN');
      await expectError(await client.fetch('/v2/gone/app/tags/list'), 404, 'NAME_UNKNOWN');
      const listed = await json(
        await api('repository-paths/gone/repositories/list/'),
        registryRepositoryListSchema,
      );
      expect(listed.map((r) => r.path)).toEqual(['gone/app/child']);
      const pulled = await client.fetch(`/v2/gone/app/child/manifests/${kept.digest}`, {
        headers: { accept: ACCEPT_ALL_MANIFESTS },
      });
      expect(pulled.status).toBe(200);
      await pulled.arrayBuffer();
      await expectError(await api('repositories/gone/app/', { method: 'DELETE' }), 404, 'NAME_UNKNOWN');
    });

    it('a repository pushed again under the deleted name starts empty', async () => {
      await client.pushImage('gone/again', 'one');
      await api('repositories/gone/again/', { method: 'DELETE' });
      await client.pushImage('gone/again', 'two');
      const tags = await json(await api('repositories/gone/again/tags/list/'), registryTagListSchema);
      expect(tags.map((t) => t.name)).toEqual(['two']);
    });
  });

  it('answers the base path', async () => {
    expect(await json(await api(''), z.strictObject({}))).toEqual({});
    await expectError(await api('nothing/here/'), 404, 'UNSUPPORTED');
  });
});
