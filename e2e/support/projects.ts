import { Api } from './api.ts';
import type { World } from './world.ts';

export interface JourneyProject {
  id: number;
  /** `acme/<path>` */
  path: string;
}

/** Signs in as one of the world's users through the API (a fresh `api` token). */
export function apiAs(world: World, who: keyof World['users']): Promise<Api> {
  const user = world.users[who];
  return Api.signIn(world.webUrl, user.username, user.password);
}

/**
 * A project of its own in the public group `acme` for one journey, so journeys never see each other's
 * images; the world's users are members through the group. The suffix keeps reruns on one stack apart.
 */
export async function createProject(
  world: World,
  name: string,
  visibility: 'public' | 'internal' | 'private' = 'public',
): Promise<JourneyProject> {
  const root = await apiAs(world, 'root');
  const path = `${name}-${Date.now().toString(36)}`;
  const project = await root.expect(201, 'POST', '/projects', {
    name: path,
    path,
    namespace_id: world.group.id,
    visibility,
  });
  return { id: project.id, path: project.path_with_namespace };
}
