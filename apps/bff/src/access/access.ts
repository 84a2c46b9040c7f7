/**
 * The one place that decides what an actor may do with a project, a group, the registry and the API
 * (docs/design.md §4). Pure: callers gather the facts (actor with its memberships, project or group with its
 * ancestors) and act on the answer; nothing else re-decides a permission.
 */
import {
  ACCESS_LEVELS,
  type DeployTokenScope,
  type PersonalAccessTokenScope,
  type RegistryAccessLevel,
  type Visibility,
} from '@berth/contract';

export type RegistryAction = 'pull' | 'push' | 'delete';
export const REGISTRY_ACTIONS: readonly RegistryAction[] = ['pull', 'push', 'delete'];

export interface Membership {
  sourceType: 'group' | 'project';
  sourceId: number;
  accessLevel: number;
  /** `YYYY-MM-DD`; the membership ends at the start of that day (UTC), as in GitLab. */
  expiresAt: string | null;
}

export interface UserPrincipal {
  id: number;
  username: string;
  isAdmin: boolean;
  state: 'active' | 'blocked';
  memberships: readonly Membership[];
}

export type Actor =
  | { kind: 'anonymous' }
  /** A password or session gives `scopes: 'all'`; a token carries its scopes. */
  | { kind: 'user'; user: UserPrincipal; scopes: 'all' | readonly PersonalAccessTokenScope[] }
  | {
      kind: 'deploy-token';
      username: string;
      projectId: number | null;
      groupId: number | null;
      scopes: readonly DeployTokenScope[];
    }
  /** A CI job token: acts for `user` inside `projectId`. */
  | { kind: 'job'; user: UserPrincipal; projectId: number };

export interface ProjectFacts {
  id: number;
  visibility: Visibility;
  registryAccessLevel: RegistryAccessLevel;
  /** Ids of the groups above the project, root first. */
  groupIds: readonly number[];
}

export interface GroupFacts {
  id: number;
  visibility: Visibility;
  /** Ids of the groups above this one, root first (not including itself). */
  ancestorIds: readonly number[];
}

export const ANONYMOUS: Actor = { kind: 'anonymous' };

function principal(actor: Actor): UserPrincipal | undefined {
  if (actor.kind !== 'user' && actor.kind !== 'job') return undefined;
  return actor.user.state === 'active' ? actor.user : undefined;
}

function isActive(membership: Membership, now: Date): boolean {
  return membership.expiresAt === null || now.toISOString().slice(0, 10) < membership.expiresAt;
}

/** The highest active access level of `user` on a project or group, inherited down the group tree; 0 when none. */
export function effectiveAccessLevel(
  user: UserPrincipal,
  target: { projectId?: number; groupIds: readonly number[] },
  now: Date,
): number {
  let level = 0;
  for (const membership of user.memberships) {
    if (!isActive(membership, now)) continue;
    const applies =
      membership.sourceType === 'project'
        ? membership.sourceId === target.projectId
        : target.groupIds.includes(membership.sourceId);
    if (applies) level = Math.max(level, membership.accessLevel);
  }
  return level;
}

/** How far the actor may use the REST API at all, from its credential's scopes. */
export function apiAccess(actor: Actor): 'none' | 'read' | 'write' {
  switch (actor.kind) {
    case 'anonymous':
      return 'read';
    case 'deploy-token':
      return 'none';
    case 'job':
      return principal(actor) ? 'read' : 'none';
    case 'user':
      if (!principal(actor)) return 'none';
      if (actor.scopes === 'all' || actor.scopes.includes('api')) return 'write';
      return actor.scopes.includes('read_api') ? 'read' : 'none';
  }
}

/** The seed's visibility table: who may view the registry and pull, before token scopes. */
function userMayPull(user: UserPrincipal | undefined, project: ProjectFacts, level: number): boolean {
  if (project.registryAccessLevel === 'disabled') return false;
  if (user?.isAdmin || level >= ACCESS_LEVELS.reporter) return true;
  if (project.registryAccessLevel === 'private') return false;
  if (project.visibility === 'public') return true;
  return project.visibility === 'internal' && user !== undefined;
}

function userMayWrite(user: UserPrincipal, project: ProjectFacts, level: number): boolean {
  return project.registryAccessLevel !== 'disabled' && (user.isAdmin || level >= ACCESS_LEVELS.developer);
}

function levelOn(user: UserPrincipal | undefined, project: ProjectFacts, now: Date): number {
  return user ? effectiveAccessLevel(user, { projectId: project.id, groupIds: project.groupIds }, now) : 0;
}

/** What the actor may do in the project's image repositories (docs/design.md §4); disabled means nothing for anyone. */
export function registryActions(actor: Actor, project: ProjectFacts, now: Date): RegistryAction[] {
  if (project.registryAccessLevel === 'disabled') return [];
  switch (actor.kind) {
    case 'anonymous':
      return userMayPull(undefined, project, 0) ? ['pull'] : [];
    case 'deploy-token': {
      const covers =
        actor.projectId === project.id ||
        (actor.groupId !== null && project.groupIds.includes(actor.groupId));
      // A deploy token of another project is no better than no credential at all.
      if (!covers) return userMayPull(undefined, project, 0) ? ['pull'] : [];
      const actions: RegistryAction[] = [];
      if (actor.scopes.includes('read_registry')) actions.push('pull');
      if (actor.scopes.includes('write_registry')) actions.push('push');
      return actions;
    }
    case 'job': {
      const user = principal(actor);
      if (!user) return [];
      const level = levelOn(user, project, now);
      const actions: RegistryAction[] = [];
      if (userMayPull(user, project, level)) actions.push('pull');
      if (actor.projectId === project.id && userMayWrite(user, project, level))
        actions.push('push', 'delete');
      return actions;
    }
    case 'user': {
      const user = principal(actor);
      if (!user) return [];
      const level = levelOn(user, project, now);
      const all = actor.scopes === 'all';
      const has = (scope: PersonalAccessTokenScope) => all || actor.scopes.includes(scope);
      const actions: RegistryAction[] = [];
      if (userMayPull(user, project, level) && (has('api') || has('read_api') || has('read_registry'))) {
        actions.push('pull');
      }
      if (userMayWrite(user, project, level)) {
        if (has('api') || has('write_registry')) actions.push('push');
        if (has('api')) actions.push('delete');
      }
      return actions;
    }
  }
}

/** `registry:catalog:*` lists every repository: admins only. */
export function mayListCatalog(actor: Actor): boolean {
  if (actor.kind !== 'user') return false;
  const user = principal(actor);
  if (!user?.isAdmin) return false;
  return actor.scopes === 'all' || actor.scopes.some((scope) => scope !== 'write_registry');
}

function mayView(actor: Actor, visibility: Visibility, level: number): boolean {
  const user = principal(actor);
  if (actor.kind === 'deploy-token' || (actor.kind !== 'anonymous' && !user)) return false;
  if (user?.isAdmin || level >= ACCESS_LEVELS.guest) return true;
  if (visibility === 'public') return true;
  return visibility === 'internal' && user !== undefined;
}

/** The level the actor may hand out when managing members: Maintainers up to Maintainer, Owners and admins up to Owner. */
function grantableLevel(user: UserPrincipal, level: number): number {
  if (user.isAdmin || level >= ACCESS_LEVELS.owner) return ACCESS_LEVELS.owner;
  return level >= ACCESS_LEVELS.maintainer ? ACCESS_LEVELS.maintainer : 0;
}

export interface ProjectPermissions {
  /** The effective access level of the actor's user (0 for none). */
  accessLevel: number;
  read: boolean;
  registry: RegistryAction[];
  /** Settings, visibility, registry access level (Maintainer+). */
  update: boolean;
  remove: boolean;
  /** Highest access level the actor may grant or change; 0 when it may not manage members. */
  manageMembersUpTo: number;
  manageDeployTokens: boolean;
  createJobToken: boolean;
}

export function projectPermissions(actor: Actor, project: ProjectFacts, now: Date): ProjectPermissions {
  const user = principal(actor);
  const level = levelOn(user, project, now);
  const read = apiAccess(actor) !== 'none' && mayView(actor, project.visibility, level);
  const write = read && apiAccess(actor) === 'write' && user !== undefined;
  const atLeast = (required: number) => write && (user.isAdmin || level >= required);
  return {
    accessLevel: level,
    read,
    registry: registryActions(actor, project, now),
    update: atLeast(ACCESS_LEVELS.maintainer),
    remove: atLeast(ACCESS_LEVELS.owner),
    manageMembersUpTo: write ? grantableLevel(user, level) : 0,
    manageDeployTokens: atLeast(ACCESS_LEVELS.maintainer),
    createJobToken: atLeast(ACCESS_LEVELS.developer),
  };
}

export interface GroupPermissions {
  accessLevel: number;
  read: boolean;
  update: boolean;
  remove: boolean;
  createSubgroup: boolean;
  createProject: boolean;
  manageMembersUpTo: number;
  manageDeployTokens: boolean;
}

export function groupPermissions(actor: Actor, group: GroupFacts, now: Date): GroupPermissions {
  const user = principal(actor);
  const level = user ? effectiveAccessLevel(user, { groupIds: [...group.ancestorIds, group.id] }, now) : 0;
  const read = apiAccess(actor) !== 'none' && mayView(actor, group.visibility, level);
  const write = read && apiAccess(actor) === 'write' && user !== undefined;
  const atLeast = (required: number) => write && (user.isAdmin || level >= required);
  return {
    accessLevel: level,
    read,
    update: atLeast(ACCESS_LEVELS.owner),
    remove: atLeast(ACCESS_LEVELS.owner),
    createSubgroup: atLeast(ACCESS_LEVELS.maintainer),
    createProject: atLeast(ACCESS_LEVELS.maintainer),
    manageMembersUpTo: write ? grantableLevel(user, level) : 0,
    manageDeployTokens: atLeast(ACCESS_LEVELS.maintainer),
  };
}

/** Any signed-in user with write access to the API may create a top-level group. */
export function mayCreateTopLevelGroup(actor: Actor): boolean {
  return actor.kind === 'user' && apiAccess(actor) === 'write';
}

/** Creating users, blocking them, and managing other users' tokens. */
export function mayAdministerUsers(actor: Actor): boolean {
  return actor.kind === 'user' && apiAccess(actor) === 'write' && actor.user.isAdmin;
}

/** Admins see every field of every user. */
export function maySeeAllUsers(actor: Actor): boolean {
  return actor.kind === 'user' && apiAccess(actor) !== 'none' && principal(actor)?.isAdmin === true;
}

/** The signed-in user managing their own tokens (a session or an `api` token). */
export function mayManageOwnTokens(actor: Actor): actor is Extract<Actor, { kind: 'user' }> {
  return actor.kind === 'user' && apiAccess(actor) === 'write';
}
