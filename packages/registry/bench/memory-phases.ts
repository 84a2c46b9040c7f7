import { existsSync, readFileSync } from 'node:fs';
import { MiB } from './measure.js';

/** Highest memory figures seen during one phase of a target's run (MiB). */
export interface PhaseMemory {
  phase: string;
  /** VmRSS of the server, read from /proc every 100 ms. */
  rss: number;
  /** Berth only, from its memory probe: V8 heap used and reserved, and memory outside the heap (buffers). */
  heapUsed?: number;
  heapTotal?: number;
  external?: number;
}

interface ProbeSample {
  t: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
}

/**
 * Watches a server's memory while the families run: `phase(name)` starts a phase, `stop()` ends
 * the last one and returns the highest figures of each. Idle is the time between the server's
 * start and the first family.
 */
export class MemoryWatch {
  private readonly rss: { t: number; bytes: number }[] = [];
  private readonly phases: { phase: string; start: number; end: number }[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pid: number,
    private readonly probeFile?: string,
  ) {
    this.timer = setInterval(() => this.sample(), 100);
    this.sample();
  }

  private sample(): void {
    try {
      const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'));
      if (match) this.rss.push({ t: Date.now(), bytes: Number(match[1]) * 1024 });
    } catch {
      // the server has exited; the family that runs now reports it
    }
  }

  phase(name: string): void {
    const now = Date.now();
    const last = this.phases.at(-1);
    if (last) last.end = now;
    this.phases.push({ phase: name, start: now, end: Number.POSITIVE_INFINITY });
  }

  stop(): PhaseMemory[] {
    clearInterval(this.timer);
    this.sample();
    const last = this.phases.at(-1);
    if (last) last.end = Date.now();
    const probe: ProbeSample[] =
      this.probeFile && existsSync(this.probeFile)
        ? readFileSync(this.probeFile, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((line) => JSON.parse(line) as ProbeSample)
        : [];
    return this.phases.map(({ phase, start, end }) => {
      const within = <T extends { t: number }>(samples: T[]) =>
        samples.filter((s) => s.t >= start && s.t <= end);
      const max = (values: number[]) => (values.length ? Math.max(...values) / MiB : Number.NaN);
      const heap = within(probe);
      return {
        phase,
        rss: max(within(this.rss).map((s) => s.bytes)),
        ...(probe.length
          ? {
              heapUsed: max(heap.map((s) => s.heapUsed)),
              heapTotal: max(heap.map((s) => s.heapTotal)),
              external: max(heap.map((s) => s.external)),
            }
          : {}),
      };
    });
  }
}
