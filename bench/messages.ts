/**
 * `npm run bench:messages`: text messages through a real server with its store, over real sockets:
 * 1,000 users online, each sending to others with a few messages waiting for "sent" at once, each
 * recipient reporting delivery as it gets one. Prints messages stored (200 "sent") and delivered a
 * second, and delivery latency (send to arrival). One process: clients and server share the CPU.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { SUBPROTOCOL } from '../common/protocol.js';
import { startSignalServer } from '../signal-server/server.js';
import { summarizeLatencies } from './stats.js';

const USERS = 1_000;
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 30_000);
/** Messages each user has waiting for "sent" at once. */
const IN_FLIGHT = 2;

interface User {
  readonly name: string;
  readonly ws: WebSocket;
  cseq: number;
}

async function connect(url: string, name: string, onFrame: (user: User, frame: Record<string, any>) => void): Promise<User> {
  const ws = new WebSocket(url, SUBPROTOCOL, { perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const user: User = { name, ws, cseq: 1 };
  const registered = new Promise<void>((resolve, reject) => {
    ws.once('message', (data) => {
      const frame = JSON.parse(data.toString()) as Record<string, any>;
      if (frame.status === 200) resolve();
      else reject(new Error(`REGISTER ${name}: ${frame.status} ${frame.reason}`));
      ws.on('message', (more) => onFrame(user, JSON.parse(more.toString()) as Record<string, any>));
    });
  });
  ws.send(JSON.stringify({ method: 'REGISTER', cseq: 1, body: { name } }));
  await registered;
  return user;
}

async function main(): Promise<void> {
  console.log(`node ${process.version}, load average ${loadavg().map((load) => load.toFixed(1)).join(' ')}`);
  const dataDir = await mkdtemp(join(tmpdir(), 'leanphone-bench-messages-'));
  const server = await startSignalServer({
    port: 0,
    host: '127.0.0.1',
    dataDir,
    maxSocketsPerAddress: USERS + 10,
    maxUnregisteredPerAddress: USERS + 10,
    maxNamesPerAddress: USERS + 10,
    registrationsPerMinute: 1_000_000,
    registrationBurst: USERS + 10,
  });
  const sentAt = new Map<string, number>();
  const deliveries: number[] = [];
  const pendingSent = new Map<string, () => void>();
  let stored = 0;
  let delivered = 0;
  let allDelivered: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (allDelivered = resolve));

  const onFrame = (user: User, frame: Record<string, any>): void => {
    if (frame.method === 'MESSAGE' && frame.status === undefined) {
      const asked = sentAt.get(frame.body.text as string);
      if (asked !== undefined) deliveries.push(performance.now() - asked);
      user.cseq += 1;
      user.ws.send(JSON.stringify({ method: 'NOTIFY', cseq: user.cseq, body: { event: 'receipt', state: 'delivered', ids: [frame.body.id] } }));
      delivered += 1;
      if (delivered === MESSAGES) allDelivered();
    } else if (frame.method === 'MESSAGE' && frame.status !== undefined) {
      if (frame.status !== 200) throw new Error(`MESSAGE ${frame.status} ${frame.reason}`);
      stored += 1;
      pendingSent.get(`${user.name}/${frame.cseq}`)?.();
    }
  };
  const users: User[] = [];
  for (let index = 0; index < USERS; index += 50) {
    users.push(...(await Promise.all(Array.from({ length: Math.min(50, USERS - index) }, (_, offset) => connect(server.url, `User ${index + offset}`, onFrame)))));
  }
  console.log(`${USERS} users registered`);

  let next = 0;
  const sendOne = (user: User, index: number): Promise<void> =>
    new Promise((resolve) => {
      const to = users[(index * 7919 + 1) % USERS] === user ? users[(index + 1) % USERS]! : users[(index * 7919 + 1) % USERS]!;
      user.cseq += 1;
      const text = `message ${index} from ${user.name}: see you at the stand-up`;
      const key = `${user.name}/${user.cseq}`;
      pendingSent.set(key, () => {
        pendingSent.delete(key);
        resolve();
      });
      sentAt.set(text, performance.now());
      user.ws.send(JSON.stringify({ method: 'MESSAGE', cseq: user.cseq, to: to.name, body: { text } }));
    });
  const started = performance.now();
  const sender = async (user: User): Promise<void> => {
    while (next < MESSAGES) {
      const index = next;
      next += 1;
      await sendOne(user, index);
    }
  };
  await Promise.all(users.flatMap((user) => Array.from({ length: IN_FLIGHT }, () => sender(user))));
  const storedSeconds = (performance.now() - started) / 1000;
  await done;
  const deliveredSeconds = (performance.now() - started) / 1000;
  const latency = summarizeLatencies(deliveries);
  console.log(`stored: ${Math.round(stored / storedSeconds)} messages/s (${stored} in ${storedSeconds.toFixed(1)} s)`);
  console.log(`delivered: ${Math.round(delivered / deliveredSeconds)} messages/s; latency p50 ${latency.p50.toFixed(1)} ms, p99 ${latency.p99.toFixed(1)} ms, max ${latency.max.toFixed(1)} ms`);
  for (const user of users) user.ws.terminate();
  await server.close();
  await rm(dataDir, { recursive: true, force: true });
}

await main();
