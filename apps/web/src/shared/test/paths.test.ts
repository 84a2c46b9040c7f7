import { describe, expect, it } from 'vitest';
import { formatBytes, formatRelative, shortDigest } from '../format';
import { matchLocation, paths } from '../paths';

describe('paths', () => {
  it("resolve GitLab's URL shapes with nested namespaces", () => {
    expect(matchLocation('/acme/tools/shop/container_registry/17')).toEqual({
      kind: 'repository',
      project: 'acme/tools/shop',
      repositoryId: 17,
    });
    expect(matchLocation('/acme/shop/container_registry')).toEqual({
      kind: 'project-registry',
      project: 'acme/shop',
    });
    expect(matchLocation('/groups/acme/tools/-/container_registries')).toEqual({
      kind: 'group-registry',
      group: 'acme/tools',
    });
    expect(matchLocation('/acme/shop/-/settings/packages_and_registries')).toEqual({
      kind: 'project-settings',
      project: 'acme/shop',
    });
    expect(matchLocation('/acme/shop')).toEqual({ kind: 'project', project: 'acme/shop' });
    expect(matchLocation('/acme')).toEqual({ kind: 'not-found' });
    expect(matchLocation('/acme/shop/container_registry/abc')).toEqual({ kind: 'not-found' });
  });

  it('build what they resolve', () => {
    expect(matchLocation(paths.repository('a/b/c', 5))).toEqual({
      kind: 'repository',
      project: 'a/b/c',
      repositoryId: 5,
    });
    expect(matchLocation(paths.deployTokens('a/b'))).toEqual({ kind: 'deploy-tokens', project: 'a/b' });
    expect(paths.signIn('/a/b?x=1')).toBe('/users/sign_in?redirect_to=%2Fa%2Fb%3Fx%3D1');
  });
});

describe('formatting', () => {
  it('shows sizes in binary units', () => {
    expect(formatBytes(512)).toBe('512 bytes');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(188_950_118)).toBe('180 MiB');
    expect(formatBytes(5 * 1024 ** 3)).toBe('5.0 GiB');
  });

  it('shows relative times', () => {
    const now = new Date('2026-01-10T12:00:00Z');
    expect(formatRelative(new Date('2026-01-10T09:00:00Z'), now)).toBe('3 hours ago');
    expect(formatRelative(new Date('2026-01-09T12:00:00Z'), now)).toBe('yesterday');
    expect(formatRelative(new Date('2026-01-10T17:00:00Z'), now)).toBe('in 5 hours');
  });

  it('shortens digests', () => {
    expect(shortDigest(`sha256:${'ab'.repeat(32)}`)).toBe('sha256:abababababab');
  });
});
