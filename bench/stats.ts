/**
 * Statistics for the benchmark: percentiles (nearest-rank) over latency samples and a summary of
 * per-client counters. Pure functions; no I/O.
 */

/** The p-th percentile (0 < p <= 100) by nearest rank of samples sorted ascending; NaN when empty. */
export function percentileSorted(sorted: ArrayLike<number>, p: number): number {
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

/** p50, p99 and max of samples in any order (the input is not modified). */
export function summarizeLatencies(samples: ArrayLike<number>): LatencySummary {
  const sorted = Float64Array.from(samples).sort();
  return {
    count: sorted.length,
    p50: percentileSorted(sorted, 50),
    p99: percentileSorted(sorted, 99),
    max: sorted.length === 0 ? Number.NaN : (sorted[sorted.length - 1] as number),
  };
}

export interface CounterSummary {
  count: number;
  sum: number;
  mean: number;
  max: number;
}

/** Merges counters (count, sum, max) from several workers into one summary with the mean. */
export function mergeCounters(parts: ReadonlyArray<{ count: number; sum: number; max: number }>): CounterSummary {
  let count = 0;
  let sum = 0;
  let max = 0;
  for (const part of parts) {
    count += part.count;
    sum += part.sum;
    max = Math.max(max, part.max);
  }
  return { count, sum, mean: count === 0 ? Number.NaN : sum / count, max };
}

/** The middle item by `key` (the lower middle for an even count); undefined when empty. */
export function medianBy<T>(items: readonly T[], key: (item: T) => number): T | undefined {
  const sorted = [...items].sort((a, b) => key(a) - key(b));
  return sorted[Math.floor((sorted.length - 1) / 2)];
}
