import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { OciClient } from './oci-client.js';
import { type RunningRegistry, startRegistry } from './registry-process.js';

/** The review delay of GC tests against the running process: a second instead of a day. */
export const FAST_GC_DELAY_MS = 1000;

export interface FastGcRegistry {
  registry: RunningRegistry;
  client: OciClient;
  /** Where the bytes of a sha256 blob live on disk. */
  blobFile(digest: string): string;
  /** Waits for review chains (tag → manifest → blobs), a delay each, to run out. */
  waitForCollection(): Promise<void>;
}

export async function startFastGcRegistry(): Promise<FastGcRegistry> {
  const registry = await startRegistry({
    env: { GC_REVIEW_DELAY: `${FAST_GC_DELAY_MS}ms`, GC_INTERVAL: '100ms' },
  });
  return {
    registry,
    client: new OciClient(registry.url),
    blobFile: (digest) =>
      join(registry.dataDir, 'registry/storage/blobs/sha256', digest.slice(7, 9), digest.slice(7)),
    waitForCollection: () => sleep(3 * FAST_GC_DELAY_MS + 800),
  };
}
