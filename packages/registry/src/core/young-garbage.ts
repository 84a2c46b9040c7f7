import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Collect after this many bytes of request bodies have passed through. */
const COLLECT_EVERY_BYTES = 4 * 1024 * 1024;

type Collect = (options: { type: 'minor' }) => void;

/**
 * Every chunk of a request body is a fresh buffer outside the JavaScript heap, and V8 only
 * collects when its heap fills or ~64 MiB of such memory has piled up: a large push kept
 * 30–40 MiB of consumed chunks resident. A minor collection every 4 MiB frees them for
 * ~1 ms of work (the chunks die young), which bounds what a push adds to the resident set.
 * `--expose-gc` set at run time reaches every context and worker created afterwards.
 */
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as Collect;

let sinceCollection = 0;

/** Counts `bytes` of consumed body; runs a minor collection whenever 4 MiB have passed. */
export function releaseConsumedBytes(bytes: number): void {
  sinceCollection += bytes;
  if (sinceCollection < COLLECT_EVERY_BYTES) return;
  sinceCollection = 0;
  collect({ type: 'minor' });
}
