import { describe, expect, it } from 'vitest';
import {
  cleanupPreviewSchema,
  containerExpirationPolicyAttributesSchema,
  containerExpirationPolicySchema,
  containerRepositorySchema,
  containerTagSchema,
  deleteSelectedTagsRequestSchema,
  deleteSelectedTagsResultSchema,
  getContainerRepositoryQuerySchema,
  listContainerRepositoriesQuerySchema,
  listContainerTagsQuerySchema,
  ociImageConfigSchema,
  registryBulkTagDeleteResultSchema,
  registryErrorBodySchema,
  registryRenameResultSchema,
  registryRepositoryListRequestSchema,
  registryRepositoryListSchema,
  registryRepositorySchema,
  registryTagListSchema,
  registryTagSchema,
  tagImageSchema,
} from '../src/index.js';

const digest = (c: string) => `sha256:${c.repeat(64)}`;

describe('registry /berth/v1/ answers', () => {
  const repository = {
    id: 7,
    name: 'api',
    path: 'acme/shop/api',
    tags_count: 3,
    size_bytes: 28_311_552,
    created_at: '2026-11-30T09:12:01.000Z',
    updated_at: '2026-12-01T10:00:00.123Z',
    last_published_at: '2026-12-01T10:00:00.123Z',
  };

  it('parses a repository list, and refuses one without the stable id', () => {
    const list = [repository, { ...repository, id: 8, name: '', path: 'acme/shop', last_published_at: null }];
    expect(registryRepositoryListSchema.parse(list)).toEqual(list);
    const { id: _, ...withoutId } = repository;
    expect(registryRepositorySchema.safeParse(withoutId).success).toBe(false);
  });

  it('parses an image tag and an index tag with its platforms', () => {
    const image = {
      name: 'v1.2.0',
      digest: digest('a'),
      config_digest: digest('b'),
      media_type: 'application/vnd.oci.image.manifest.v1+json',
      size_bytes: 3_145_728,
      created_at: '2026-12-01T10:00:00.000Z',
      updated_at: '2026-12-01T10:00:00.000Z',
      published_at: '2026-12-01T10:00:00.000Z',
    };
    const index = {
      ...image,
      name: 'latest',
      digest: digest('c'),
      config_digest: null,
      media_type: 'application/vnd.oci.image.index.v1+json',
      references: [
        {
          digest: digest('d'),
          media_type: 'application/vnd.oci.image.manifest.v1+json',
          size_bytes: 100,
          platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
        },
        {
          digest: digest('e'),
          media_type: 'application/vnd.oci.image.manifest.v1+json',
          size_bytes: 5,
          platform: null,
        },
      ],
    };
    expect(registryTagListSchema.parse([image, index])).toEqual([image, index]);
    expect(registryTagSchema.safeParse({ ...image, digest: 'sha256:short' }).success).toBe(false);
  });

  it('parses bulk delete, rename and error bodies', () => {
    expect(registryBulkTagDeleteResultSchema.parse({ deleted: ['a'], not_found: ['b'] }).not_found).toEqual([
      'b',
    ]);
    const rename = { name: 'acme/web', dry_run: true, repositories: [{ from: 'acme/shop', to: 'acme/web' }] };
    expect(registryRenameResultSchema.parse(rename)).toEqual(rename);
    const error = { errors: [{ code: 'DENIED', message: 'taken', detail: { taken: ['acme/web'] } }] };
    expect(registryErrorBodySchema.parse(error)).toEqual(error);
    expect(registryErrorBodySchema.safeParse({ errors: [] }).success).toBe(false);
  });

  it('accepts include or exclude lists, not both', () => {
    expect(registryRepositoryListRequestSchema.safeParse({ include: ['acme/shop'] }).success).toBe(true);
    expect(registryRepositoryListRequestSchema.safeParse({ exclude: [] }).success).toBe(true);
    expect(registryRepositoryListRequestSchema.safeParse({ include: [], exclude: [] }).success).toBe(false);
    expect(registryRepositoryListRequestSchema.safeParse({ include: ['Acme'] }).success).toBe(false);
  });

  it('reads the fields of an image configuration that the image view shows', () => {
    const config = ociImageConfigSchema.parse({
      created: '2026-11-01T00:00:00Z',
      architecture: 'amd64',
      os: 'linux',
      config: { Env: ['PATH=/usr/bin'], Entrypoint: null, Cmd: ['sh'], ExposedPorts: { '80/tcp': {} } },
      rootfs: { type: 'layers', diff_ids: [] },
      history: [{ created_by: 'ADD file', empty_layer: false }],
    });
    expect(config.config?.Cmd).toEqual(['sh']);
  });
});

describe('GitLab container registry API shapes', () => {
  const repository = {
    id: 7,
    name: 'api',
    path: 'acme/shop/api',
    project_id: 3,
    location: 'registry.example.com/acme/shop/api',
    created_at: '2026-11-30T09:12:01.000Z',
    cleanup_policy_started_at: null,
    status: null,
    tags_count: 2,
    tags: [
      { name: 'latest', path: 'acme/shop/api:latest', location: 'registry.example.com/acme/shop/api:latest' },
    ],
    size: 1024,
    updated_at: '2026-12-01T10:00:00.123Z',
    last_published_at: null,
    project_path: 'acme/shop',
    project_name: 'Shop',
  };

  it('parses a repository, including one scheduled for deletion, and refuses an unknown status', () => {
    expect(containerRepositorySchema.parse(repository)).toEqual(repository);
    expect(containerRepositorySchema.parse({ ...repository, status: 'delete_scheduled' }).status).toBe(
      'delete_scheduled',
    );
    expect(containerRepositorySchema.safeParse({ ...repository, status: 'gone' }).success).toBe(false);
  });

  it('reads list queries as GitLab clients send them', () => {
    expect(
      listContainerRepositoriesQuerySchema.parse({
        tags: 'true',
        tags_count: '1',
        per_page: '50',
        page: '2',
      }),
    ).toMatchObject({ tags: true, tags_count: true, per_page: 50, page: 2, order_by: 'name', sort: 'asc' });
    expect(listContainerRepositoriesQuerySchema.safeParse({ order_by: 'size' }).success).toBe(false);
    expect(getContainerRepositoryQuerySchema.parse({ size: 'true' })).toEqual({ size: true });
    expect(
      listContainerTagsQuerySchema.parse({ pagination: 'keyset', order_by: 'published_at', sort: 'desc' }),
    ).toMatchObject({ pagination: 'keyset', order_by: 'published_at', sort: 'desc', per_page: 20 });
    expect(listContainerTagsQuerySchema.parse({})).toMatchObject({
      pagination: 'offset',
      order_by: 'name',
      sort: 'asc',
    });
  });

  it('parses a tag of a multi-architecture image', () => {
    const tag = {
      name: 'latest',
      path: 'acme/shop/api:latest',
      location: 'registry.example.com/acme/shop/api:latest',
      revision: null,
      short_revision: null,
      digest: digest('c'),
      created_at: '2026-12-01T10:00:00.000Z',
      published_at: '2026-12-01T10:00:00.000Z',
      total_size: 2048,
      config_digest: null,
      media_type: 'application/vnd.oci.image.index.v1+json',
      platforms: [
        {
          digest: digest('d'),
          media_type: 'application/vnd.oci.image.manifest.v1+json',
          size: 1024,
          os: 'linux',
          architecture: 'arm',
          variant: 'v7',
        },
      ],
    };
    expect(containerTagSchema.parse(tag)).toEqual(tag);
  });

  it('parses the image view', () => {
    const view = {
      name: 'v1',
      digest: digest('a'),
      media_type: 'application/vnd.oci.image.manifest.v1+json',
      images: [
        {
          digest: digest('a'),
          media_type: 'application/vnd.oci.image.manifest.v1+json',
          config_digest: digest('b'),
          created: '2026-11-01T00:00:00Z',
          os: 'linux',
          architecture: 'amd64',
          variant: null,
          entrypoint: ['/app'],
          cmd: null,
          working_dir: '/srv',
          user: null,
          env: ['PATH', 'DATABASE_URL'],
          labels: { 'org.opencontainers.image.source': 'https://example.com/shop' },
          exposed_ports: ['8080/tcp'],
          layers: [
            { digest: digest('f'), size: 512, media_type: 'application/vnd.oci.image.layer.v1.tar+gzip' },
          ],
          history: [{ created: null, created_by: 'COPY app /app', empty_layer: false, comment: null }],
        },
      ],
    };
    expect(tagImageSchema.parse(view)).toEqual(view);
  });

  it('bounds "delete selected" to 1000 valid tag names', () => {
    expect(deleteSelectedTagsRequestSchema.safeParse({ names: ['v1', 'v2'] }).success).toBe(true);
    expect(deleteSelectedTagsRequestSchema.safeParse({ names: [] }).success).toBe(false);
    expect(deleteSelectedTagsRequestSchema.safeParse({ names: ['-bad'] }).success).toBe(false);
    const tooMany = Array.from({ length: 1001 }, (_, i) => `t${i}`);
    expect(deleteSelectedTagsRequestSchema.safeParse({ names: tooMany }).success).toBe(false);
    expect(deleteSelectedTagsResultSchema.parse({ deleted: ['v1'], not_found: ['v2'] }).deleted).toEqual([
      'v1',
    ]);
  });
});

describe('cleanup policies', () => {
  it('parses a saved policy and only GitLab values', () => {
    const policy = {
      cadence: '7d',
      enabled: true,
      keep_n: 10,
      older_than: '90d',
      name_regex: '.*',
      name_regex_keep: 'release-.*',
      next_run_at: '2026-12-08T00:00:00.000Z',
    };
    expect(containerExpirationPolicySchema.parse(policy)).toEqual(policy);
    expect(containerExpirationPolicySchema.safeParse({ ...policy, keep_n: 7 }).success).toBe(false);
    expect(containerExpirationPolicySchema.safeParse({ ...policy, cadence: '2d' }).success).toBe(false);
  });

  it('reads update attributes from form strings and JSON, null clearing a rule', () => {
    expect(containerExpirationPolicyAttributesSchema.parse({ keep_n: '25', enabled: 'true' })).toEqual({
      keep_n: 25,
      enabled: true,
    });
    expect(containerExpirationPolicyAttributesSchema.parse({ older_than: null }).older_than).toBeNull();
    expect(containerExpirationPolicyAttributesSchema.safeParse({ keep_n: '3' }).success).toBe(false);
  });

  it('parses a preview', () => {
    const preview = {
      repositories: [
        {
          id: 7,
          path: 'acme/shop/api',
          delete: [{ name: 'v1', published_at: '2026-01-01T00:00:00.000Z' }],
          keep: [{ name: 'latest', published_at: '2026-12-01T00:00:00.000Z' }],
        },
      ],
    };
    expect(cleanupPreviewSchema.parse(preview)).toEqual(preview);
  });
});
