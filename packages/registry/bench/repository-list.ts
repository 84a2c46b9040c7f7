import { catalogRepo, seedCatalog } from './catalog.js';
import type { Family } from './family.js';
import { measurePages, pageLatencyFigures } from './page-latency.js';

const ID = 'repository-list';
const PREFIX = 'catalog';

interface Repository {
  path: string;
  tags_count: number;
  size_bytes: number;
}

/**
 * Berth-only: the extension API's repository list under one prefix, with tag counts and
 * deduplicated sizes, as latencies on one connection. It lists the catalog family's
 * repositories (all under `catalog/`, one image each) and seeds them itself when run alone.
 */
export const repositoryList: Family = {
  name: ID,
  targets: ['berth'],
  figures: pageLatencyFigures(ID, 'Repository list with sizes, n=100 under one prefix'),
  async run(ctx) {
    const { client, config, log } = ctx;
    const { repoCount, catalogPageSize } = config;
    const first = `/berth/v1/repository-paths/${PREFIX}/repositories/list/?n=${catalogPageSize}`;
    const probe = await client.expect(
      200,
      'GET',
      `/berth/v1/repository-paths/${PREFIX}/repositories/list/?n=1`,
    );
    if ((JSON.parse(probe.body.toString()) as unknown[]).length === 0) await seedCatalog(client, config, log);
    else log(`listing the catalog family's repositories`);

    return measurePages(ctx, {
      id: ID,
      firstPath: first,
      pageSize: catalogPageSize,
      total: repoCount,
      noun: `repositories under ${PREFIX}/ (one image each)`,
      check(rows) {
        const size = (rows as Repository[])[0]?.size_bytes ?? 0;
        // The layer alone is 1 KiB: a smaller size means the blobs were not counted.
        if (size <= 1024) throw new Error(`size_bytes ${size}: the image's blobs are not counted`);
        (rows as Repository[]).forEach((row, i) => {
          if (row.path !== catalogRepo(i) || row.tags_count !== 1 || row.size_bytes !== size)
            throw new Error(`repository ${i}: ${JSON.stringify(row)}, expected ${catalogRepo(i)}`);
        });
      },
    });
  },
};
