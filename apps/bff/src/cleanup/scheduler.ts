import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { type CleanupPolicyService, compilePolicyRules } from '../domain/cleanup-policies.js';
import { isoNow } from '../domain/clock.js';
import type { LeaseService } from '../domain/leases.js';
import type { ProjectService } from '../domain/projects.js';
import { AppError } from '../errors.js';
import type { CleanupRegistry, CleanupRepository } from './registry-port.js';
import { cleanUpRepository } from './tag-cleanup.js';

/** How long a run may go without renewing its lease before another process may take the policy over. */
const LEASE_TTL_MS = 5 * 60_000;
/** A repository whose cleanup failed is tried again after this long. */
const UNFINISHED_RETRY_MS = 5 * 60_000;
/** Policies started per tick; the rest wait for the next tick. */
const POLICIES_PER_TICK = 20;

export interface SchedulerDeps {
  policies: CleanupPolicyService;
  leases: LeaseService;
  projects: ProjectService;
  registry: CleanupRegistry;
  log: Logger;
  clock: () => Date;
  /** Time between ticks; 0 runs no timer (tests call `tick`). */
  intervalMs: number;
}

export interface RepositoryRunReport {
  id: number;
  path: string;
  deleted: string[];
  status: 'done' | 'cleanup_unfinished' | 'gone';
}

export interface PolicyRunReport {
  projectId: number;
  repositories: RepositoryRunReport[];
}

export const policyLeaseName = (projectId: number) => `container_expiration_policy:${projectId}`;

/**
 * Runs due cleanup policies (GitLab's ContainerExpirationPolicyWorker). Every BFF process runs one;
 * a lease per policy in the database makes sure only one of them runs a given policy at a time, and
 * the state it leaves per repository (scheduled → ongoing → done or unfinished) lets any process
 * finish a run that a stopped process left behind.
 */
export class CleanupScheduler {
  /** Who holds leases taken by this scheduler: unique per process. */
  readonly holder = `scheduler-${randomUUID()}`;
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<unknown> = Promise.resolve();
  private stopped = false;

  constructor(private readonly deps: SchedulerDeps) {}

  start(): void {
    if (this.deps.intervalMs <= 0 || this.timer) return;
    const loop = () => {
      this.current = this.tick()
        .catch((error: unknown) => this.deps.log.error({ err: error }, 'cleanup policy tick failed'))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(loop, this.deps.intervalMs).unref();
        });
    };
    this.timer = setTimeout(loop, this.deps.intervalMs).unref();
  }

  /** Stops the timer and waits for a tick in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.current;
  }

  /** Runs every due policy this process can take the lease of; answers what each run did. */
  async tick(): Promise<PolicyRunReport[]> {
    const now = this.deps.clock();
    await this.deps.leases.pruneExpired(now);
    const reports: PolicyRunReport[] = [];
    for (const projectId of await this.deps.policies.dueProjectIds(now, POLICIES_PER_TICK)) {
      if (this.stopped) break;
      try {
        const report = await this.runPolicy(projectId);
        if (report) reports.push(report);
      } catch (error) {
        // One policy's failure (the registry unreachable, say) must not hold up the others.
        this.deps.log.warn({ err: error, projectId }, 'cleanup policy run failed');
      }
    }
    return reports;
  }

  /** One policy under its lease; undefined when another process holds it or nothing is left to do. */
  async runPolicy(projectId: number): Promise<PolicyRunReport | undefined> {
    const { policies, leases, log, clock } = this.deps;
    const lease = policyLeaseName(projectId);
    if (!(await leases.tryTake(lease, this.holder, LEASE_TTL_MS, clock()))) return undefined;
    try {
      const targets = await this.targets(projectId);
      if (targets.length === 0) return undefined;
      const policy = await policies.get(projectId);
      const rules = compilePolicyRules(policy);
      const renew = async () => {
        if (!(await leases.renew(lease, this.holder, LEASE_TTL_MS, clock()))) {
          throw new Error(`lost the lease of ${lease}`);
        }
      };
      const report: PolicyRunReport = { projectId, repositories: [] };
      for (const repository of targets) {
        await renew();
        const state = { id: repository.id, path: repository.path, projectId };
        const startedAt = clock();
        await policies.setRepositoryState(state, { status: 'cleanup_ongoing', startedAt });
        try {
          const outcome = await cleanUpRepository(
            this.deps.registry,
            repository.path,
            rules,
            startedAt,
            renew,
          );
          await policies.setRepositoryState(state, { status: null });
          report.repositories.push({ ...state, deleted: outcome.deleted, status: 'done' });
        } catch (error) {
          if (error instanceof AppError && error.kind === 'not_found') {
            await policies.forgetRepository(repository.id);
            report.repositories.push({ ...state, deleted: [], status: 'gone' });
            continue;
          }
          await policies.setRepositoryState(state, { status: 'cleanup_unfinished' });
          report.repositories.push({ ...state, deleted: [], status: 'cleanup_unfinished' });
          log.warn({ err: error, projectId, repository: repository.path }, 'cleanup policy run unfinished');
        }
      }
      log.info(
        {
          projectId,
          repositories: report.repositories.length,
          deleted: report.repositories.reduce((sum, r) => sum + r.deleted.length, 0),
        },
        'cleanup policy ran',
      );
      return report;
    } finally {
      await leases.release(lease, this.holder);
    }
  }

  /**
   * Under the lease: when the policy is due, start a run over every repository of the project (GitLab
   * schedules the next run as one starts); otherwise pick up repositories an earlier run left.
   */
  private async targets(projectId: number): Promise<CleanupRepository[]> {
    const { policies, projects, registry, clock } = this.deps;
    const now = clock();
    const row = await policies.policyRow(projectId);
    const project = await projects.findById(projectId);
    if (row?.enabled !== 1 || !project) return [];
    if (row.next_run_at !== null && row.next_run_at <= isoNow(now)) {
      // Repositories are marked before the next run is scheduled: if the registry cannot be read, the
      // policy stays due and the next tick tries again.
      const repositories = await registry.projectRepositories(project.full_path);
      for (const repository of repositories) {
        await policies.setRepositoryState(
          { id: repository.id, path: repository.path, projectId },
          { status: 'cleanup_scheduled' },
        );
      }
      await policies.scheduleNextRun(projectId, row.cadence, now);
      return repositories;
    }
    const retryBefore = isoNow(new Date(now.getTime() - UNFINISHED_RETRY_MS));
    const left = (await policies.repositoryStates(projectId)).filter(
      (state) =>
        state.status === 'cleanup_scheduled' ||
        state.status === 'cleanup_ongoing' ||
        (state.status === 'cleanup_unfinished' && (state.cleanup_policy_started_at ?? '') <= retryBefore),
    );
    if (left.length === 0) return [];
    // Paths are read afresh: the project may have been renamed since the run began.
    const current = new Map(
      (await registry.projectRepositories(project.full_path)).map((repository) => [
        repository.id,
        repository,
      ]),
    );
    const targets: CleanupRepository[] = [];
    for (const state of left) {
      const repository = current.get(state.repository_id);
      if (repository) targets.push(repository);
      else await policies.forgetRepository(state.repository_id);
    }
    return targets;
  }
}
