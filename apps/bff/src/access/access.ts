/**
 * The one place that decides what an actor may do with a project, a group, the registry and the API
 * (docs/design.md §4). Pure: callers gather the facts (actor with its memberships, project or group with its
 * ancestors) and act on the answer; nothing else re-decides a permission.
 *
 * Lists ask the same questions of many rows at once, so each list-shaped decision also exists as a SQL
 * condition (the end of this file), written beside the decision it mirrors; a test holds the two equal.
 */

import {
  ACCESS_LEVELS,
  type DeployTokenScope,
  type PersonalAccessTokenScope,
  type RegistryAccessLevel,
  type Visibility,
} from '@berth/contract';
import { type Expression, type ExpressionBuilder, type SqlBool, sql } from 'kysely';
import type { BffDatabase } from '../db/schema.js';
import { inGroupsAtOrBelow } from '../db/sql-helpers.js';
import { type AppError, forbidden, unauthorized } from '../errors.js';

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
  /** `user`: a personal namespace, whose owner holds an Owner membership of it. */
  kind: 'group' | 'user';
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

/**
 * May the actor see the project's registry through the API (repository and tag lists)? Pulling is the
 * seed's rule; the API also needs API access, and a job token sees only its own project there.
 */
export function mayViewRegistry(actor: Actor, project: ProjectFacts, now: Date): boolean {
  if (apiAccess(actor) === 'none') return false;
  if (actor.kind === 'job' && actor.projectId !== project.id) return false;
  return registryActions(actor, project, now).includes('pull');
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
  /** Changing the path or transferring moves every image of the project: Owner, as GitLab's transfer. */
  changePath: boolean;
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
    changePath: atLeast(ACCESS_LEVELS.owner),
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
  /** Renaming the path or transferring the group moves every image below it. */
  changePath: boolean;
  remove: boolean;
  createSubgroup: boolean;
  createProject: boolean;
  manageMembersUpTo: number;
  manageDeployTokens: boolean;
}

export function groupPermissions(actor: Actor, facts: GroupFacts, now: Date): GroupPermissions {
  const user = principal(actor);
  const level = user ? effectiveAccessLevel(user, { groupIds: [...facts.ancestorIds, facts.id] }, now) : 0;
  const read = apiAccess(actor) !== 'none' && mayView(actor, facts.visibility, level);
  const write = read && apiAccess(actor) === 'write' && user !== undefined;
  const atLeast = (required: number) => write && (user.isAdmin || level >= required);
  // A personal namespace holds its owner's projects and nothing else; it changes only with its user.
  const group = facts.kind === 'group';
  return {
    accessLevel: level,
    read,
    update: group && atLeast(ACCESS_LEVELS.owner),
    changePath: group && atLeast(ACCESS_LEVELS.owner),
    remove: group && atLeast(ACCESS_LEVELS.owner),
    createSubgroup: group && atLeast(ACCESS_LEVELS.maintainer),
    createProject: atLeast(ACCESS_LEVELS.maintainer),
    manageMembersUpTo: group && write ? grantableLevel(user, level) : 0,
    manageDeployTokens: group && atLeast(ACCESS_LEVELS.maintainer),
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

/**
 * The refusal for an actor that may see a resource but not do what it asked: 401 for anonymous
 * callers (signing in may help), 403 for everyone else.
 */
export function refusal(actor: Actor, message?: string): AppError {
  return actor.kind === 'anonymous' ? unauthorized(message) : forbidden(message);
}

export interface ContainerRegistryPermissions {
  /** See the project's image repositories and tags on the API (the seed's table). */
  view: boolean;
  /** Delete single tags or a chosen list of tags: Developer+ with write access. */
  deleteTags: boolean;
  /** Delete a whole repository: Maintainer+ (GitLab's API rule). */
  deleteRepository: boolean;
  /** Bulk tag deletes by rule, the cleanup policy and its preview: Maintainer+, as a repository delete. */
  manageCleanup: boolean;
}

/**
 * The project's container registry on `/api/v4`. Viewing follows the seed's pull table and needs API
 * read access; a job token reaches the registry of its own project only, as GitLab's does. Deleting
 * tags needs the registry's `delete` action (Developer+; an `api` token, or the job token of the
 * project); deleting a repository needs Maintainer+ too. A disabled registry allows nothing.
 */
export function containerRegistryPermissions(
  actor: Actor,
  project: ProjectFacts,
  now: Date,
): ContainerRegistryPermissions {
  const view = mayViewRegistry(actor, project, now);
  const deleteTags = view && registryActions(actor, project, now).includes('delete');
  const user = principal(actor);
  const maintainer =
    user !== undefined && (user.isAdmin || levelOn(user, project, now) >= ACCESS_LEVELS.maintainer);
  const deleteRepository = deleteTags && maintainer;
  return { view, deleteTags, deleteRepository, manageCleanup: deleteRepository };
}

/* ------------------------------------------------------------------------------------------------
 * The same decisions as SQL conditions, for lists that filter, count and page in the database.
 * Each is true of a row exactly when the in-memory decision named in its comment is true of that row's
 * facts. Memberships come from the actor, as above; inheritance follows `groups.parent_id` downwards.
 */

/** A condition on `projects` rows. */
export type ProjectCondition = (eb: ExpressionBuilder<BffDatabase, 'projects'>) => Expression<SqlBool>;
/** A condition on `groups` rows. */
export type GroupCondition = (eb: ExpressionBuilder<BffDatabase, 'groups'>) => Expression<SqlBool>;

const always = () => sql<SqlBool>`1 = 1`;
const never = () => sql<SqlBool>`1 = 0`;

/** The sources of the user's active memberships at `min` or above: what `effectiveAccessLevel` would count. */
function sourcesAtLeast(user: UserPrincipal, min: number, now: Date) {
  const projectIds: number[] = [];
  const groupIds: number[] = [];
  for (const membership of user.memberships) {
    if (!isActive(membership, now) || membership.accessLevel < min) continue;
    (membership.sourceType === 'project' ? projectIds : groupIds).push(membership.sourceId);
  }
  return { projectIds, groupIds };
}

function projectsWhereLevelAtLeast(
  user: UserPrincipal | undefined,
  min: number,
  now: Date,
): ProjectCondition {
  if (min <= 0) return always;
  if (!user) return never;
  const { projectIds, groupIds } = sourcesAtLeast(user, min, now);
  return (eb) =>
    eb.or([
      ...(projectIds.length ? [eb('projects.id', 'in', projectIds)] : []),
      ...(groupIds.length ? [inGroupsAtOrBelow('projects.namespace_id', groupIds)] : []),
    ]);
}

function groupsWhereLevelAtLeast(user: UserPrincipal | undefined, min: number, now: Date): GroupCondition {
  if (min <= 0) return always;
  if (!user) return never;
  const { groupIds } = sourcesAtLeast(user, min, now);
  return () => inGroupsAtOrBelow('groups.id', groupIds);
}

/** `projectPermissions(actor, project, now).accessLevel >= min`. */
export function projectsWithAccessLevel(actor: Actor, min: number, now: Date): ProjectCondition {
  return projectsWhereLevelAtLeast(principal(actor), min, now);
}

/** `groupPermissions(actor, group, now).accessLevel >= min`. */
export function groupsWithAccessLevel(actor: Actor, min: number, now: Date): GroupCondition {
  return groupsWhereLevelAtLeast(principal(actor), min, now);
}

/**
 * `projectPermissions(actor, project, now).read` (`mayView` behind `apiAccess`), as disjoint parts: a
 * project is readable when it meets one part and never meets two, so a list counts what the caller
 * may see by adding up each part's count, which an index on (visibility, namespace) answers alone.
 */
export function readableProjectParts(actor: Actor, now: Date): ProjectCondition[] {
  if (apiAccess(actor) === 'none') return [];
  const user = principal(actor);
  if (!user) return [(eb) => eb('projects.visibility', '=', 'public')];
  if (user.isAdmin) return [always];
  const member = projectsWhereLevelAtLeast(user, ACCESS_LEVELS.guest, now);
  return [
    (eb) => eb('projects.visibility', 'in', ['public', 'internal']),
    (eb) => eb.and([eb('projects.visibility', '=', 'private'), member(eb)]),
  ];
}

/** `projectPermissions(actor, project, now).read`. */
export function readableProjects(actor: Actor, now: Date): ProjectCondition {
  const parts = readableProjectParts(actor, now);
  return (eb) => eb.or(parts.map((part) => part(eb)));
}

/** `groupPermissions(actor, group, now).read`. */
export function readableGroups(actor: Actor, now: Date): GroupCondition {
  if (apiAccess(actor) === 'none') return never;
  const user = principal(actor);
  if (!user) return (eb) => eb('groups.visibility', '=', 'public');
  if (user.isAdmin) return always;
  const member = groupsWhereLevelAtLeast(user, ACCESS_LEVELS.guest, now);
  return (eb) => eb.or([eb('groups.visibility', 'in', ['public', 'internal']), member(eb)]);
}

/** `userMayPull`: the seed's table. */
function projectsUserMayPull(user: UserPrincipal | undefined, now: Date): ProjectCondition {
  const level = 'projects.container_registry_access_level';
  if (!user) {
    return (eb) => eb.and([eb(level, '=', 'enabled'), eb('projects.visibility', '=', 'public')]);
  }
  if (user.isAdmin) return (eb) => eb(level, '!=', 'disabled');
  const reporter = projectsWhereLevelAtLeast(user, ACCESS_LEVELS.reporter, now);
  return (eb) =>
    eb.and([
      eb(level, '!=', 'disabled'),
      eb.or([
        reporter(eb),
        eb.and([eb(level, '=', 'enabled'), eb('projects.visibility', 'in', ['public', 'internal'])]),
      ]),
    ]);
}

/** `registryActions(actor, project, now).includes('pull')`: who may view the project's registry. */
export function projectsWithRegistryPull(actor: Actor, now: Date): ProjectCondition {
  switch (actor.kind) {
    case 'anonymous':
      return projectsUserMayPull(undefined, now);
    case 'deploy-token': {
      const { projectId, groupId } = actor;
      const covers: ProjectCondition = (eb) =>
        eb.or([
          ...(projectId !== null ? [eb('projects.id', '=', projectId)] : []),
          ...(groupId !== null ? [inGroupsAtOrBelow('projects.namespace_id', [groupId])] : []),
        ]);
      const asAnonymous = projectsUserMayPull(undefined, now);
      const reads = actor.scopes.includes('read_registry');
      return (eb) =>
        eb.or([
          ...(reads
            ? [eb.and([covers(eb), eb('projects.container_registry_access_level', '!=', 'disabled')])]
            : []),
          eb.and([eb.not(covers(eb)), asAnonymous(eb)]),
        ]);
    }
    case 'job': {
      const user = principal(actor);
      return user ? projectsUserMayPull(user, now) : never;
    }
    case 'user': {
      const user = principal(actor);
      const scopes = actor.scopes;
      const mayUseScope =
        scopes === 'all' || scopes.some((scope) => ['api', 'read_api', 'read_registry'].includes(scope));
      return user && mayUseScope ? projectsUserMayPull(user, now) : never;
    }
  }
}

/** `mayViewRegistry(actor, project, now)` (`containerRegistryPermissions(...).view`): what the group registry list may show. */
export function projectsWithRegistryView(actor: Actor, now: Date): ProjectCondition {
  if (apiAccess(actor) === 'none') return never;
  const pull = projectsWithRegistryPull(actor, now);
  if (actor.kind !== 'job') return pull;
  const { projectId } = actor;
  return (eb) => eb.and([eb('projects.id', '=', projectId), pull(eb)]);
}
