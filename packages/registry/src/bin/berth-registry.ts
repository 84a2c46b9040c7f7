#!/usr/bin/env node
import { pino } from 'pino';
import { ConfigError, loadConfig } from '../config.js';
import { startServer } from '../server.js';

async function serve(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = pino({ level: config.logLevel });
  const running = await startServer(config, logger);
  const stop = (signal: string) => {
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

const [command = 'serve'] = process.argv.slice(2);
const commands: Record<string, () => Promise<void>> = { serve };
const run = commands[command];
if (!run) {
  console.error(`usage: berth-registry <${Object.keys(commands).join('|')}>`);
  process.exit(2);
}
run().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
