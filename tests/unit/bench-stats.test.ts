import { describe, expect, it } from 'vitest';
import { medianBy, mergeCounters, percentileSorted, summarizeLatencies } from '../../bench/stats.js';

describe('bench statistics', () => {
  it('takes percentiles by nearest rank', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentileSorted(sorted, 50)).toBe(50);
    expect(percentileSorted(sorted, 99)).toBe(99);
    expect(percentileSorted(sorted, 100)).toBe(100);
    expect(percentileSorted([7], 1)).toBe(7);
    expect(percentileSorted([1, 2, 3], 50)).toBe(2);
  });

  it('refuses a percentile outside (0, 100] and has none of no samples', () => {
    expect(() => percentileSorted([1], 0)).toThrow(RangeError);
    expect(() => percentileSorted([1], 101)).toThrow(RangeError);
    expect(percentileSorted([], 50)).toBeNaN();
  });

  it('summarises unsorted latencies numerically without changing them', () => {
    const samples = [10, 2, 1, 9, 3, 8, 4, 7, 5, 6];
    const copy = [...samples];
    expect(summarizeLatencies(samples)).toEqual({ count: 10, p50: 5, p99: 10, max: 10 });
    expect(samples).toEqual(copy);
    expect(summarizeLatencies(Float64Array.of(0.5, 100, 20))).toEqual({ count: 3, p50: 20, p99: 100, max: 100 });
  });

  it('merges per-worker counters into a mean and a max', () => {
    expect(mergeCounters([{ count: 2, sum: 10, max: 7 }, { count: 3, sum: 20, max: 9 }])).toEqual({ count: 5, sum: 30, mean: 6, max: 9 });
    expect(mergeCounters([]).mean).toBeNaN();
  });

  it('picks the median run by a figure', () => {
    const runs = [{ ms: 3000 }, { ms: 1000 }, { ms: 2000 }];
    expect(medianBy(runs, (r) => r.ms)).toEqual({ ms: 2000 });
    expect(medianBy([{ ms: 4 }, { ms: 1 }], (r) => r.ms)).toEqual({ ms: 1 });
    expect(medianBy([], (r: { ms: number }) => r.ms)).toBeUndefined();
    expect(runs.map((r) => r.ms)).toEqual([3000, 1000, 2000]);
  });
});
