import { chmodSync, mkdirSync } from 'node:fs';
import type { RequestListener, Server } from 'node:http';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { StartupError, startupProblem } from '@berth/contract';
import {
  createKeepAliveServer,
  databaseProblem,
  folderProblem,
  listenOn,
  loadPg,
  migrateToLatest,
  openDatabase,
  type SqlDatabase,
} from '@berth/sql';
import type { Kysely } from 'kysely';
import { type Logger, pino } from 'pino';
import {
  createJwksKeySource,
  createTokenAuthorizer,
  createTokenVerifier,
  readPublicKeyFile,
  type TokenAuthorizer,
} from './auth/index.js';
import type { RegistryConfig } from './config.js';
import { DatabaseLocks } from './core/database-locks.js';
import { registryError } from './core/errors.js';
import { KeyedMutex } from './core/keyed-mutex.js';
import { Registry } from './core/registry.js';
import { Repositories } from './core/repositories.js';
import { GarbageCollector } from './gc/garbage-collector.js';
import { createApp } from './http/app.js';
import { rawErrorResponse, sendRegistryError } from './http/respond.js';
import { Listings } from './meta/listings.js';
import { MetadataStore } from './meta/metadata-store.js';
import { registryMigrations } from './meta/migrations.js';
import type { RegistryDatabase } from './meta/schema.js';
import type { StorageDriver } from './storage/driver.js';
import { FilesystemDriver } from './storage/filesystem-driver.js';

export interface RunningServer {
  server: Server;
  port: number;
  /** Stops accepting, finishes the requests in flight, stops garbage collection and closes the database. */
  close(): Promise<void>;
}

/**
 * SQLite's own default page cache (2 MiB) rather than better-sqlite3's 16 MiB: the benchmark's
 * database (~15 MiB) otherwise ended up almost wholly cached in the process, +15 MiB of RSS from
 * the tag pushes on, for no measurable gain in tag pushes or manifest GETs (the pages it reads
 * back come from the OS page cache).
 */
const SQLITE_CACHE_KIB = 2048;

/** Opens the metadata database (SQLite under the data folder, or REGISTRY_DATABASE_URL) and migrates it. */
export async function openMetadata(config: RegistryConfig): Promise<SqlDatabase<RegistryDatabase>> {
  // Metadata and blobs of private images live here: only the registry's user may enter, also when an
  // older install created the folder open.
  const registryDir = join(config.dataDir, 'registry');
  mkdirSync(registryDir, { recursive: true, mode: 0o700 });
  chmodSync(registryDir, 0o700);
  const database = openDatabase<RegistryDatabase>({
    url: config.databaseUrl,
    sqlitePath: join(config.dataDir, 'registry', 'registry.db'),
    sqliteCacheKiB: SQLITE_CACHE_KIB,
  });
  await migrateToLatest(database.db as Kysely<unknown>, registryMigrations(database.dialect));
  return database;
}

/** Token verification as configured; undefined only when REGISTRY_AUTH=none asked for no authentication. */
export async function createAuthorizer(
  config: RegistryConfig,
  logger: Logger,
): Promise<TokenAuthorizer | undefined> {
  const { auth } = config;
  if (auth.mode === 'none') {
    logger.warn('REGISTRY_AUTH=none: every request is allowed without credentials');
    return undefined;
  }
  const keys =
    'publicKeyFile' in auth.keys
      ? await readKeyFile(auth.keys.publicKeyFile)
      : createJwksKeySource({
          url: auth.keys.jwksUrl,
          onError: (error) => logger.error({ err: error }, 'fetching the token service JWKS failed'),
        });
  const verifier = createTokenVerifier({ issuer: auth.issuer, service: auth.service, keys });
  return createTokenAuthorizer({ verifier, realm: auth.realm, service: auth.service });
}

async function readKeyFile(path: string) {
  return readPublicKeyFile(path).catch((error: NodeJS.ErrnoException) => {
    const reason = error.code ?? error.message;
    throw new StartupError([
      startupProblem.fileUnreadable('REGISTRY_AUTH_TOKEN_PUBLIC_KEY_FILE', path, reason),
    ]);
  });
}

/** Until the registry is ready, the bound port answers 503 so clients retry rather than hang. */
const starting: RequestListener = (_req, res) => {
  sendRegistryError(res, registryError('UNAVAILABLE', 'the registry is starting'), { 'Retry-After': '1' });
};

/** The filesystem under the data folder, or an S3 bucket; the AWS SDK loads only for S3. */
async function openStorage(config: RegistryConfig): Promise<StorageDriver> {
  if (config.storage.driver === 'filesystem') {
    return new FilesystemDriver(join(config.dataDir, 'registry', 'storage'));
  }
  const { S3Driver } = await import('./storage/s3-driver.js');
  const driver = new S3Driver(config.storage.s3);
  await driver.checkBucket();
  return driver;
}

/**
 * Listens, checks the data folder and the database, and only then opens storage and metadata
 * (so a start that cannot serve writes nothing); throws a StartupError naming every problem.
 */
export async function startServer(
  config: RegistryConfig,
  logger: Logger = pino({ level: config.logLevel }),
): Promise<RunningServer> {
  let handle = starting;
  const server = createKeepAliveServer(config.idleTimeoutMs, (req, res) => handle(req, res));
  server.on('clientError', answerMalformedRequest);
  const problems: string[] = [];
  const listenFailure = await listenOn(server, config.host, config.port);
  if (listenFailure === 'EADDRINUSE') {
    problems.push(startupProblem.portInUse('REGISTRY_PORT', config.host, config.port));
  } else if (listenFailure) {
    problems.push(startupProblem.cannotListen('REGISTRY_PORT', config.host, config.port, listenFailure));
  }
  const folderFailure = folderProblem(join(config.dataDir, 'registry'));
  if (folderFailure)
    problems.push(startupProblem.dataDirUnusable('BERTH_DATA_DIR', config.dataDir, folderFailure));
  const databaseFailure = await databaseProblem(config.databaseUrl);
  if (databaseFailure) {
    problems.push(startupProblem.databaseUnreachable('REGISTRY_DATABASE_URL', databaseFailure));
  }
  if (problems.length > 0) {
    server.close();
    throw new StartupError(problems);
  }
  const authorizer = await createAuthorizer(config, logger).catch((error: unknown) => {
    server.close();
    throw error;
  });
  const database = await openMetadata(config);
  const storage = await openStorage(config);
  // On PostgreSQL other replicas may share the database: their commits and collections must take turns too.
  const digestLocks =
    database.dialect === 'postgres'
      ? new DatabaseLocks(new (loadPg().Pool)({ connectionString: config.databaseUrl, max: 5 }))
      : new KeyedMutex();
  const meta = new MetadataStore(database, { reviewDelayMs: config.gc.reviewDelayMs });
  const registry = new Registry({ meta, storage, digestLocks });
  const repositories = new Repositories({ meta, listings: new Listings(database.db), storage });
  const collector = new GarbageCollector({
    db: database.db,
    dialect: database.dialect,
    storage,
    digestLocks,
    logger,
    reviewDelayMs: config.gc.reviewDelayMs,
    uploadPurgeAgeMs: config.gc.uploadPurgeAgeMs,
  });
  if (config.gc.enabled) collector.start(config.gc.intervalMs);
  handle = createApp({
    registry,
    logger,
    accessLog: config.accessLog,
    extension: repositories,
    ...(authorizer ? { authorizer } : {}),
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info(
    {
      host: config.host,
      port,
      auth: config.auth.mode,
      database: database.dialect,
      storage: config.storage.driver,
    },
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
      await collector.stop();
      if (digestLocks instanceof DatabaseLocks) await digestLocks.close();
      await database.close();
    },
  };
}

/**
 * Node's default answer to a request it cannot parse is a bare 400; answer with the
 * spec's error body instead. A body that ends before its Content-Length is SIZE_INVALID.
 */
function answerMalformedRequest(error: Error & { code?: string }, socket: Duplex): void {
  if (!socket.writable || error.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const refusal =
    error.code === 'HPE_INVALID_EOF_STATE'
      ? registryError('BODY_TRUNCATED', 'the request body ended before its Content-Length')
      : registryError('REQUEST_MALFORMED', 'malformed HTTP request');
  socket.end(rawErrorResponse(refusal));
}
