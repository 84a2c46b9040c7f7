import type { OciClient } from './oci-client.js';
import type { RunningTarget, TargetName } from './targets.js';

/** One row of the report. */
export interface Figure {
  id: string;
  label: string;
  unit: string;
  better: 'higher' | 'lower';
  /** Words for the ratio column, e.g. faster/slower (default) or smaller/larger. */
  words?: [good: string, bad: string];
}

/** Sizes and durations; `--quick` shrinks them for a smoke run. */
export interface BenchConfig {
  blobBytes: number;
  chunkBytes: number;
  blobRuns: number;
  loadThreads: number;
  loadConnections: number;
  loadWarmupSeconds: number;
  loadSeconds: number;
  tagCount: number;
  tagPageSize: number;
  listRuns: number;
  repoCount: number;
  catalogPageSize: number;
  walkRuns: number;
  /** Tags in the repository of the Berth-only tag page. */
  pageTagCount: number;
  /** Sequential requests timed per page latency, after `latencyWarmup` untimed ones. */
  latencySamples: number;
  latencyWarmup: number;
  /** Connections used to seed data (tags, repositories). */
  pushConcurrency: number;
}

export interface BenchContext {
  target: RunningTarget;
  client: OciClient;
  config: BenchConfig;
  /** Scratch folder for this target (wrk scripts); removed at the end. */
  workDir: string;
  log(message: string): void;
  /** A footnote for a figure of this target, e.g. "n ignored: 1 page". */
  note(figureId: string, text: string): void;
  /** Raw samples, kept in the JSON output only. */
  samples(figureId: string, values: number[]): void;
}

/**
 * A measurement family: seeds what it needs, then measures its figures. Families run in order on
 * one server per target; `targets` limits a family to some registries (e.g. Berth-only APIs), and
 * the other column then shows "n/a".
 */
export interface Family {
  name: string;
  figures: Figure[];
  targets?: TargetName[];
  run(ctx: BenchContext): Promise<Record<string, number>>;
}
