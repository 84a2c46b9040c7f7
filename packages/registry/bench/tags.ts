import type { Family } from './family.js';
import { smallImage, smallLayer } from './images.js';
import { median, pool, timeMs } from './measure.js';

const REPO = 'tags/many';
const tagName = (index: number) => `t${String(index).padStart(5, '0')}`;

interface TagList {
  name: string;
  tags: string[] | null;
}

export const tags: Family = {
  name: 'tags',
  figures: [
    {
      id: 'tag-push',
      label: 'Tag push (distinct manifests, 8 connections)',
      unit: 'tags/s',
      better: 'higher',
    },
    { id: 'tag-list', label: 'Tag list, whole (no n)', unit: 'ms', better: 'lower' },
    { id: 'tag-list-paged', label: 'Tag list, n=100 pages', unit: 'ms', better: 'lower' },
  ],
  async run({ client, config, log, note, samples }) {
    const { tagCount, tagPageSize, listRuns, pushConcurrency } = config;
    // Distinct manifests (one config blob each) so every tag is a new manifest, not a re-tag.
    const layer = smallLayer();
    const images = Array.from({ length: tagCount }, (_, i) => smallImage(layer, tagName(i)));
    log(`uploading ${tagCount} config blobs (not timed)`);
    await client.pushBlob(REPO, layer.data, layer.digest);
    await pool(tagCount, pushConcurrency, async (i) => {
      const { config } = images[i]!;
      await client.pushBlob(REPO, config.data, config.digest);
    });
    log(`pushing ${tagCount} manifests, one tag each`);
    const pushMs = await timeMs(() =>
      pool(tagCount, pushConcurrency, (i) => client.putManifest(REPO, tagName(i), images[i]!.manifest.data)),
    );

    const check = (lists: TagList[]) => {
      const seen = new Set(lists.flatMap((list) => list.tags ?? []));
      if (seen.size !== tagCount) throw new Error(`tag list has ${seen.size} of ${tagCount} tags`);
    };
    const whole = async () => check(await client.walk<TagList>(`/v2/${REPO}/tags/list`));
    let pageCount = 0;
    const paged = async () => {
      const pages = await client.walk<TagList>(`/v2/${REPO}/tags/list?n=${tagPageSize}`);
      check(pages);
      pageCount = pages.length;
    };
    const measure = async (id: string, fn: () => Promise<void>) => {
      await fn(); // warm-up and completeness check
      const times: number[] = [];
      for (let run = 0; run < listRuns; run++) times.push(await timeMs(fn));
      samples(id, times);
      return median(times);
    };
    const listMs = await measure('tag-list', whole);
    const pagedMs = await measure('tag-list-paged', paged);
    note(
      'tag-list-paged',
      pageCount === 1 && tagCount > tagPageSize
        ? `n ignored: all ${tagCount} tags in 1 page`
        : `${pageCount} pages of ${tagCount} tags`,
    );
    return { 'tag-push': tagCount / (pushMs / 1000), 'tag-list': listMs, 'tag-list-paged': pagedMs };
  },
};
