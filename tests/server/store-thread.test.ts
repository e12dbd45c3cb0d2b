/**
 * The SQLite store on a thread of its own (store-thread.ts): the same contract as the store on the
 * event loop, with the messages decided here and kept there; and a server that uses it.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openThreadedStore } from '../../signal-server/store/store-thread.js';
import { useServer } from './harness.js';
import { alice, bob, describeHostStore, texts } from './host-store-contract.js';
import { message, nextMessage, nextNotify, receipt, useDataDirs } from './mail-harness.js';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function freshDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'leanphone-store-thread-'));
  dirs.push(dir);
  return join(dir, 'store');
}

describe.each([
  ['each turn', 0],
  ['every 20 ms', 20],
])('the SQLite store on a thread, messages sent to it %s', (_, batchMs) => {
  describeHostStore(async (limits, now) => {
    const dir = await freshDir();
    const store = await openThreadedStore({ dir, limits, now, batchMs });
    const recordings = async (): Promise<string[]> =>
      (await readdir(join(dir, 'voicemail')).catch(() => [])).map((file) => file.replace(/\.(webm|ogg)$/, '')).sort();
    return { store, recordings };
  });
});

describe('a server with its store on a thread', () => {
  const harness = useServer();
  const dataDir = useDataDirs();

  it('delivers a message live before its sender hears "sent", tells the receipt, and keeps both across a restart', async () => {
    const dir = await dataDir();
    const server = await harness.start({ dataDir: dir, storeOnThread: true });
    const ada = await harness.register(server.url, 'Ada');
    const bob = await harness.register(server.url, 'Bob');
    const sentAt = (async () => (await ada.request(message('Bob', 'hello over the thread')), performance.now()))();
    const arrived = await nextMessage(bob);
    const arrivedAt = performance.now();
    expect(arrived).toMatchObject({ from: 'Ada', body: { text: 'hello over the thread' } });
    expect(arrivedAt).toBeLessThan(await sentAt);

    const id = arrived.body.id as string;
    await receipt(bob, 'delivered', [id]);
    expect(await nextNotify(ada, 'receipt')).toMatchObject({ from: 'Bob', body: { state: 'delivered', ids: [id] } });

    await server.close();
    const again = await harness.start({ dataDir: dir, storeOnThread: true });
    const back = await harness.register(again.url, 'Ada');
    const page = await back.request({ method: 'HISTORY', to: 'Bob', body: {} });
    expect(page.body.messages).toEqual([expect.objectContaining({ id, from: 'Ada', to: 'Bob', text: 'hello over the thread', state: 'delivered' })]);
  });

  it("passes the store's log lines to the server's logger", async () => {
    const lines: string[] = [];
    const logger = { log: (level: string, event: string) => lines.push(`${level} ${event}`) };
    await harness.start({ dataDir: await dataDir(), storeOnThread: true, logger });
    expect(lines).toContain('info store.opened');
  });

  it('will not open a folder another store has open, and says so', async () => {
    const dir = await freshDir();
    const first = await openThreadedStore({ dir });
    try {
      await expect(openThreadedStore({ dir })).rejects.toMatchObject({ name: 'StoreError', code: 'in-use' });
    } finally {
      await first.close();
    }
  });
});

describe('the store on a thread, behind', () => {
  it('refuses a message "store-busy" while maxCallsInFlight calls wait for the thread, and keeps it once caught up', async () => {
    const store = await openThreadedStore({ dir: await freshDir(), maxCallsInFlight: 4, batchMs: 20 });
    try {
      for (const user of [alice, bob]) await store.sawUser(user);
      // Made in one turn: none has gone to the thread yet.
      const outcomes = await Promise.all(Array.from({ length: 6 }, (_, index) => store.storeMessage(alice.key, bob.key, `storm ${index}`)));
      expect(outcomes.map((outcome) => outcome.kind)).toEqual(['stored', 'stored', 'stored', 'stored', 'refused', 'refused']);
      expect(outcomes[4]).toEqual({ kind: 'refused', reason: 'store-busy' });
      expect(await store.storeMessage(alice.key, bob.key, 'again')).toMatchObject({ kind: 'stored' });
      expect(texts(await store.pendingFor(bob.key))).toEqual(['storm 0', 'storm 1', 'storm 2', 'storm 3', 'again']);
    } finally {
      await store.close();
    }
  });
});
