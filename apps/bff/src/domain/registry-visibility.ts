import { type Actor, containerRegistryPermissions } from '../access/access.js';
import type { GroupRow, ProjectRow } from '../db/schema.js';
import type { ProjectService } from './projects.js';

/**
 * Which projects of `group` and its subgroups the actor may see the container registry of, and which
 * not. The one place a group's registry list is scoped; the decision itself is the access module's.
 */
export async function projectsWithVisibleRegistry(
  projects: ProjectService,
  actor: Actor,
  group: GroupRow,
  now: Date,
): Promise<{ visible: ProjectRow[]; hidden: ProjectRow[] }> {
  const rows = await projects.list({ group, deep: true });
  const facts = await projects.factsOfAll(rows);
  const visible: ProjectRow[] = [];
  const hidden: ProjectRow[] = [];
  for (const row of rows) {
    const projectFacts = facts.get(row.id);
    const view = projectFacts !== undefined && containerRegistryPermissions(actor, projectFacts, now).view;
    (view ? visible : hidden).push(row);
  }
  return { visible, hidden };
}
