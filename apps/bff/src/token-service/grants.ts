import { type RegistryAccessEntry, repositoryNameSchema } from '@berth/contract';
import {
  type Actor,
  mayListCatalog,
  REGISTRY_ACTIONS,
  type RegistryAction,
  registryActions,
} from '../access/access.js';
import type { ProjectService } from '../domain/projects.js';
import type { RequestedScope } from './scopes.js';

/**
 * The intersection of what was asked and what the access module allows; what is not allowed is left
 * out rather than refused (clients retry with what they got).
 */
export async function grantAccess(
  actor: Actor,
  requested: readonly RequestedScope[],
  projects: ProjectService,
  now: Date,
): Promise<RegistryAccessEntry[]> {
  const granted = new Map<string, RegistryAccessEntry>();
  const add = (type: string, name: string, actions: string[]) => {
    if (actions.length === 0) return;
    const key = `${type}:${name}`;
    const entry = granted.get(key) ?? { type, name, actions: [] };
    entry.actions = [...new Set([...entry.actions, ...actions])];
    granted.set(key, entry);
  };
  for (const scope of requested) {
    if (scope.type === 'registry' && scope.name === 'catalog') {
      if (scope.actions.includes('*') && mayListCatalog(actor)) add('registry', 'catalog', ['*']);
      continue;
    }
    if (scope.type !== 'repository' || !repositoryNameSchema.safeParse(scope.name).success) continue;
    const project = await projects.findForRepository(scope.name);
    if (!project) continue;
    const allowed = registryActions(actor, await projects.facts(project), now);
    const asked = scope.actions.includes('*') ? REGISTRY_ACTIONS : scope.actions;
    add(
      'repository',
      scope.name,
      REGISTRY_ACTIONS.filter((action: RegistryAction) => asked.includes(action) && allowed.includes(action)),
    );
  }
  return [...granted.values()];
}
