// The container registry API driven as people drive GitLab's: the seed guide's curl + jq script, and a
// real GitLab client library (@gitbeaker/rest) used unchanged; on SQLite and PostgreSQL.
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { databaseTargets } from '@berth/sql/testing';
import { Gitlab } from '@gitbeaker/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRoleGroup, createUsers, type World } from './support/bff.js';
import { buildOciLayout } from './support/oci-layout.js';
import {
  pushToken,
  registryPrerequisiteOrSkip,
  skopeoPush,
  startBffWithRegistry,
  tagManifest,
} from './support/registry.js';

const run = promisify(execFile);
const missing = await registryPrerequisiteOrSkip('container registry client tests');

describe.skipIf(missing !== undefined).each(databaseTargets())('GitLab clients on $dialect', (target) => {
  let stack: Awaited<ReturnType<typeof startBffWithRegistry>>;
  let world: World;
  let layout: string;
  const ids: Record<string, number> = {};

  /** Pushes `repository:v1` with skopeo as the developer, then `count` more tags `t1`…. */
  async function pushTags(repository: string, count: number) {
    const developer = world.users.developer!;
    await skopeoPush(stack.registry.host, layout, 'v1', repository, 'v1', {
      username: developer.username,
      password: developer.password,
    });
    const token = pushToken(stack.signingKey, stack.bff.config.tokenIssuer, repository);
    await tagManifest(
      stack.registry.url,
      token,
      repository,
      'v1',
      Array.from({ length: count }, (_, i) => `t${i + 1}`),
    );
  }

  const repositoryId = async (projectId: number, path: string) => {
    const listed = await world.root.expect(200, 'GET', `/projects/${projectId}/registry/repositories`);
    return listed.find((r: { path: string }) => r.path === path).id as number;
  };

  beforeAll(async () => {
    stack = await startBffWithRegistry(target);
    world = await createUsers(stack.bff, ['guest', 'reporter', 'developer', 'maintainer']);
    const group = await createRoleGroup(world, 'Clients', 'clients');
    ids.group = group.id;
    for (const path of ['curl', 'beaker']) {
      ids[path] = (
        await world.root.expect(201, 'POST', '/projects', {
          path,
          namespace_id: group.id,
          visibility: 'private',
        })
      ).id;
    }
    layout = buildOciLayout('v1', 'clients');
    await pushTags('clients/curl', 24);
    await pushTags('clients/beaker', 11);
    await pushTags('clients/beaker/tools', 0);
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
    if (layout) rmSync(layout, { recursive: true, force: true });
  });

  it("runs the seed guide's script: list every tag page by page with curl and jq, then delete each", async () => {
    const repository = await repositoryId(ids.curl!, 'clients/curl');
    const token = world.users.maintainer!.token;
    const base = `${stack.bff.url}/api/v4/projects/${ids.curl}/registry/repositories/${repository}/tags`;
    // The guide's two steps, unchanged but for the URL, token and N (25 tags, 10 a page: 3 pages).
    const script = `
      set -euo pipefail
      cd "$WORK"
      echo -n "" > list_o_tags.out; for i in {1..3}; do curl --silent --header 'PRIVATE-TOKEN: ${token}' "${base}?per_page=10&page=\${i}" | jq '.[].name' | sed 's:^.\\(.*\\).$:\\1:' >> list_o_tags.out; done
      while read -r LINE || [[ -n $LINE ]]; do echo \${LINE}; curl --silent --request DELETE --header 'PRIVATE-TOKEN: ${token}' "${base}/\${LINE}"; echo; done < list_o_tags.out > delete.logs
      wc -l < list_o_tags.out
    `;
    const work = (await run('mktemp', ['-d'])).stdout.trim();
    try {
      const { stdout } = await run('bash', ['-c', script], {
        env: { ...process.env, WORK: work },
        timeout: 120_000,
      });
      expect(stdout.trim()).toBe('25');
      const after = await world.root.request(
        'GET',
        `/projects/${ids.curl}/registry/repositories/${repository}/tags`,
      );
      expect(after.body).toEqual([]);
      expect(after.headers.get('x-total')).toBe('0');
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('is driven by @gitbeaker/rest: repositories, tags across pages, one tag, deletes', async () => {
    const gitlab = new Gitlab({ host: stack.bff.url, token: world.users.maintainer!.token });
    const projectRepositories = await gitlab.ContainerRegistry.allRepositories({
      projectId: ids.beaker!,
      tagsCount: true,
    });
    expect(projectRepositories.map((r) => r.path).sort()).toEqual(['clients/beaker', 'clients/beaker/tools']);
    const base = projectRepositories.find((r) => r.path === 'clients/beaker')!;
    expect(base).toMatchObject({
      project_id: ids.beaker,
      tags_count: 12,
      location: expect.stringContaining('/clients/beaker'),
    });

    const groupRepositories = await gitlab.ContainerRegistry.allRepositories({
      groupId: ids.group!,
      perPage: 1,
    });
    expect(groupRepositories.map((r) => r.path).sort()).toEqual([
      'clients/beaker',
      'clients/beaker/tools',
      'clients/curl',
    ]);

    // Five tags a page: gitbeaker follows the Link headers over three pages.
    const tags = await gitlab.ContainerRegistry.allTags(ids.beaker!, base.id, { perPage: 5 });
    expect(tags).toHaveLength(12);
    expect(new Set(tags.map((t) => t.name)).size).toBe(12);
    const paged = await gitlab.ContainerRegistry.allTags(ids.beaker!, base.id, {
      perPage: 5,
      page: 3,
      showExpanded: true,
    });
    expect(paged.paginationInfo).toMatchObject({
      total: 12,
      totalPages: 3,
      current: 3,
      next: null,
      previous: 2,
    });

    const tag = await gitlab.ContainerRegistry.showTag(ids.beaker!, base.id, 't3');
    expect(tag).toMatchObject({ name: 't3', path: 'clients/beaker:t3' });
    expect(tag.digest).toMatch(/^sha256:/);
    expect(tag.total_size).toBeGreaterThan(0);

    const shown = await gitlab.ContainerRegistry.showRepository(base.id, {
      tags: true,
      tagsCount: true,
      size: true,
    });
    expect(shown).toMatchObject({ id: base.id, tags_count: 12 });

    await gitlab.ContainerRegistry.removeTag(ids.beaker!, base.id, 't3');
    await expect(gitlab.ContainerRegistry.showTag(ids.beaker!, base.id, 't3')).rejects.toThrow(/Not Found/);
    expect((await gitlab.ContainerRegistry.allTags(ids.beaker!, base.id)).map((t) => t.name)).not.toContain(
      't3',
    );

    const tools = projectRepositories.find((r) => r.path === 'clients/beaker/tools')!;
    await gitlab.ContainerRegistry.removeRepository(ids.beaker!, tools.id);
    await stack.bff.services.repositoryDeletions.run();
    await expect(gitlab.ContainerRegistry.showRepository(tools.id)).rejects.toThrow(/Not Found/);
    expect(
      (await gitlab.ContainerRegistry.allRepositories({ projectId: ids.beaker! })).map((r) => r.path),
    ).toEqual(['clients/beaker']);
  });
});
