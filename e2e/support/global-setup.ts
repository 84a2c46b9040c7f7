import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Api } from './api.ts';
import { pushImage } from './images.ts';
import { ROOT_PASSWORD, startStack } from './stack.ts';
import { WORLD_FILE_VARIABLE, type World } from './world.ts';

const ROLES = { guest: 10, reporter: 20, developer: 30, maintainer: 40 } as const;

/** Starts the stack, seeds the world every journey starts from, and returns the teardown. */
export default async function globalSetup(): Promise<() => Promise<void>> {
  const stack = await startStack();
  try {
    const root = await Api.signIn(stack.webUrl, 'root', ROOT_PASSWORD);
    const users = { root: { username: 'root', password: ROOT_PASSWORD } } as World['users'];
    const group = await root.expect(201, 'POST', '/groups', {
      name: 'Acme',
      path: 'acme',
      visibility: 'public',
    });
    for (const [role, level] of Object.entries(ROLES) as [keyof typeof ROLES, number][]) {
      const password = `${role}-password-e2e`;
      const user = await root.expect(201, 'POST', '/users', {
        username: role,
        name: role[0]!.toUpperCase() + role.slice(1),
        email: `${role}@example.com`,
        password,
      });
      await root.expect(201, 'POST', `/groups/${group.id}/members`, {
        user_id: user.id,
        access_level: level,
      });
      users[role] = { username: role, password };
    }
    const project = await root.expect(201, 'POST', '/projects', {
      name: 'Shop',
      path: 'shop',
      namespace_id: group.id,
      visibility: 'public',
    });
    const developer = users.developer;
    const images: World['images'] = {};
    for (const tag of ['v1.0.0', 'v1.1.0', 'v1.2.0', 'latest']) {
      images[`api:${tag}`] = await pushImage(stack.registryHost, `acme/shop/api:${tag}`, developer);
    }
    images['web:v2'] = await pushImage(stack.registryHost, 'acme/shop/web:v2', developer, {
      multiArch: true,
    });
    const world: World = {
      webUrl: stack.webUrl,
      registryHost: stack.registryHost,
      dataDir: stack.dataDir,
      users,
      group: { id: group.id, path: group.full_path },
      project: { id: project.id, path: project.path_with_namespace },
      images,
    };
    const file = join(stack.dataDir, 'e2e-world.json');
    writeFileSync(file, JSON.stringify(world, null, 2));
    process.env[WORLD_FILE_VARIABLE] = file;
  } catch (error) {
    await stack.stop();
    throw error;
  }
  return stack.stop;
}
