/**
 * bench:messages measures the server against bench/bare-mail-relay.ts as the floor. The floor is a
 * fair one only if a message costs both the same frames: these exchanges run against each, and
 * each side of them must see the same frames, in the same order, with the same fields.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startBareMailRelay } from '../../bench/bare-mail-relay.js';
import { startSignalServer } from '../../signal-server/server.js';
import { silentLogger } from '../../signal-server/log.js';
import { openSqliteStore } from '../../signal-server/store/sqlite-store.js';
import { userKey } from '../../signal-server/store/host-store.js';
import { TestClient, type Frame } from './client.js';
import { message, nextMessage, nextNotify, receipt, useDataDirs } from './mail-harness.js';

const dataDir = useDataDirs();
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

type HostKind = 'server' | 'relay' | 'stored-relay';

async function startHost(kind: HostKind, dir?: string, batchMs = 0): Promise<string> {
  const host =
    kind === 'server'
      ? await startSignalServer({ host: '127.0.0.1', port: 0, staticDir: null, logger: silentLogger, dataDir: dir ?? (await dataDir()) })
      : await startBareMailRelay('127.0.0.1', kind === 'stored-relay' ? { dir: dir ?? (await dataDir()), batchMs } : undefined);
  closers.push(() => host.close());
  return host.url;
}

/** A frame's shape: its keys, and its body's, with the values that say what it is. */
function shape(frame: Frame): Frame {
  return { method: frame.method, status: frame.status, keys: Object.keys(frame).sort(), body: Object.keys(frame.body ?? {}).sort(), event: frame.body?.event };
}

async function registered(url: string, name: string): Promise<TestClient> {
  const client = await TestClient.connect(url);
  expect(await client.request({ method: 'REGISTER', body: { name } })).toMatchObject({ status: 200 });
  return client;
}

/** Alice messages Bob twice; Bob reports both delivered in one report. What each of them saw of it. */
async function exchange(kind: HostKind, dir?: string, batchMs?: number): Promise<{ alice: Frame[]; bob: Frame[]; texts: string[]; sentIds: string[]; receiptIds: string[] }> {
  const url = await startHost(kind, dir, batchMs);
  // Registration is not measured: only its 200 matters here.
  const alice = await registered(url, 'Alice');
  const bob = await registered(url, 'Bob');
  alice.unread();
  bob.unread();
  const sent = [await alice.request(message('Bob', 'one')), await alice.request(message('Bob', 'two'))];
  const arrived = [await nextMessage(bob), await nextMessage(bob)];
  receipt(bob, 'delivered', arrived.map((frame) => frame.body.id as string));
  const told = await nextNotify(alice, 'receipt');
  return {
    alice: [...sent, told].map(shape),
    bob: arrived.map(shape),
    texts: arrived.map((frame) => frame.body.text as string),
    sentIds: sent.map((frame) => frame.body.id as string),
    receiptIds: told.body.ids as string[],
  };
}

describe('the floor relay of bench:messages', () => {
  it('gives sender and recipient the frames the server gives them for a message and its receipt', async () => {
    const server = await exchange('server');
    const relay = await exchange('relay');
    expect(server.texts).toEqual(['one', 'two']);
    // One receipt names both messages, by the ids their sender was given.
    expect(server.receiptIds).toEqual(server.sentIds);
    expect(relay.texts).toEqual(server.texts);
    expect(relay.receiptIds).toEqual(relay.sentIds);
    expect(relay.bob).toEqual(server.bob);
    expect(relay.alice).toEqual(server.alice);
  });

  it.each([
    ['each turn', 0],
    ['every 20 ms', 20],
  ])('with the store (its calls sent %s), gives the same frames and keeps the messages, delivered, in the host store', async (_when, batchMs) => {
    const server = await exchange('server');
    const dir = await dataDir();
    const stored = await exchange('stored-relay', dir, batchMs);
    expect(stored.texts).toEqual(server.texts);
    expect(stored.receiptIds).toEqual(stored.sentIds);
    expect(stored.bob).toEqual(server.bob);
    expect(stored.alice).toEqual(server.alice);

    await Promise.all(closers.splice(0).map((close) => close()));
    const store = await openSqliteStore({ dir });
    try {
      const kept = await store.conversation(userKey('Alice'), userKey('Bob'), 10);
      expect(kept.map((message) => [message.from.name, message.text, message.state.kind])).toEqual([
        ['Alice', 'one', 'delivered'],
        ['Alice', 'two', 'delivered'],
      ]);
    } finally {
      await store.close();
    }
  });
});
