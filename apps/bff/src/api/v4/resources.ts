import { type ResourceId, resourceIdSchema } from '@berth/contract';
import type { Response } from 'express';
import {
  type Actor,
  type GroupFacts,
  type GroupPermissions,
  groupPermissions,
  type ProjectFacts,
  type ProjectPermissions,
  projectPermissions,
} from '../../access/access.js';
import type { GroupRow, ProjectRow } from '../../db/schema.js';
import { prefixesOf } from '../../domain/paths.js';
import { notFound, unauthorized } from '../../errors.js';
import { actorOf } from '../../http/context.js';
import { parse } from '../../http/validate.js';
import type { Services } from '../../services.js';
import { Presenter } from './presenters.js';

/** Groups read once per request, to find ancestors and full names without a query per row. */
export class GroupIndex {
  private readonly byPath: Map<string, GroupRow>;
  readonly byId: Map<number, GroupRow>;

  constructor(groups: GroupRow[]) {
    this.byPath = new Map(groups.map((group) => [group.full_path, group]));
    this.byId = new Map(groups.map((group) => [group.id, group]));
  }

  ancestors(fullPath: string): GroupRow[] {
    return prefixesOf(fullPath).flatMap((path) => this.byPath.get(path) ?? []);
  }

  fullName(group: GroupRow): string {
    return [...this.ancestors(group.full_path), group].map((g) => g.name).join(' / ');
  }

  groupFacts(group: GroupRow): GroupFacts {
    return {
      id: group.id,
      visibility: group.visibility,
      kind: group.kind,
      ancestorIds: this.ancestors(group.full_path).map((g) => g.id),
    };
  }

  projectFacts(project: ProjectRow): ProjectFacts {
    return {
      id: project.id,
      visibility: project.visibility,
      registryAccessLevel: project.container_registry_access_level,
      groupIds: this.ancestors(project.full_path).map((g) => g.id),
    };
  }
}

export interface LoadedProject {
  project: ProjectRow;
  group: GroupRow;
  facts: ProjectFacts;
  permissions: ProjectPermissions;
}

export interface LoadedGroup {
  group: GroupRow;
  facts: GroupFacts;
  permissions: GroupPermissions;
}

/** Looks resources up for the caller; what it may not see is reported as not found (GitLab's 404, not 403). */
export class Resources {
  readonly present: Presenter;

  constructor(private readonly services: Services) {
    this.present = new Presenter(services.config);
  }

  async index(): Promise<GroupIndex> {
    return new GroupIndex(await this.services.groups.list({}));
  }

  /** The groups above the given full paths only: enough to present one page of a list. */
  async indexAbove(fullPaths: readonly string[]): Promise<GroupIndex> {
    const above = new Set(fullPaths.flatMap((fullPath) => prefixesOf(fullPath)));
    return new GroupIndex(await this.services.groups.byFullPaths([...above]));
  }

  id(raw: unknown): ResourceId {
    return parse(resourceIdSchema, raw);
  }

  async project(actor: Actor, rawId: unknown, now: Date): Promise<LoadedProject> {
    const project = await this.services.projects.find(this.id(rawId));
    if (!project) throw notFound('Project');
    const facts = await this.services.projects.facts(project);
    const permissions = projectPermissions(actor, facts, now);
    const group = await this.services.groups.findById(project.namespace_id);
    if (!permissions.read || !group) throw notFound('Project');
    return { project, group, facts, permissions };
  }

  /** A group; a personal namespace is not one (GitLab's `/groups/:username` is a 404 too). */
  async group(actor: Actor, rawId: unknown, now: Date, what = 'Group'): Promise<LoadedGroup> {
    const loaded = await this.namespace(actor, rawId, now, what);
    if (loaded.group.kind !== 'group') throw notFound(what);
    return loaded;
  }

  /** A group or a personal namespace: where projects may live. */
  async namespace(actor: Actor, rawId: unknown, now: Date, what = 'Namespace'): Promise<LoadedGroup> {
    const group = await this.services.groups.find(this.id(rawId));
    if (!group) throw notFound(what);
    const facts = await this.services.groups.facts(group);
    const permissions = groupPermissions(actor, facts, now);
    if (!permissions.read) throw notFound(what);
    return { group, facts, permissions };
  }
}

/** The signed-in user behind the request (a session, password or token); 401 otherwise. */
export function signedInUser(res: Response) {
  const actor = actorOf(res);
  if (actor.kind !== 'user' && actor.kind !== 'job') throw unauthorized();
  return actor;
}
