/**
 * bench:messages measures the server's own work on a message with an in-memory store
 * (bench/memory-store.ts, BENCH_HOST=server-memory): it must keep the same contract as the SQLite
 * and Redis stores, or the figure would be of a different server; and the server must use it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryHostStore } from '../../bench/memory-store.js';
import { silentLogger } from '../../signal-server/log.js';
import { startSignalServer, type RunningSignalServer } from '../../signal-server/server.js';
import { userKey } from '../../signal-server/store/host-store.js';
import { TestClient } from './client.js';
import { describeHostStore } from './host-store-contract.js';
import { message, nextMessage } from './mail-harness.js';

describe('the in-memory store of bench:messages', () => {
  describeHostStore(async (limits, now) => {
    const store = new MemoryHostStore({ limits, now });
    return { store, recordings: () => Promise.resolve(store.recordings()) };
  });
});

describe('a server given a store to open', () => {
  let server: RunningSignalServer | null = null;
  afterEach(async () => {
    await server?.close();
    server = null;
  });

  it('keeps its messages there, with no data folder, under the limits it was given', async () => {
    const opened: MemoryHostStore[] = [];
    server = await startSignalServer({
      host: '127.0.0.1',
      port: 0,
      staticDir: null,
      logger: silentLogger,
      storeLimits: { maxMessageBytes: 100 },
      openStore: (limits) => {
        const store = new MemoryHostStore({ limits });
        opened.push(store);
        return Promise.resolve(store);
      },
    });
    const alice = await TestClient.connect(server.url);
    const bob = await TestClient.connect(server.url);
    expect(await alice.request({ method: 'REGISTER', body: { name: 'Alice' } })).toMatchObject({ status: 200, body: { maxMessageBytes: 100 } });
    expect(await bob.request({ method: 'REGISTER', body: { name: 'Bob' } })).toMatchObject({ status: 200 });

    expect(await alice.request(message('Bob', 'hello'))).toMatchObject({ status: 200 });
    expect((await nextMessage(bob)).body).toMatchObject({ text: 'hello' });
    expect(await alice.request(message('Bob', 'x'.repeat(101)))).toMatchObject({ status: 400 });
    expect(opened).toHaveLength(1);
    expect((await opened[0]!.pendingFor(userKey('Bob'))).map((kept) => kept.text)).toEqual(['hello']);
  });
});
