import type { RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StartupError, startupFailureText, startupProblem } from '@berth/contract';
import { createKeepAliveServer, databaseProblem, folderProblem, listenOn } from '@berth/sql';
import { createApp } from './app.js';
import { createLogger, prepare } from './bootstrap.js';
import { loadConfig } from './config.js';
import { REGISTRY_TOKEN_LIFETIME_S } from './token-service/jwt.js';

const PROCESS_NAME = 'berth-bff';

/** Until the app is ready, the bound port answers 503 so clients retry rather than hang. */
/** How long an idle keep-alive connection stays open; clients are told a quarter of it. */
const IDLE_TIMEOUT_MS = 120_000;

const starting: RequestListener = (_req, res) => {
  res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
  res.end(JSON.stringify({ message: 'starting' }));
};

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  let handle = starting;
  // Behind a balancer that keeps connections to the BFF open (and ignores `Keep-Alive`), idle
  // connections must outlive the balancer's pool: see createKeepAliveServer.
  const server = createKeepAliveServer(IDLE_TIMEOUT_MS, (req, res) => handle(req, res));
  // The port is bound and every store checked before anything is written to the data folder.
  const problems: string[] = [];
  const listenFailure = await listenOn(server, config.host, config.port);
  if (listenFailure === 'EADDRINUSE')
    problems.push(startupProblem.portInUse('BFF_PORT', config.host, config.port));
  else if (listenFailure)
    problems.push(startupProblem.cannotListen('BFF_PORT', config.host, config.port, listenFailure));
  const folderFailure = folderProblem(join(config.dataDir, 'bff'));
  if (folderFailure)
    problems.push(startupProblem.dataDirUnusable('BERTH_DATA_DIR', config.dataDir, folderFailure));
  const databaseFailure = await databaseProblem(config.databaseUrl);
  if (databaseFailure) problems.push(startupProblem.databaseUnreachable('BFF_DATABASE_URL', databaseFailure));
  if (problems.length > 0) {
    server.close();
    throw new StartupError(problems);
  }

  const logger = createLogger(config);
  const { database, signingKey } = await prepare(config, logger);
  const webRoot = fileURLToPath(new URL('../../../web/dist', import.meta.url));
  const { app, services, close } = createApp({ config, db: database.db, logger, signingKey, webRoot });
  handle = app;
  // Repository deletes a previous process scheduled but did not finish.
  services.repositoryDeletions
    .run()
    .catch((error: unknown) => logger.warn({ err: error }, 'repository delete failed'));
  // Images an older version left at deleted paths; the registry may start after the BFF, so retry.
  const releaseUnownedImages = () => {
    services.imagePaths.releaseUnownedImages().then(
      (count) => {
        if (count > 0) logger.info({ count }, 'recorded image paths that no project owns');
      },
      () => setTimeout(releaseUnownedImages, 30_000).unref(),
    );
  };
  releaseUnownedImages();
  // Hourly, released paths nothing can push to any more and that hold no images are forgotten, so the
  // table keeps only paths that still need clearing. Twice the token lifetime: a margin for clocks.
  const forgetReleasedPaths = () => {
    const releasedBefore = new Date(Date.now() - 2 * REGISTRY_TOKEN_LIFETIME_S * 1000);
    services.imagePaths.forgetEmptyReleasedPaths(releasedBefore).then(
      (count) => {
        if (count > 0) logger.info({ count }, 'forgot released image paths that hold nothing');
      },
      (error: unknown) => logger.warn({ err: error }, 'could not forget released image paths'),
    );
  };
  setInterval(forgetReleasedPaths, 60 * 60 * 1000).unref();
  const { port } = server.address() as AddressInfo;
  logger.info({ host: config.host, port, dialect: database.dialect }, 'bff listening');

  // Ctrl-C reaches the process both from the terminal and from `pnpm start`: stop once.
  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    server.close(() =>
      close()
        .then(() => database.close())
        .then(
          () => process.exit(0),
          () => process.exit(1),
        ),
    );
    server.closeIdleConnections();
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((error: unknown) => {
  const problems =
    error instanceof StartupError
      ? error.problems
      : [`failed to start: ${error instanceof Error ? error.message : String(error)}`];
  process.stderr.write(startupFailureText(PROCESS_NAME, problems));
  process.exit(1);
});
