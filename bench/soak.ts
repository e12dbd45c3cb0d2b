/**
 * `npm run bench:soak`: the signalling server alone in a child process under minutes of mixed valid
 * and hostile traffic with churn (bench/hostile-worker.ts), beside one honest call trickling INFO
 * every 20 ms each way (bench/client-worker.ts). Reports the server's RSS before, every 10 s and
 * after (after forced GC), the honest call's delivery and latency, and whether memory came back to
 * within 10 % of where it started. Loopback only; stops by itself. SOAK_TOTAL and SOAK_RATE shrink it.
 */
import { loadavg } from 'node:os';
import type { SignalServerOptions } from '../signal-server/options.js';
import { runBench, startHost, startHostileWorker, startWorkers, stopHost, stopWorkers, type Host } from './children.js';
import type { LoadPlan, MemoryFigures } from './ipc.js';
import { cameBack, deliveredAll, formatRows, formatSamples, soakRows, type Sample, type SoakResult } from './soak-report.js';
import { summarizeLatencies } from './stats.js';

const TOTAL = Number(process.env.SOAK_TOTAL ?? 100_000);
const PER_SECOND = Number(process.env.SOAK_RATE ?? 700);
const LOAD_MS = Math.ceil((TOTAL / PER_SECOND) * 1000);
/** The load stops here even if fewer frames went out (a busy machine). */
const MAX_LOAD_MS = LOAD_MS + 30_000;
const SAMPLE_EVERY_MS = 10_000;
/** Long enough for a lost socket's grace period (20 s) and a ring timeout (60 s) to end everything. */
const DRAIN_MS = 75_000;
const SETTLE_MS = 5_000;
const DEADLINE_MS = MAX_LOAD_MS + DRAIN_MS + 90_000;
const TOLERANCE = 0.1;
const HONEST = { caller: 'soak-honest-a', callee: 'soak-honest-b', callId: 'soak-honest-call-0001' };

/**
 * The server's options, in one place. Bad messages never close a socket here, so all the frames
 * reach the parser (the fuzz test covers the default limits); binary and oversized frames still
 * close sockets, which come back. Future per-address caps would count every socket of this run
 * against 127.0.0.1: raise them here.
 */
const SERVER_OPTIONS: SignalServerOptions = { floodLimits: { badMessages: 1_000_000 } };

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function health(host: Host): Promise<{ users: number; calls: number }> {
  const response = await fetch(host.url.replace(/^ws/, 'http').replace(/\/signal$/, '/healthz'), { signal: AbortSignal.timeout(5_000) });
  return (await response.json()) as { users: number; calls: number };
}

const memory = async (host: Host, collect: boolean): Promise<MemoryFigures> => (await host.request({ kind: 'memory', collect }, 'memory', 20_000)).memory;

/** Polls /healthz until no user and no call is left, at most `timeoutMs`. */
async function drained(host: Host, timeoutMs: number): Promise<SoakResult['drained']> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    const state = await health(host);
    if (state.users === 0 && state.calls === 0) return { ...state, waitedMs: Date.now() - started };
    await delay(500);
  }
  return null;
}

async function main(): Promise<void> {
  const [load] = loadavg();
  console.log(`LeanPhone soak: ${TOTAL.toLocaleString('en-US')} frames at ${PER_SECOND}/s (about ${Math.round(LOAD_MS / 1000)} s); load average ${load?.toFixed(2)}`);
  const host = await startHost('server', SERVER_OPTIONS);
  if (new URL(host.url).hostname !== '127.0.0.1') throw new Error(`the server must listen on loopback, not ${host.url}`);
  const workers = await startWorkers(1);
  const hostile = await startHostileWorker();
  const honestWorker = workers[0];
  if (!honestWorker) throw new Error('no client worker');
  try {
    const before = await memory(host, true);
    const target = { url: host.url, flavour: 'server' as const };
    const up = await honestWorker.request({ kind: 'calls', target, pairs: [HONEST], concurrency: 1, timeoutMs: 10_000 }, 'callsUp', 15_000);
    if (up.ok !== 1) throw new Error(`the honest call did not come up: ${up.firstError}`);

    const plan: LoadPlan = {
      url: host.url,
      honestNames: [HONEST.caller, HONEST.callee],
      honestCallId: HONEST.callId,
      sockets: 10,
      total: TOTAL,
      perSecond: PER_SECOND,
      maxMs: MAX_LOAD_MS,
      validShare: 0.3,
      churnPerSecond: 4,
      churnNames: 16,
      seed: 20_261_126,
    };
    const startedAt = Date.now();
    const running = Promise.all([
      honestWorker.request(
        { kind: 'stream', namePrefix: 'soak-honest-', mode: { kind: 'paced', perSocketRate: 50, bothDirections: true }, warmupMs: 1_000, measureMs: LOAD_MS },
        'streamed',
        LOAD_MS + 20_000,
      ),
      hostile.request({ kind: 'load', plan }, 'loaded', MAX_LOAD_MS + 20_000),
    ]);
    const finished = running.then(
      () => true,
      () => true,
    );
    const samples: Sample[] = [];
    while (!(await Promise.race([finished, delay(SAMPLE_EVERY_MS).then(() => false)]))) {
      const [figures, state] = await Promise.all([memory(host, false), health(host)]);
      samples.push({ at: (Date.now() - startedAt) / 1000, memory: figures, ...state });
      console.log(`  ${Math.round((Date.now() - startedAt) / 1000)} s: RSS ${(figures.rss / 2 ** 20).toFixed(1)} MiB, heap ${(figures.heapUsed / 2 ** 20).toFixed(1)} MiB, ${state.users} users, ${state.calls} calls`);
    }
    const [streamed, loaded] = await running;
    const status = await honestWorker.request({ kind: 'status' }, 'status', 5_000);
    await honestWorker.request({ kind: 'closeAll' }, 'done', 10_000);

    const empty = await drained(host, DRAIN_MS);
    await delay(SETTLE_MS);
    const after = await memory(host, true);
    const result: SoakResult = {
      plan,
      load: loaded.report,
      honest: {
        sent: streamed.sent,
        received: streamed.received,
        outOfOrder: streamed.outOfOrder,
        unexpectedCloses: status.unexpectedCloses,
        latency: summarizeLatencies(streamed.latencies),
      },
      before,
      samples,
      after,
      drained: empty,
      tolerance: TOLERANCE,
    };
    if (loaded.report.firstError) console.log(`  first error seen by the hostile worker: ${loaded.report.firstError}`);
    console.log(`\n${formatSamples(before, samples, after)}\n\n${formatRows(soakRows(result))}\n`);
    const memoryBack = cameBack(before.rss, after.rss, TOLERANCE);
    console.log(`memory back to within ${TOLERANCE * 100} % of where it started: ${memoryBack ? 'PASS' : 'FAIL'}`);
    console.log(`honest call got every INFO, in order: ${deliveredAll(result.honest) ? 'PASS' : 'FAIL'}`);
    if (soakRows(result).some((row) => row.verdict === 'FAIL')) process.exitCode = 1;
  } finally {
    await stopWorkers([...workers, hostile]);
    await stopHost(host);
  }
}

runBench('bench:soak', main, DEADLINE_MS);
