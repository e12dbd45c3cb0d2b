/**
 * `npm run bench:server`: measures the signalling server against a bare `ws` relay with the same
 * traffic, server and relay each alone in a child process, clients in worker processes, all on
 * loopback. Prints each figure, the ratio and the target, then a summary table. Stops by itself.
 * BENCH_ONLY=presence,latency,throughput,memory,hold runs a subset; BENCH_VERBOSE=1 prints each
 * stream slice; BENCH_CPU_PROF=1 (or all, with the workers) writes CPU profiles to BENCH_PROF_DIR.
 */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { runBench, profileDir, startWorkers, stopWorkers } from './children.js';
import { runMemory, type MemoryResult } from './memory-phase.js';
import { runPresence, type PresenceResult } from './presence-phase.js';
import { compareStreams, type StreamPlan, type StreamResult } from './relay-phase.js';
import { medianBy } from './stats.js';

/** A safety net: a quiet run takes about 100 s; a machine busy with other work stretches phase 4 most. */
const DEADLINE_MS = 300_000;
const PRESENCE_ROUNDS = 3;
const PHASES = ['presence', 'latency', 'throughput', 'memory', 'hold'] as const;
type Phase = (typeof PHASES)[number];

const PACED: StreamPlan = { pairs: 100, mode: { kind: 'paced', perSocketRate: 50, bothDirections: false }, slices: 3, warmupMs: 500, measureMs: 2_500 };
/** Unpaced: each socket keeps a few messages in flight; the server's flood limit is raised for this run only. */
const UNPACED: StreamPlan = {
  pairs: 200,
  mode: { kind: 'window', window: 4, perSocketCap: null, bothDirections: true },
  slices: 3,
  warmupMs: 500,
  measureMs: 2_000,
  serverOptions: { floodLimits: { messagesPerSecond: 1_000_000, burst: 1_000_000 } },
};

interface Row {
  figure: string;
  server: string;
  relay: string;
  ratio: string;
  target: string;
  verdict: 'pass' | 'FAIL' | 'info';
}

const rows: Row[] = [];
const f1 = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : 'n/a');
const f2 = (n: number): string => (Number.isFinite(n) ? n.toFixed(2) : 'n/a');
const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;
const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
const int = (n: number): string => Math.round(n).toLocaleString('en-US');

function row(figure: string, server: string, relay: string, ratio: string, target: string, verdict: Row['verdict']): void {
  rows.push({ figure, server, relay, ratio, target, verdict });
  console.log(`  ${figure}: server ${server}${relay ? `, relay ${relay}` : ''}${ratio ? `, ratio ${ratio}` : ''}${target ? ` (target ${target}: ${verdict})` : ''}`);
}

function selectedPhases(): Set<Phase> {
  const only = process.env.BENCH_ONLY;
  if (!only) return new Set(PHASES);
  const chosen = only.split(',').map((s) => s.trim());
  const unknown = chosen.filter((s) => !(PHASES as readonly string[]).includes(s));
  if (unknown.length > 0) throw new Error(`BENCH_ONLY: unknown phase ${unknown.join(', ')}; choose from ${PHASES.join(', ')}`);
  return new Set(chosen as Phase[]);
}

function reportPresence(server: PresenceResult, relay: PresenceResult): void {
  const problems = [server, relay].filter((r) => r.failed > 0 || r.incomplete > 0);
  for (const r of problems) console.log(`  ! ${r.flavour}: ${r.failed} failed, ${r.incomplete} incomplete; first error: ${r.firstError ?? 'none'}`);
  const ok = server.failed === 0 && server.incomplete === 0;
  row(`${int(server.clients)} clients register, full presence`, `${int(server.elapsedMs)} ms`, `${int(relay.elapsedMs)} ms (connect + 1 echo)`, f1(server.elapsedMs / relay.elapsedMs), '< 3,000 ms', ok && server.elapsedMs < 3_000 ? 'pass' : 'FAIL');
  row('host process CPU during registration', `${int(server.hostCpuMs)} ms`, `${int(relay.hostCpuMs)} ms`, f1(server.hostCpuMs / relay.hostCpuMs), '', 'info');
  row('REGISTER 200 (full list) per client', `mean ${kib(server.registerBytes.mean)}, max ${kib(server.registerBytes.max)}`, '', '', '', 'info');
  row('presence bytes/msgs per client after its 200', `mean ${int(server.notifyBytes.mean)} B in ${f1(server.notifyMessages.mean)} NOTIFY, max ${int(server.notifyBytes.max)} B`, '', '', '', 'info');
  const changes = server.changes;
  const perChange = changes.reduce((n, c) => n + c.bytesPerClient, 0) / changes.length;
  const messages = changes.reduce((n, c) => n + c.messagesPerClient, 0) / changes.length;
  const worst = Math.max(...changes.map((c) => c.maxBytes));
  const missing = changes.reduce((n, c) => n + c.missing, 0);
  const small = worst < server.registerBytes.max / 10 && missing === 0;
  row('one presence change (PUBLISH dnd/online), per client', `${f1(perChange)} B in ${f2(messages)} msg (max ${int(worst)} B)`, '', '', 'one small msg, not the list', small ? 'pass' : 'FAIL');
}

function reportStream(label: string, server: StreamResult, relay: StreamResult, latencyTarget: boolean): void {
  for (const r of [server, relay]) {
    if (r.setupFailed > 0 || r.unexpectedCloses > 0 || r.outOfOrder > 0) {
      console.log(`  ! ${r.flavour}: ${r.setupFailed} call set-ups failed (${r.firstError ?? ''}), ${r.unexpectedCloses} unexpected closes ${JSON.stringify(r.closeCodes)}, ${r.outOfOrder} out of order`);
    }
    console.log(`    ${r.flavour}: ${r.pairs} pairs, sent ${int(r.sent)}, delivered ${int(r.received)}, ${int(r.throughput)} msg/s, host CPU ${f1(r.hostCpuMicrosPerMessage)} µs/msg`);
  }
  const clean = server.setupFailed === 0 && server.unexpectedCloses === 0 && server.received === server.sent;
  if (latencyTarget) {
    row(`${label} one-way p50`, `${f2(server.latency.p50)} ms`, `${f2(relay.latency.p50)} ms`, f1(server.latency.p50 / relay.latency.p50), '', 'info');
    row(`${label} one-way p99`, `${f2(server.latency.p99)} ms`, `${f2(relay.latency.p99)} ms`, f1(server.latency.p99 / relay.latency.p99), '< 5 ms', clean && server.latency.p99 < 5 ? 'pass' : 'FAIL');
    row(`${label} delivered rate`, `${int(server.throughput)} msg/s`, `${int(relay.throughput)} msg/s`, f2(server.throughput / relay.throughput), '', 'info');
  } else {
    const ratio = server.throughput / relay.throughput;
    row(`${label} sustained throughput`, `${int(server.throughput)} msg/s`, `${int(relay.throughput)} msg/s`, f2(ratio), 'ratio >= 0.7', clean && ratio >= 0.7 ? 'pass' : 'FAIL');
    row(`${label} host CPU per message`, `${f1(server.hostCpuMicrosPerMessage)} µs`, `${f1(relay.hostCpuMicrosPerMessage)} µs`, f2(server.hostCpuMicrosPerMessage / relay.hostCpuMicrosPerMessage), '', 'info');
    row(`${label} p99 at saturation`, `${f1(server.latency.p99)} ms`, `${f1(relay.latency.p99)} ms`, '', '', 'info');
  }
}

function reportMemory(server: MemoryResult, relay: MemoryResult): void {
  for (const r of [server, relay]) {
    if (r.failed > 0 || r.unexpectedCloses > 0) console.log(`  ! ${r.flavour}: ${r.failed} failed (${r.firstError ?? ''}), ${r.unexpectedCloses} unexpected closes`);
  }
  const ok = server.failed === 0 && server.unexpectedCloses === 0;
  row(`memory per idle registered connection (${int(server.clients)}), heap+external`, kib(server.jsPerClient), kib(relay.jsPerClient), f1(server.jsPerClient / relay.jsPerClient), '< 20 KiB', ok && server.jsPerClient < 20 * 1024 ? 'pass' : 'FAIL');
  row(`memory per idle registered connection (${int(server.clients)}), RSS`, kib(server.rssPerClient), kib(relay.rssPerClient), f1(server.rssPerClient / relay.rssPerClient), '< 20 KiB', ok && server.rssPerClient < 20 * 1024 ? 'pass' : 'FAIL');
}

function reportHold(server: MemoryResult): void {
  const ok = server.registered === server.clients && server.open === server.clients && server.unexpectedCloses === 0 && server.errors === 0;
  if (!ok) console.log(`  ! ${server.registered} registered, ${server.open} open, ${server.unexpectedCloses} unexpected closes, ${server.errors} errors; first error: ${server.firstError ?? 'none'}`);
  row(
    `${int(server.clients)} idle registered clients held`,
    `${int(server.open)} open; RSS ${mib(server.after.rss)} (${kib(server.rssPerClient)}/conn), heap ${mib(server.after.heapUsed)} (heap+ext ${kib(server.jsPerClient)}/conn); registered in ${int(server.registerMs)} ms`,
    '',
    '',
    'no errors',
    ok ? 'pass' : 'FAIL',
  );
}

function printTable(): void {
  const headers: Row = { figure: 'figure', server: 'server', relay: 'bare relay', ratio: 'ratio', target: 'target', verdict: 'info' };
  const keys = ['figure', 'server', 'relay', 'ratio', 'target', 'verdict'] as const;
  const all = [headers, ...rows];
  const widths = keys.map((k) => Math.max(...all.map((r) => (k === 'verdict' ? 7 : r[k].length))));
  const line = (r: Row, isHeader: boolean): string =>
    `| ${keys.map((k, i) => (k === 'verdict' && isHeader ? 'result' : r[k]).padEnd(widths[i] ?? 0)).join(' | ')} |`;
  console.log(`\n${line(headers, true)}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r, false));
}

async function main(): Promise<void> {
  const phases = selectedPhases();
  const startedAt = Date.now();
  console.log(`LeanPhone server benchmark: node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'})`);
  const fdText = execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim();
  const fdLimit = fdText === 'unlimited' ? Number.POSITIVE_INFINITY : Number(fdText);
  if (phases.has('hold') && fdLimit < 12_000) {
    console.log(`File-descriptor limit ${fdLimit}: the 10,000-client hold needs about 12,000 in the server process; raise it with ulimit -n`);
  }
  const [load] = loadavg();
  console.log(`ulimit -n ${fdText}; load average before the run: ${f2(load ?? Number.NaN)}${(load ?? 0) > 0.5 ? ' (other work is running: figures will be noisy)' : ''}`);
  const workers = await startWorkers(2);
  try {
    // Warms the client workers' JIT so the first figure measures the target, not the harness.
    await runPresence('relay', workers, 500, 128);
    if (phases.has('presence')) {
      console.log(`\n1. Registration and presence (2,000 clients), median of ${PRESENCE_ROUNDS} rounds`);
      const servers: PresenceResult[] = [];
      const relays: PresenceResult[] = [];
      for (let round = 1; round <= PRESENCE_ROUNDS; round += 1) {
        servers.push(await runPresence('server', workers, 2_000, 128));
        relays.push(await runPresence('relay', workers, 2_000, 128));
        console.log(`    round ${round}: server ${int(servers.at(-1)?.elapsedMs ?? Number.NaN)} ms, relay ${int(relays.at(-1)?.elapsedMs ?? Number.NaN)} ms`);
      }
      const server = medianBy(servers, (r) => r.elapsedMs);
      const relay = medianBy(relays, (r) => r.elapsedMs);
      if (server && relay) reportPresence(server, relay);
    }
    if (phases.has('latency')) {
      console.log(`\n2a. In-dialog INFO relay, paced: ${PACED.pairs} pairs x 50 msg/s = 5,000 msg/s`);
      const { server, relay } = await compareStreams(workers, PACED, 'l');
      reportStream('INFO at 5,000 msg/s', server, relay, true);
    }
    if (phases.has('throughput')) {
      console.log(`\n2b. In-dialog INFO relay, unpaced: ${UNPACED.pairs} pairs, both directions, 4 in flight per socket, server flood limit raised`);
      const { server, relay } = await compareStreams(workers, UNPACED, 't');
      reportStream('INFO unpaced', server, relay, false);
    }
    if (phases.has('memory')) {
      console.log('\n3. Memory per idle registered connection (2,000 clients)');
      const server = await runMemory('server', workers, 2_000, 1_000);
      const relay = await runMemory('relay', workers, 2_000, 1_000);
      reportMemory(server, relay);
    }
    if (phases.has('hold')) {
      console.log('\n4. 10,000 idle registered clients in one server process (4 client processes)');
      const more = await startWorkers(2);
      try {
        reportHold(await runMemory('server', [...workers, ...more], 10_000, 5_000));
      } finally {
        await stopWorkers(more);
      }
    }
  } finally {
    await stopWorkers(workers);
  }
  printTable();
  console.log(`\nTotal ${((Date.now() - startedAt) / 1000).toFixed(1)} s.`);
  if (process.env.BENCH_CPU_PROF) console.log(`CPU profiles in ${profileDir()}; summarise one with: npx tsx bench/profile-summary.ts <file>`);
  if (rows.some((r) => r.verdict === 'FAIL')) process.exitCode = 1;
}

runBench('bench', main, DEADLINE_MS);
