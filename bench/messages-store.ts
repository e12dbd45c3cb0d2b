/**
 * `npm run bench:messages-store`: the host's message store alone (no sockets), on a fresh folder
 * with 1,000 users: messages stored per second with many senders waiting at once and with one,
 * then how long a user's pending messages take to read and mark delivered, and what a user who keeps
 * a full history costs to read. Then, at a fixed rate (BENCH_RATE a second, default 5,000, for
 * BENCH_RATE_SECONDS, default 6), what a message and its delivery cost the event loop and the
 * process, the store in memory (the bench's own share), on the event loop, and on a thread of its
 * own (`serve --store-thread`): the share of the server's time its store takes, without the sockets
 * that blur it in bench:messages. Stops by itself.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { MAX_RECEIPT_IDS } from '../common/protocol.js';
import { DEFAULTS } from '../signal-server/options.js';
import { userRef, type HostStore, type MessageId, type UserRef } from '../signal-server/store/host-store.js';
import { openSqliteStore } from '../signal-server/store/sqlite-store.js';
import { openThreadedStore, STORE_BATCH_MS } from '../signal-server/store/store-thread.js';
import { MemoryHostStore } from './memory-store.js';
import { summarizeLatencies, type LatencySummary } from './stats.js';

const USERS = 1_000;
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 30_000);
/** Store calls waiting at once: senders on many sockets, each told "sent" when its call returns. */
const IN_FLIGHT = 256;
const ONE_AT_A_TIME = 300;
const WARMUP = 3_000;
const RATE = Number(process.env.BENCH_RATE ?? 5_000);
const RATE_SECONDS = Number(process.env.BENCH_RATE_SECONDS ?? 6);
if (!Number.isSafeInteger(RATE) || RATE < 1 || !(RATE_SECONDS > 0)) throw new Error('BENCH_RATE must be a whole number of messages a second, BENCH_RATE_SECONDS a number of seconds');
/** The fixed rate's batch interval, as bench:messages sends; a recipient reports a delivery this long after the message. */
const TICK_MS = 5;
const REPORT_AFTER_MS = 100;

const ms = (value: number): string => `${value.toFixed(2)} ms`;
const latency = (summary: LatencySummary): string => `p50 ${ms(summary.p50)}, p99 ${ms(summary.p99)}, max ${ms(summary.max)}`;

/** The index-th message's sender and (another) recipient, spread over every user. */
function pair(users: readonly UserRef[], index: number): [UserRef, UserRef] {
  const from = index % USERS;
  const to = (from + 1 + ((index * 7919) % (USERS - 1))) % USERS;
  return [users[from] as UserRef, users[to] as UserRef];
}

/** Stores `count` messages keeping `inFlight` calls waiting; answers messages/s and each call's latency. */
async function storeMany(store: HostStore, users: readonly UserRef[], count: number, inFlight: number, offset: number) {
  const samples: number[] = [];
  let next = 0;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const sender = async (): Promise<void> => {
    while (next < count) {
      const [from, to] = pair(users, offset + next);
      next += 1;
      const asked = performance.now();
      const outcome = await store.storeMessage(from.key, to.key, `message ${next} from ${from.name}: see you at the stand-up`);
      if (outcome.kind !== 'stored') throw new Error(`refused: ${outcome.reason}`);
      samples.push(performance.now() - asked);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, sender));
  const cpu = process.cpuUsage(cpuBefore);
  return {
    perSecond: count / ((performance.now() - started) / 1000),
    cpuMicrosEach: (cpu.user + cpu.system) / count,
    latency: summarizeLatencies(samples),
  };
}

/**
 * RATE messages a second for RATE_SECONDS, a batch every TICK_MS, each reported delivered
 * REPORT_AFTER_MS after it was stored, as a phone does: what each message and its delivery cost
 * the event loop (the time it was busy, from its utilisation) and the whole process.
 */
async function fixedRate(store: HostStore, users: readonly UserRef[]): Promise<{ eventLoopMicros: number; eventLoopShare: number; processMicros: number }> {
  const total = Math.round(RATE * RATE_SECONDS);
  const delivered: { at: number; to: UserRef; id: MessageId }[] = [];
  let reported = 0;
  let offered = 0;
  let settled = 0;
  let failure: unknown = null;
  const fail = (error: unknown): void => {
    failure ??= error;
  };
  const utilisation = performance.eventLoopUtilization();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await new Promise<void>((resolve) => {
    const settle = (): void => {
      settled += 1;
      if (settled === 2 * total) resolve();
    };
    const timer = setInterval(() => {
      const now = performance.now();
      const owed = Math.min(total, Math.floor(((now - started) / 1000) * RATE));
      for (; offered < owed; offered += 1) {
        const [from, to] = pair(users, offered);
        store
          .storeMessage(from.key, to.key, `rate ${offered} from ${from.name}: see you at the stand-up`, (message) => delivered.push({ at: performance.now(), to, id: message.id }))
          .then((outcome) => (outcome.kind === 'stored' ? settle() : fail(new Error(`refused: ${outcome.reason}`))), fail);
      }
      for (let next = delivered[reported]; next !== undefined && now - next.at >= REPORT_AFTER_MS; next = delivered[reported]) {
        store.markDelivered(next.to.key, [next.id]).then(settle, fail);
        reported += 1;
      }
      if (offered === total && reported === total) clearInterval(timer);
      if (failure !== null) {
        clearInterval(timer);
        resolve();
      }
    }, TICK_MS);
  });
  if (failure !== null) throw failure;
  const busy = performance.eventLoopUtilization(utilisation);
  const cpu = process.cpuUsage(cpuBefore);
  return { eventLoopMicros: (busy.active * 1000) / total, eventLoopShare: busy.utilization, processMicros: (cpu.user + cpu.system) / total };
}

/** A store opened by `open` on a fresh folder, for `use`; then closed, and its folder removed. */
async function withFreshStore<T>(open: (dir: string) => Promise<HostStore>, use: (store: HostStore) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'leanphone-bench-store-'));
  const store = await open(dir);
  try {
    return await use(store);
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Users who each keep a full history (maxKeptMessagesPerRecipient's default) from HISTORY_SENDERS
 * people, a third of it read, their messages interleaved in the table as on a busy host.
 */
const HISTORY = DEFAULTS.storeLimits.maxKeptMessagesPerRecipient;
const HISTORY_KEEPERS = 10;
const HISTORY_SENDERS = 20;
const HISTORY_READS = 50;

/**
 * What the store reads for a user who keeps a full history: their unread counts, which every
 * registration reads, and a conversation's page. The event loop's busy time for each, since the
 * call's own latency waits for the commit's disk sync as well.
 */
async function longHistories(): Promise<void> {
  const limits = { maxUndeliveredPerRecipient: HISTORY, maxUndeliveredPerSender: HISTORY * HISTORY_KEEPERS };
  await withFreshStore((dir) => openSqliteStore({ dir, limits }), async (store) => {
    const keepers = Array.from({ length: HISTORY_KEEPERS }, (_, index) => userRef(`Keeper ${index}`));
    const senders = Array.from({ length: HISTORY_SENDERS }, (_, index) => userRef(`Sender ${index}`));
    for (const user of [...keepers, ...senders]) await store.sawUser(user);
    const total = HISTORY * HISTORY_KEEPERS;
    for (let made = 0; made < total; made += IN_FLIGHT) {
      const batch = Array.from({ length: Math.min(IN_FLIGHT, total - made) }, (_, index) => {
        const from = senders[Math.floor((made + index) / HISTORY_KEEPERS) % HISTORY_SENDERS] as UserRef;
        const to = keepers[(made + index) % HISTORY_KEEPERS] as UserRef;
        return store.storeMessage(from.key, to.key, `message ${made + index} from ${from.name}: see you at the stand-up`);
      });
      for (const outcome of await Promise.all(batch)) if (outcome.kind !== 'stored') throw new Error(`refused: ${outcome.reason}`);
    }
    for (const keeper of keepers) {
      const theirs = (await store.pendingFor(keeper.key)).map((message) => message.id);
      for (let start = 0; start < theirs.length; start += MAX_RECEIPT_IDS) {
        const chunk = theirs.slice(start, start + MAX_RECEIPT_IDS);
        await store.markDelivered(keeper.key, chunk);
        await store.markRead(keeper.key, chunk.filter((_, at) => at % 3 === 0));
      }
    }
    const busyMs = async (call: () => Promise<unknown>): Promise<number> => {
      const before = performance.eventLoopUtilization();
      await call();
      return performance.eventLoopUtilization(before).active;
    };
    const counts: number[] = [];
    const pages: number[] = [];
    for (let index = 0; index < HISTORY_READS; index += 1) {
      const keeper = keepers[index % HISTORY_KEEPERS] as UserRef;
      counts.push(await busyMs(() => store.unreadCounts(keeper.key)));
      const peer = senders[index % HISTORY_SENDERS] as UserRef;
      pages.push(await busyMs(() => store.conversation(keeper.key, peer.key, DEFAULTS.historyPageSize)));
    }
    console.log(`${HISTORY_KEEPERS} users keeping ${HISTORY} messages each from ${HISTORY_SENDERS} people; the event loop's time (${HISTORY_READS} of each):`);
    console.log(`  a user's unread counts (each registration): ${latency(summarizeLatencies(counts))}`);
    console.log(`  a conversation's page of ${DEFAULTS.historyPageSize}: ${latency(summarizeLatencies(pages))}`);
  });
}

/** A store of each kind on a fresh folder with USERS users, through the fixed rate. */
async function fixedRates(users: readonly UserRef[]): Promise<void> {
  const kinds = [
    // Nothing durable and next to no work: what the bench's own calls cost, to take from the others.
    ['in memory (bench/memory-store.ts)', () => Promise.resolve(new MemoryHostStore({}))],
    ['on the event loop', (dir: string) => openSqliteStore({ dir })],
    [`on a thread (calls every ${STORE_BATCH_MS} ms)`, (dir: string) => openThreadedStore({ dir, batchMs: STORE_BATCH_MS })],
  ] as const;
  console.log(`fixed rate: ${RATE} messages a second for ${RATE_SECONDS} s, each reported delivered ${REPORT_AFTER_MS} ms later:`);
  for (const [label, open] of kinds) {
    const run = await withFreshStore(open, async (store) => {
      await Promise.all(users.map((user) => store.sawUser(user)));
      return fixedRate(store, users);
    });
    console.log(
      `  the store ${label}: its event loop ${run.eventLoopMicros.toFixed(1)} µs a message and its delivery (${Math.round(100 * run.eventLoopShare)} % busy), the process ${run.processMicros.toFixed(1)} µs`,
    );
  }
}

async function main(): Promise<void> {
  console.log(`node ${process.version}, load average ${loadavg().map((load) => load.toFixed(1)).join(' ')}`);
  const limits = { maxUndeliveredPerRecipient: MESSAGES, maxUndeliveredPerSender: MESSAGES };
  await withFreshStore((dir) => openSqliteStore({ dir, limits }), async (store) => {
    const users = Array.from({ length: USERS }, (_, index) => userRef(`User ${index}`));
    await Promise.all(users.map((user) => store.sawUser(user)));
    // SQLite runs as WebAssembly: the first thousands of calls run before V8 has optimised it.
    await storeMany(store, users, WARMUP, IN_FLIGHT, 0);
    await Promise.all(users.map(async (user) => store.markDelivered(user.key, (await store.pendingFor(user.key)).map((message) => message.id))));

    const many = await storeMany(store, users, MESSAGES, IN_FLIGHT, WARMUP);
    const single = await storeMany(store, users, ONE_AT_A_TIME, 1, WARMUP + MESSAGES);
    for (const [label, run] of [[`${IN_FLIGHT} waiting at once`, many], ['one at a time', single]] as const) {
      console.log(
        `stored, ${label}: ${Math.round(run.perSecond)} messages/s, ${Math.round(run.cpuMicrosEach)} µs CPU each; each call ${latency(run.latency)}`,
      );
    }

    const reads: number[] = [];
    const marks: number[] = [];
    let delivered = 0;
    for (const user of users) {
      const asked = performance.now();
      const pending = await store.pendingFor(user.key);
      const read = performance.now();
      await store.markDelivered(user.key, pending.map((message) => message.id));
      marks.push(performance.now() - read);
      reads.push(read - asked);
      delivered += pending.length;
    }
    console.log(`read pending (${(delivered / USERS).toFixed(0)} per user, ${USERS} users one by one): ${latency(summarizeLatencies(reads))}`);
    console.log(`mark those delivered: ${latency(summarizeLatencies(marks))}`);
  });
  await longHistories();
  await fixedRates(Array.from({ length: USERS }, (_, index) => userRef(`User ${index}`)));
}

await main();
