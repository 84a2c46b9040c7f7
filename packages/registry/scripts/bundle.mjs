// Bundles the registry into one ES module. A single file loads far fewer module
// records than the ~600 files of its dependencies, which keeps the resident set
// small (see docs/benchmarks.md); native and optional drivers stay external. The S3
// driver and the AWS SDK go into a chunk of their own (dist/chunks/), loaded only
// with REGISTRY_STORAGE=s3, so a registry on the filesystem does not parse them.
import { chmodSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

rmSync('dist/chunks', { recursive: true, force: true });
await build({
  entryPoints: { 'berth-registry': 'dist/src/bin/berth-registry.js' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  splitting: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['better-sqlite3', 'pg'],
  // Bundled CommonJS dependencies call require(); give each module one.
  banner: {
    js: "import { createRequire as berthCreateRequire } from 'node:module';\nconst require = berthCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
// V8 keeps each module's source in memory, in two bytes per character if a single character is
// not Latin-1. esbuild escapes such characters in code but keeps them in comments, which doubled
// the ~1.5 MB of kept source; an escape in a comment changes nothing.
for (const file of [
  'dist/berth-registry.mjs',
  ...readdirSync('dist/chunks').map((name) => join('dist/chunks', name)),
]) {
  const source = readFileSync(file, 'utf8');
  const ascii = source.replace(
    /[\u0080-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  if (ascii !== source) writeFileSync(file, ascii);
}
// Started as an executable, so the node flags in its first line apply (src/bin/berth-registry.ts).
chmodSync('dist/berth-registry.mjs', 0o755);
