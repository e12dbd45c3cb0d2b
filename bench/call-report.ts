/**
 * The figures of `npm run bench:call` and their table: latency summaries (median, p90, p99) against
 * their targets, and the gzipped size of the renderer's JavaScript. Pure apart from reading files.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export interface Figure {
  figure: string;
  samples: number;
  median: string;
  p90: string;
  p99: string;
  max: string;
  target: string;
  verdict: 'pass' | 'FAIL' | 'info';
}

/** The p-th percentile by nearest rank of samples sorted ascending; NaN when empty. */
function percentileSorted(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1] as number;
}

const ms = (value: number): string => (Number.isFinite(value) ? `${value.toFixed(1)} ms` : 'n/a');

/** Median, p90 and p99 (nearest rank) of latencies in ms, judged on the median against `targetMs` (null: for information). */
export function latencyFigure(figure: string, samples: readonly number[], targetMs: number | null, judgedOn: 'median' | 'p90' = 'median'): Figure {
  const sorted = Float64Array.from(samples).sort();
  const median = percentileSorted(sorted, 50);
  const p90 = percentileSorted(sorted, 90);
  const p99 = percentileSorted(sorted, 99);
  const judged = judgedOn === 'median' ? median : p90;
  return {
    figure,
    samples: samples.length,
    median: ms(median),
    p90: ms(p90),
    p99: ms(p99),
    max: ms(sorted.length ? (sorted[sorted.length - 1] as number) : Number.NaN),
    target: targetMs === null ? '' : `${judgedOn} < ${targetMs} ms`,
    verdict: targetMs === null ? 'info' : judged < targetMs ? 'pass' : 'FAIL',
  };
}

/** Total bytes of every assets/*.js of a build, each gzipped on its own at the default level. */
export function gzippedScriptBytes(buildDir: string): { files: number; raw: number; gzipped: number } {
  const assets = join(buildDir, 'assets');
  const scripts = readdirSync(assets).filter((file) => file.endsWith('.js'));
  let raw = 0;
  let gzipped = 0;
  for (const file of scripts) {
    const bytes = readFileSync(join(assets, file));
    raw += bytes.length;
    gzipped += gzipSync(bytes).length;
  }
  return { files: scripts.length, raw, gzipped };
}

export function sizeFigure(size: { files: number; gzipped: number }, targetBytes: number): Figure {
  const kb = (bytes: number): string => `${(bytes / 1000).toFixed(1)} kB`;
  return {
    figure: `renderer JS gzipped (${size.files} file${size.files === 1 ? '' : 's'})`,
    samples: 1,
    median: kb(size.gzipped),
    p90: '',
    p99: '',
    max: '',
    target: `< ${kb(targetBytes)}`,
    verdict: size.gzipped < targetBytes ? 'pass' : 'FAIL',
  };
}

/** A Markdown table, so the output can be pasted into BENCHMARKS.md as it is. */
export function formatTable(figures: readonly Figure[]): string {
  const header = ['figure', 'n', 'median', 'p90', 'p99', 'max', 'target', 'verdict'];
  const rows = figures.map((f) => [f.figure, String(f.samples), f.median, f.p90, f.p99, f.max, f.target, f.verdict]);
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
