#!/usr/bin/env node
// The JavaScript a first visit downloads before each page can render: the entry chunk, the page's lazy
// chunk, and every chunk they import statically (from Vite's manifest), gzipped. Fails the build when
// a registry page needs more than the budget. Run after `vite build`.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const BUDGET_KIB = 200;
const dist = resolve(dirname(fileURLToPath(import.meta.url)), '../dist');
const manifest = JSON.parse(readFileSync(resolve(dist, '.vite/manifest.json'), 'utf8'));

const PAGES = {
  'sign in': 'src/features/auth/routes/sign-in-page.tsx',
  explore: 'src/features/explore/routes/explore-page.tsx',
  'project registry': 'src/features/repositories/routes/project-registry-page.tsx',
  'group registry': 'src/features/repositories/routes/group-registry-page.tsx',
  repository: 'src/features/tags/routes/repository-page.tsx',
  settings: 'src/features/settings/routes/registry-settings-page.tsx',
  'personal access tokens': 'src/features/tokens/routes/personal-access-tokens-page.tsx',
};
const REGISTRY_PAGES = new Set(['project registry', 'group registry', 'repository']);

function staticClosure(key, seen = new Set()) {
  if (seen.has(key)) return seen;
  seen.add(key);
  for (const next of manifest[key]?.imports ?? []) staticClosure(next, seen);
  return seen;
}

const gzipped = (key) => gzipSync(readFileSync(resolve(dist, manifest[key].file))).length;
const entry = Object.keys(manifest).find((key) => manifest[key].isEntry);
let over = false;
console.log(`initial JavaScript per page (gzip), budget ${BUDGET_KIB} KiB for the registry pages`);
for (const [name, source] of Object.entries(PAGES)) {
  if (!manifest[source]) throw new Error(`${source} is not a chunk of the build`);
  const chunks = staticClosure(source, staticClosure(entry));
  const bytes = [...chunks].reduce((sum, key) => sum + gzipped(key), 0);
  const kib = bytes / 1024;
  const fails = REGISTRY_PAGES.has(name) && kib > BUDGET_KIB;
  over ||= fails;
  console.log(
    `  ${name.padEnd(24)} ${kib.toFixed(1).padStart(6)} KiB in ${chunks.size} chunks${fails ? '  OVER BUDGET' : ''}`,
  );
}
if (over) process.exit(1);
