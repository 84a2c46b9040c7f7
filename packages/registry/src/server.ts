import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { migrateToLatest, openDatabase, type SqlDatabase } from '@berth/sql';
import type { Kysely } from 'kysely';
import { type Logger, pino } from 'pino';
import type { RegistryConfig } from './config.js';
import { Registry } from './core/registry.js';
import { createApp } from './http/app.js';
import type { RequestAuthorizer } from './http/authorizer.js';
import { MetadataStore } from './meta/metadata-store.js';
import { registryMigrations } from './meta/migrations.js';
import type { RegistryDatabase } from './meta/schema.js';
import { FilesystemDriver } from './storage/filesystem-driver.js';

export interface RunningServer {
  server: Server;
  port: number;
  close(): Promise<void>;
}

export async function openMetadata(config: RegistryConfig): Promise<SqlDatabase<RegistryDatabase>> {
  const database = openDatabase<RegistryDatabase>({
    url: config.databaseUrl,
    sqlitePath: join(config.dataDir, 'registry', 'registry.db'),
  });
  await migrateToLatest(database.db as Kysely<unknown>, registryMigrations(database.dialect));
  return database;
}

/** Opens storage and metadata, then listens; `close` stops accepting, finishes requests and closes the database. */
export async function startServer(
  config: RegistryConfig,
  logger: Logger = pino({ level: config.logLevel }),
  authorizer?: RequestAuthorizer,
): Promise<RunningServer> {
  const database = await openMetadata(config);
  const registry = new Registry({
    meta: new MetadataStore(database.db),
    storage: new FilesystemDriver(join(config.dataDir, 'registry', 'storage')),
  });
  const server = createServer(
    { keepAliveTimeout: 30_000 },
    createApp({ registry, logger, ...(authorizer ? { authorizer } : {}) }),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info(
    { host: config.host, port, auth: config.auth.mode, database: database.dialect },
    'registry listening',
  );
  return {
    server,
    port,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await database.close();
    },
  };
}
