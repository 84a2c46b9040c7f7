import { createHash } from 'node:crypto';
import type { Family } from './family.js';
import { imageOn, smallLayer } from './images.js';
import { pool } from './measure.js';
import { measurePages, measureRequest, pageLatencyFigures, requestLatencyFigures } from './page-latency.js';

const REPO = 'tag-page/app';
const ID = 'tag-page';
const tagName = (index: number) => `build-${String(index).padStart(5, '0')}`;

interface Tag {
  name: string;
  size_bytes: number;
  published_at: string;
}

/**
 * Berth-only: the extension API's tag page the UI opens first (newest 100 of a CI repository's
 * tags) and a page in the middle of it, as latencies on one connection.
 */
export const tagPage: Family = {
  name: ID,
  targets: ['berth'],
  figures: [
    ...pageLatencyFigures(ID, 'Tag page, n=100 sort=-published_at'),
    ...requestLatencyFigures(`${ID}-details`, 'Details (tag count, size) of the same repository'),
  ],
  async run(ctx) {
    const { client, config, log } = ctx;
    const { pageTagCount, tagPageSize, pushConcurrency } = config;
    // A CI repository: every build is a distinct manifest (its revision and version annotated) on
    // one config and four layers, so each tag's size adds up five blobs, as a real image's would.
    // Distinct configs would cost 20,000 more requests and change nothing the listing reads.
    const layers = [256 * 1024, 64 * 1024, 16 * 1024, 1024].map((bytes) => smallLayer(bytes));
    const build = (name: string) =>
      imageOn(layers, 'tag-page', {
        'org.opencontainers.image.revision': createHash('sha1').update(name).digest('hex'),
        'org.opencontainers.image.version': name,
      });
    const { config: imageConfig } = build(tagName(0));
    for (const blob of [...layers, imageConfig]) await client.pushBlob(REPO, blob.data, blob.digest);
    const size = layers.reduce((sum, layer) => sum + layer.data.length, imageConfig.data.length);
    log(`pushing ${pageTagCount} distinct manifests, one tag each, in order`);
    // Lanes take builds in order, so tags are published over the seeding's few seconds in
    // roughly name order, a few per millisecond (ties on the time are ordered by name).
    await pool(pageTagCount, pushConcurrency, (i) =>
      client.putManifest(REPO, tagName(i), build(tagName(i)).manifest.data),
    );

    const pages = await measurePages(ctx, {
      id: ID,
      firstPath: `/berth/v1/repositories/${REPO}/tags/list/?n=${tagPageSize}&sort=-published_at`,
      pageSize: tagPageSize,
      total: pageTagCount,
      noun: 'tags (distinct manifests) in one repository',
      check(rows) {
        let previous: Tag | undefined;
        for (const row of rows as Tag[]) {
          if (row.size_bytes !== size)
            throw new Error(`tag ${row.name}: size_bytes ${row.size_bytes}, expected ${size}`);
          // Newest first; equal times by name, descending.
          if (
            previous &&
            (previous.published_at < row.published_at ||
              (previous.published_at === row.published_at && previous.name <= row.name))
          )
            throw new Error(`tags out of order: ${previous.name} before ${row.name}`);
          previous = row;
        }
        if (new Set((rows as Tag[]).map((row) => row.name)).size !== pageTagCount)
          throw new Error('the tag walk repeats tags');
      },
    });
    // The repository page the UI opens before the tags: its tag count and deduplicated size.
    const details = await measureRequest(ctx, `${ID}-details`, `/berth/v1/repositories/${REPO}/`, (body) => {
      const { tags_count, size_bytes } = body as { tags_count: number; size_bytes: number };
      if (tags_count !== pageTagCount || size_bytes !== size)
        throw new Error(`details: ${JSON.stringify(body)}, expected ${pageTagCount} tags of ${size} bytes`);
    });
    return { ...pages, ...details };
  },
};
