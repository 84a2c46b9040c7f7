import type { Family } from './family.js';
import { MiB } from './measure.js';
import { peakRssBytes } from './targets.js';

/** Runs last: VmHWM is the high-water mark of the server over everything measured before it. */
export const peakRss: Family = {
  name: 'peak-rss',
  figures: [
    {
      id: 'peak-rss',
      label: 'Server peak RSS (VmHWM), whole run',
      unit: 'MiB',
      better: 'lower',
      words: ['smaller', 'larger'],
    },
  ],
  async run({ target }) {
    return { 'peak-rss': peakRssBytes(target.pid) / MiB };
  },
};
