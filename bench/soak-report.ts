/**
 * The figures of `npm run bench:soak` as Markdown tables, and its two verdicts: the server's memory
 * came back to within a tolerance of where it started, and the honest call got every INFO, in
 * order. Pure: no I/O.
 */
import type { LoadPlan, LoadReport, MemoryFigures } from './ipc.js';
import type { LatencySummary } from './stats.js';

export interface Sample {
  /** Seconds since the load started. */
  at: number;
  memory: MemoryFigures;
  users: number;
  calls: number;
}

export interface HonestCall {
  sent: number;
  received: number;
  outOfOrder: number;
  unexpectedCloses: number;
  latency: LatencySummary;
}

export interface SoakResult {
  plan: LoadPlan;
  load: LoadReport;
  honest: HonestCall;
  before: MemoryFigures;
  samples: Sample[];
  after: MemoryFigures;
  /** /healthz once the clients had gone, or null if users or calls never came back to 0. */
  drained: { users: number; calls: number; waitedMs: number } | null;
  tolerance: number;
}

export interface Row {
  figure: string;
  value: string;
  target: string;
  verdict: 'PASS' | 'FAIL' | '';
}

const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const ms = (n: number): string => (Number.isFinite(n) ? `${n.toFixed(2)} ms` : 'n/a');
const percent = (part: number, whole: number): string => (whole === 0 ? 'n/a' : `${((100 * part) / whole).toFixed(2)} %`);
const change = (after: number, before: number): string => `${after >= before ? '+' : ''}${(((after - before) / before) * 100).toFixed(1)} %`;

/** True when `after` is at most `tolerance` (0.1 = 10 %) above `before`. */
export const cameBack = (before: number, after: number, tolerance: number): boolean => after <= before * (1 + tolerance);

/** Every INFO sent arrived, in order, on sockets nobody closed. */
export const deliveredAll = (call: HonestCall): boolean =>
  call.sent > 0 && call.received === call.sent && call.outOfOrder === 0 && call.unexpectedCloses === 0;

export function soakRows(result: SoakResult): Row[] {
  const { plan, load, honest, before, samples, after, drained, tolerance } = result;
  const peak = samples.reduce((max, s) => Math.max(max, s.memory.rss), before.rss);
  const codes = Object.entries(load.closeCodes).map(([code, n]) => `${code}: ${int(n)}`).join(', ') || 'none';
  const rssBack = cameBack(before.rss, after.rss, tolerance);
  const tolerated = `within ${Math.round(tolerance * 100)} % of before`;
  return [
    {
      figure: `frames from ${plan.sockets} hostile sockets`,
      value: `${int(load.sent)} in ${(load.elapsedMs / 1000).toFixed(1)} s (${int(load.sent / (load.elapsedMs / 1000))}/s, ${(load.sentBytes / 2 ** 20).toFixed(1)} MiB): ${int(load.valid)} valid, ${int(load.sent - load.valid)} hostile, of which ${int(load.closers)} binary or over 64 KiB`,
      target: `${int(plan.total)}`,
      verdict: load.sent >= plan.total ? 'PASS' : 'FAIL',
    },
    { figure: 'hostile sockets closed by the server, and came back', value: `${int(load.reconnects)} (${codes}); ${int(load.received)} frames received`, target: '', verdict: '' },
    { figure: 'open-register-close churn', value: `${int(load.churnCycles)} cycles, ${int(load.churnFailures)} failed`, target: '', verdict: load.churnFailures === 0 ? '' : 'FAIL' },
    { figure: 'server RSS before (after GC)', value: `${mib(before.rss)} (heap ${mib(before.heapUsed)})`, target: '', verdict: '' },
    {
      figure: `server RSS during (${samples.length} samples, every 10 s)`,
      value: `peak sampled ${mib(peak)}; peak ever (maxRSS) ${mib(Math.max(after.maxRss, ...samples.map((s) => s.memory.maxRss)))}`,
      target: '',
      verdict: '',
    },
    {
      figure: 'server RSS after (clients gone, after GC)',
      value: `${mib(after.rss)} (${change(after.rss, before.rss)}); heap ${mib(after.heapUsed)} (${change(after.heapUsed, before.heapUsed)})`,
      target: tolerated,
      verdict: rssBack ? 'PASS' : 'FAIL',
    },
    {
      figure: 'server state after',
      value: drained ? `${drained.users} users, ${drained.calls} calls (${(drained.waitedMs / 1000).toFixed(1)} s after the last client left)` : 'users or calls never came back to 0',
      target: '0 users, 0 calls',
      verdict: drained ? 'PASS' : 'FAIL',
    },
    {
      figure: 'honest call: INFO every 20 ms each way, delivered',
      value: `${int(honest.received)} of ${int(honest.sent)} (${percent(honest.received, honest.sent)}), ${honest.outOfOrder} out of order, ${honest.unexpectedCloses} sockets closed`,
      target: '100 %, in order',
      verdict: deliveredAll(honest) ? 'PASS' : 'FAIL',
    },
    {
      figure: 'honest call: one-way latency',
      value: `p50 ${ms(honest.latency.p50)}, p99 ${ms(honest.latency.p99)}, max ${ms(honest.latency.max)} (${int(honest.latency.count)} samples)`,
      target: '',
      verdict: '',
    },
  ];
}

/** A Markdown table of the rows, ready to paste. */
export function formatRows(rows: readonly Row[]): string {
  return markdown(['figure', 'value', 'target', 'result'], rows.map((r) => [r.figure, r.value, r.target, r.verdict]));
}

/** The memory samples taken during the load, one line each. */
export function formatSamples(before: MemoryFigures, samples: readonly Sample[], after: MemoryFigures): string {
  const line = (at: string, m: MemoryFigures, state: string): string[] => [at, mib(m.rss), mib(m.heapUsed), mib(m.external), state];
  return markdown(
    ['at', 'RSS', 'heap used', 'external', 'users / calls'],
    [line('before (GC)', before, ''), ...samples.map((s) => line(`${s.at.toFixed(0)} s`, s.memory, `${s.users} / ${s.calls}`)), line('after (GC)', after, '')],
  );
}

function markdown(header: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
