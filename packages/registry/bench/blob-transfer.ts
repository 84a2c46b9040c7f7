import { randomBytes } from 'node:crypto';
import type { Family } from './family.js';
import { MB, median, timeMs } from './measure.js';
import { sha256 } from './oci-client.js';

const REPO = 'blobs/big';

/** Random data generated once per bench process and reused by every push to every registry. */
let data: Buffer | undefined;
let pushes = 0;

/**
 * A fresh blob for each push: the first 8 bytes carry a counter, so no registry can skip the
 * write because it already holds the digest. Hashing is done here, outside the timed part.
 */
function nextBlob(bytes: number): { data: Buffer; digest: string } {
  if (data?.length !== bytes) data = randomBytes(bytes);
  data.writeBigUInt64BE(BigInt(++pushes), 0);
  return { data, digest: sha256(data) };
}

export const blobTransfer: Family = {
  name: 'blob-transfer',
  figures: [
    { id: 'push-monolithic', label: 'Blob push, monolithic (POST + PUT)', unit: 'MB/s', better: 'higher' },
    { id: 'push-chunked', label: 'Blob push, chunked (16 MiB PATCHes)', unit: 'MB/s', better: 'higher' },
    { id: 'pull', label: 'Blob pull (GET)', unit: 'MB/s', better: 'higher' },
  ],
  async run({ client, config, log, samples }) {
    const { blobBytes, chunkBytes, blobRuns } = config;
    const rate = (ms: number) => blobBytes / MB / (ms / 1000);
    const mono: number[] = [];
    const chunked: number[] = [];
    let last = '';
    // Alternate the two push kinds so drift (page cache, disk writeback) hits both alike.
    for (let run = 0; run < blobRuns; run++) {
      log(`push ${run + 1}/${blobRuns}`);
      const a = nextBlob(blobBytes);
      mono.push(rate(await timeMs(() => client.pushBlob(REPO, a.data, a.digest))));
      const b = nextBlob(blobBytes);
      chunked.push(rate(await timeMs(() => client.pushBlobChunked(REPO, b.data, b.digest, chunkBytes))));
      last = b.digest;
    }
    const pulls: number[] = [];
    for (let run = 0; run < blobRuns; run++) {
      const ms = await timeMs(async () => {
        const reply = await client.expect(200, 'GET', `/v2/${REPO}/blobs/${last}`, { discardBody: true });
        if (reply.bodyBytes !== blobBytes) throw new Error(`pulled ${reply.bodyBytes} of ${blobBytes} bytes`);
      });
      pulls.push(rate(ms));
    }
    samples('push-monolithic', mono);
    samples('push-chunked', chunked);
    samples('pull', pulls);
    return { 'push-monolithic': median(mono), 'push-chunked': median(chunked), pull: median(pulls) };
  },
};
