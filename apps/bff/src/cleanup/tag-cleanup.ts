import { type CompiledTagRules, planTagCleanup, type TagPlan } from '../domain/tag-rules.js';
import { type CleanupRegistry, TAG_DELETE_BATCH } from './registry-port.js';

/**
 * What a cleanup of one repository would do now: every tag, read through the registry's pages, run
 * through the rules engine. Bulk deletes, policy runs and the preview all start here, so the preview
 * sees exactly the input a run sees.
 */
export async function planRepositoryCleanup(
  registry: CleanupRegistry,
  repositoryPath: string,
  rules: CompiledTagRules,
  now: Date,
): Promise<TagPlan> {
  return planTagCleanup(await registry.allTags(repositoryPath), rules, now);
}

export interface CleanupOutcome {
  plan: TagPlan;
  deleted: string[];
  /** Planned, but gone before the delete reached them. */
  notFound: string[];
}

/** Plans and deletes, in registry batches of at most TAG_DELETE_BATCH names. */
export async function cleanUpRepository(
  registry: CleanupRegistry,
  repositoryPath: string,
  rules: CompiledTagRules,
  now: Date,
  /** Called between batches, e.g. to renew a lease; throwing stops the run. */
  beforeBatch: () => Promise<void> = async () => {},
): Promise<CleanupOutcome> {
  const plan = await planRepositoryCleanup(registry, repositoryPath, rules, now);
  const names = plan.delete.map((tag) => tag.name);
  const outcome: CleanupOutcome = { plan, deleted: [], notFound: [] };
  for (let start = 0; start < names.length; start += TAG_DELETE_BATCH) {
    await beforeBatch();
    const result = await registry.deleteTags(repositoryPath, names.slice(start, start + TAG_DELETE_BATCH));
    outcome.deleted.push(...result.deleted);
    outcome.notFound.push(...result.notFound);
  }
  return outcome;
}
