import { describe, expect, it } from 'vitest';
import type { LoadPlan, LoadReport, MemoryFigures } from '../../bench/ipc.js';
import { cameBack, deliveredAll, formatRows, soakRows, type HonestCall, type SoakResult } from '../../bench/soak-report.js';

const MiB = 2 ** 20;
const memory = (rss: number): MemoryFigures => ({ rss: rss * MiB, heapUsed: 10 * MiB, external: MiB, arrayBuffers: 0, maxRss: rss * MiB });
const honest: HonestCall = { sent: 100, received: 100, outOfOrder: 0, unexpectedCloses: 0, latency: { count: 90, p50: 0.2, p99: 1, max: 2 } };
const plan = { sockets: 10, total: 1_000 } as LoadPlan;
const load: LoadReport = { sent: 1_000, sentBytes: MiB, valid: 300, closers: 20, elapsedMs: 2_000, received: 900, closeCodes: { 1003: 20 }, reconnects: 20, churnCycles: 8, churnFailures: 0, firstError: null };

function result(afterRss: number, call: HonestCall = honest): SoakResult {
  return { plan, load, honest: call, before: memory(100), samples: [], after: memory(afterRss), drained: { users: 0, calls: 0, waitedMs: 20_000 }, tolerance: 0.1 };
}

const verdictOf = (rows: ReturnType<typeof soakRows>, figure: string): string | undefined => rows.find((r) => r.figure.startsWith(figure))?.verdict;

describe('soak report', () => {
  it('passes memory that came back to within the tolerance, and fails memory that did not', () => {
    expect(cameBack(100, 110, 0.1)).toBe(true);
    expect(cameBack(100, 90, 0.1)).toBe(true);
    expect(cameBack(100, 110.5, 0.1)).toBe(false);
    expect(verdictOf(soakRows(result(109)), 'server RSS after')).toBe('PASS');
    expect(verdictOf(soakRows(result(111)), 'server RSS after')).toBe('FAIL');
  });

  it('passes the honest call only when every INFO arrived, in order, on sockets nobody closed', () => {
    expect(deliveredAll(honest)).toBe(true);
    expect(deliveredAll({ ...honest, received: 99 })).toBe(false);
    expect(deliveredAll({ ...honest, outOfOrder: 1 })).toBe(false);
    expect(deliveredAll({ ...honest, unexpectedCloses: 1 })).toBe(false);
    expect(deliveredAll({ ...honest, sent: 0, received: 0 })).toBe(false);
    expect(verdictOf(soakRows(result(100, { ...honest, received: 99 })), 'honest call: INFO')).toBe('FAIL');
  });

  it('prints a Markdown table with a row per figure', () => {
    const table = formatRows(soakRows(result(100))).split('\n');
    expect(table[0]).toBe('| figure | value | target | result |');
    expect(table[1]).toBe('| --- | --- | --- | --- |');
    expect(table.length).toBe(2 + soakRows(result(100)).length);
  });
});
