import { exec } from 'node:child_process';
import { promisify } from 'node:util';
import { databaseTargets } from '@berth/sql/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT_PASSWORD, type RunningBff, startBff } from './support/bff.js';

const sh = promisify(exec);
/** The docs' far-off expiry date, brought within the 365-day limit on personal access tokens. */
const inAMonth = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);

/**
 * Commands copied from GitLab's API documentation, changed only where the docs have placeholders
 * (host, token, ids), to prove scripts written against GitLab work unchanged.
 */
describe('curl scripts written for GitLab', () => {
  let bff: RunningBff;
  let token: string;
  let host: string;

  /** Runs a command with `curl` as written, adding only `-sS -i` (silent, with headers) to read the answer. */
  async function curl(command: string) {
    const { stdout } = await sh(command.replace(/^curl /, 'curl -sS -i '));
    const [head = '', ...rest] = stdout.split(/\r\n\r\n/);
    const status = Number(/^HTTP\/[\d.]+ (\d+)/.exec(head)?.[1]);
    const headers = new Map(
      head
        .split('\r\n')
        .slice(1)
        .map((line) => [
          line.slice(0, line.indexOf(':')).toLowerCase(),
          line.slice(line.indexOf(':') + 1).trim(),
        ]),
    );
    const text = rest.join('\r\n\r\n');
    return { status, headers, body: text ? JSON.parse(text) : undefined };
  }

  beforeAll(async () => {
    bff = await startBff(databaseTargets()[0]!);
    host = bff.url;
  });
  afterAll(async () => {
    await bff?.stop();
  });

  it('gets an OAuth token with the password grant and uses it', async () => {
    const oauth = await curl(
      `curl --data "grant_type=password&username=root&password=${ROOT_PASSWORD}" --request POST "${host}/oauth/token"`,
    );
    expect(oauth.status).toBe(200);
    const user = await curl(
      `curl --header "Authorization: Bearer ${oauth.body.access_token}" "${host}/api/v4/user"`,
    );
    expect(user.body).toMatchObject({ username: 'root', is_admin: true });
    const created = await curl(
      `curl --request POST --header "Authorization: Bearer ${oauth.body.access_token}" --data "name=mytoken" --data "expires_at=${inAMonth}" --data "scopes[]=api" "${host}/api/v4/users/${user.body.id}/personal_access_tokens"`,
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'mytoken', scopes: ['api'], expires_at: inAMonth });
    token = created.body.token;
  });

  it('creates groups, subgroups and projects', async () => {
    const group = await curl(
      `curl --request POST --header "PRIVATE-TOKEN: ${token}" --header "Content-Type: application/json" --data '{"path": "acme", "name": "Acme", "visibility": "public"}' "${host}/api/v4/groups/"`,
    );
    expect(group.status).toBe(201);
    const subgroup = await curl(
      `curl --request POST --header "PRIVATE-TOKEN: ${token}" --header "Content-Type: application/json" --data '{"path": "tools", "name": "Tools", "parent_id": ${group.body.id} }' "${host}/api/v4/groups/"`,
    );
    expect(subgroup.body).toMatchObject({ full_path: 'acme/tools', parent_id: group.body.id });
    const project = await curl(
      `curl --request POST --header "PRIVATE-TOKEN: ${token}" --header "Content-Type: application/json" --data '{"name": "new_project", "description": "New Project", "path": "new_project", "namespace_id": "${subgroup.body.id}", "initialize_with_readme": "true"}' --url "${host}/api/v4/projects/"`,
    );
    expect(project.status).toBe(201);
    expect(project.body).toMatchObject({
      path_with_namespace: 'acme/tools/new_project',
      description: 'New Project',
    });
    const updated = await curl(
      `curl --request PUT --header "PRIVATE-TOKEN: ${token}" --url "${host}/api/v4/projects/acme%2Ftools%2Fnew_project" --data "container_registry_access_level=private"`,
    );
    expect(updated.body.container_registry_access_level).toBe('private');
  });

  it('manages members with parameters in the body or the query string', async () => {
    const user = await curl(
      `curl --request POST --header "PRIVATE-TOKEN: ${token}" --data "email=jo@example.com&password=jo-password-1&username=jo&name=Jo&skip_confirmation=true" "${host}/api/v4/users"`,
    );
    expect(user.status).toBe(201);
    const added = await curl(
      `curl --request POST --header "PRIVATE-TOKEN: ${token}" --data "user_id=${user.body.id}&access_level=30" "${host}/api/v4/projects/acme%2Ftools%2Fnew_project/members"`,
    );
    expect(added.body).toMatchObject({ username: 'jo', access_level: 30 });
    const changed = await curl(
      `curl --request PUT --header "PRIVATE-TOKEN: ${token}" "${host}/api/v4/projects/acme%2Ftools%2Fnew_project/members/${user.body.id}?access_level=40"`,
    );
    expect(changed.body.access_level).toBe(40);
  });

  it('creates and revokes deploy tokens', async () => {
    const created = await curl(
      `curl --request POST --header "PRIVATE-TOKEN: ${token}" --header "Content-Type: application/json" --data '{"name": "My deploy token", "expires_at": "2099-01-01", "username": "custom-user", "scopes": ["read_registry"]}' "${host}/api/v4/projects/acme%2Ftools%2Fnew_project/deploy_tokens/"`,
    );
    expect(created.body).toMatchObject({
      name: 'My deploy token',
      username: 'custom-user',
      scopes: ['read_registry'],
    });
    const jwt = await curl(
      `curl -u custom-user:${created.body.token} "${host}/jwt/auth?service=container_registry&scope=repository:acme/tools/new_project:pull,push"`,
    );
    expect(jwt.status).toBe(200);
    const claims = JSON.parse(Buffer.from(jwt.body.token.split('.')[1], 'base64url').toString());
    expect(claims.access).toEqual([
      { type: 'repository', name: 'acme/tools/new_project', actions: ['pull'] },
    ]);
    const revoked = await curl(
      `curl --request DELETE --header "PRIVATE-TOKEN: ${token}" "${host}/api/v4/projects/acme%2Ftools%2Fnew_project/deploy_tokens/${created.body.id}"`,
    );
    expect(revoked.status).toBe(204);
    const refused = await curl(
      `curl -u custom-user:${created.body.token} "${host}/jwt/auth?service=container_registry&scope=repository:acme/tools/new_project:pull"`,
    );
    expect(refused.status).toBe(401);
  });

  it('pages with the headers GitLab scripts read (curl --head)', async () => {
    for (const n of [1, 2, 3, 4, 5, 6, 7]) {
      const created = await curl(
        `curl --request POST --header "PRIVATE-TOKEN: ${token}" --data "name=p${n}&namespace_id=acme" "${host}/api/v4/projects"`,
      );
      expect(created.status).toBe(201);
    }
    const { stdout } = await sh(
      `curl -sS --head --header "PRIVATE-TOKEN: ${token}" "${host}/api/v4/projects?per_page=3&page=2"`,
    );
    const header = (name: string) => new RegExp(`^${name}: (.*)\\r$`, 'im').exec(stdout)?.[1];
    expect(stdout).toMatch(/^HTTP\/1.1 200/);
    expect([
      header('x-total'),
      header('x-total-pages'),
      header('x-page'),
      header('x-per-page'),
      header('x-next-page'),
      header('x-prev-page'),
    ]).toEqual(['8', '3', '2', '3', '3', '1']);
    expect(header('link')).toMatch(/page=3>; rel="next"/);
  });
});
