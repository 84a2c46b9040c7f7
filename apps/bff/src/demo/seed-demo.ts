import {
  type Group,
  groupSchema,
  memberSchema,
  oauthTokenResponseSchema,
  type Project,
  projectSchema,
  type RegistryAccessLevel,
  tokenServiceResponseSchema,
  type User,
  userSchema,
  type Visibility,
} from '@berth/contract';
import { z } from 'zod';
import { type ImageManifest, ociImage, ociIndex } from './oci-content.js';

/**
 * `pnpm start --demo`: fills an instance with people, groups, projects and images worth browsing,
 * through the public API (`/api/v4`, `/jwt/auth`) and the registry's distribution API, as any
 * client would. Every step first looks for what it would create, so a second run adds nothing.
 */

export const DEMO_PASSWORD = 'demo-password';
/** root's password when `--demo` creates the instance; a password chosen in BERTH_ROOT_PASSWORD is never printed. */
export const DEMO_ROOT_PASSWORD = 'berth-demo-root';

const GUEST = 10;
const REPORTER = 20;
const DEVELOPER = 30;
const OWNER = 50;

interface DemoGroup {
  path: string;
  name: string;
  visibility: Visibility;
}
interface DemoProject {
  group: string;
  path: string;
  name: string;
  visibility: Visibility;
  registry: RegistryAccessLevel;
  /** Repository (relative to the project) → tag → image. */
  images: Record<string, Record<string, () => ImageManifest>>;
}

type DemoMember = { user: string; access: number } & ({ group: string } | { project: string });

interface DemoContent {
  users: Array<{ username: string; name: string; role: string }>;
  groups: DemoGroup[];
  projects: DemoProject[];
  members: DemoMember[];
}

const MULTI_ARCH = [
  { os: 'linux', architecture: 'amd64' },
  { os: 'linux', architecture: 'arm64', variant: 'v8' },
];

export const demoContent: DemoContent = {
  users: [
    { username: 'alice', name: 'Alice Owner', role: 'Owner of the acme group' },
    { username: 'bob', name: 'Bob Developer', role: 'Developer in acme/platform' },
    { username: 'carol', name: 'Carol Reporter', role: 'Reporter on acme/handbook' },
    { username: 'dave', name: 'Dave Guest', role: 'Guest in the acme group' },
  ],
  groups: [
    { path: 'acme', name: 'Acme', visibility: 'public' },
    { path: 'acme/platform', name: 'Platform', visibility: 'internal' },
  ],
  projects: [
    {
      group: 'acme',
      path: 'website',
      name: 'Website',
      visibility: 'public',
      registry: 'enabled',
      images: {
        '': {
          '1.0.0': () => ociImage('website 1.0.0'),
          '1.1.0': () => ociImage('website 1.1.0'),
          '2.0.0': () => ociIndex('website 2.0.0', MULTI_ARCH),
          latest: () => ociIndex('website 2.0.0', MULTI_ARCH),
        },
        nginx: {
          stable: () => ociImage('website nginx stable'),
          '1.27': () => ociImage('website nginx 1.27'),
        },
      },
    },
    {
      group: 'acme',
      path: 'handbook',
      name: 'Handbook',
      visibility: 'public',
      registry: 'private',
      images: { '': { latest: () => ociImage('handbook latest'), draft: () => ociImage('handbook draft') } },
    },
    {
      group: 'acme/platform',
      path: 'api',
      name: 'API',
      visibility: 'internal',
      registry: 'enabled',
      images: {
        '': Object.fromEntries(
          ['v1.0', 'v1.1', 'v1.2', 'v2.0-rc1', 'main'].map((tag) => [tag, () => ociImage(`api ${tag}`)]),
        ),
        worker: { latest: () => ociIndex('api worker', MULTI_ARCH) },
      },
    },
    {
      group: 'acme',
      path: 'billing',
      name: 'Billing',
      visibility: 'private',
      registry: 'enabled',
      images: { '': { '0.9.0': () => ociImage('billing 0.9.0'), '1.0.0': () => ociImage('billing 1.0.0') } },
    },
  ],
  members: [
    { user: 'alice', group: 'acme', access: OWNER },
    { user: 'dave', group: 'acme', access: GUEST },
    { user: 'bob', group: 'acme/platform', access: DEVELOPER },
    { user: 'carol', project: 'acme/handbook', access: REPORTER },
  ],
};

export interface SeedDemoOptions {
  bffUrl: string;
  registryUrl: string;
  rootPassword: string | undefined;
  print: (line: string) => void;
}

/** A step of the demo failed; the message says which request and what it answered. */
class DemoError extends Error {}

export async function seedDemo(options: SeedDemoOptions): Promise<void> {
  const api = await signIn(options);
  const users = new Map<string, User>();
  for (const person of demoContent.users) users.set(person.username, await ensureUser(api, person));
  const groups = new Map<string, Group>();
  for (const group of demoContent.groups) groups.set(group.path, await ensureGroup(api, group, groups));
  const projects = new Map<string, Project>();
  for (const project of demoContent.projects) {
    projects.set(`${project.group}/${project.path}`, await ensureProject(api, project, groups));
  }
  for (const member of demoContent.members) {
    const userId = users.get(member.user)!.id;
    const base =
      'group' in member
        ? `/groups/${groups.get(member.group)!.id}/members`
        : `/projects/${projects.get(member.project)!.id}/members`;
    if ((await api.find(`${base}/${userId}`, memberSchema)) === undefined) {
      await api.send('POST', base, { user_id: userId, access_level: member.access }, memberSchema);
    }
  }
  let pushed = 0;
  for (const project of demoContent.projects) {
    for (const [repository, tags] of Object.entries(project.images)) {
      const name = [project.group, project.path, repository].filter(Boolean).join('/');
      const registry = await registryClient(options, name);
      for (const [tag, build] of Object.entries(tags)) {
        if (await registry.hasTag(tag)) continue;
        await registry.push(build(), tag);
        pushed += 1;
      }
    }
  }

  const registryHost = new URL(options.registryUrl).host;
  options.print(
    [
      '',
      `Berth demo (${pushed === 0 ? 'already loaded' : `${pushed} tags pushed`}): sign in at ${options.bffUrl}`,
      `  root / ${options.rootPassword === DEMO_ROOT_PASSWORD ? DEMO_ROOT_PASSWORD : '(your BERTH_ROOT_PASSWORD)'} (administrator)`,
      ...demoContent.users.map((person) => `  ${person.username} / ${DEMO_PASSWORD} (${person.role})`),
      `  projects: ${demoContent.projects
        .map(
          (project) =>
            `${project.group}/${project.path} (${project.visibility}, registry ${project.registry})`,
        )
        .join(', ')}`,
      `  pull: skopeo copy --src-tls-verify=false docker://${registryHost}/acme/website:latest oci:website`,
      '',
    ].join('\n'),
  );
}

interface Api {
  find<T>(path: string, schema: z.ZodType<T>): Promise<T | undefined>;
  send<T>(method: string, path: string, body: unknown, schema: z.ZodType<T>): Promise<T>;
}

async function signIn(options: SeedDemoOptions): Promise<Api> {
  const response = await fetch(`${options.bffUrl}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grant_type: 'password', username: 'root', password: options.rootPassword ?? '' }),
  });
  if (response.status === 400 || response.status === 401) {
    throw new DemoError(
      "cannot sign in as root: set BERTH_ROOT_PASSWORD to root's password (the demo sets it only on a fresh data folder)",
    );
  }
  const { access_token: token } = oauthTokenResponseSchema.parse(
    await expectOk(response, 'POST /oauth/token'),
  );
  const call = (method: string, path: string, body?: unknown) =>
    fetch(`${options.bffUrl}/api/v4${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
  return {
    async find(path, schema) {
      const response = await call('GET', path);
      if (response.status === 404) return undefined;
      return schema.parse(await expectOk(response, `GET ${path}`));
    },
    async send(method, path, body, schema) {
      return schema.parse(await expectOk(await call(method, path, body), `${method} ${path}`));
    },
  };
}

async function expectOk(response: Response, what: string): Promise<unknown> {
  const text = await response.text();
  if (!response.ok) throw new DemoError(`${what} answered ${response.status}: ${text.slice(0, 200)}`);
  return text === '' ? undefined : JSON.parse(text);
}

async function ensureUser(api: Api, person: { username: string; name: string }): Promise<User> {
  const found = await api.send('GET', `/users?username=${person.username}`, undefined, z.array(userSchema));
  if (found[0]) return found[0];
  return api.send(
    'POST',
    '/users',
    {
      username: person.username,
      name: person.name,
      email: `${person.username}@demo.berth.test`,
      password: DEMO_PASSWORD,
    },
    userSchema,
  );
}

async function ensureGroup(api: Api, group: DemoGroup, created: Map<string, Group>): Promise<Group> {
  const found = await api.find(`/groups/${encodeURIComponent(group.path)}`, groupSchema);
  if (found) return found;
  const parentPath = group.path.split('/').slice(0, -1).join('/');
  return api.send(
    'POST',
    '/groups',
    {
      name: group.name,
      path: group.path.split('/').at(-1),
      visibility: group.visibility,
      ...(parentPath ? { parent_id: created.get(parentPath)!.id } : {}),
    },
    groupSchema,
  );
}

async function ensureProject(api: Api, project: DemoProject, groups: Map<string, Group>): Promise<Project> {
  const fullPath = `${project.group}/${project.path}`;
  const found = await api.find(`/projects/${encodeURIComponent(fullPath)}`, projectSchema);
  if (found) return found;
  return api.send(
    'POST',
    '/projects',
    {
      name: project.name,
      path: project.path,
      namespace_id: groups.get(project.group)!.id,
      visibility: project.visibility,
      container_registry_access_level: project.registry,
    },
    projectSchema,
  );
}

/** Pushes through the distribution API with a token from /jwt/auth, as docker or skopeo would. */
async function registryClient(options: SeedDemoOptions, name: string) {
  const scope = `repository:${name}:push,pull`;
  const tokenResponse = await fetch(
    `${options.bffUrl}/jwt/auth?service=container_registry&scope=${encodeURIComponent(scope)}`,
    { headers: { authorization: `Basic ${Buffer.from(`root:${options.rootPassword}`).toString('base64')}` } },
  );
  const { token } = tokenServiceResponseSchema.parse(await expectOk(tokenResponse, 'GET /jwt/auth'));
  const base = `${options.registryUrl}/v2/${name}`;
  const call = (method: string, url: string, init: RequestInit = {}) =>
    fetch(url.startsWith('http') ? url : `${base}${url}`, {
      ...init,
      method,
      headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) },
    });

  async function pushBlob(blob: { bytes: Buffer; digest: string }) {
    const present = await call('HEAD', `/blobs/${blob.digest}`);
    if (present.status === 200) return;
    const started = await call('POST', '/blobs/uploads/');
    await expectOk(started, `POST ${name} blob upload`);
    const location = new URL(started.headers.get('location')!, options.registryUrl);
    location.searchParams.set('digest', blob.digest);
    await expectOk(
      await call('PUT', location.toString(), {
        body: new Uint8Array(blob.bytes),
        headers: { 'content-type': 'application/octet-stream' },
      }),
      `PUT ${name} blob ${blob.digest}`,
    );
  }

  async function pushManifest(image: ImageManifest, reference: string): Promise<void> {
    for (const child of image.children) await pushManifest(child, child.manifest.digest);
    for (const blob of image.blobs) await pushBlob(blob);
    await expectOk(
      await call('PUT', `/manifests/${reference}`, {
        body: new Uint8Array(image.manifest.bytes),
        headers: { 'content-type': image.mediaType },
      }),
      `PUT ${name}:${reference}`,
    );
  }

  return {
    hasTag: async (tag: string) => (await call('HEAD', `/manifests/${tag}`)).status === 200,
    push: (image: ImageManifest, tag: string) => pushManifest(image, tag),
  };
}
