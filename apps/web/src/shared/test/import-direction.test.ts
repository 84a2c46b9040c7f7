import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The web app's dependency rule (DESIGN §8): app → features → shared. A feature never imports another
 * feature or the app; shared imports neither. Checked over every relative import in src/.
 */
const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx)$/.test(name) ? [path] : [];
  });
}

/** `app`, `shared`, `test`, or `features/<name>`. */
function layerOf(file: string): string {
  const [top, feature] = relative(SRC, file).split(/[\\/]/);
  return top === 'features' ? `features/${feature}` : (top ?? '');
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [
    ...text.matchAll(/(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g),
  ];
  return specifiers
    .map((match) => match[1] ?? match[2] ?? '')
    .filter((specifier) => specifier.startsWith('.'))
    .map((specifier) => resolve(dirname(file), specifier));
}

function allowed(from: string, to: string): boolean {
  if (from === to) return true;
  if (to === 'test') return from === 'test' || relative(SRC, from).length >= 0; // only test files import test/, below
  if (from === 'app') return to === 'shared' || to.startsWith('features/');
  if (from.startsWith('features/')) return to === 'shared';
  if (from === 'shared') return false;
  if (from === 'test') return true;
  return false;
}

describe('import direction', () => {
  it('runs app → features → shared, with no feature importing another', () => {
    const violations: string[] = [];
    for (const file of sourceFiles(SRC)) {
      const isTest = /\.test\.tsx?$/.test(file) || layerOf(file) === 'test';
      for (const target of importsOf(file)) {
        const from = layerOf(file);
        const to = layerOf(target);
        if (to === 'test' && !isTest)
          violations.push(`${relative(SRC, file)} imports test support ${relative(SRC, target)}`);
        else if (to !== 'test' && !(isTest && from === to) && !allowed(from, to) && !(isTest && to === 'app'))
          violations.push(`${relative(SRC, file)} (${from}) imports ${relative(SRC, target)} (${to})`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('would catch a feature importing another feature', () => {
    expect(allowed('features/tags', 'features/repositories')).toBe(false);
    expect(allowed('shared', 'features/tags')).toBe(false);
    expect(allowed('features/tags', 'app')).toBe(false);
    expect(allowed('app', 'features/tags')).toBe(true);
  });
});
