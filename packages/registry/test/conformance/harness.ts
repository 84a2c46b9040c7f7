import { expect } from 'vitest';
import { startCncfRegistry } from '../support/cncf-registry.js';
import { OciClient, type OciErrorEntry, readOciErrors, sha256 } from '../support/oci-client.js';
import { startRegistry } from '../support/registry-process.js';

/**
 * Which registry the conformance suite runs against: Berth (the default) or, with
 * REGISTRY_UNDER_TEST=cncf, the CNCF distribution 2.8 reference registry, to check the
 * tests themselves. CNCF 2.8 lacks some v1.1 features; those tests are marked with
 * `berthOnly` and skipped there.
 */
export const targetKind: 'berth' | 'cncf' = process.env.REGISTRY_UNDER_TEST === 'cncf' ? 'cncf' : 'berth';
export const onCncf = targetKind === 'cncf';

export interface Target {
  url: string;
  dataDir: string;
  client: OciClient;
  /** SIGTERM and wait; keepData leaves dataDir for a restart on it. */
  stop(options?: { keepData?: boolean }): Promise<void>;
}

/** Starts the registry under test on a fresh (or the given) data folder. */
export async function startTarget(options: { dataDir?: string } = {}): Promise<Target> {
  if (onCncf) return startCncf(options.dataDir);
  const running = await startRegistry(options.dataDir ? { dataDir: options.dataDir } : {});
  return {
    url: running.url,
    dataDir: running.dataDir,
    client: new OciClient(running.url),
    stop: (stopOptions) => running.stop(stopOptions),
  };
}

async function startCncf(dataDir?: string): Promise<Target> {
  const running = await startCncfRegistry(dataDir ? { dataDir } : {});
  return {
    url: running.url,
    dataDir: running.dataDir,
    client: new OciClient(running.url),
    stop: (stopOptions) => running.stop(stopOptions),
  };
}

/** Asserts a 4xx with the spec's error body whose first code is one of `codes`; returns the entries. */
export async function expectOciError(
  response: Response,
  status: number | number[],
  codes: string | string[],
): Promise<OciErrorEntry[]> {
  const statuses = Array.isArray(status) ? status : [status];
  const allowed = Array.isArray(codes) ? codes : [codes];
  const errors = await readOciErrors(response);
  const seen = `${response.status} ${JSON.stringify(errors)}`;
  expect(statuses, `status of ${seen}`).toContain(response.status);
  expect(allowed, `code of ${seen}`).toContain(errors[0]?.code);
  return errors;
}

/** The headers every answer carrying (or describing) content must have: digest, type and length. */
export function expectContentHeaders(
  response: Response,
  expected: { digest: string; contentType?: string; length: number },
): void {
  expect(response.headers.get('docker-content-digest')).toBe(expected.digest);
  if (expected.contentType) expect(response.headers.get('content-type')).toBe(expected.contentType);
  expect(response.headers.get('content-length')).toBe(String(expected.length));
}

/** Checks a GET body is the expected bytes, and that its digest is the header's. */
export async function expectBody(response: Response, expected: Buffer): Promise<void> {
  const body = Buffer.from(await response.arrayBuffer());
  expect(sha256(body)).toBe(sha256(expected));
  expect(body.equals(expected)).toBe(true);
}
