import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express from 'express';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { containerRegistryRouter } from './api/v4/container-registry.js';
import { deployTokensRouter } from './api/v4/deploy-tokens.js';
import { groupsRouter } from './api/v4/groups.js';
import { jobTokensRouter } from './api/v4/job-tokens.js';
import { membersRouter } from './api/v4/members.js';
import { personalAccessTokensRouter } from './api/v4/personal-access-tokens.js';
import { projectsRouter } from './api/v4/projects.js';
import { registryCleanupRouter } from './api/v4/registry-cleanup.js';
import { Resources } from './api/v4/resources.js';
import { sessionRouter, signInRouter } from './api/v4/session.js';
import { usersRouter } from './api/v4/users.js';
import { authenticate } from './auth/authenticate.js';
import { oauthRouter } from './auth/oauth.js';
import { BackgroundJobs } from './cleanup/background-jobs.js';
import { cleanupRegistryOf } from './cleanup/registry-port.js';
import { CleanupScheduler } from './cleanup/scheduler.js';
import type { Config } from './config.js';
import type { BffDatabase } from './db/schema.js';
import { errorMiddleware, notFoundHandler } from './http/error-middleware.js';
import { setExternalUrl } from './http/external-url.js';
import { gitlabJson } from './http/gitlab-json.js';
import { requireWellFormedHost } from './http/host-header.js';
import { requestLog } from './http/request-log.js';
import { securityHeaders, spaPolicy } from './http/security-headers.js';
import type { RegistryClient } from './registry/registry-client.js';
import { createServices, type Services } from './services.js';
import type { SigningKey } from './token-service/keys.js';
import { tokenServiceRouter } from './token-service/router.js';

export interface AppDeps {
  config: Config;
  db: Kysely<BffDatabase>;
  logger: Logger;
  signingKey: SigningKey;
  /** The registry's API; built from `config.registryUrl` when absent (tests point it at a real registry). */
  registry?: RegistryClient;
  /** The built SPA (apps/web/dist); served with index.html for client-side routes when present. */
  webRoot?: string;
  /** The time cleanups and the scheduler go by; tests move it forward to make policies due. */
  clock?: () => Date;
}

export interface CreatedApp {
  app: express.Express;
  services: Services;
  scheduler: CleanupScheduler;
  /** Work answered with 202 and finished in the background (bulk tag deletes). */
  jobs: BackgroundJobs;
  /** Stops the cleanup scheduler and waits for accepted background work (bulk deletes). */
  close(): Promise<void>;
}

export function createApp(deps: AppDeps): CreatedApp {
  const services = createServices(deps.db, deps.config, deps.signingKey, deps.registry);
  const resources = new Resources(services);
  const clock = deps.clock ?? (() => new Date());
  const cleanupRegistry = cleanupRegistryOf(services.registry);
  const jobs = new BackgroundJobs(deps.logger);
  const scheduler = new CleanupScheduler({
    policies: services.cleanupPolicies,
    leases: services.leases,
    projects: services.projects,
    registry: cleanupRegistry,
    log: deps.logger,
    clock,
    intervalMs: deps.config.cleanupIntervalMs,
  });
  const app = express();
  app.disable('x-powered-by');
  // GitLab scripts send arrays as `scopes[]=a&scopes[]=b`; the extended parser makes them arrays.
  app.set('query parser', 'extended');
  app.set('trust proxy', 'loopback');
  setExternalUrl(app, deps.config.externalUrl);
  app.use(requestLog(deps.logger));
  app.use(securityHeaders(deps.config.externalUrl));
  app.use(requireWellFormedHost);
  app.use(express.json({ limit: '1mb' }));
  app.use(express.urlencoded({ extended: true, limit: '1mb' }));

  app.get('/-/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.use(tokenServiceRouter(services));
  app.use(oauthRouter(services));

  const api = express.Router();
  api.use(gitlabJson);
  api.use(signInRouter(services, resources));
  api.use(authenticate(services.credentials));
  api.use(sessionRouter(services, resources));
  api.use(usersRouter(services, resources));
  api.use(personalAccessTokensRouter(services, resources));
  api.use(groupsRouter(services, resources));
  api.use(projectsRouter(services, resources));
  api.use(containerRegistryRouter(services, resources));
  api.use(registryCleanupRouter(services, resources, { registry: cleanupRegistry, jobs, clock }));
  api.use(jobTokensRouter(services, resources));
  api.use(membersRouter(services, resources, 'group'));
  api.use(membersRouter(services, resources, 'project'));
  api.use(deployTokensRouter(services, resources, 'group'));
  api.use(deployTokensRouter(services, resources, 'project'));
  app.use('/api/v4', api);
  if (deps.webRoot && existsSync(join(deps.webRoot, 'index.html'))) app.use(singlePageApp(deps.webRoot));

  app.use(notFoundHandler);
  app.use(errorMiddleware);
  scheduler.start();
  return {
    app,
    services,
    scheduler,
    jobs,
    close: async () => {
      await scheduler.stop();
      await jobs.drain();
    },
  };
}

/** Static files of the SPA, and index.html for any other GET outside the API, so deep links load the app. */
function singlePageApp(webRoot: string): express.Router {
  const router = express.Router();
  router.use(express.static(webRoot, { index: 'index.html', maxAge: '1h', setHeaders: spaPolicy }));
  // `/-/` holds both the health check and GitLab-shaped pages (`/-/user_settings/…`); only the former is not the app.
  router.get(/^\/(?!api\/|jwt\/|oauth\/|-\/health$).*/, (_req, res) => {
    spaPolicy(res);
    res.sendFile(join(webRoot, 'index.html'));
  });
  return router;
}
