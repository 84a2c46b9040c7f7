import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createApp } from './app.js';
import { createLogger, prepare } from './bootstrap.js';
import { ConfigError, loadConfig } from './config.js';

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config);
  const { database, signingKey } = await prepare(config, logger);
  const webRoot = fileURLToPath(new URL('../../../web/dist', import.meta.url));
  const { app, services, close } = createApp({ config, db: database.db, logger, signingKey, webRoot });
  // Repository deletes a previous process scheduled but did not finish.
  services.repositoryDeletions
    .run()
    .catch((error: unknown) => logger.warn({ err: error }, 'repository delete failed'));
  const server = app.listen(config.port, config.host, () => {
    const { port } = server.address() as AddressInfo;
    logger.info({ host: config.host, port, dialect: database.dialect }, 'bff listening');
  });
  const shutdown = () => {
    server.close(() => void close().then(() => database.close().then(() => process.exit(0))));
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((error: unknown) => {
  process.stderr.write(`bff failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
