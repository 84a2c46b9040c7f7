import http from 'node:http';
import { performance } from 'node:perf_hooks';
import type { BenchContext, Figure } from './family.js';
import { median, percentile } from './measure.js';
import { nextLink } from './oci-client.js';

/** The four rows of one paged listing: first and middle page, p50 and p99 each. */
export function pageLatencyFigures(id: string, label: string): Figure[] {
  return ['first', 'middle'].flatMap((page) =>
    ['p50', 'p99'].map((stat) => ({
      id: `${id}-${page}-${stat}`,
      label: `${label}, ${page === 'first' ? 'first page' : 'middle page (Link marker)'}, ${stat}`,
      unit: 'ms',
      better: 'lower' as const,
    })),
  );
}

/** The two rows of one single-request latency: p50 and p99. */
export function requestLatencyFigures(id: string, label: string): Figure[] {
  return ['p50', 'p99'].map((stat) => ({
    id: `${id}-${stat}`,
    label: `${label}, ${stat}`,
    unit: 'ms',
    better: 'lower' as const,
  }));
}

/**
 * Times `GET path` as sequentialLatency does, against the reply read first; `check` throws unless
 * that reply is the expected one.
 */
export async function measureRequest(
  ctx: BenchContext,
  id: string,
  path: string,
  check: (body: unknown) => void,
): Promise<Record<string, number>> {
  const { client, config, target } = ctx;
  const reply = await client.expect(200, 'GET', path);
  check(JSON.parse(reply.body.toString()));
  ctx.log(`timing GET ${path}: ${config.latencySamples} requests after ${config.latencyWarmup} warm-up`);
  const times = await sequentialLatency(
    target.url,
    path,
    reply.body,
    config.latencyWarmup,
    config.latencySamples,
  );
  ctx.samples(`${id}-p50`, times);
  return { [`${id}-p50`]: median(times), [`${id}-p99`]: percentile(times, 0.99) };
}

interface Page {
  path: string;
  body: Buffer;
  items: unknown[];
}

/**
 * GETs `path` `warmup + samples` times in a row on one keep-alive connection, so each figure is
 * a latency (request written to last body byte), never a throughput. Every reply must be 200 and
 * byte-identical to `expected`, a page checked beforehand: an error page can never flatter a figure.
 */
async function sequentialLatency(
  baseUrl: string,
  path: string,
  expected: Buffer,
  warmup: number,
  samples: number,
): Promise<number[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const url = new URL(path, baseUrl);
  let connections = 0;
  const get = () =>
    new Promise<{ status: number; body: Buffer; ms: number }>((resolve, reject) => {
      const started = performance.now();
      const req = http.get(url, { agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks),
            ms: performance.now() - started,
          }),
        );
      });
      req.on('socket', () => {
        if (!req.reusedSocket) connections += 1;
      });
      req.setTimeout(30_000, () => req.destroy(new Error(`GET ${url.pathname}: timed out`)));
      req.on('error', reject);
    });
  try {
    const times: number[] = [];
    for (let i = 0; i < warmup + samples; i++) {
      const reply = await get();
      if (reply.status !== 200 || !reply.body.equals(expected)) {
        throw new Error(
          `GET ${path}: ${reply.status}, not the page checked before: ${reply.body.toString().slice(0, 300)}`,
        );
      }
      if (i >= warmup) times.push(reply.ms); // the first requests warm the caches and the JIT
    }
    // A server that closes the connection would add a TCP handshake to some samples.
    if (connections !== 1) throw new Error(`GET ${path}: ${connections} connections, expected 1 kept alive`);
    return times;
  } finally {
    agent.destroy();
  }
}

export interface PagedListing {
  /** Figure id prefix, as given to pageLatencyFigures. */
  id: string;
  firstPath: string;
  pageSize: number;
  /** Rows the whole listing must hold. */
  total: number;
  /** What the rows are, for the note ("tags"). */
  noun: string;
  /** Throws unless the rows of the whole listing, in order, are the seeded ones. */
  check(rows: unknown[]): void;
}

/**
 * Walks the whole listing once through its `Link` headers (checked, not timed), then times its
 * first page and the page in the middle of the walk, reached through the server's own marker.
 */
export async function measurePages(
  ctx: BenchContext,
  listing: PagedListing,
): Promise<Record<string, number>> {
  const { client, config, target } = ctx;
  const { id, pageSize, total } = listing;
  const pages: Page[] = [];
  for (let path: string | undefined = listing.firstPath; path; ) {
    if (pages.length > Math.ceil(total / pageSize))
      throw new Error(`${id}: more pages than ${total} rows fill`);
    const reply = await client.expect(200, 'GET', path);
    const items: unknown = JSON.parse(reply.body.toString());
    if (!Array.isArray(items)) throw new Error(`GET ${path}: not a JSON array`);
    pages.push({ path, body: reply.body, items });
    path = nextLink(reply.headers.link);
  }
  pages.forEach((page, index) => {
    const full = index < pages.length - 1;
    if (full ? page.items.length !== pageSize : page.items.length === 0 || page.items.length > pageSize)
      throw new Error(`${id}: page ${index + 1} of ${pages.length} has ${page.items.length} rows`);
  });
  const rows = pages.flatMap((page) => page.items);
  if (rows.length !== total) throw new Error(`${id}: the listing has ${rows.length} of ${total} rows`);
  listing.check(rows);
  // With fewer than 3 pages the "middle" would be the first or the (short) last page.
  if (pages.length < 3) throw new Error(`${id}: ${pages.length} pages, need at least 3`);
  const middleIndex = Math.floor(pages.length / 2);

  const values: Record<string, number> = {};
  for (const [name, page] of [
    ['first', pages[0]!],
    ['middle', pages[middleIndex]!],
  ] as const) {
    ctx.log(
      `timing the ${name} page: ${config.latencySamples} requests after ${config.latencyWarmup} warm-up`,
    );
    const times = await sequentialLatency(
      target.url,
      page.path,
      page.body,
      config.latencyWarmup,
      config.latencySamples,
    );
    ctx.samples(`${id}-${name}-p50`, times);
    values[`${id}-${name}-p50`] = median(times);
    values[`${id}-${name}-p99`] = percentile(times, 0.99);
  }
  ctx.note(
    `${id}-first-p50`,
    `${total} ${listing.noun}, ${pages.length} pages of ${pageSize}; middle = page ${middleIndex + 1}`,
  );
  return values;
}
