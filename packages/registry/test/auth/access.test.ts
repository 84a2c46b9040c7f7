import { describe, expect, it } from 'vitest';
import { type AccessEntry, type AccessRequest, accessCovers, formatScope } from '../../src/auth/index.js';

const repo = (name: string, ...actions: AccessEntry['actions']): AccessEntry => ({
  type: 'repository',
  name,
  actions,
});
const pull = (name: string): AccessRequest => ({ type: 'repository', name, actions: ['pull'] });

describe('formatScope', () => {
  it('writes the token spec scope string', () => {
    expect(formatScope({ type: 'repository', name: 'acme/app', actions: ['pull', 'push'] })).toBe(
      'repository:acme/app:pull,push',
    );
    expect(formatScope({ type: 'registry', name: 'catalog', actions: ['*'] })).toBe('registry:catalog:*');
  });
});

describe('accessCovers', () => {
  it('needs every requested action on the exact repository', () => {
    const push = { type: 'repository', name: 'acme/app', actions: ['pull', 'push'] } as const;
    expect(accessCovers([repo('acme/app', 'pull')], { ...push, actions: ['pull', 'push'] })).toBe(false);
    expect(accessCovers([repo('acme/app', 'pull', 'push')], { ...push, actions: ['pull', 'push'] })).toBe(
      true,
    );
    expect(accessCovers([repo('acme/app', 'pull', 'push')], pull('acme/app/sub'))).toBe(false);
    expect(accessCovers([repo('acme/app', 'pull', 'push')], pull('acme'))).toBe(false);
  });

  it('adds up entries for the same repository', () => {
    const access = [repo('acme/app', 'pull'), repo('acme/other', 'push'), repo('acme/app', 'push')];
    expect(accessCovers(access, { type: 'repository', name: 'acme/app', actions: ['pull', 'push'] })).toBe(
      true,
    );
    expect(accessCovers(access, { type: 'repository', name: 'acme/app', actions: ['delete'] })).toBe(false);
  });

  it('lets * cover every action, including delete', () => {
    expect(
      accessCovers([repo('acme/app', '*')], { type: 'repository', name: 'acme/app', actions: ['delete'] }),
    ).toBe(true);
    expect(
      accessCovers([repo('acme/app', 'pull', 'push', 'delete')], {
        type: 'repository',
        name: 'acme/app',
        actions: ['*'],
      }),
    ).toBe(false);
  });

  it('does not let a wildcard repository entry cover distribution API requests', () => {
    expect(accessCovers([repo('acme/*', 'pull')], pull('acme/app'))).toBe(false);
  });

  it('keeps registry resources apart from repositories of the same name', () => {
    const catalog: AccessRequest = { type: 'registry', name: 'catalog', actions: ['*'] };
    expect(accessCovers([repo('catalog', '*')], catalog)).toBe(false);
    expect(accessCovers([{ type: 'registry', name: 'catalog', actions: ['pull'] }], catalog)).toBe(false);
    expect(accessCovers([{ type: 'registry', name: 'catalog', actions: ['*'] }], catalog)).toBe(true);
  });

  describe('for the /berth/v1/ extension API', () => {
    const extensionApi = { extensionApi: true };

    it('lets registry:berth:* cover every call', () => {
      const berth = [{ type: 'registry', name: 'berth', actions: ['*'] }];
      expect(accessCovers(berth, pull('acme/app'), extensionApi)).toBe(true);
      expect(
        accessCovers(berth, { type: 'repository', name: 'acme/app', actions: ['delete'] }, extensionApi),
      ).toBe(true);
      expect(accessCovers(berth, { type: 'registry', name: 'berth', actions: ['*'] }, extensionApi)).toBe(
        true,
      );
      expect(accessCovers(berth, pull('acme/app'))).toBe(false);
    });

    it('lets a repository pull cover reads of that repository only', () => {
      expect(accessCovers([repo('acme/app', 'pull')], pull('acme/app'), extensionApi)).toBe(true);
      expect(accessCovers([repo('acme/app', '*')], pull('acme/app'), extensionApi)).toBe(true);
      expect(accessCovers([repo('acme/app', 'pull')], pull('acme/app/*'), extensionApi)).toBe(false);
      expect(accessCovers([repo('acme/app', 'push')], pull('acme/app'), extensionApi)).toBe(false);
    });

    it('lets <prefix>/* pull cover reads at or under the prefix', () => {
      const group = [repo('acme/shop/*', 'pull')];
      expect(accessCovers(group, pull('acme/shop'), extensionApi)).toBe(true);
      expect(accessCovers(group, pull('acme/shop/app'), extensionApi)).toBe(true);
      expect(accessCovers(group, pull('acme/shop/app/sub'), extensionApi)).toBe(true);
      expect(accessCovers(group, pull('acme/shop/*'), extensionApi)).toBe(true);
      expect(accessCovers(group, pull('acme/shop/app/*'), extensionApi)).toBe(true);
      expect(accessCovers(group, pull('acme/shopping'), extensionApi)).toBe(false);
      expect(accessCovers(group, pull('acme'), extensionApi)).toBe(false);
      expect(accessCovers(group, pull('acme/*'), extensionApi)).toBe(false);
    });

    it('never lets repository entries cover writes', () => {
      const request: AccessRequest = { type: 'repository', name: 'acme/shop/app', actions: ['delete'] };
      expect(
        accessCovers([repo('acme/shop/app', '*'), repo('acme/shop/*', '*')], request, extensionApi),
      ).toBe(false);
    });
  });
});
