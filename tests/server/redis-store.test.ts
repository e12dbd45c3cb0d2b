import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { userRef, type HostStore, type StoreLimits } from '../../signal-server/store/host-store.js';
import { openRedisStore } from '../../signal-server/store/redis-store.js';
import { alice, bob, carol, clock, describeHostStore, leaveVoicemail, send, texts } from './host-store-contract.js';
import { RedisProcess } from './redis-process.js';

let redis: RedisProcess;
const open: HostStore[] = [];
beforeAll(async () => {
  redis = await RedisProcess.start();
});
afterAll(() => redis.kill());
afterEach(async () => {
  await Promise.all(open.splice(0).map((store) => store.close()));
});

/** A store under a prefix of its own, so tests sharing the one Redis never see each other's keys. */
async function openStore(prefix: string, limits: Partial<StoreLimits> = {}, url = redis.url): Promise<HostStore> {
  const store = await openRedisStore({ url, prefix, limits, now: () => clock.now });
  open.push(store);
  return store;
}

const freshPrefix = (): string => `test:${randomBytes(6).toString('hex')}:`;

async function keysUnder(pattern: string): Promise<string[]> {
  const client = createClient({ url: redis.url });
  await client.connect();
  try {
    return (await client.keys(pattern)).sort();
  } finally {
    await client.close();
  }
}

describe('the Redis store keeps the contract', () => {
  describeHostStore(async (limits, now) => {
    const prefix = freshPrefix();
    const store = await openRedisStore({ url: redis.url, prefix, limits, now });
    const recordings = async (): Promise<string[]> => (await keysUnder(`${prefix}audio:*`)).map((key) => key.slice(`${prefix}audio:`.length)).sort();
    return { store, recordings };
  });
});

describe('the Redis store, shared by several nodes', () => {
  it('holds maxUndeliveredPerRecipient when two nodes store for one recipient at once', async () => {
    const prefix = freshPrefix();
    const limits = { maxUndeliveredPerRecipient: 5 };
    const [nodeA, nodeB] = [await openStore(prefix, limits), await openStore(prefix, limits)];
    for (const user of [alice, bob, carol]) await nodeA.sawUser(user);
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, index) => (index % 2 === 0 ? nodeA : nodeB).storeMessage((index % 4 < 2 ? alice : carol).key, bob.key, `m${index}`)),
    );
    const stored = outcomes.filter((outcome) => outcome.kind === 'stored');
    expect(stored).toHaveLength(5);
    expect(outcomes.filter((outcome) => outcome.kind === 'refused')).toEqual(Array(15).fill({ kind: 'refused', reason: 'recipient-full' }));
    // Either node reads what both stored.
    expect((await nodeB.pendingFor(bob.key)).map((message) => message.id).sort()).toEqual(stored.map((outcome) => (outcome.kind === 'stored' ? outcome.value.id : '')).sort());
  });

  it('holds maxDirectoryUsers when new names arrive on two nodes at once', async () => {
    const prefix = freshPrefix();
    const [nodeA, nodeB] = [await openStore(prefix, { maxDirectoryUsers: 3 }), await openStore(prefix, { maxDirectoryUsers: 3 })];
    const outcomes = await Promise.all(Array.from({ length: 10 }, (_, index) => (index % 2 === 0 ? nodeA : nodeB).sawUser(userRef(`User${index}`))));
    expect(outcomes.filter((outcome) => outcome.kind === 'stored')).toHaveLength(3);
    expect(await nodeA.directory()).toHaveLength(3);
    expect(await nodeB.directory()).toEqual(await nodeA.directory());
  });

  it('writes only keys under its prefix', async () => {
    const prefix = freshPrefix();
    const store = await openStore(prefix);
    for (const user of [alice, bob]) await store.sawUser(user);
    const message = await send(store, alice, bob, 'hello');
    await store.markRead(bob.key, [message.id]);
    await leaveVoicemail(store, alice, bob);
    const written = await keysUnder('*');
    expect(written.filter((key) => key.startsWith(prefix)).length).toBeGreaterThan(5);
    expect(written.filter((key) => !key.startsWith('test:'))).toEqual([]);
  });

  it('finishes the calls made before close, and refuses those made after', async () => {
    const prefix = freshPrefix();
    const store = await openStore(prefix);
    await store.sawUser(alice);
    await store.sawUser(bob);
    const last = store.storeMessage(alice.key, bob.key, 'made before close');
    await store.close();
    expect(await last).toMatchObject({ kind: 'stored' });
    await expect(store.pendingFor(bob.key)).rejects.toMatchObject({ code: 'closed' });
    await expect(store.storeMessage(alice.key, bob.key, 'too late')).rejects.toMatchObject({ code: 'closed' });
    const reopened = await openStore(prefix);
    expect(texts(await reopened.pendingFor(bob.key))).toEqual(['made before close']);
  });

  it('fails a call at once while Redis is away, and stores again once it is back', async () => {
    const own = await RedisProcess.start();
    try {
      const store = await openStore(freshPrefix(), {}, own.url);
      for (const user of [alice, bob]) await store.sawUser(user);
      await own.kill();
      await expect(store.storeMessage(alice.key, bob.key, 'while away')).rejects.toThrow();
      await own.restart();
      // A Redis without its data (no AOF here) knows nobody: the store answers, rather than hangs.
      await expect.poll(() => store.sawUser(alice).then((outcome) => outcome.kind, () => 'failed'), { timeout: 5_000 }).toBe('stored');
    } finally {
      await own.kill();
    }
  });
});

describe('durability', () => {
  it('keeps every message it answered "sent" for through a kill -9 of a Redis with appendfsync always', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'leanphone-aof-'));
    const durable = await RedisProcess.start(dir);
    try {
      const prefix = freshPrefix();
      const store = await openStore(prefix, {}, durable.url);
      for (const user of [alice, bob]) await store.sawUser(user);
      const told: string[] = [];
      // A storm: the kill lands while some are still on their way; only those answered count.
      const storm = Array.from({ length: 300 }, (_, index) =>
        store.storeMessage(alice.key, bob.key, `m${index}`).then(
          (outcome) => {
            if (outcome.kind === 'stored') told.push(outcome.value.id);
          },
          () => undefined,
        ),
      );
      await expect.poll(() => told.length).toBeGreaterThanOrEqual(50);
      await durable.kill();
      await Promise.all(storm);
      await durable.restart();
      const reopened = await openStore(prefix, {}, durable.url);
      const kept = new Set<string>((await reopened.pendingFor(bob.key)).map((message) => message.id));
      expect(told.filter((id) => !kept.has(id))).toEqual([]);
      expect(kept.size).toBeGreaterThanOrEqual(50);
    } finally {
      await durable.kill();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
