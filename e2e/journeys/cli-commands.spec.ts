import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { expect, signIn, test } from '../support/fixtures.ts';
import { pushImage } from '../support/images.ts';
import { createProject } from '../support/projects.ts';

/** Runs a command line copied from the page (split on spaces: the page's commands hold no quoting). */
function run(commandLine: string, env: Record<string, string>, stdin?: string, extraArgs: string[] = []) {
  const [program, ...args] = commandLine.trim().split(/\s+/);
  return new Promise<{ code: number; output: string }>((resolve) => {
    const child = execFile(
      program!,
      [...args, ...extraArgs],
      { env: { ...process.env, ...env } },
      (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` }),
    );
    if (stdin !== undefined) child.stdin?.end(stdin);
  });
}

/** Clicks a copy button and returns what it put on the clipboard. */
async function copy(page: Page, buttonName: string): Promise<string> {
  await page.getByRole('button', { name: buttonName }).click();
  return page.evaluate(() => navigator.clipboard.readText());
}

test('the CLI commands copied from the page work when run', async ({ page, context, world }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const project = await createProject(world, 'cli');
  const developer = world.users.developer;
  await signIn(page, developer);
  await page.goto(`/${project.path}/container_registry`);
  // A new project shows the commands to push its first image.
  const empty = page.getByRole('region', { name: 'No container images stored for this project' });
  await expect(empty).toBeVisible();
  const login = await copy(page, 'Copy command: log in to the container registry');
  const build = await copy(page, 'Copy command: build an image');
  const push = await copy(page, 'Copy command: push the image');
  const image = `${world.registryHost}/${project.path}`;
  expect([login, build, push]).toEqual([
    `docker login ${world.registryHost}`,
    `docker build -t ${image} .`,
    `docker push ${image}`,
  ]);

  const dockerConfig = mkdtempSync(join(tmpdir(), 'berth-e2e-docker-'));
  try {
    const env = { DOCKER_CONFIG: dockerConfig };
    const wrong = await run(login, env, 'not-the-password', ['-u', developer.username, '--password-stdin']);
    expect(wrong.code).not.toBe(0);
    const loggedIn = await run(login, env, developer.password, [
      '-u',
      developer.username,
      '--password-stdin',
    ]);
    expect(loggedIn.output).toContain('Login Succeeded');
    expect(loggedIn.code).toBe(0);

    // No Docker engine here: `docker build` + `docker push` become an image pushed by skopeo with the
    // credentials `docker login` stored, to the name the commands use.
    const target = build.split(/\s+/)[3]!;
    expect(push.split(/\s+/)[2]).toBe(target);
    const pushed = await pushImage(
      world.registryHost,
      `${target.slice(world.registryHost.length + 1)}:latest`,
      {
        authfile: join(dockerConfig, 'config.json'),
      },
    );
    const inspected = await run(`docker manifest inspect --insecure ${target}:latest`, env);
    expect(inspected.code).toBe(0);
    expect(JSON.parse(inspected.output).layers).toHaveLength(2);

    await page.reload();
    await expect(page.getByRole('link', { name: project.path })).toBeVisible();
    await page.getByRole('link', { name: project.path, exact: true }).click();
    await page.getByRole('button', { name: 'Show details of latest' }).click();
    await expect(page.getByText(pushed.digest, { exact: true })).toBeVisible();

    // The CLI commands menu offers the same commands once the project has images.
    await page.goto(`/${project.path}/container_registry`);
    await page.getByRole('button', { name: 'CLI commands' }).click();
    await expect(page.getByRole('region', { name: 'CLI commands' }).locator('code')).toHaveText([
      login,
      build,
      push,
    ]);
  } finally {
    rmSync(dockerConfig, { recursive: true, force: true });
  }
});
