import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const readme = readFileSync(resolve(root, 'README.md'), 'utf8');
const ciRun = readFileSync(resolve(root, '.ci/run'), 'utf8');

/** The one command in the `sh` block that follows a README heading. */
function commandUnder(heading: string): string {
  const section = readme.split(/^## /m).find((part) => part.startsWith(`${heading}\n`));
  const block = section && /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  const lines = block?.split('\n').filter((line) => line.trim() !== '') ?? [];
  expect(lines, `README "## ${heading}" has one command in a sh block`).toHaveLength(1);
  return lines[0]!;
}

describe('the README commands a newcomer copies', () => {
  it('run the stack and the tests after bootstrapping the pinned pnpm, with no variable set by hand', () => {
    const packageManager = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')).packageManager;
    const start = commandUnder('Run it');
    const test = commandUnder('Test it');
    expect(start).toBe(`npm i -g ${packageManager} && pnpm install && pnpm start`);
    expect(test).toBe(`npm i -g ${packageManager} && pnpm install && pnpm test`);
  });

  it('are what CI runs: .ci/run runs the README test command verbatim, then checks the start command', () => {
    const commands = ciRun.split('\n').filter((line) => line.trim() !== '' && !line.trim().startsWith('#'));
    expect(commands.slice(-2)).toEqual([commandUnder('Test it'), 'node scripts/readme-start-check.mjs']);
    // The start check reads its command from the README too, so the two cannot drift.
    expect(readFileSync(resolve(root, 'scripts/readme-start-check.mjs'), 'utf8')).toContain(
      "startsWith('Run it\\n')",
    );
    // Nothing CI exports may stand in for what a newcomer would have to type.
    expect(ciRun).not.toMatch(/npm_config_nodedir/);
  });
});

describe('the README configuration table', () => {
  it('names every variable the services read', () => {
    const table = readme.split(/^## /m).find((part) => part.startsWith('Configuration\n')) ?? '';
    const schemas = ['apps/bff/src/config.ts', 'packages/registry/src/config.ts'].map((path) =>
      readFileSync(resolve(root, path), 'utf8'),
    );
    const variables = new Set(
      schemas.flatMap((source) => [...source.matchAll(/^\s+([A-Z][A-Z_]{3,}):/gm)].map((m) => m[1]!)),
    );
    expect(variables.size).toBeGreaterThan(20);
    for (const variable of variables) expect(table, variable).toContain(`\`${variable}\``);
  });
});
