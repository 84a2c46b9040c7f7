import type {
  CleanupStatus,
  ContainerExpirationPolicy,
  ContainerExpirationPolicyAttributes,
} from '@berth/contract';
import type { Kysely } from 'kysely';
import type {
  BffDatabase,
  ContainerExpirationPolicyRow,
  ContainerRepositoryCleanupRow,
} from '../db/schema.js';
import { isoNow } from './clock.js';
import { parseDuration } from './duration.js';
import { type CompiledTagRules, compileTagRules } from './tag-rules.js';

/** A project that never saved a policy has GitLab's defaults: disabled, and a name regex that matches nothing. */
export const DEFAULT_POLICY: ContainerExpirationPolicy = {
  cadence: '1d',
  enabled: false,
  keep_n: 10,
  older_than: '90d',
  name_regex: null,
  name_regex_keep: null,
  next_run_at: null,
};

const ATTRIBUTE = 'container_expiration_policy_attributes';

/** A saved policy with edits applied (`name_regex_delete` is GitLab's alias of `name_regex`). */
export function applyPolicyChanges(
  saved: ContainerExpirationPolicy,
  changes: ContainerExpirationPolicyAttributes,
): ContainerExpirationPolicy {
  const nameRegex = changes.name_regex_delete !== undefined ? changes.name_regex_delete : changes.name_regex;
  return {
    cadence: changes.cadence ?? saved.cadence,
    enabled: changes.enabled ?? saved.enabled,
    keep_n: changes.keep_n !== undefined ? changes.keep_n : saved.keep_n,
    older_than: changes.older_than !== undefined ? changes.older_than : saved.older_than,
    name_regex: nameRegex !== undefined ? nameRegex : saved.name_regex,
    name_regex_keep: changes.name_regex_keep !== undefined ? changes.name_regex_keep : saved.name_regex_keep,
    next_run_at: saved.next_run_at,
  };
}

/**
 * The rules a policy applies, through the same engine as a bulk delete; a bad regex is a 400 naming it
 * as the caller sent it (`<prefix>name_regex`).
 */
export function compilePolicyRules(
  policy: ContainerExpirationPolicy,
  prefix = `${ATTRIBUTE}.`,
): CompiledTagRules {
  return compileTagRules(
    {
      nameRegexDelete: policy.name_regex,
      nameRegexKeep: policy.name_regex_keep,
      keepN: policy.keep_n,
      olderThan: policy.older_than,
    },
    {
      nameRegexDelete: `${prefix}name_regex`,
      nameRegexKeep: `${prefix}name_regex_keep`,
      olderThan: `${prefix}older_than`,
    },
  );
}

function cadenceMs(cadence: string): number {
  const ms = parseDuration(cadence);
  if (ms === undefined) throw new Error(`cadence ${cadence} is not a duration`);
  return ms;
}

function present(row: ContainerExpirationPolicyRow): ContainerExpirationPolicy {
  return {
    cadence: row.cadence as ContainerExpirationPolicy['cadence'],
    enabled: row.enabled === 1,
    keep_n: row.keep_n as ContainerExpirationPolicy['keep_n'],
    older_than: row.older_than as ContainerExpirationPolicy['older_than'],
    name_regex: row.name_regex,
    name_regex_keep: row.name_regex_keep,
    next_run_at: row.next_run_at,
  };
}

export interface RepositoryCleanupState {
  status: CleanupStatus;
  cleanupPolicyStartedAt: string | null;
}

/** Cleanup policies and the cleanup state of each repository, in the BFF's database. */
export class CleanupPolicyService {
  constructor(private readonly db: Kysely<BffDatabase>) {}

  async get(projectId: number): Promise<ContainerExpirationPolicy> {
    const row = await this.db
      .selectFrom('container_expiration_policies')
      .selectAll()
      .where('project_id', '=', projectId)
      .executeTakeFirst();
    return row ? present(row) : { ...DEFAULT_POLICY };
  }

  /** The policy `update` would store, or the 400 it would answer; writes nothing. */
  async assertChangesAllowed(
    projectId: number,
    changes: ContainerExpirationPolicyAttributes,
  ): Promise<ContainerExpirationPolicy> {
    const policy = applyPolicyChanges(await this.get(projectId), changes);
    compilePolicyRules(policy);
    return policy;
  }

  /**
   * Saves edits to a project's policy. As in GitLab, every save schedules the next run one cadence
   * from now; the regexes are checked first, so a policy that cannot run is never saved.
   */
  async update(
    projectId: number,
    changes: ContainerExpirationPolicyAttributes,
    now: Date,
  ): Promise<ContainerExpirationPolicy> {
    const policy = await this.assertChangesAllowed(projectId, changes);
    const values = {
      enabled: policy.enabled ? 1 : 0,
      cadence: policy.cadence,
      keep_n: policy.keep_n,
      older_than: policy.older_than,
      name_regex: policy.name_regex,
      name_regex_keep: policy.name_regex_keep,
      next_run_at: isoNow(new Date(now.getTime() + cadenceMs(policy.cadence))),
      updated_at: isoNow(now),
    };
    await this.db
      .insertInto('container_expiration_policies')
      .values({ project_id: projectId, created_at: isoNow(now), ...values })
      .onConflict((conflict) => conflict.column('project_id').doUpdateSet(values))
      .execute();
    return this.get(projectId);
  }

  /**
   * Projects whose enabled policy is due, or that still have repositories a run did not finish
   * (scheduled, ongoing when its process died, or unfinished after a failure).
   */
  async dueProjectIds(now: Date, limit: number): Promise<number[]> {
    const rows = await this.db
      .selectFrom('container_expiration_policies as p')
      .select('p.project_id')
      .where('p.enabled', '=', 1)
      .where((eb) =>
        eb.or([
          eb('p.next_run_at', '<=', isoNow(now)),
          eb.exists(
            eb
              .selectFrom('container_repository_cleanups as c')
              .select('c.repository_id')
              .whereRef('c.project_id', '=', 'p.project_id')
              .where('c.status', 'is not', null),
          ),
        ]),
      )
      .orderBy('p.next_run_at')
      .limit(limit)
      .execute();
    return rows.map((row) => row.project_id);
  }

  async policyRow(projectId: number): Promise<ContainerExpirationPolicyRow | undefined> {
    return this.db
      .selectFrom('container_expiration_policies')
      .selectAll()
      .where('project_id', '=', projectId)
      .executeTakeFirst();
  }

  /** Moves `next_run_at` one cadence past `now`; GitLab does this when a run starts. */
  async scheduleNextRun(projectId: number, cadence: string, now: Date): Promise<void> {
    await this.db
      .updateTable('container_expiration_policies')
      .set({ next_run_at: isoNow(new Date(now.getTime() + cadenceMs(cadence))) })
      .where('project_id', '=', projectId)
      .execute();
  }

  async repositoryStates(projectId: number): Promise<ContainerRepositoryCleanupRow[]> {
    return this.db
      .selectFrom('container_repository_cleanups')
      .selectAll()
      .where('project_id', '=', projectId)
      .execute();
  }

  /** Cleanup status and start time of the given repositories, for repository lists. */
  async statesOf(repositoryIds: readonly number[]): Promise<Map<number, RepositoryCleanupState>> {
    const states = new Map<number, RepositoryCleanupState>();
    if (repositoryIds.length === 0) return states;
    const rows = await this.db
      .selectFrom('container_repository_cleanups')
      .selectAll()
      .where('repository_id', 'in', [...repositoryIds])
      .execute();
    for (const row of rows) {
      states.set(row.repository_id, {
        status: row.status ?? 'cleanup_unscheduled',
        cleanupPolicyStartedAt: row.cleanup_policy_started_at,
      });
    }
    return states;
  }

  async setRepositoryState(
    repository: { id: number; path: string; projectId: number },
    state: { status: ContainerRepositoryCleanupRow['status']; startedAt?: Date },
  ): Promise<void> {
    const values = {
      project_id: repository.projectId,
      path: repository.path,
      status: state.status,
      ...(state.startedAt && { cleanup_policy_started_at: isoNow(state.startedAt) }),
    };
    await this.db
      .insertInto('container_repository_cleanups')
      .values({ repository_id: repository.id, cleanup_policy_started_at: null, ...values })
      .onConflict((conflict) => conflict.column('repository_id').doUpdateSet(values))
      .execute();
  }

  async forgetRepository(repositoryId: number): Promise<void> {
    await this.db
      .deleteFrom('container_repository_cleanups')
      .where('repository_id', '=', repositoryId)
      .execute();
  }
}
