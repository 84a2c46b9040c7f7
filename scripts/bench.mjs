/**
 * `pnpm bench`: the registry's figures (packages/registry/bench, against the CNCF registry), then the
 * BFF's (apps/bff/bench): registry API latencies, bulk delete, and lists at scale, then the cluster
 * through haproxy (scripts/bench-cluster.mjs). Options go to the registry's bench; `--quick` goes to both.
 * Exits non-zero when either does.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const run = (script, scriptArgs) =>
  spawnSync(process.execPath, [script, ...scriptArgs], { cwd: root, stdio: 'inherit' }).status ?? 1;

const quick = args.includes('--quick') ? ['--quick'] : [];
const statuses = [
  run('packages/registry/dist/bench/run.js', args),
  run('apps/bff/dist/bench/run.js', quick),
  run('apps/bff/dist/bench/bulk-delete.js', quick),
  run('apps/bff/dist/bench/lists.js', quick),
  // Two registry replicas against one through haproxy (docs/scale.md).
  run('scripts/bench-cluster.mjs', quick),
];
process.exit(Math.max(...statuses));
