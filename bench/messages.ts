/**
 * `npm run bench:messages`: text messages through a real server with its store, over real sockets.
 * The server runs alone in a child process (bench/host.ts) on a fresh data folder; 1,000 users
 * online here, each recipient reporting delivery as the browser phone does (the ids of 100 ms in one
 * report, renderer/src/stores/receipt-outbox.ts). Two phases:
 * - capacity: every user keeps a few messages waiting for "sent" at once; messages stored (200
 *   "sent") and delivered a second, and the server's CPU per message;
 * - latency: messages offered at fixed rates (BENCH_RATE a second, a comma-separated list,
 *   default 1,000, 3,000 and 5,000), spread over the users; send to "sent" and send to arrival
 *   p50/p99 at each, and whether the server kept up.
 * BENCH_HOST=relay runs the same traffic through bench/bare-mail-relay.ts instead: the same frames
 * with no checks and no store, the floor this machine sets for any host. BENCH_HOST=stored-relay
 * adds the host's real store to that relay, on a thread of its own, "sent" waiting for the disk: the
 * floor for any host that keeps messages. Its calls go to the thread each turn, or every
 * BENCH_STORE_BATCH_MS milliseconds. BENCH_HOST=server-memory is the server with its records in
 * memory (nothing durable): the cost of the server's own work on a message, without a store's.
 * BENCH_STORE_THREAD=1 runs the server's store on a thread of its own (`serve --store-thread`); a
 * message it refuses as busy, having fallen behind, fails the targets and is counted.
 * Then, unless BENCH_FLOOR=0 (or BENCH_HOST=relay), the bare relay takes the highest rate in the same
 * minutes: these machines run at speeds up to twice apart from one hour to the next, and a figure
 * means little without what the floor measured beside it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { join } from 'node:path';
import WebSocket from 'ws';
import { MAX_RECEIPT_IDS, SUBPROTOCOL } from '../common/protocol.js';
import { ReceiptOutbox } from '../renderer/src/stores/receipt-outbox.js';
import { killAll, startHost, stopHost, type Host } from './children.js';
import { GcRecord } from './gc-record.js';
import type { GcPauses, HostKind } from './ipc.js';
import { summarizeLatencies, type LatencySummary } from './stats.js';

const USERS = 1_000;
const CAPACITY_MESSAGES = Number(process.env.BENCH_MESSAGES ?? 30_000);
/** Messages each user has waiting for "sent" at once in the capacity phase. */
const IN_FLIGHT = 2;
const RATES = (process.env.BENCH_RATE ?? '1000,3000,5000').split(',').map(Number);
if (RATES.some((rate) => !Number.isSafeInteger(rate) || rate < 1)) throw new Error(`BENCH_RATE must list whole numbers of messages a second, not ${process.env.BENCH_RATE}`);
const RATE_SECONDS = Number(process.env.BENCH_RATE_SECONDS ?? 6);
if (!(RATE_SECONDS > 0)) throw new Error(`BENCH_RATE_SECONDS must be a number of seconds above 0, not ${process.env.BENCH_RATE_SECONDS}`);
/**
 * Seconds at each rate before it is measured: the first fraction of a second at a new rate runs
 * code not yet optimised for it, on both sides, and was the slowest of the phase (the bare relay's
 * p99 over 8 s: 27.7 to 95.1 ms with it, 8.7 to 12.7 ms without its first second).
 */
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 1);
if (!(WARMUP_SECONDS >= 0)) throw new Error(`BENCH_WARMUP_SECONDS must be 0 or more, not ${process.env.BENCH_WARMUP_SECONDS}`);
/** Issue 11's targets. */
const STORED_TARGET_PER_SECOND = 5_000;
const ARRIVAL_P99_TARGET_MS = 20;
const HOSTS = ['server', 'server-memory', 'relay', 'stored-relay'] as const;
function chosenHost(named: string): (typeof HOSTS)[number] {
  const host = HOSTS.find((known) => known === named);
  if (host === undefined) throw new Error(`BENCH_HOST must be one of ${HOSTS.join(', ')}, not ${named}`);
  return host;
}
const HOST = chosenHost(process.env.BENCH_HOST ?? 'server');
const FLOOR = HOST !== 'relay' && process.env.BENCH_FLOOR !== '0';
const HOST_TITLE = {
  server: 'server',
  'server-memory': 'server with its records in memory (bench/memory-store.ts)',
  relay: 'bare relay (bench/bare-mail-relay.ts)',
  'stored-relay': 'bare relay with the store on a thread (bench/bare-mail-relay.ts)',
}[HOST];
/** The kind of process bench/host.ts starts for each. */
const HOST_KIND = { server: 'server', 'server-memory': 'server-memory', relay: 'mail-relay', 'stored-relay': 'stored-mail-relay' } as const satisfies Record<(typeof HOSTS)[number], HostKind>;
/** The clients' own collections: a full one stalls all 1,000 of them at once, and their arrivals with it. */
const clientsGc = new GcRecord();
/** The fixed-rate phase sends a batch this often. */
const TICK_MS = 5;

interface User {
  readonly name: string;
  readonly ws: WebSocket;
  readonly receipts: ReceiptOutbox;
  cseq: number;
  readonly awaitingSent: AwaitingSent;
}

/**
 * A user's messages waiting for "sent": the index of each by its cseq, in typed arrays rather than
 * a promise and a map entry a message, which the clients' collections had to go through (about a
 * tenth of what outlived a young collection there).
 */
class AwaitingSent {
  /** Room for the messages of this many cseqs in a row (a user's receipts take cseqs too). */
  static readonly SLOTS = 256;
  readonly #cseqs = new Int32Array(AwaitingSent.SLOTS);
  readonly #indexes = new Int32Array(AwaitingSent.SLOTS);

  add(cseq: number, index: number): void {
    const slot = cseq % AwaitingSent.SLOTS;
    if (this.#cseqs[slot] !== 0) throw new Error(`a message waits for "sent" from ${AwaitingSent.SLOTS} cseqs back: the host has stopped answering`);
    this.#cseqs[slot] = cseq;
    this.#indexes[slot] = index;
  }

  /** The index of the message sent with `cseq`, now answered, or -1 for a cseq not waiting. */
  take(cseq: number): number {
    const slot = cseq % AwaitingSent.SLOTS;
    if (this.#cseqs[slot] !== cseq) return -1;
    this.#cseqs[slot] = 0;
    return this.#indexes[slot] as number;
  }

  clear(): void {
    this.#cseqs.fill(0);
  }
}

/**
 * When each message of a phase was asked for, answered "sent" and arrived (performance.now(), NaN
 * until then), by its index. Typed arrays rather than an object a message: 45,000 of those grew
 * this process's live heap from 8 to 22 MB in a run, which its collections, each stalling all
 * 1,000 clients at once, then had to go through.
 */
class Timings {
  readonly asked: Float64Array;
  readonly stored: Float64Array;
  readonly arrived: Float64Array;

  constructor(
    readonly phase: string,
    size: number,
  ) {
    this.asked = new Float64Array(size).fill(NaN);
    this.stored = new Float64Array(size).fill(NaN);
    this.arrived = new Float64Array(size).fill(NaN);
  }

  /** The index of the message of this phase with `text`, or -1 for a text it did not send. */
  indexOf(text: string): number {
    if (!text.startsWith(`${this.phase} `)) return -1;
    const index = Number.parseInt(text.slice(this.phase.length + 1), 10);
    return index >= 0 && index < this.asked.length ? index : -1;
  }
}

class Traffic {
  timings = new Timings('', 0);
  /** Told of each message answered, "sent" or refused as busy: the capacity phase sends the next. */
  onAnswered: ((user: User) => void) | null = null;
  stored = 0;
  delivered = 0;
  /** Messages refused 503 "The host is busy" (a store on a thread that fell behind): never sent, never arriving. */
  busy = 0;
  #allArrived: (() => void) | null = null;
  #expected = 0;

  onFrame = (user: User, frame: Record<string, any>): void => {
    if (frame.method !== 'MESSAGE') return;
    if (frame.status === undefined) {
      const index = this.timings.indexOf(frame.body.text as string);
      if (index >= 0) this.timings.arrived[index] = performance.now();
      user.receipts.add('delivered', [frame.body.id as string]);
      this.delivered += 1;
      this.#checkArrivals();
      return;
    }
    const busy = frame.status === 503 && String(frame.reason).startsWith('The host is busy');
    if (frame.status !== 200 && !busy) throw new Error(`MESSAGE ${frame.status} ${frame.reason}`);
    const index = user.awaitingSent.take(frame.cseq as number);
    if (busy) {
      this.busy += 1;
      // A refused message is left out of the latencies.
      if (index >= 0) this.timings.asked[index] = NaN;
    } else {
      this.stored += 1;
      if (index >= 0) this.timings.stored[index] = performance.now();
    }
    this.onAnswered?.(user);
    this.#checkArrivals();
  };

  #checkArrivals(): void {
    if (this.delivered + this.busy === this.#expected) this.#allArrived?.();
  }

  /** Sends message `index` of this phase from `user` to another user. */
  send(users: readonly User[], user: User, index: number): void {
    const spread = (index * 7919 + 1) % USERS;
    const to = users[users[spread] === user ? (spread + 1) % USERS : spread]!;
    user.cseq += 1;
    user.awaitingSent.add(user.cseq, index);
    const text = `${this.timings.phase} ${index} from ${user.name}: see you at the stand-up`;
    this.timings.asked[index] = performance.now();
    user.ws.send(JSON.stringify({ method: 'MESSAGE', cseq: user.cseq, to: to.name, body: { text } }));
  }

  /** Resolves once `total` messages have arrived, or were refused as busy, since the counters were last reset. */
  arrivals(total: number): Promise<void> {
    this.#expected = total;
    return this.delivered + this.busy >= total ? Promise.resolve() : new Promise((resolve) => (this.#allArrived = resolve));
  }

  /** Starts a phase of `size` messages, named `phase` in their texts; "sent" still owed for the last phase's is not counted. */
  reset(users: readonly User[], phase: string, size: number): void {
    for (const user of users) user.awaitingSent.clear();
    this.timings = new Timings(phase, size);
    this.stored = 0;
    this.delivered = 0;
    this.busy = 0;
  }

  /** The latencies of messages asked for from `since` on (performance.now()). */
  latencies(since: number): { stored: LatencySummary; arrived: LatencySummary } {
    const { asked, stored: storedAt, arrived: arrivedAt } = this.timings;
    const stored: number[] = [];
    const arrived: number[] = [];
    for (let index = 0; index < asked.length; index += 1) {
      const at = asked[index] as number;
      if (!(at >= since)) continue;
      if (!Number.isNaN(storedAt[index])) stored.push((storedAt[index] as number) - at);
      if (!Number.isNaN(arrivedAt[index])) arrived.push((arrivedAt[index] as number) - at);
    }
    return { stored: summarizeLatencies(stored), arrived: summarizeLatencies(arrived) };
  }

  /** When the last message of this phase arrived. */
  lastArrival(): number {
    return this.timings.arrived.reduce((last, at) => (at > last ? at : last), 0);
  }
}

async function connect(url: string, name: string, traffic: Traffic): Promise<User> {
  const ws = new WebSocket(url, SUBPROTOCOL, { perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const user: User = { name, ws, receipts: new ReceiptOutbox(), cseq: 1, awaitingSent: new AwaitingSent() };
  user.receipts.connect((state, ids) => {
    for (let start = 0; start < ids.length; start += MAX_RECEIPT_IDS) {
      user.cseq += 1;
      ws.send(JSON.stringify({ method: 'NOTIFY', cseq: user.cseq, body: { event: 'receipt', state, ids: ids.slice(start, start + MAX_RECEIPT_IDS) } }));
    }
  });
  const registered = new Promise<void>((resolve, reject) => {
    ws.once('message', (data) => {
      const frame = JSON.parse(data.toString()) as Record<string, any>;
      if (frame.status === 200) resolve();
      else reject(new Error(`REGISTER ${name}: ${frame.status} ${frame.reason}`));
      ws.on('message', (more) => traffic.onFrame(user, JSON.parse(more.toString()) as Record<string, any>));
    });
  });
  ws.send(JSON.stringify({ method: 'REGISTER', cseq: 1, body: { name } }));
  await registered;
  return user;
}

/** The host's CPU so far, all threads and its event loop's alone, with when it was read. */
interface HostCpu {
  total: number;
  eventLoop: number | null;
  at: number;
}

async function hostCpu(host: Host): Promise<HostCpu> {
  const cpu = await host.request({ kind: 'cpu' }, 'cpu', 10_000);
  return { total: cpu.userMicros + cpu.systemMicros, eventLoop: cpu.eventLoopMicros, at: performance.now() };
}

/** The host's CPU a message, all threads and its event loop's alone (null where the platform cannot say). */
interface CpuEach {
  total: number;
  eventLoop: number | null;
  eventLoopShare: number | null;
}

function cpuEach(before: HostCpu, after: HostCpu, messages: number): CpuEach {
  const total = (after.total - before.total) / messages;
  if (before.eventLoop === null || after.eventLoop === null) return { total, eventLoop: null, eventLoopShare: null };
  const loop = after.eventLoop - before.eventLoop;
  return { total, eventLoop: loop / messages, eventLoopShare: loop / ((after.at - before.at) * 1000) };
}

/** "200 µs (its event loop 185 µs, 93 % of a core)": a queue forms as the event loop nears a core. */
function cpuText(each: CpuEach): string {
  const total = `${Math.round(each.total)} µs`;
  if (each.eventLoop === null || each.eventLoopShare === null) return total;
  return `${total} (its event loop ${Math.round(each.eventLoop)} µs, ${Math.round(100 * each.eventLoopShare)} % of a core)`;
}

/** "young 52 (218 ms in all, the longest 9.1 ms)": each pause holds every message behind it. */
function gcText(kind: string, pauses: GcPauses): string {
  if (pauses.count === 0) return `${kind} none`;
  return `${kind} ${pauses.count} (${Math.round(pauses.totalMs)} ms in all, the longest ${pauses.maxMs.toFixed(1)} ms)`;
}

/** Refused messages fail the target, whatever the figures of the others. */
const busyNote = (traffic: Traffic): string => (traffic.busy === 0 ? '' : `; ${traffic.busy} refused "The host is busy"`);

const ms = (summary: LatencySummary): string => `p50 ${summary.p50.toFixed(1)} ms, p99 ${summary.p99.toFixed(1)} ms, max ${summary.max.toFixed(1)} ms`;

/** Every user keeps IN_FLIGHT messages waiting for "sent" until CAPACITY_MESSAGES are sent. */
async function capacity(host: Host, users: readonly User[], traffic: Traffic): Promise<void> {
  traffic.reset(users, 'capacity', CAPACITY_MESSAGES);
  const cpuBefore = await hostCpu(host);
  const clientCpuBefore = process.cpuUsage();
  const started = performance.now();
  let next = 0;
  const sendNext = (user: User): void => {
    if (next < CAPACITY_MESSAGES) traffic.send(users, user, next++);
  };
  const allAnswered = new Promise<void>((resolve) => {
    traffic.onAnswered = (user) => {
      if (traffic.stored + traffic.busy === CAPACITY_MESSAGES) resolve();
      else sendNext(user);
    };
  });
  for (const user of users) for (let slot = 0; slot < IN_FLIGHT; slot += 1) sendNext(user);
  await allAnswered;
  traffic.onAnswered = null;
  const storedSeconds = (performance.now() - started) / 1000;
  await traffic.arrivals(CAPACITY_MESSAGES);
  const deliveredSeconds = (performance.now() - started) / 1000;
  const cpuAfter = await hostCpu(host);
  const clientCpu = process.cpuUsage(clientCpuBefore);
  console.log(`capacity (${IN_FLIGHT * USERS} waiting for "sent" at once, ${CAPACITY_MESSAGES} messages):`);
  const storedPerSecond = traffic.stored / storedSeconds;
  const verdict = storedPerSecond >= STORED_TARGET_PER_SECOND && traffic.busy === 0 ? 'pass' : 'FAIL';
  console.log(`  stored: ${Math.round(storedPerSecond)} messages/s (target ${STORED_TARGET_PER_SECOND}: ${verdict}); delivered: ${Math.round(traffic.delivered / deliveredSeconds)} messages/s${busyNote(traffic)}`);
  console.log(`  ${HOST} CPU a message, ${HOST === 'relay' ? '' : 'store, '}delivery and receipt together: ${cpuText(cpuEach(cpuBefore, cpuAfter, CAPACITY_MESSAGES))}`);
  // Both run on this machine's cores: what the clients take, the server cannot have.
  console.log(`  the 1,000 clients' CPU (this process): ${Math.round((clientCpu.user + clientCpu.system) / CAPACITY_MESSAGES)} µs a message`);
}

/** What a fixed rate measured of its host. */
interface RateFigures {
  cpu: CpuEach;
  arrived: LatencySummary;
}

/**
 * `rate` messages a second for WARMUP_SECONDS and then RATE_SECONDS more, a batch every TICK_MS,
 * from users in turn, through `hostName`. Only the second part is measured.
 */
async function fixedRate(host: Host, hostName: string, users: readonly User[], traffic: Traffic, rate: number): Promise<RateFigures> {
  const warmup = Math.round(rate * WARMUP_SECONDS);
  const measured = Math.round(rate * RATE_SECONDS);
  const total = warmup + measured;
  traffic.reset(users, 'rate', total);
  // The clients stamp each arrival when their own event loop gets to it: its delay is in the figures too.
  const clientsDelay = monitorEventLoopDelay({ resolution: 1 });
  const started = performance.now();
  let measuredFrom = started;
  let before: Promise<{ host: HostCpu; clients: NodeJS.CpuUsage }> | undefined;
  /** From the first measured message on, the figures count: the host's CPU and both event loops' delay start afresh. */
  const startMeasuring = (): void => {
    measuredFrom = performance.now();
    clientsDelay.enable();
    clientsGc.take();
    const clients = process.cpuUsage();
    before = host
      .request({ kind: 'loop-delay' }, 'loop-delay', 10_000)
      .then(() => hostCpu(host))
      .then((cpu) => ({ host: cpu, clients }));
  };
  let sent = 0;
  const allSent = new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      // As many as the schedule owes by now, so a late tick catches up instead of lowering the rate.
      const owed = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate));
      for (; sent < owed; sent += 1) {
        if (sent === warmup) startMeasuring();
        traffic.send(users, users[sent % USERS]!, sent);
      }
      if (sent === total) {
        clearInterval(timer);
        resolve();
      }
    }, TICK_MS);
  });
  await allSent;
  const offeredSeconds = (performance.now() - measuredFrom) / 1000;
  await traffic.arrivals(total);
  if (before === undefined) throw new Error(`no message of the ${rate}/s phase was measured`);
  const { host: cpuBefore, clients: clientCpuBefore } = await before;
  const cpuAfter = await hostCpu(host);
  const clientCpu = process.cpuUsage(clientCpuBefore);
  const lastArrival = traffic.lastArrival();
  const { stored, arrived } = traffic.latencies(measuredFrom);
  clientsDelay.disable();
  const delay = await host.request({ kind: 'loop-delay' }, 'loop-delay', 10_000);
  console.log(`fixed rate (${rate} messages/s offered for ${RATE_SECONDS} s after ${WARMUP_SECONDS} s not counted, ${measured} messages, load average ${loadavg()[0]?.toFixed(1)}):`);
  console.log(`  offered ${Math.round(measured / offeredSeconds)} messages/s; all arrived ${((lastArrival - measuredFrom) / 1000 - offeredSeconds).toFixed(2)} s after the last was sent`);
  console.log(`  send -> "sent": ${ms(stored)}`);
  const cpu = cpuEach(cpuBefore, cpuAfter, measured);
  console.log(`  CPU a message: the ${hostName} ${cpuText(cpu)}, the clients ${Math.round((clientCpu.user + clientCpu.system) / measured)} µs`);
  console.log(`  the ${hostName}'s event loop delay: p50 ${delay.p50Ms.toFixed(1)} ms, p99 ${delay.p99Ms.toFixed(1)} ms, max ${delay.maxMs.toFixed(1)} ms`);
  console.log(`  the ${hostName}'s garbage collection: ${gcText('young', delay.young)}; ${gcText('full', delay.full)}`);
  const { young, full } = clientsGc.take();
  const clientsMs = (nanos: number): string => (nanos / 1e6).toFixed(1);
  console.log(`  the clients' event loop delay (this process): p50 ${clientsMs(clientsDelay.percentile(50))} ms, p99 ${clientsMs(clientsDelay.percentile(99))} ms, max ${clientsMs(clientsDelay.max)} ms`);
  console.log(`  the clients' garbage collection (this process): ${gcText('young', young)}; ${gcText('full', full)}`);
  const verdict = arrived.p99 < ARRIVAL_P99_TARGET_MS && traffic.busy === 0 ? 'pass' : 'FAIL';
  console.log(`  send -> arrival: ${ms(arrived)} (target p99 < ${ARRIVAL_P99_TARGET_MS} ms: ${verdict})${busyNote(traffic)}`);
  return { cpu, arrived };
}

/** 1,000 users registered with `host`, 50 at a time. */
async function connectUsers(host: Host, traffic: Traffic): Promise<User[]> {
  const users: User[] = [];
  for (let index = 0; index < USERS; index += 50) {
    users.push(...(await Promise.all(Array.from({ length: Math.min(50, USERS - index) }, (_, offset) => connect(host.url, `User ${index + offset}`, traffic)))));
  }
  return users;
}

function disconnect(users: readonly User[]): void {
  for (const user of users) {
    user.receipts.clear();
    user.ws.terminate();
  }
}

/** A host of `kind` on a fresh data folder, for `use`, then stopped and its folder removed. */
async function withHost<T>(kind: HostKind, use: (host: Host) => Promise<T>): Promise<T> {
  const dataDir = await mkdtemp(join(tmpdir(), 'leanphone-bench-messages-'));
  const host = await startHost(kind, { dataDir });
  try {
    return await use(host);
  } finally {
    await stopHost(host);
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** The bare relay at `rate`, just after the host's phases: how fast the machine ran in these minutes. */
async function floor(rate: number, measured: RateFigures): Promise<void> {
  console.log(`the floor in the same minutes: the bare relay (bench/bare-mail-relay.ts) at the highest rate (BENCH_FLOOR=0 skips it)`);
  const relay = await withHost('mail-relay', async (host) => {
    const traffic = new Traffic();
    const users = await connectUsers(host, traffic);
    const figures = await fixedRate(host, 'relay', users, traffic, rate);
    disconnect(users);
    return figures;
  });
  const ratio = (of: number | null, to: number | null): string => (of === null || to === null ? 'unknown' : `${(of / to).toFixed(2)}x`);
  console.log(`  the ${HOST} against the relay at ${rate}/s: CPU a message ${ratio(measured.cpu.total, relay.cpu.total)}, its event loop ${ratio(measured.cpu.eventLoop, relay.cpu.eventLoop)}; arrival p99 ${measured.arrived.p99.toFixed(1)} against ${relay.arrived.p99.toFixed(1)} ms`);
}

async function main(): Promise<void> {
  console.log(`node ${process.version}, load average ${loadavg().map((load) => load.toFixed(1)).join(' ')}`);
  const figures = await withHost(HOST_KIND[HOST], async (host) => {
    const traffic = new Traffic();
    const users = await connectUsers(host, traffic);
    console.log(`${USERS} users registered; the ${HOST_TITLE} runs in its own process`);
    await capacity(host, users, traffic);
    const byRate = new Map<number, RateFigures>();
    for (const rate of RATES) byRate.set(rate, await fixedRate(host, HOST, users, traffic, rate));
    disconnect(users);
    return byRate;
  });
  const highest = Math.max(...RATES);
  if (FLOOR) await floor(highest, figures.get(highest) as RateFigures);
}

main().catch((error: unknown) => {
  console.error(error);
  killAll();
  process.exitCode = 1;
});
