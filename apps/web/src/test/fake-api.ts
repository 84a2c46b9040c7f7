import type {
  CleanupPreview,
  ContainerRepository,
  ContainerTag,
  DeployToken,
  Group,
  PersonalAccessToken,
  SessionResponse,
  TagImage,
} from '@berth/contract';
import { HttpResponse, http } from 'msw';
import type { ProjectWithPolicy } from '../shared/api/get-project';
import { makeGroup, makeShopWorld, makeTagImage } from './fixtures';

/** The state behind the fake BFF: tests arrange it, handlers read and change it like the real API. */
export interface World {
  session: SessionResponse | null;
  projects: ProjectWithPolicy[];
  groups: Group[];
  repositories: ContainerRepository[];
  tags: Map<number, ContainerTag[]>;
  images: Map<string, TagImage>;
  personalAccessTokens: PersonalAccessToken[];
  deployTokens: DeployToken[];
  preview: CleanupPreview | null;
  /** Every request the app made, for asserting what it sent. */
  requests: { method: string; url: URL; body: unknown; headers: Headers }[];
  /** Paths (regex) whose next answers fail with the given status. */
  failures: { path: RegExp; status: number; message: string; times: number }[];
  /** Paths whose answers never arrive (loading states). */
  hang: RegExp[];
}

export function createWorld(overrides: Partial<World> = {}): World {
  const shop = makeShopWorld();
  return {
    session: null,
    projects: [shop.project],
    groups: [makeGroup('acme')],
    repositories: shop.repositories,
    tags: shop.tags,
    images: new Map(),
    personalAccessTokens: [],
    deployTokens: [],
    preview: null,
    requests: [],
    failures: [],
    hang: [],
    ...overrides,
  };
}

const API = 'http://berth.test/api/v4';

function page<T>(items: readonly T[], url: URL) {
  const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get('per_page') ?? 20) || 20));
  const pageNumber = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1);
  const totalPages = Math.max(1, Math.ceil(items.length / perPage));
  return HttpResponse.json(items.slice((pageNumber - 1) * perPage, pageNumber * perPage) as never, {
    headers: {
      'X-Total': String(items.length),
      'X-Total-Pages': String(totalPages),
      'X-Page': String(pageNumber),
      'X-Per-Page': String(perPage),
    },
  });
}

const compare = (left: string | number, right: string | number) => (left < right ? -1 : left > right ? 1 : 0);

function sorted<T>(items: readonly T[], key: (item: T) => string | number, direction: string | null): T[] {
  const factor = direction === 'desc' ? -1 : 1;
  return [...items].sort((a, b) => compare(key(a), key(b)) * factor);
}

const notFound = (what: string) => HttpResponse.json({ message: `404 ${what} Not Found` }, { status: 404 });

/** msw handlers for the BFF's `/api/v4`, answering from `world`. */
export function fakeApi(world: World) {
  const findProject = (id: string) =>
    world.projects.find(
      (project) => project.path_with_namespace === decodeURIComponent(id) || String(project.id) === id,
    );

  return [
    http.all(`${API}/*`, async ({ request }) => {
      const url = new URL(request.url);
      const body = ['POST', 'PUT'].includes(request.method)
        ? await request
            .clone()
            .json()
            .catch(() => undefined)
        : undefined;
      world.requests.push({ method: request.method, url, body, headers: request.headers });
      if (world.hang.some((pattern) => pattern.test(url.pathname))) return new Promise<never>(() => {});
      const failure = world.failures.find((f) => f.path.test(url.pathname) && f.times > 0);
      if (failure) {
        failure.times -= 1;
        return HttpResponse.json({ message: failure.message }, { status: failure.status });
      }
      return undefined;
    }),

    http.get(`${API}/session`, () =>
      world.session
        ? HttpResponse.json(world.session)
        : HttpResponse.json({ message: '401 Unauthorized' }, { status: 401 }),
    ),
    http.post(`${API}/session`, async ({ request }) => {
      const body = (await request.json()) as { login: string; password: string };
      if (body.password !== 'correct horse') {
        return HttpResponse.json(
          { message: '401 Unauthorized - Invalid login or password' },
          { status: 401 },
        );
      }
      const { makeSession } = await import('./fixtures');
      world.session = makeSession({ username: body.login });
      return HttpResponse.json(world.session, { status: 201 });
    }),
    http.delete(`${API}/session`, () => {
      world.session = null;
      return new HttpResponse(null, { status: 204 });
    }),

    http.get(`${API}/projects`, ({ request }) => {
      const url = new URL(request.url);
      const search = url.searchParams.get('search')?.toLowerCase();
      const orderBy = url.searchParams.get('order_by') ?? 'created_at';
      const items = world.projects.filter(
        (project) => !search || project.path_with_namespace.includes(search),
      );
      const key = (project: ProjectWithPolicy) =>
        orderBy === 'name'
          ? project.name
          : orderBy === 'path'
            ? project.path_with_namespace
            : (project[orderBy as 'created_at'] ?? '');
      return page(sorted(items, key, url.searchParams.get('sort') ?? 'desc'), url);
    }),
    http.get(`${API}/projects/:id`, ({ params }) => {
      const project = findProject(String(params.id));
      return project ? HttpResponse.json(project) : notFound('Project');
    }),
    http.put(`${API}/projects/:id`, async ({ params, request }) => {
      const project = findProject(String(params.id));
      if (!project) return notFound('Project');
      const body = (await request.json()) as Record<string, unknown>;
      if (typeof body.container_registry_access_level === 'string') {
        project.container_registry_access_level =
          body.container_registry_access_level as ProjectWithPolicy['container_registry_access_level'];
        project.container_registry_enabled = project.container_registry_access_level !== 'disabled';
      }
      const attributes = body.container_expiration_policy_attributes as Record<string, unknown> | undefined;
      if (attributes && project.container_expiration_policy) {
        project.container_expiration_policy = {
          ...project.container_expiration_policy,
          ...attributes,
        } as never;
      }
      return HttpResponse.json(project);
    }),
    http.get(`${API}/groups`, ({ request }) => page(world.groups, new URL(request.url))),
    http.get(`${API}/groups/:id`, ({ params }) => {
      const group = world.groups.find((g) => g.full_path === decodeURIComponent(String(params.id)));
      return group ? HttpResponse.json(group) : notFound('Group');
    }),

    ...(['projects', 'groups'] as const).map((kind) =>
      http.get(`${API}/${kind}/:id/registry/repositories`, ({ params, request }) => {
        const url = new URL(request.url);
        const owner = decodeURIComponent(String(params.id));
        const search = url.searchParams.get('search')?.toLowerCase();
        const items = world.repositories.filter(
          (repository) =>
            (kind === 'projects'
              ? repository.project_path === owner
              : repository.project_path.startsWith(`${owner}/`)) &&
            (!search || repository.path.toLowerCase().includes(search)),
        );
        const orderBy = (url.searchParams.get('order_by') ?? 'name') as 'name' | 'created_at' | 'updated_at';
        return page(
          sorted(
            items,
            (repository) => (orderBy === 'name' ? repository.path : repository[orderBy]),
            url.searchParams.get('sort'),
          ),
          url,
        );
      }),
    ),
    http.get(`${API}/registry/repositories/:id`, ({ params }) => {
      const repository = world.repositories.find((r) => r.id === Number(params.id));
      return repository
        ? HttpResponse.json({ ...repository, tags_count: world.tags.get(repository.id)?.length ?? 0 })
        : notFound('Repository');
    }),
    http.delete(`${API}/projects/:id/registry/repositories/:repositoryId`, ({ params }) => {
      const repository = world.repositories.find((r) => r.id === Number(params.repositoryId));
      if (!repository) return notFound('Repository');
      repository.status = 'delete_scheduled';
      return new HttpResponse(null, { status: 202 });
    }),

    http.get(`${API}/projects/:id/registry/repositories/:repositoryId/tags`, ({ params, request }) => {
      const url = new URL(request.url);
      const search = url.searchParams.get('search')?.toLowerCase();
      const all = world.tags.get(Number(params.repositoryId)) ?? [];
      const items = all.filter((tag) => !search || tag.name.toLowerCase().includes(search));
      const orderBy = url.searchParams.get('order_by') ?? 'name';
      return page(
        sorted(
          items,
          (tag) => (orderBy === 'name' ? tag.name : tag.published_at),
          url.searchParams.get('sort'),
        ),
        url,
      );
    }),
    http.get(`${API}/projects/:id/registry/repositories/:repositoryId/tags/:tag/image`, ({ params }) => {
      const tag = (world.tags.get(Number(params.repositoryId)) ?? []).find((t) => t.name === params.tag);
      if (!tag) return notFound('Tag');
      return HttpResponse.json(world.images.get(tag.name) ?? makeTagImage(tag));
    }),
    http.post(
      `${API}/projects/:id/registry/repositories/:repositoryId/tags/delete`,
      async ({ params, request }) => {
        const { names } = (await request.json()) as { names: string[] };
        const id = Number(params.repositoryId);
        const current = world.tags.get(id) ?? [];
        const existing = new Set(current.map((tag) => tag.name));
        world.tags.set(
          id,
          current.filter((tag) => !names.includes(tag.name)),
        );
        return HttpResponse.json({
          deleted: names.filter((name) => existing.has(name)),
          not_found: names.filter((name) => !existing.has(name)),
        });
      },
    ),
    http.post(`${API}/projects/:id/registry/cleanup_policy/preview`, () =>
      HttpResponse.json(world.preview ?? { repositories: [] }),
    ),

    http.get(`${API}/personal_access_tokens`, ({ request }) =>
      page(world.personalAccessTokens, new URL(request.url)),
    ),
    http.post(`${API}/user/personal_access_tokens`, async ({ request }) => {
      const body = (await request.json()) as {
        name: string;
        scopes: PersonalAccessToken['scopes'];
        expires_at?: string;
      };
      const { makePersonalAccessToken } = await import('./fixtures');
      const token = makePersonalAccessToken(world.personalAccessTokens.length + 100, body.name, {
        scopes: body.scopes,
        expires_at: body.expires_at ?? null,
        last_used_at: null,
      });
      world.personalAccessTokens.push(token);
      return HttpResponse.json({ ...token, token: 'glpat-ONLYSHOWNONCE1234' }, { status: 201 });
    }),
    http.delete(`${API}/personal_access_tokens/:id`, ({ params }) => {
      const token = world.personalAccessTokens.find((t) => t.id === Number(params.id));
      if (!token) return notFound('Personal Access Token');
      token.revoked = true;
      token.active = false;
      return new HttpResponse(null, { status: 204 });
    }),
    http.get(`${API}/projects/:id/deploy_tokens`, ({ request }) =>
      page(world.deployTokens, new URL(request.url)),
    ),
    http.post(`${API}/projects/:id/deploy_tokens`, async ({ request }) => {
      const body = (await request.json()) as { name: string; scopes: DeployToken['scopes'] };
      const { makeDeployToken } = await import('./fixtures');
      const token = makeDeployToken(world.deployTokens.length + 50, body.name, { scopes: body.scopes });
      world.deployTokens.push(token);
      return HttpResponse.json({ ...token, token: 'gldt-ONLYSHOWNONCE5678' }, { status: 201 });
    }),
    http.delete(`${API}/projects/:id/deploy_tokens/:tokenId`, ({ params }) => {
      const token = world.deployTokens.find((t) => t.id === Number(params.tokenId));
      if (!token) return notFound('Deploy Token');
      token.revoked = true;
      return new HttpResponse(null, { status: 204 });
    }),
  ];
}

/** Requests the app made to a path (regex), for assertions on what it sent. */
export const requestsTo = (world: World, method: string, path: RegExp) =>
  world.requests.filter((request) => request.method === method && path.test(request.url.pathname));
