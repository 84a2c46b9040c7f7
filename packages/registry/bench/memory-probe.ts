/**
 * Loaded into Berth's server by the bench (`NODE_OPTIONS=--import=…/memory-probe.js`): appends the
 * process's memory use as one JSON line every 100 ms to BERTH_BENCH_MEMORY_FILE, so the bench
 * can report the JavaScript heap per phase, which /proc does not show.
 */
import { appendFileSync } from 'node:fs';

const file = process.env.BERTH_BENCH_MEMORY_FILE;
if (file) {
  setInterval(() => {
    const { rss, heapTotal, heapUsed, external, arrayBuffers } = process.memoryUsage();
    appendFileSync(
      file,
      `${JSON.stringify({ t: Date.now(), rss, heapTotal, heapUsed, external, arrayBuffers })}\n`,
    );
  }, 100).unref();
}
