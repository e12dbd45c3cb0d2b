/**
 * Figure 2: in-dialog relay. Pairs set up calls (INVITE, 100, 200, ACK) on the server and on the
 * bare relay, both running; then INFO candidates stream in alternating slices (server, relay,
 * relay, server, ...) so both meet the same background noise. Paced for one-way latency, or
 * windowed (a few messages in flight per socket) for sustained throughput.
 */
import type { SignalServerOptions } from '../signal-server/options.js';
import { startHost, stopHost, type Host, type Worker } from './children.js';
import type { Flavour, Pair, StreamMode, WorkerReply } from './ipc.js';
import { deal } from './split.js';
import { summarizeLatencies, type LatencySummary } from './stats.js';

export interface StreamResult {
  flavour: Flavour;
  pairs: number;
  setupFailed: number;
  firstError: string | null;
  sent: number;
  received: number;
  /** Messages delivered per second inside the measuring windows. */
  throughput: number;
  latency: LatencySummary;
  outOfOrder: number;
  unexpectedCloses: number;
  closeCodes: Record<string, number>;
  /** Host CPU time (user + system) per delivered message, in microseconds. */
  hostCpuMicrosPerMessage: number;
}

export interface StreamPlan {
  pairs: number;
  mode: StreamMode;
  /** Slices per flavour; each streams warmupMs then measures measureMs. */
  slices: number;
  warmupMs: number;
  measureMs: number;
  /** Options for the server host only (the relay has none). */
  serverOptions?: SignalServerOptions;
}

interface Side {
  flavour: Flavour;
  hosts: Host[];
  prefix: string;
  setupFailed: number;
  firstError: string | null;
  streamed: Array<Extract<WorkerReply, { kind: 'streamed' }>>;
  cpuMicros: number;
}

function makePairs(prefix: string, count: number): Pair[] {
  return Array.from({ length: count }, (_, i) => {
    const id = String(i).padStart(5, '0');
    return { caller: `${prefix}-${id}a`, callee: `${prefix}-${id}b`, callId: `bench-${prefix}-${id}-call` };
  });
}

/** Where one side's calls run: callers on `caller`, callees on `callee` (the same host, or another node of a cluster). */
export interface SideSpec {
  flavour: Flavour;
  caller: Host;
  callee: Host;
  /** Every process that carries the side's messages: their CPU time is the side's. */
  hosts: Host[];
  prefix: string;
}

async function prepare(spec: SideSpec, workers: Worker[], plan: StreamPlan): Promise<Side> {
  const target = { url: spec.caller.url, flavour: spec.flavour };
  const calleeTarget = { url: spec.callee.url, flavour: spec.flavour };
  const shares = deal(makePairs(spec.prefix, plan.pairs), workers.length);
  const setUp = await Promise.all(
    workers.map((w, i) => w.request({ kind: 'calls', target, calleeTarget, pairs: shares[i] ?? [], concurrency: 32, timeoutMs: 20_000 }, 'callsUp', 25_000)),
  );
  return {
    flavour: spec.flavour,
    hosts: spec.hosts,
    prefix: spec.prefix,
    setupFailed: setUp.reduce((n, s) => n + s.failed, 0),
    firstError: setUp.find((s) => s.firstError)?.firstError ?? null,
    streamed: [],
    cpuMicros: 0,
  };
}

async function slice(side: Side, workers: Worker[], plan: StreamPlan): Promise<void> {
  const cpu = async (): Promise<number> => {
    const usages = await Promise.all(side.hosts.map((host) => host.request({ kind: 'cpu' }, 'cpu', 5_000)));
    return usages.reduce((n, usage) => n + usage.userMicros + usage.systemMicros, 0);
  };
  const before = await cpu();
  const streamed = await Promise.all(
    workers.map((w) =>
      w.request({ kind: 'stream', namePrefix: `${side.prefix}-`, mode: plan.mode, warmupMs: plan.warmupMs, measureMs: plan.measureMs }, 'streamed', plan.warmupMs + plan.measureMs + 10_000),
    ),
  );
  const micros = (await cpu()) - before;
  side.cpuMicros += micros;
  side.streamed.push(...streamed);
  if (process.env.BENCH_VERBOSE) {
    const inWindow = streamed.reduce((n, s) => n + s.receivedInWindow, 0);
    const p99 = summarizeLatencies(Float64Array.from(streamed.flatMap((s) => [...s.latencies]))).p99;
    console.log(`      slice ${side.flavour}: ${Math.round(inWindow / (plan.measureMs / 1000))} msg/s, p99 ${p99.toFixed(2)} ms, host CPU ${(micros / 1000).toFixed(0)} ms`);
  }
}

async function summarize(side: Side, workers: Worker[], plan: StreamPlan): Promise<StreamResult> {
  const status = await Promise.all(workers.map((w) => w.request({ kind: 'status', namePrefix: `${side.prefix}-` }, 'status', 5_000)));
  const closeCodes: Record<string, number> = {};
  for (const s of status) for (const [code, n] of Object.entries(s.closeCodes)) closeCodes[code] = (closeCodes[code] ?? 0) + n;
  const received = side.streamed.reduce((n, s) => n + s.received, 0);
  const latencies = new Float64Array(side.streamed.reduce((n, s) => n + s.latencies.length, 0));
  let at = 0;
  for (const s of side.streamed) {
    latencies.set(s.latencies, at);
    at += s.latencies.length;
  }
  return {
    flavour: side.flavour,
    pairs: plan.pairs,
    setupFailed: side.setupFailed,
    firstError: side.firstError,
    sent: side.streamed.reduce((n, s) => n + s.sent, 0),
    received,
    throughput: side.streamed.reduce((n, s) => n + s.receivedInWindow, 0) / ((plan.slices * plan.measureMs) / 1000),
    latency: summarizeLatencies(latencies),
    outOfOrder: side.streamed.reduce((n, s) => n + s.outOfOrder, 0),
    unexpectedCloses: status.reduce((n, s) => n + s.unexpectedCloses, 0),
    closeCodes,
    hostCpuMicrosPerMessage: received === 0 ? Number.NaN : side.cpuMicros / received,
  };
}

/** Streams the same plan through each side's calls, slice by slice, the order reversed every other round. */
export async function streamSides(workers: Worker[], plan: StreamPlan, specs: SideSpec[]): Promise<StreamResult[]> {
  try {
    const sides: Side[] = [];
    for (const spec of specs) sides.push(await prepare(spec, workers, plan));
    for (let i = 0; i < plan.slices; i += 1) {
      for (const side of i % 2 === 0 ? sides : [...sides].reverse()) await slice(side, workers, plan);
    }
    return await Promise.all(sides.map((side) => summarize(side, workers, plan)));
  } finally {
    await Promise.all(workers.map((w) => w.request({ kind: 'closeAll' }, 'done', 10_000)));
  }
}

/** Streams the same plan through the server and the bare relay, each in a host of its own. */
export async function compareStreams(workers: Worker[], plan: StreamPlan, tag: string): Promise<{ server: StreamResult; relay: StreamResult }> {
  const hosts: Host[] = [];
  try {
    const server = await startHost('server', plan.serverOptions ?? {});
    hosts.push(server);
    const relay = await startHost('relay', {});
    hosts.push(relay);
    const side = (flavour: Flavour, host: Host, prefix: string): SideSpec => ({ flavour, caller: host, callee: host, hosts: [host], prefix });
    const [serverResult, relayResult] = await streamSides(workers, plan, [side('server', server, `${tag}s`), side('relay', relay, `${tag}r`)]);
    return { server: serverResult!, relay: relayResult! };
  } finally {
    for (const host of hosts) await stopHost(host);
  }
}
