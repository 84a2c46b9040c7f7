/**
 * `pnpm bench`: the registry's figures (packages/registry/bench, against the CNCF registry), then the
 * BFF's list figures (apps/bff/bench). Options go to the registry's bench; `--quick` goes to both.
 * Exits non-zero when either does.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const run = (script, scriptArgs) =>
  spawnSync(process.execPath, [script, ...scriptArgs], { cwd: root, stdio: 'inherit' }).status ?? 1;

const registry = run('packages/registry/dist/bench/run.js', args);
const lists = run('apps/bff/dist/bench/lists.js', args.includes('--quick') ? ['--quick'] : []);
process.exit(Math.max(registry, lists));
