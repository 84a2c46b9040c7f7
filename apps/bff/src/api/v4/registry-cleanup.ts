import {
  bulkDeleteTagsRequestSchema,
  type CleanupPreview,
  cleanupPreviewRequestSchema,
  idParam,
} from '@berth/contract';
import { type Response, Router } from 'express';
import { z } from 'zod';
import { containerRegistryPermissions, refusal } from '../../access/access.js';
import type { BackgroundJobs } from '../../cleanup/background-jobs.js';
import type { CleanupRegistry } from '../../cleanup/registry-port.js';
import { cleanUpRepository, planRepositoryCleanup } from '../../cleanup/tag-cleanup.js';
import { applyPolicyChanges, compilePolicyRules } from '../../domain/cleanup-policies.js';
import { compileTagRules, type TagFacts } from '../../domain/tag-rules.js';
import { badRequest, notFound } from '../../errors.js';
import { actorOf, context } from '../../http/context.js';
import { params, parse } from '../../http/validate.js';
import type { Services } from '../../services.js';
import type { Resources } from './resources.js';

/** GitLab's answer when a repository's bulk delete comes again within the hour. */
export const BULK_DELETE_LIMIT_MESSAGE =
  'This request has already been made. You can run this at most once an hour for a given container repository';
const BULK_DELETE_INTERVAL_MS = 60 * 60_000;
const repositoryParamsSchema = z.object({ repository_id: idParam });
export const bulkDeleteLeaseName = (repositoryId: number) =>
  `container_repository:cleanup_tags:${repositoryId}`;

export interface CleanupRoutesDeps {
  registry: CleanupRegistry;
  jobs: BackgroundJobs;
  clock: () => Date;
}

/** Bulk tag delete and the cleanup policy preview (DESIGN §6); both run the one rules engine. */
export function registryCleanupRouter(
  services: Services,
  resources: Resources,
  deps: CleanupRoutesDeps,
): Router {
  const router = Router();

  /** The project, when the caller may run cleanups in its registry (Maintainer+). */
  async function cleanupProject(res: Response, rawId: string | undefined) {
    const actor = actorOf(res);
    const now = new Date();
    const { project, facts } = await resources.project(actor, rawId, now);
    if (!containerRegistryPermissions(actor, facts, now).manageCleanup) throw refusal(actor);
    return project;
  }

  router.delete('/projects/:id/registry/repositories/:repository_id/tags', async (req, res) => {
    const project = await cleanupProject(res, req.params.id);
    const { repository_id: repositoryId } = parse(repositoryParamsSchema, {
      repository_id: req.params.repository_id,
    });
    const body = parse(bulkDeleteTagsRequestSchema, params(req));
    const usesAlias = body.name_regex_delete === undefined;
    // Checked before the hourly lease is taken: a typo must not cost the caller an hour.
    const rules = compileTagRules(
      {
        nameRegexDelete: body.name_regex_delete ?? body.name_regex ?? null,
        nameRegexKeep: body.name_regex_keep ?? null,
        keepN: body.keep_n ?? null,
        olderThan: body.older_than ?? null,
      },
      {
        nameRegexDelete: usesAlias ? 'name_regex' : 'name_regex_delete',
        nameRegexKeep: 'name_regex_keep',
        olderThan: 'older_than',
      },
    );
    const repository = await deps.registry.repositoryById(repositoryId);
    const inProject =
      repository &&
      (repository.path === project.full_path || repository.path.startsWith(`${project.full_path}/`));
    if (!repository || !inProject) throw notFound('Repository');
    const now = deps.clock();
    const taken = await services.leases.tryTake(
      bulkDeleteLeaseName(repository.id),
      'bulk-delete',
      BULK_DELETE_INTERVAL_MS,
      now,
    );
    if (!taken) throw badRequest(BULK_DELETE_LIMIT_MESSAGE);
    const log = context(res).log;
    deps.jobs.run(`bulk tag delete of ${repository.path}`, async () => {
      const outcome = await cleanUpRepository(deps.registry, repository.path, rules, deps.clock());
      log.info(
        { repository: repository.path, deleted: outcome.deleted.length, notFound: outcome.notFound.length },
        'bulk tag delete done',
      );
    });
    res.status(202).json({ message: '202 Accepted' });
  });

  router.post('/projects/:id/registry/cleanup_policy/preview', async (req, res) => {
    const project = await cleanupProject(res, req.params.id);
    const changes = parse(cleanupPreviewRequestSchema, params(req));
    const policy = applyPolicyChanges(await services.cleanupPolicies.get(project.id), changes);
    // The preview's body holds the policy fields themselves, so errors name them bare.
    const rules = compilePolicyRules(policy, '');
    const now = deps.clock();
    const nowIso = now.toISOString();
    const shown = (tag: TagFacts) => ({ name: tag.name, published_at: tag.publishedAt ?? nowIso });
    const preview: CleanupPreview = { repositories: [] };
    for (const repository of await deps.registry.projectRepositories(project.full_path)) {
      const plan = await planRepositoryCleanup(deps.registry, repository.path, rules, now);
      preview.repositories.push({
        id: repository.id,
        path: repository.path,
        delete: plan.delete.map(shown),
        keep: plan.keep.map((tag) => ({ ...shown(tag), reason: tag.reason })),
      });
    }
    res.json(preview);
  });

  return router;
}
