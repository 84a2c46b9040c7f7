import { startCncfRegistry } from '../support/cncf-registry.js';
import { startRegistry } from '../support/registry-process.js';

/**
 * Berth's registry process by default. `REGISTRY_UNDER_TEST=cncf` runs the same client tests
 * against the CNCF distribution registry, to tell a client quirk from a Berth bug.
 */
export const underTest: 'berth' | 'cncf' = process.env.REGISTRY_UNDER_TEST === 'cncf' ? 'cncf' : 'berth';

export interface RegistryUnderTest {
  /** e.g. 127.0.0.1:40123, as used in image references */
  host: string;
  url: string;
  stop(): Promise<void>;
}

export async function startRegistryUnderTest(): Promise<RegistryUnderTest> {
  const running = underTest === 'cncf' ? await startCncfRegistry() : await startRegistry();
  return { host: running.host, url: running.url, stop: () => running.stop() };
}
