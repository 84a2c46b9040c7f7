#!/usr/bin/env -S MALLOC_ARENA_MAX=1 MALLOC_TRIM_THRESHOLD_=131072 node --max-semi-space-size=1 --heap-growing-percent=50
// The one place that says how Node runs the registry: every start (pnpm start, scripts/start.mjs,
// the container, the bench, the tests) executes this file, so these V8 flags always apply. V8 reads
// them only from the command line: set at run time they do not resize the heap. A 1 MiB young
// generation, and an old generation allowed to grow by half its live size before V8 collects it
// (V8 otherwise lets it grow up to fourfold), hold the heap under load to ~22 MiB instead of ~55
// (docs/benchmarks.md). --optimize-for-size held it as well but cost a third of the tag pushes.
// glibc's allocator is set in the same line (`env -S` passes NAME=VALUE to node's environment):
// one arena for all threads, since the V8 and libuv threads each kept a mostly free arena of their
// own (~3-5 MiB in all under load), and a fixed 128 KiB trim threshold, since glibc otherwise
// raises it with the largest block freed and kept ~2 MiB of freed startup memory at idle.
// Neither changed the request rates in the bench.
import { StartupError, startupFailureText } from '@berth/contract';
import { pino } from 'pino';
import { loadConfig } from '../config.js';
import { gcDryRun } from '../gc/dry-run.js';
import { openMetadata, startServer } from '../server.js';

async function serve(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = pino({ level: config.logLevel });
  const running = await startServer(config, logger);
  // Ctrl-C reaches the process both from the terminal and from `pnpm start`: stop once.
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'registry stopping');
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'registry did not stop cleanly');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

/** Reports what garbage collection would remove now; changes nothing. */
async function gc(): Promise<void> {
  if (!process.argv.includes('--dry-run')) {
    throw new Error(
      'berth-registry gc only reports (--dry-run); the running registry collects garbage online',
    );
  }
  const config = loadConfig(process.env);
  const database = await openMetadata(config);
  try {
    console.log(JSON.stringify(await gcDryRun(database.db, Date.now()), null, 2));
  } finally {
    await database.close();
  }
}

const [command = 'serve'] = process.argv.slice(2);
const commands: Record<string, () => Promise<void>> = { serve, gc };
const run = commands[command];
if (!run) {
  console.error(`usage: berth-registry <${Object.keys(commands).join('|')}>`);
  process.exit(2);
}
run().catch((error: unknown) => {
  const problems =
    error instanceof StartupError
      ? error.problems
      : [`failed to start: ${error instanceof Error ? error.message : String(error)}`];
  process.stderr.write(startupFailureText('berth-registry', problems));
  process.exit(1);
});
