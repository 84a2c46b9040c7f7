import {
  type CleanupPreview,
  type ContainerExpirationPolicy,
  type ContainerRepository,
  type ContainerTag,
  cleanupPreviewSchema,
  containerExpirationPolicySchema,
  containerRepositorySchema,
  containerTagSchema,
  type DeployToken,
  deployTokenSchema,
  type Group,
  groupSchema,
  type PersonalAccessToken,
  personalAccessTokenSchema,
  type SessionResponse,
  sessionResponseSchema,
  type TagImage,
  tagImageSchema,
} from '@berth/contract';
import { type ProjectWithPolicy, projectWithPolicySchema } from '../shared/api/get-project';

/**
 * Realistic BFF answers, each parsed with its contract schema so a fixture that drifts from the
 * contract fails here rather than passing a test the real API would fail.
 */

export const REGISTRY_HOST = 'registry.berth.test';
// Relative times ("3 hours ago") are computed against the real clock, so fixtures are dated from it.
export const NOW = new Date();
const ago = (hours: number) => new Date(NOW.getTime() - hours * 3_600_000).toISOString();

const sha = (seed: string) => {
  // FNV-1a of the seed starts a xorshift generator: distinct seeds give distinct, random-looking digests.
  let state = 2166136261;
  for (const char of seed) state = Math.imul(state ^ char.charCodeAt(0), 16777619) >>> 0;
  let hex = '';
  while (hex.length < 64) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    hex += state.toString(16).padStart(8, '0');
  }
  return `sha256:${hex.slice(0, 64)}`;
};

export function makeSession(overrides: Partial<SessionResponse['user']> = {}): SessionResponse {
  return sessionResponseSchema.parse({
    csrf_token: 'csrf-token-from-session',
    user: {
      id: 2,
      username: 'alice',
      name: 'Alice Maintainer',
      state: 'active',
      avatar_url: null,
      web_url: 'http://berth.test/alice',
      email: 'alice@example.com',
      is_admin: false,
      created_at: ago(24 * 90),
      ...overrides,
    },
  });
}

export function makeGroup(fullPath: string, id = 10): Group {
  const path = fullPath.split('/').pop() ?? fullPath;
  return groupSchema.parse({
    id,
    name: path,
    path,
    full_name: fullPath.split('/').join(' / '),
    full_path: fullPath,
    description: '',
    visibility: 'private',
    parent_id: null,
    web_url: `http://berth.test/groups/${fullPath}`,
    avatar_url: null,
    created_at: ago(24 * 120),
  });
}

export function makePolicy(overrides: Partial<ContainerExpirationPolicy> = {}): ContainerExpirationPolicy {
  return containerExpirationPolicySchema.parse({
    cadence: '1d',
    enabled: true,
    keep_n: 10,
    older_than: '90d',
    name_regex: '.*',
    name_regex_keep: 'v\\d+\\.\\d+\\.\\d+',
    next_run_at: new Date(NOW.getTime() + 5 * 3_600_000).toISOString(),
    ...overrides,
  });
}

export function makeProject(
  fullPath: string,
  options: {
    id?: number;
    accessLevel?: number | null;
    registry?: 'enabled' | 'private' | 'disabled';
    policy?: ContainerExpirationPolicy | null;
    visibility?: 'private' | 'internal' | 'public';
  } = {},
): ProjectWithPolicy {
  const segments = fullPath.split('/');
  const path = segments.pop() ?? fullPath;
  const namespace = segments.join('/');
  const image = `${REGISTRY_HOST}/${fullPath}`;
  const registry = options.registry ?? 'enabled';
  return projectWithPolicySchema.parse({
    id: options.id ?? 7,
    name: path,
    path,
    name_with_namespace: fullPath.split('/').join(' / '),
    path_with_namespace: fullPath,
    description: 'Storefront services',
    visibility: options.visibility ?? 'private',
    namespace: {
      id: 10,
      name: namespace,
      path: namespace.split('/').pop(),
      kind: 'group',
      full_path: namespace,
      parent_id: null,
      web_url: `http://berth.test/groups/${namespace}`,
    },
    container_registry_enabled: registry !== 'disabled',
    container_registry_access_level: registry,
    container_registry_image_prefix: image,
    registry_ci: {
      variables: {
        CI_REGISTRY: REGISTRY_HOST,
        CI_REGISTRY_IMAGE: image,
        CI_REGISTRY_USER: 'gitlab-ci-token',
      },
      commands: {
        login: `docker login ${REGISTRY_HOST}`,
        build: `docker build -t ${image} .`,
        push: `docker push ${image}`,
      },
    },
    created_at: ago(24 * 60),
    last_activity_at: ago(3),
    web_url: `http://berth.test/${fullPath}`,
    permissions: {
      project_access: options.accessLevel ? { access_level: options.accessLevel } : null,
      group_access: null,
    },
    container_expiration_policy: options.policy === undefined ? makePolicy() : options.policy,
  });
}

export function makeRepository(
  project: ProjectWithPolicy,
  name: string,
  options: {
    id: number;
    tags: number;
    size: number;
    publishedHoursAgo: number | null;
    createdHoursAgo?: number;
  },
): ContainerRepository {
  const path = name ? `${project.path_with_namespace}/${name}` : project.path_with_namespace;
  return containerRepositorySchema.parse({
    id: options.id,
    name,
    path,
    project_id: project.id,
    location: `${REGISTRY_HOST}/${path}`,
    created_at: ago(options.createdHoursAgo ?? 24 * 60),
    cleanup_policy_started_at: null,
    status: null,
    expiration_policy_cleanup_status: 'cleanup_unscheduled',
    tags_count: options.tags,
    size: options.size,
    updated_at: ago(options.publishedHoursAgo ?? 24 * 30),
    last_published_at: options.publishedHoursAgo === null ? null : ago(options.publishedHoursAgo),
    project_path: project.path_with_namespace,
    project_name: project.name,
  });
}

export function makeTag(
  repository: ContainerRepository,
  name: string,
  options: { publishedHoursAgo: number; size: number; multiArch?: boolean },
): ContainerTag {
  const digest = sha(`${repository.path}:${name}`);
  const config = options.multiArch ? null : sha(`${repository.path}:${name}:config`);
  return containerTagSchema.parse({
    name,
    path: `${repository.path}:${name}`,
    location: `${repository.location}:${name}`,
    revision: config ? config.slice(7) : null,
    short_revision: config ? config.slice(7, 16) : null,
    digest,
    created_at: ago(options.publishedHoursAgo + 1),
    published_at: ago(options.publishedHoursAgo),
    total_size: options.size,
    config_digest: config,
    media_type: options.multiArch
      ? 'application/vnd.oci.image.index.v1+json'
      : 'application/vnd.oci.image.manifest.v1+json',
    platforms: options.multiArch
      ? [
          {
            digest: sha(`${name}:amd64`),
            media_type: 'application/vnd.oci.image.manifest.v1+json',
            size: Math.round(options.size * 0.52),
            os: 'linux',
            architecture: 'amd64',
            variant: null,
          },
          {
            digest: sha(`${name}:arm64`),
            media_type: 'application/vnd.oci.image.manifest.v1+json',
            size: Math.round(options.size * 0.48),
            os: 'linux',
            architecture: 'arm64',
            variant: 'v8',
          },
        ]
      : [],
  });
}

export function makeTagImage(tag: ContainerTag): TagImage {
  const platforms = tag.platforms.length
    ? tag.platforms.map((p) => ({
        digest: p.digest,
        os: p.os,
        architecture: p.architecture,
        variant: p.variant,
      }))
    : [{ digest: tag.digest, os: 'linux', architecture: 'amd64', variant: null }];
  return tagImageSchema.parse({
    name: tag.name,
    digest: tag.digest,
    media_type: tag.media_type,
    images: platforms.map((platform) => ({
      digest: platform.digest,
      media_type: 'application/vnd.oci.image.manifest.v1+json',
      config_digest: sha(`${platform.digest}:config`),
      created: tag.created_at,
      os: platform.os,
      architecture: platform.architecture,
      variant: platform.variant,
      entrypoint: ['/usr/local/bin/api'],
      cmd: ['--listen', ':8080'],
      working_dir: '/srv',
      user: 'app',
      env: ['PATH', 'NODE_ENV', 'PORT'],
      labels: { 'org.opencontainers.image.source': 'https://git.example.com/acme/shop' },
      exposed_ports: ['8080/tcp'],
      layers: [
        {
          digest: sha(`${platform.digest}:l1`),
          size: 3_402_112,
          media_type: 'application/vnd.oci.image.layer.v1.tar+gzip',
        },
        {
          digest: sha(`${platform.digest}:l2`),
          size: 28_311_004,
          media_type: 'application/vnd.oci.image.layer.v1.tar+gzip',
        },
        {
          digest: sha(`${platform.digest}:l3`),
          size: 1_204,
          media_type: 'application/vnd.oci.image.layer.v1.tar+gzip',
        },
      ],
      history: [
        {
          created: tag.created_at,
          created_by: '/bin/sh -c #(nop) ADD file:alpine.tar /',
          empty_layer: false,
          comment: null,
        },
        { created: tag.created_at, created_by: 'RUN npm ci --omit=dev', empty_layer: false, comment: null },
        { created: tag.created_at, created_by: 'COPY dist /srv', empty_layer: false, comment: null },
        { created: tag.created_at, created_by: 'CMD ["--listen" ":8080"]', empty_layer: true, comment: null },
      ],
    })),
  });
}

export function makePersonalAccessToken(
  id: number,
  name: string,
  overrides: Partial<PersonalAccessToken> = {},
) {
  return personalAccessTokenSchema.parse({
    id,
    name,
    revoked: false,
    created_at: ago(24 * 10),
    scopes: ['read_registry'],
    user_id: 2,
    last_used_at: ago(5),
    active: true,
    expires_at: '2027-01-01',
    ...overrides,
  });
}

export function makeDeployToken(id: number, name: string, overrides: Partial<DeployToken> = {}) {
  return deployTokenSchema.parse({
    id,
    name,
    username: `gitlab+deploy-token-${id}`,
    expires_at: null,
    scopes: ['read_registry'],
    revoked: false,
    expired: false,
    ...overrides,
  });
}

export function makePreview(repositories: CleanupPreview['repositories']): CleanupPreview {
  return cleanupPreviewSchema.parse({ repositories });
}

/** acme/shop with three repositories and a realistic spread of tags. */
export function makeShopWorld(options: { accessLevel?: number | null; tagCount?: number } = {}) {
  const project = makeProject('acme/shop', {
    accessLevel: options.accessLevel === undefined ? 40 : options.accessLevel,
  });
  const api = makeRepository(project, 'api', { id: 17, tags: 0, size: 188_950_118, publishedHoursAgo: 3 });
  const web = makeRepository(project, 'web', { id: 18, tags: 0, size: 158_334_976, publishedHoursAgo: 26 });
  const worker = makeRepository(project, 'worker', {
    id: 19,
    tags: 0,
    size: 85_354_086,
    publishedHoursAgo: 24 * 12,
  });
  const count = options.tagCount ?? 24;
  const apiTags = Array.from({ length: count }, (_, index) => {
    const minor = Math.floor(index / 10);
    const name = index === 0 ? 'latest' : `v1.${minor}.${index % 10}`;
    return makeTag(api, name, {
      publishedHoursAgo: 3 + index * (count > 1000 ? 1 : 20),
      size: 67_214_000 - (index % 100) * 9_000,
      multiArch: index % 3 === 0,
    });
  });
  const webTags = ['latest', 'v2.0.0', 'v1.9.3'].map((name, index) =>
    makeTag(web, name, { publishedHoursAgo: 26 + index * 48, size: 52_000_000 }),
  );
  const workerTags = ['latest', 'stable', 'v0.3.1'].map((name, index) =>
    makeTag(worker, name, { publishedHoursAgo: 288 + index * 24, size: 28_000_000 }),
  );
  api.tags_count = apiTags.length;
  web.tags_count = webTags.length;
  worker.tags_count = workerTags.length;
  return {
    project,
    repositories: [api, web, worker],
    tags: new Map<number, ContainerTag[]>([
      [api.id, apiTags],
      [web.id, webTags],
      [worker.id, workerTags],
    ]),
  };
}
