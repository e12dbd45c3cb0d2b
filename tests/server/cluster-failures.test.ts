/** A cluster losing a node mid-call, and losing its Redis: who is told what, and what carries on. */
import { describe, expect, it } from 'vitest';
import type { TestClient } from './client.js';
import { useCluster } from './cluster-harness.js';
import { answeredCall } from './harness.js';

const cluster = useCluster();
/** Short timers: a killed node is missing after 600 ms, its users gone 300 ms later. */
const FAST = { clusterHeartbeatMs: 100, clusterNodeTtlMs: 600, graceMs: 300 };

describe('a node dies', () => {
  it('its users go offline everywhere, and their calls end with BYE "Peer lost" whichever node was the home', async () => {
    const [a, b, c] = await cluster.three(FAST);
    const ada = await cluster.register(a!.url, 'Ada');
    const bob = await cluster.register(b!.url, 'Bob');
    const cyd = await cluster.register(c!.url, 'Cyd');
    await bob.nextPresence('Bob');
    await ada.nextPresence('Ada');
    const homedOnDeadNode = await answeredCall(ada, bob, 'Bob');
    const homedOnLiveNode = await answeredCall(cyd, ada, 'Ada');

    await a!.close();
    const [byBob, byCyd] = await Promise.all([bob.nextRequest('BYE'), cyd.nextRequest('BYE')]);
    expect(byBob).toMatchObject({ from: 'Ada', to: 'Bob', callId: homedOnDeadNode, body: { reason: 'Peer lost' } });
    expect(byCyd).toMatchObject({ from: 'Ada', to: 'Cyd', callId: homedOnLiveNode, body: { reason: 'Peer lost' } });
    expect(await presenceOf(bob, 'Bob', 'Ada', 'offline')).toBe('offline');
    expect(await presenceOf(cyd, 'Cyd', 'Ada', 'offline')).toBe('offline');
    // The name is free again, on any node.
    const again = await cluster.connect(b!.url);
    expect((await again.request({ method: 'REGISTER', body: { name: 'Ada' } })).status).toBe(200);
  });
});

describe('Redis goes away and comes back', () => {
  it('nodes serve their own calls meanwhile and say so in /healthz; afterwards presence, names and a held in-dialog message are all there', async () => {
    const [a, b, c] = await cluster.three(FAST);
    const ada = await cluster.register(a!.url, 'Ada');
    const amy = await cluster.register(a!.url, 'Amy');
    const bob = await cluster.register(b!.url, 'Bob');
    await ada.nextPresence('Ada');
    const cyd = await cluster.register(c!.url, 'Cyd');
    const callId = await answeredCall(ada, bob, 'Bob');

    await cluster.redis.kill();
    await until(async () => (await health(a!.port)).redis === 'down');
    expect(await health(b!.port)).toMatchObject({ node: 'b', redis: 'down', users: 1 });
    // A call between two users of one node needs no Redis.
    await answeredCall(amy, ada, 'Ada');
    // A new name cannot be checked against the other nodes: refused, not risked.
    const newcomer = await cluster.connect(c!.url);
    expect(await newcomer.request({ method: 'REGISTER', body: { name: 'Dee' } })).toMatchObject({ status: 503, reason: 'Directory unavailable: try again' });
    // Bob's INFO in the call homed on Ada's node waits for Redis, and is not lost.
    bob.send({ method: 'INFO', cseq: 2, callId, body: { candidate: null } });
    expect((await cyd.request({ method: 'PUBLISH', body: { state: 'dnd' } })).status).toBe(200);

    await cluster.redis.restart();
    await until(async () => (await health(a!.port)).redis === 'up' && (await health(b!.port)).redis === 'up');
    expect(await ada.nextRequest('INFO', 10_000)).toMatchObject({ from: 'Bob', cseq: 2, callId });
    expect(await presenceOf(bob, 'Bob', 'Cyd', 'dnd')).toBe('dnd');

    // Names are unique again across the cluster, and new ones spread.
    const copy = await cluster.connect(c!.url);
    expect((await copy.request({ method: 'REGISTER', body: { name: 'ADA' } })).status).toBe(409);
    const dee = await cluster.connect(c!.url);
    expect((await dee.request({ method: 'REGISTER', body: { name: 'Dee' } })).status).toBe(200);
    expect(await presenceOf(bob, 'Bob', 'Dee')).toBe('online');
    expect(await presenceOf(ada, 'Ada', 'Dee')).toBe('online');
  });
});

/** The next state a presence NOTIFY gives `name` (the first that is `state`, when given). */
async function presenceOf(client: TestClient, self: string, name: string, state?: string): Promise<string> {
  for (;;) {
    const entry = (await client.nextPresence(self)).find((user) => user.name === name && (state === undefined || user.state === state));
    if (entry) return entry.state as string;
  }
}

async function health(port: number): Promise<Record<string, unknown>> {
  const response = await fetch(`http://127.0.0.1:${port}/healthz`);
  return (await response.json()) as Record<string, unknown>;
}

/** Polls `check` (an HTTP round trip each time) until it holds, for at most 10 s. */
async function until(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
