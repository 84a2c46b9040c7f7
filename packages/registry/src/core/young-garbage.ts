import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Collect after this many bytes of request bodies have passed through. */
const COLLECT_EVERY_BYTES = 1024 * 1024;

type Collect = (options: { type: 'minor' }) => void;

/**
 * Every chunk of a request body is a fresh buffer outside the JavaScript heap, and V8 only
 * collects when its heap fills or ~64 MiB of such memory has piled up: a large push kept
 * 30–40 MiB of consumed chunks resident. A minor collection every MiB frees them for well
 * under a millisecond of work (the chunks die young, and each is copied into a slot at once),
 * which bounds what a push adds to the resident set: every 4 MiB left ~3.5 MiB more resident
 * at the same push rate.
 * `--expose-gc` set at run time reaches every context and worker created afterwards.
 */
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as Collect;

let sinceCollection = 0;

/** Counts `bytes` of consumed body; runs a minor collection whenever 1 MiB has passed. */
export function releaseConsumedBytes(bytes: number): void {
  sinceCollection += bytes;
  if (sinceCollection < COLLECT_EVERY_BYTES) return;
  sinceCollection = 0;
  collect({ type: 'minor' });
}
