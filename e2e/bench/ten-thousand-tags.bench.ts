import type { Page } from '@playwright/test';
import { expect, signIn, test } from '../support/fixtures.ts';
import { pushImage } from '../support/images.ts';
import { createProject } from '../support/projects.ts';
import type { World } from '../support/world.ts';

const TAGS = 10_000;
const RUNS = 5;
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

/** A registry token for one repository from the BFF's token service, as a docker client gets one. */
async function registryToken(world: World, repository: string): Promise<string> {
  const challenge = (await fetch(`http://${world.registryHost}/v2/`)).headers.get('www-authenticate') ?? '';
  const realm = /realm="([^"]+)"/.exec(challenge)?.[1];
  const service = /service="([^"]+)"/.exec(challenge)?.[1];
  if (!realm || !service) throw new Error(`unexpected challenge: ${challenge}`);
  const { username, password } = world.users.developer;
  const url = `${realm}?service=${encodeURIComponent(service)}&scope=repository:${repository}:push,pull`;
  const answer = await fetch(url, {
    headers: { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` },
  });
  if (!answer.ok) throw new Error(`token: ${answer.status}`);
  return ((await answer.json()) as { token: string }).token;
}

/** Tags one pushed manifest 10,000 times with plain manifest PUTs (skopeo would take half an hour). */
async function tagTenThousand(world: World, repository: string, source: string) {
  const base = `http://${world.registryHost}/v2/${repository}/manifests`;
  let token = await registryToken(world, repository);
  const manifest = await fetch(`${base}/${source}`, {
    headers: { authorization: `Bearer ${token}`, accept: OCI_MANIFEST },
  });
  const body = Buffer.from(await manifest.arrayBuffer());
  const names = Array.from({ length: TAGS - 1 }, (_, i) => `build-${String(i).padStart(5, '0')}`);
  let tokenAt = Date.now();
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let name = names.shift(); name; name = names.shift()) {
        if (Date.now() - tokenAt > 60_000) {
          tokenAt = Date.now();
          token = await registryToken(world, repository);
        }
        const put = await fetch(`${base}/${name}`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${token}`, 'content-type': OCI_MANIFEST },
          body,
        });
        if (put.status !== 201) throw new Error(`PUT ${name}: ${put.status} ${await put.text()}`);
      }
    }),
  );
}

const firstTag = (page: Page) => page.locator('table[aria-label="Tags"] tbody tr .tag-name').first();
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

test('a repository with 10,000 tags: first page after navigation, and a sort change', async ({
  page,
  world,
}) => {
  const project = await createProject(world, 'big');
  const repository = `${project.path}/many`;
  await pushImage(world.registryHost, `${repository}:seed`, world.users.developer);
  const seeding = Date.now();
  await tagTenThousand(world, repository, 'seed');
  const seedSeconds = (Date.now() - seeding) / 1000;

  await signIn(page, world.users.developer);
  const results = { deepLink: [] as number[], navigation: [] as number[], sort: [] as number[] };
  for (let run = 0; run < RUNS; run += 1) {
    // In-app navigation: from the project's registry page to the repository.
    await page.goto(`/${project.path}/container_registry`);
    const link = page.getByRole('link', { name: repository });
    await link.waitFor();
    let start = Date.now();
    await link.click();
    await firstTag(page).waitFor();
    results.navigation.push(Date.now() - start);
    await expect(page.getByText(`${TAGS.toLocaleString('en')} tags`).first()).toBeVisible();

    // Sort change: name, until the first row shows the new order.
    const before = await firstTag(page).textContent();
    start = Date.now();
    await page.getByRole('combobox', { name: 'Sort by' }).selectOption('name');
    await page.waitForFunction(
      (previous) =>
        document.querySelector('table[aria-label="Tags"] tbody tr .tag-name')?.textContent !== previous,
      before,
    );
    results.sort.push(Date.now() - start);
    await expect(firstTag(page)).toHaveText(/build-0000\d|seed/);

    // A shared link opened in the tab: the whole app loads, then the first page.
    const url = page.url().replace(/\?.*$/, '');
    await page.goto('about:blank');
    start = Date.now();
    await page.goto(url);
    await firstTag(page).waitFor();
    results.deepLink.push(Date.now() - start);
  }
  const figures = {
    tags: TAGS,
    runs: RUNS,
    seedSeconds,
    medianMs: {
      navigation: median(results.navigation),
      deepLink: median(results.deepLink),
      sort: median(results.sort),
    },
    allMs: results,
  };
  console.log(JSON.stringify(figures));
});
