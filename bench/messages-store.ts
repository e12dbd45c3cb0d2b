/**
 * `npm run bench:messages-store`: the host's message store alone (no sockets), on a fresh folder
 * with 1,000 users: messages stored per second with many senders waiting at once and with one,
 * then how long a user's pending messages take to read and mark delivered. Stops by itself.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { userRef, type HostStore, type UserRef } from '../signal-server/store/host-store.js';
import { openSqliteStore } from '../signal-server/store/sqlite-store.js';
import { summarizeLatencies, type LatencySummary } from './stats.js';

const USERS = 1_000;
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 30_000);
/** Store calls waiting at once: senders on many sockets, each told "sent" when its call returns. */
const IN_FLIGHT = 256;
const ONE_AT_A_TIME = 300;
const WARMUP = 3_000;

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

async function main(): Promise<void> {
  console.log(`node ${process.version}, load average ${loadavg().map((load) => load.toFixed(1)).join(' ')}`);
  const dir = await mkdtemp(join(tmpdir(), 'leanphone-bench-store-'));
  const store = await openSqliteStore({ dir, limits: { maxUndeliveredPerRecipient: MESSAGES, maxUndeliveredPerSender: MESSAGES } });
  try {
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
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
