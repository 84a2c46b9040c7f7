import { accessSync, constants, statSync } from 'node:fs';
import type { Server } from 'node:http';
import { dirname, resolve } from 'node:path';
import { isPostgresUrl, loadPg } from './open-database.js';

/**
 * Checks a service makes before it writes anything: each answers why the thing cannot be used
 * (a short reason, without the setting's name), or undefined when it can.
 */

/** Listens, so nothing is created in the data folder by a process whose port is taken. */
export function listenOn(server: Server, host: string, port: number): Promise<string | undefined> {
  return new Promise((resolveListen) => {
    const onError = (error: NodeJS.ErrnoException) => {
      resolveListen(error.code === 'EADDRINUSE' ? 'EADDRINUSE' : describeError(error));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolveListen(undefined);
    });
  });
}

/** Whether `folder` (or its nearest existing ancestor, where it would be created) is a writable folder. */
// ENOTDIR: some ancestor is a file; walking up finds it and names it.
export function folderProblem(folder: string): string | undefined {
  let path = resolve(folder);
  for (;;) {
    try {
      if (!statSync(path).isDirectory()) return `${path} is not a folder`;
      accessSync(path, constants.W_OK | constants.X_OK);
      return undefined;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if ((code === 'ENOENT' || code === 'ENOTDIR') && dirname(path) !== path) {
        path = dirname(path);
        continue;
      }
      if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS')
        return `${path} is not writable (${code})`;
      return describeError(error);
    }
  }
}

/** Connects once to a PostgreSQL URL (SQLite needs only its folder). */
export async function databaseProblem(url: string | undefined): Promise<string | undefined> {
  if (!isPostgresUrl(url)) return undefined;
  const client = new (loadPg().Client)({ connectionString: url, connectionTimeoutMillis: 5_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (error) {
    return describeError(error);
  } finally {
    await client.end().catch(() => {});
  }
}

/** A one-line reason; Node reports a refused connection to several addresses as an AggregateError with no message. */
function describeError(error: unknown): string {
  const inner = error instanceof AggregateError && error.errors.length > 0 ? error.errors[0] : error;
  if (inner instanceof Error)
    return inner.message.split('\n')[0] || (inner as NodeJS.ErrnoException).code || inner.name;
  return String(inner);
}
