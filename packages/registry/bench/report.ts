import type { BenchConfig, Family, Figure } from './family.js';
import { MiB } from './measure.js';
import type { PhaseMemory } from './memory-phases.js';
import { TARGET_LABELS, type TargetName } from './targets.js';

export interface TargetResult {
  values: Record<string, number>;
  errors: Record<string, string>;
  notes: Record<string, string[]>;
  samples: Record<string, number[]>;
  /** Highest memory figures of the server in each phase (idle, then each family). */
  memory?: PhaseMemory[];
}

export interface BenchResults {
  startedAt: string;
  durationSeconds: number;
  config: BenchConfig;
  targets: Partial<Record<TargetName, TargetResult>>;
}

export const emptyResult = (): TargetResult => ({ values: {}, errors: {}, notes: {}, samples: {} });

function formatValue(value: number): string {
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** Berth / CNCF, then what it means in plain words, so "lower is better" rows read right. */
function formatRatio(figure: Figure, berth: number, cncf: number): string {
  if (!(berth > 0 && cncf > 0)) return '—';
  const ratio = berth / cncf;
  const [good, bad] = figure.words ?? ['faster', 'slower'];
  const isGood = figure.better === 'higher' ? ratio >= 1 : ratio <= 1;
  const factor = ratio >= 1 ? ratio : 1 / ratio;
  return `${ratio.toFixed(2)} (Berth ${factor.toFixed(2)}× ${isGood ? good : bad})`;
}

export function markdownReport(families: Family[], results: BenchResults): string {
  const footnotes: string[] = [];
  const footnote = (text: string) => {
    footnotes.push(text);
    return `[${footnotes.length}]`;
  };
  const cell = (family: Family, figure: Figure, name: TargetName): string => {
    const result = results.targets[name];
    if (family.targets && !family.targets.includes(name)) return 'n/a';
    if (!result) return 'not run';
    const notes = (result.notes[figure.id] ?? []).map((n) => ` ${footnote(`${TARGET_LABELS[name]}: ${n}`)}`);
    const error = result.errors[figure.id];
    if (error !== undefined) return `error ${footnote(`${TARGET_LABELS[name]}: ${error}`)}`;
    const value = result.values[figure.id];
    return value === undefined ? 'not run' : `${formatValue(value)}${notes.join('')}`;
  };

  const lines = [`| Figure | Berth | ${TARGET_LABELS.cncf} | Berth / CNCF |`, '| --- | ---: | ---: | --- |'];
  for (const family of families) {
    for (const figure of family.figures) {
      const direction = figure.better === 'higher' ? 'higher is better' : 'lower is better';
      const berth = results.targets.berth?.values[figure.id];
      const cncf = results.targets.cncf?.values[figure.id];
      const ratio = berth !== undefined && cncf !== undefined ? formatRatio(figure, berth, cncf) : '—';
      lines.push(
        `| ${figure.label} (${figure.unit}, ${direction}) | ${cell(family, figure, 'berth')} | ${cell(family, figure, 'cncf')} | ${ratio} |`,
      );
    }
  }

  const c = results.config;
  lines.push(
    '',
    `MB = 10^6 bytes, MiB = 2^20 bytes. Blob: ${c.blobBytes / MiB} MiB of random data, chunks of ${c.chunkBytes / MiB} MiB, ` +
      `median of ${c.blobRuns} runs. Load: wrk -t${c.loadThreads} -c${c.loadConnections} -d${c.loadSeconds}s (ab -c${c.loadConnections} -t${c.loadSeconds} for HEAD) ` +
      `after a ${c.loadWarmupSeconds}s warm-up. ` +
      `Tags: ${c.tagCount} distinct manifests pushed on ${c.pushConcurrency} connections; lists are the median of ${c.listRuns} runs. ` +
      `Catalog: ${c.repoCount} repositories, median of ${c.walkRuns} walks. ` +
      `Berth-only pages: ${c.latencySamples} sequential GETs on one keep-alive connection after ${c.latencyWarmup} warm-up ones, ` +
      `each reply checked against the page walked before. Took ${results.durationSeconds.toFixed(0)} s.`,
  );
  if (footnotes.length) lines.push('', ...footnotes.map((text, i) => `[${i + 1}] ${text}`));
  lines.push('', ...memoryTable(results));
  return lines.join('\n');
}

/** The servers' highest memory figures in each phase, in MiB; the heap columns are Berth's. */
function memoryTable(results: BenchResults): string[] {
  const berth = results.targets.berth?.memory ?? [];
  const cncf = results.targets.cncf?.memory ?? [];
  const phases = [...new Set([...berth, ...cncf].map((m) => m.phase))];
  if (phases.length === 0) return [];
  const mib = (value: number | undefined) =>
    value === undefined || Number.isNaN(value) ? '—' : formatValue(value);
  const lines = [
    `| Phase (highest value, MiB) | Berth RSS | Berth heap used | Berth heap total | Berth external | ${TARGET_LABELS.cncf} RSS |`,
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const phase of phases) {
    const b = berth.find((m) => m.phase === phase);
    const c = cncf.find((m) => m.phase === phase);
    lines.push(
      `| ${phase} | ${mib(b?.rss)} | ${mib(b?.heapUsed)} | ${mib(b?.heapTotal)} | ${mib(b?.external)} | ${mib(c?.rss)} |`,
    );
  }
  return lines;
}
