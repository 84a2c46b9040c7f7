// Bundles the registry into one ES module. A single file loads far fewer module
// records than the ~600 files of its dependencies, which keeps the resident set
// small (see docs/benchmarks.md); native and optional drivers stay external.
import { build } from 'esbuild';

await build({
  entryPoints: ['dist/src/bin/berth-registry.js'],
  outfile: 'dist/berth-registry.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['better-sqlite3', 'pg'],
  // Bundled CommonJS dependencies call require(); give the module one.
  banner: {
    js: "import { createRequire as berthCreateRequire } from 'node:module';\nconst require = berthCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
