import type { BenchConfig, Family } from './family.js';
import { smallImage, smallLayer } from './images.js';
import { median, pool, timeMs } from './measure.js';
import type { OciClient } from './oci-client.js';

export const catalogRepo = (index: number) => `catalog/r${String(index).padStart(5, '0')}`;

/** `repoCount` repositories under `catalog/`, each with the same small image tagged `latest`. */
export async function seedCatalog(client: OciClient, config: BenchConfig, log: (message: string) => void) {
  const { repoCount, pushConcurrency } = config;
  // One image in every repository: pushed once, then mounted (or uploaded where mount is missing).
  const image = smallImage(smallLayer(), 'catalog');
  const seed = catalogRepo(0);
  log(`seeding ${repoCount} repositories`);
  await client.pushBlob(seed, image.layer.data, image.layer.digest);
  await client.pushBlob(seed, image.config.data, image.config.digest);
  await client.putManifest(seed, 'latest', image.manifest.data);
  await pool(repoCount - 1, pushConcurrency, async (i) => {
    const repo = catalogRepo(i + 1);
    await client.mountBlob(repo, seed, image.layer.data, image.layer.digest);
    await client.mountBlob(repo, seed, image.config.data, image.config.digest);
    await client.putManifest(repo, 'latest', image.manifest.data);
  });
}

/**
 * Runs first, so the registry holds exactly `repoCount` repositories while the catalog is walked.
 * The Berth-only repository-list family lists the same repositories under `catalog/`.
 */
export const catalog: Family = {
  name: 'catalog',
  figures: [{ id: 'catalog-walk', label: 'Catalog walk, n=100 pages', unit: 'ms', better: 'lower' }],
  async run({ client, config, log, note, samples }) {
    const { repoCount, catalogPageSize, walkRuns } = config;
    await seedCatalog(client, config, log);

    const walk = async () => {
      const pages = await client.walk<{ repositories: string[] }>(`/v2/_catalog?n=${catalogPageSize}`);
      const names = new Set(pages.flatMap((page) => page.repositories));
      if (names.size !== repoCount)
        throw new Error(`catalog walk found ${names.size} of ${repoCount} repositories`);
      return pages.length;
    };
    // CNCF 2.8 re-walks its storage tree from the start for every page (a page costs more the later
    // it comes), so its figure grows with the square of repositories / page size.
    const pageCount = await walk(); // warm-up, and a check that the walk is complete
    note('catalog-walk', `${repoCount} repositories, ${pageCount} pages`);
    const times: number[] = [];
    for (let run = 0; run < walkRuns; run++) times.push(await timeMs(walk));
    samples('catalog-walk', times);
    return { 'catalog-walk': median(times) };
  },
};
