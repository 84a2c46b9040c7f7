// containerRegistryPermissions against the seed's table, cell by cell, and the delete and cleanup rules by role.
import { describe, expect, it } from 'vitest';
import {
  type Actor,
  containerRegistryPermissions,
  type ProjectFacts,
  refusal,
} from '../src/access/access.js';
import { REGISTRY_LEVELS, ROLES, type Role, SEED_PULL, VISIBILITIES } from './support/seed-table.js';

const NOW = new Date('2026-12-01T00:00:00Z');
const GROUP_ID = 7;
const LEVELS: Partial<Record<Role, number>> = { guest: 10, reporter: 20, developer: 30, maintainer: 40 };

function actorFor(role: Role, scopes: 'all' | ('api' | 'read_api' | 'read_registry')[] = 'all'): Actor {
  if (role === 'anonymous') return { kind: 'anonymous' };
  const level = LEVELS[role];
  return {
    kind: 'user',
    scopes,
    user: {
      id: 1,
      username: role,
      isAdmin: role === 'admin',
      state: 'active',
      memberships: level
        ? [{ sourceType: 'group', sourceId: GROUP_ID, accessLevel: level, expiresAt: null }]
        : [],
    },
  };
}

const project = (
  visibility: ProjectFacts['visibility'],
  level: ProjectFacts['registryAccessLevel'],
): ProjectFacts => ({
  id: 3,
  visibility,
  registryAccessLevel: level,
  groupIds: [GROUP_ID],
});

describe('container registry permissions', () => {
  const cells = VISIBILITIES.flatMap((visibility) =>
    REGISTRY_LEVELS.flatMap((level) => ROLES.map((role) => ({ visibility, level, role }))),
  );

  it.each(cells)(
    '$visibility project, registry $level: $role views as the seed table says',
    ({ visibility, level, role }) => {
      const expected = level !== 'disabled' && SEED_PULL[`${visibility}/${level}`]![role];
      expect(containerRegistryPermissions(actorFor(role), project(visibility, level), NOW).view).toBe(
        expected,
      );
    },
  );

  it.each(ROLES)(
    '%s: tag delete from Developer, repository delete and cleanup from Maintainer, never when disabled',
    (role) => {
      const permissions = containerRegistryPermissions(actorFor(role), project('public', 'enabled'), NOW);
      const level = role === 'admin' ? 50 : (LEVELS[role] ?? 0);
      expect(permissions.deleteTags).toBe(level >= 30);
      expect(permissions.deleteRepository).toBe(level >= 40);
      // Bulk deletes by rule and cleanup policies: whoever may delete the repository.
      expect(permissions.manageCleanup).toBe(level >= 40);
      const disabled = containerRegistryPermissions(actorFor(role), project('public', 'disabled'), NOW);
      expect(disabled).toEqual({
        view: false,
        deleteTags: false,
        deleteRepository: false,
        manageCleanup: false,
      });
    },
  );

  it('needs an api token to delete; read_api only views, and read_registry cannot use the API', () => {
    const facts = project('private', 'enabled');
    expect(containerRegistryPermissions(actorFor('maintainer', ['read_api']), facts, NOW)).toEqual({
      view: true,
      deleteTags: false,
      deleteRepository: false,
      manageCleanup: false,
    });
    expect(containerRegistryPermissions(actorFor('maintainer', ['read_registry']), facts, NOW).view).toBe(
      false,
    );
  });

  it('lets a job token reach its own project only, deleting tags as its Developer user may', () => {
    const user = (actorFor('developer') as Extract<Actor, { kind: 'user' }>).user;
    const own: Actor = { kind: 'job', user, projectId: 3 };
    const other: Actor = { kind: 'job', user, projectId: 4 };
    expect(containerRegistryPermissions(own, project('private', 'enabled'), NOW)).toEqual({
      view: true,
      deleteTags: true,
      deleteRepository: false,
      manageCleanup: false,
    });
    expect(containerRegistryPermissions(other, project('public', 'enabled'), NOW).view).toBe(false);
  });

  it('never lets a deploy token use the API', () => {
    const deploy: Actor = {
      kind: 'deploy-token',
      username: 'd',
      projectId: 3,
      groupId: null,
      scopes: ['read_registry'],
    };
    expect(containerRegistryPermissions(deploy, project('public', 'enabled'), NOW).view).toBe(false);
  });

  it('refuses anonymous callers with 401 and everyone else with 403', () => {
    expect(refusal({ kind: 'anonymous' }).kind).toBe('unauthorized');
    expect(refusal(actorFor('guest')).kind).toBe('forbidden');
  });
});
