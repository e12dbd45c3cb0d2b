/**
 * `npm run bench:cluster`: three cluster nodes on one Redis beside one lone server, in the same run,
 * each in a child process, clients in worker processes, all on loopback: a registration storm,
 * INVITE->180 across nodes and on one node, INFO throughput across nodes and on one server, and
 * idle clients held over the three nodes. Prints a table. Stops by itself.
 */
import { loadavg, uptime } from 'node:os';
import { execFileSync } from 'node:child_process';
import type { SignalServerOptions } from '../signal-server/options.js';
import { TestClient } from '../tests/server/client.js';
import { RedisProcess } from '../tests/server/redis-process.js';
import { runBench, startHost, startWorkers, stopHost, stopWorkers, type Host, type Worker } from './children.js';
import { sharedNow } from './clock.js';
import { holdIdle } from './memory-phase.js';
import { streamSides, type StreamPlan } from './relay-phase.js';
import { deal, names } from './split.js';
import { summarizeLatencies, type LatencySummary } from './stats.js';

const DEADLINE_MS = 600_000;
/** BENCH_STORM, BENCH_RINGS and BENCH_IDLE scale a run down (the fd limit, or a quick look). */
const STORM = Number(process.env.BENCH_STORM ?? 6_000);
const RINGS = Number(process.env.BENCH_RINGS ?? 400);
const IDLE = Number(process.env.BENCH_IDLE ?? 30_000);
const IDLE_WORKERS = 6;

/** Every client comes from 127.0.0.1, and one caller rings hundreds of times: no per-user call or flood limits here. */
const BENCH_OPTIONS: SignalServerOptions = {
  presenceFlushMs: 50,
  callsPerMinute: 1_000_000,
  callBurst: 1_000_000,
  floodLimits: { messagesPerSecond: 1_000_000, burst: 1_000_000 },
};

/** As bench:server's unpaced stream: a few messages in flight per socket, both directions. */
const RELAY: StreamPlan = { pairs: 100, mode: { kind: 'window', window: 4, perSocketCap: null, bothDirections: true }, slices: 3, warmupMs: 500, measureMs: 2_000 };

interface Storm {
  ms: number;
  failed: number;
  firstError: string | null;
}

/** Registers `count` names dealt over the workers, worker i on hosts[i mod hosts.length]: ms until the last 200. */
async function storm(hosts: Host[], workers: Worker[], count: number, prefix: string): Promise<Storm> {
  const shares = deal(names(prefix, count), workers.length);
  const startedAt = sharedNow();
  const replies = await Promise.all(
    workers.map((worker, i) =>
      worker.request(
        { kind: 'register', target: { url: hosts[i % hosts.length]!.url, flavour: 'server' }, names: shares[i] ?? [], tracking: 'none', expectedOthers: 0, concurrency: 64, timeoutMs: 60_000 },
        'registered',
        90_000,
      ),
    ),
  );
  await Promise.all(workers.map((worker) => worker.request({ kind: 'closeAll' }, 'done', 20_000)));
  return { ms: Math.max(...replies.map((r) => r.lastSettledAt)) - startedAt, failed: replies.reduce((n, r) => n + r.failed, 0), firstError: replies.find((r) => r.firstError)?.firstError ?? null };
}

const OFFER = { sdp: { type: 'offer', sdp: 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n' }, media: { audio: true, video: false } };

/** Calls first made and not counted, as in bench:call: the first of a path runs code not yet compiled. */
const WARMUP_RINGS = 10;

/** `RINGS` calls (after the warm-up) one after another from a caller on `from` to a callee on `to`: INVITE sent -> 180 back, in ms; each ends 486. */
async function rings(from: Host, to: Host, tag: string): Promise<LatencySummary> {
  const calleeName = `callee-${tag}`;
  const caller = await TestClient.register(from.url, `caller-${tag}`);
  const callee = await TestClient.register(to.url, calleeName);
  try {
    // The caller's node knows the callee once a search there finds it (past the phone book limit no NOTIFY would say so).
    const found = async (): Promise<boolean> => ((await caller.request({ method: 'SEARCH', body: { query: calleeName } })).body.users as { name: string; state: string }[]).some((user) => user.name === calleeName && user.state === 'online');
    while (!(await found()));
    const samples: number[] = [];
    for (let i = 0; i < WARMUP_RINGS + RINGS; i += 1) {
      const callId = `bench-${tag}-${String(i).padStart(8, '0')}`;
      const cseq = caller.nextCseq();
      const invited = callee.next((f) => f.method === 'INVITE' && f.callId === callId && f.status === undefined);
      const ringing = caller.next((f) => f.callId === callId && f.status === 180);
      const sent = performance.now();
      caller.send({ method: 'INVITE', cseq, callId, to: calleeName, body: OFFER });
      const invite = await invited;
      callee.send({ status: 180, reason: 'Ringing', method: 'INVITE', cseq: invite.cseq, callId });
      await ringing;
      if (i >= WARMUP_RINGS) samples.push(performance.now() - sent);
      const ended = caller.next((f) => f.callId === callId && f.status === 486);
      callee.send({ status: 486, reason: 'Busy Here', method: 'INVITE', cseq: invite.cseq, callId });
      await ended;
      // The frames read are kept by the client: forget them, so a long run holds nothing.
      caller.received.length = 0;
      callee.received.length = 0;
    }
    return summarizeLatencies(samples);
  } finally {
    await Promise.all([caller.close(), callee.close()]);
  }
}

const ms = (n: number): string => `${n.toFixed(2)} ms`;
const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
const load = (): string => loadavg().map((n) => n.toFixed(2)).join(' ');

async function main(): Promise<void> {
  const fdText = execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim();
  console.log(`LeanPhone cluster benchmark: ulimit -n ${fdText}, up ${int(uptime() / 60)} min, load average before the run: ${load()}`);
  const redis = await RedisProcess.start();
  const workers = await startWorkers(3);
  const hosts: Host[] = [];
  const rows: [string, string, string, string][] = [];
  try {
    const nodes: Host[] = [];
    for (const nodeId of ['a', 'b', 'c']) nodes.push(await startHost('server', { redis: redis.url, nodeId, ...BENCH_OPTIONS }));
    hosts.push(...nodes);
    const lone = await startHost('server', BENCH_OPTIONS);
    hosts.push(lone);
    const [a, b] = nodes as [Host, Host, Host];

    // Warms the workers' JIT so the first figure measures the servers, not the harness.
    await storm([lone], workers, 300, 'warm');
    const clusterStorm = await storm(nodes, workers, STORM, 'sc');
    const loneStorm = await storm([lone], workers, STORM, 'sl');
    console.log(`storm: ${int(clusterStorm.ms)} ms over 3 nodes, ${int(loneStorm.ms)} ms on one server`);
    for (const s of [clusterStorm, loneStorm]) if (s.failed > 0) console.log(`  ! ${s.failed} failed; first: ${s.firstError}`);
    rows.push([`registration storm, ${int(STORM)} clients`, `${int(clusterStorm.ms)} ms over 3 nodes (${clusterStorm.failed} failed)`, `${int(loneStorm.ms)} ms (${loneStorm.failed} failed)`, '']);

    const cross = await rings(a, b, 'x');
    const same = await rings(a, a, 's');
    const single = await rings(lone, lone, 'l');
    console.log(`rings: cross-node p99 ${ms(cross.p99)}, same node ${ms(same.p99)}, one server ${ms(single.p99)}`);
    rows.push([`INVITE->180 p50 / p99 (${RINGS} calls)`, `cross-node ${ms(cross.p50)} / ${ms(cross.p99)}; same node ${ms(same.p50)} / ${ms(same.p99)}`, `${ms(single.p50)} / ${ms(single.p99)}`, `cross p99 < 10 ms: ${cross.p99 < 10 ? 'pass' : 'FAIL'}`]);

    const [crossRelay, loneRelay] = await streamSides(workers, RELAY, [
      { flavour: 'server', caller: a, callee: b, hosts: nodes, prefix: 'rx' },
      { flavour: 'server', caller: lone, callee: lone, hosts: [lone], prefix: 'rl' },
    ]);
    for (const r of [crossRelay!, loneRelay!]) {
      if (r.setupFailed > 0 || r.unexpectedCloses > 0 || r.received !== r.sent) console.log(`  ! ${r.setupFailed} set-ups failed (${r.firstError ?? ''}), ${r.unexpectedCloses} closes, sent ${r.sent}, delivered ${r.received}`);
    }
    const ratio = crossRelay!.throughput / loneRelay!.throughput;
    console.log(`INFO: cross-node ${int(crossRelay!.throughput)} msg/s, one server ${int(loneRelay!.throughput)} msg/s`);
    rows.push([
      `INFO unpaced, ${RELAY.pairs} pairs both ways`,
      `cross-node ${int(crossRelay!.throughput)} msg/s, p99 ${ms(crossRelay!.latency.p99)}, ${crossRelay!.hostCpuMicrosPerMessage.toFixed(1)} µs CPU/msg (3 nodes)`,
      `${int(loneRelay!.throughput)} msg/s, p99 ${ms(loneRelay!.latency.p99)}, ${loneRelay!.hostCpuMicrosPerMessage.toFixed(1)} µs CPU/msg`,
      `ratio ${ratio.toFixed(2)} >= 0.5: ${ratio >= 0.5 ? 'pass' : 'FAIL'}`,
    ]);

    await stopHost(lone);
    hosts.splice(hosts.indexOf(lone), 1);
    const more = await startWorkers(IDLE_WORKERS - workers.length);
    try {
      const held = await holdIdle('server', nodes, [...workers, ...more], IDLE, 5_000);
      const open = held.reduce((n, h) => n + h.open, 0);
      const bad = held.reduce((n, h) => n + h.failed + h.unexpectedCloses + h.errors, 0);
      if (bad > 0) console.log(`  ! idle: ${bad} failures, closes or errors; first: ${held.find((h) => h.firstError)?.firstError ?? 'none'}`);
      const perNode = held.map((h, i) => `${'abc'[i]}: ${int(h.open)} open, RSS ${mib(h.after.rss)}`).join('; ');
      rows.push([`${int(IDLE)} idle clients over 3 nodes`, `${perNode}; registered in ${int(held[0]!.registerMs)} ms`, '', open === IDLE && bad === 0 ? 'no errors: pass' : 'FAIL']);
    } finally {
      await stopWorkers(more);
    }

    console.log('\n| figure | cluster | one server | target |\n|---|---|---|---|');
    for (const row of rows) console.log(`| ${row.join(' | ')} |`);
    console.log(`\nload average after: ${load()}`);
    if (rows.some((row) => row[3].includes('FAIL'))) process.exitCode = 1;
  } finally {
    await stopWorkers(workers);
    await Promise.all(hosts.map((host) => stopHost(host)));
    await redis.kill();
  }
}

runBench('bench', main, DEADLINE_MS);
