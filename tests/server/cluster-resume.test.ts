/** Resume tokens across a cluster: a phone whose node died, or that moved, takes its name and calls to another node. */
import { createClient } from 'redis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { useCluster } from './cluster-harness.js';
import { answeredCall } from './harness.js';
import { TestClient } from './client.js';

const cluster = useCluster();
/** Short timers: a killed node is missing after 600 ms, its users gone 300 ms later. */
const FAST = { clusterHeartbeatMs: 100, clusterNodeTtlMs: 600, graceMs: 300 };

describe('a resume token works on any node', () => {
  it('the REGISTER 200 lists the other live nodes, each by its public address when it has one', async () => {
    const publicUrl = 'wss://c.example:8443/signal';
    // Room for a registration per attempt below.
    const [a, b] = await Promise.all([cluster.node('a', { ...FAST, registrationBurst: 100 }), cluster.node('b', FAST), cluster.node('c', { ...FAST, publicUrl: publicUrl })]);
    // A node learns the others from its heartbeats: the nodes started together may take one to appear.
    for (let attempt = 0; ; attempt += 1) {
      const phone = await cluster.connect(a!.url);
      const welcome = await phone.request({ method: 'REGISTER', body: { name: `Ada${attempt}` } });
      expect(welcome.status).toBe(200);
      if (welcome.body.nodes.length < 2 && attempt < 50) {
        await new Promise((resolve) => setTimeout(resolve, FAST.clusterHeartbeatMs / 2));
        continue;
      }
      expect([...welcome.body.nodes].sort()).toEqual([b!.url, publicUrl].sort());
      return;
    }
  });

  /** Ada (node a) and Bob (node b) in a call `caller` placed (it lives on the caller's node); node a dies and Ada resumes on c. */
  async function adasNodeDiesMidCall(caller: 'Ada' | 'Bob') {
    const [a, b, c] = await cluster.three(FAST);
    const ada = await cluster.register(a!.url, 'Ada');
    const bob = await cluster.register(b!.url, 'Bob');
    await ada.nextPresence('Ada');
    const callId = caller === 'Ada' ? await answeredCall(ada, bob, 'Bob') : await answeredCall(bob, ada, 'Ada');
    await a!.close();
    const moved = await cluster.connect(c!.url);
    const welcome = await moved.request({ method: 'REGISTER', body: { name: 'Ada', resume: ada.resume } });
    expect(welcome).toMatchObject({ status: 200, body: { name: 'Ada', resumed: true } });
    await untilPurged('a');
    return { b: b!, c: c!, bob, moved, welcome, callId };
  }

  /** Bob's INFO reaches Ada on her new node, then his BYE, and her 200 reaches him. */
  async function talksOnAndHangsUp(bob: TestClient, moved: TestClient, callId: string): Promise<void> {
    bob.send({ method: 'INFO', cseq: 2, callId, body: { candidate: null } });
    expect(await moved.nextRequest('INFO')).toMatchObject({ from: 'Bob', to: 'Ada', cseq: 2, callId });
    bob.send({ method: 'BYE', cseq: 3, callId });
    expect(await moved.nextRequest('BYE')).toMatchObject({ from: 'Bob', callId });
    moved.send({ status: 200, reason: 'OK', method: 'BYE', cseq: 3, callId });
    expect(await bob.nextResponse(200, 'BYE')).toMatchObject({ callId });
  }

  it('a node killed mid-call: its phone resumes on another node, keeps its name past the purge, and the call goes on (INFO both ways, BYE)', async () => {
    // Homed on Bob's node, the caller's: it outlives Ada's node.
    const { b, c, bob, moved, welcome, callId } = await adasNodeDiesMidCall('Bob');
    // Never its own address. (Which others it lists depends on the heartbeats it has seen since it
    // started a moment ago: the first test covers the listing.)
    expect(welcome.body.nodes).not.toContain(c.url);
    moved.send({ method: 'INFO', cseq: 2, callId, body: { candidate: null } });
    expect(await bob.nextRequest('INFO')).toMatchObject({ from: 'Ada', to: 'Bob', cseq: 2, callId });
    await talksOnAndHangsUp(bob, moved, callId);

    // The name is still Ada's, and she is still reachable.
    const copy = await cluster.connect(b.url);
    expect(await copy.request({ method: 'REGISTER', body: { name: 'ADA' } })).toMatchObject({ status: 409, reason: 'Name taken' });
  });

  it("a node killed mid-call that was the call's home: once its phone resumed elsewhere, the other party's node takes the call over and it goes on", async () => {
    // Homed on Ada's node, the caller's: its home dies.
    const { bob, moved, callId } = await adasNodeDiesMidCall('Ada');
    // Bob's node, the one that knows the call, takes it over when it purges a (maybe a heartbeat
    // after c did), then tells Ada's node; until that word is read there, an INFO gets 481.
    await untilKey(`lp:rehome:${callId}`);
    const reachedBob = bob.nextRequest('INFO');
    for (let cseq = 2; ; cseq += 1) {
      moved.send({ method: 'INFO', cseq, callId, body: { candidate: null } });
      const refused = moved.next((f) => f.status === 481 && f.cseq === cseq);
      // Once an INFO reaches Bob no 481 is coming: that wait ends unanswered, as expected.
      refused.catch(() => undefined);
      if (await Promise.race([reachedBob.then(() => true), refused.then(() => false)])) break;
      expect(cseq).toBeLessThan(50);
    }
    expect(await reachedBob).toMatchObject({ from: 'Ada', to: 'Bob', callId });
    await talksOnAndHangsUp(bob, moved, callId);
    expect(bob.unread((f) => f.method === 'BYE')).toEqual([]);
  });

  it('a token is single-use across nodes, and a wrong one changes nothing', async () => {
    const [a, b, c] = await cluster.three(FAST);
    const ada = await cluster.register(a!.url, 'Ada');
    const thief = await cluster.connect(b!.url);
    expect(await thief.request({ method: 'REGISTER', body: { name: 'Ada', resume: 'x'.repeat(43) } })).toMatchObject({ status: 409, reason: 'Name taken' });
    // Ada is untouched: still connected on her node.
    expect(await ada.request({ method: 'PUBLISH', body: { state: 'online' } })).toMatchObject({ status: 200 });

    const moved = await cluster.connect(c!.url);
    expect(await moved.request({ method: 'REGISTER', body: { name: 'Ada', resume: ada.resume } })).toMatchObject({ status: 200 });
    const again = await cluster.connect(b!.url);
    expect(await again.request({ method: 'REGISTER', body: { name: 'Ada', resume: ada.resume } })).toMatchObject({ status: 409, reason: 'Name taken' });
  });

  it('a phone that moves while its node lives: the old socket is replaced, and a call homed on the old node goes on', async () => {
    const [a, b, c] = await cluster.three(FAST);
    const ada = await cluster.register(a!.url, 'Ada');
    const cyd = await cluster.register(c!.url, 'Cyd');
    await ada.nextPresence('Ada');
    const callId = await answeredCall(ada, cyd, 'Cyd');

    const moved = await cluster.connect(b!.url);
    expect(await moved.request({ method: 'REGISTER', body: { name: 'Ada', resume: ada.resume } })).toMatchObject({ status: 200, body: { resumed: true } });
    expect(await ada.closed).toEqual({ code: 4001, reason: 'Replaced' });

    moved.send({ method: 'INFO', cseq: 2, callId, body: { candidate: null } });
    expect(await cyd.nextRequest('INFO')).toMatchObject({ from: 'Ada', cseq: 2, callId });
    cyd.send({ method: 'INFO', cseq: 2, callId, body: { candidate: null } });
    expect(await moved.nextRequest('INFO')).toMatchObject({ from: 'Cyd', cseq: 2, callId });
    moved.send({ method: 'BYE', cseq: 3, callId });
    expect(await cyd.nextRequest('BYE')).toMatchObject({ from: 'Ada', callId });
  });
});

describe('a phone resuming waits for the homes of its calls', () => {
  let redis: ReturnType<typeof createClient>;
  beforeEach(async () => {
    redis = createClient({ url: cluster.redis.url });
    await redis.connect();
  });
  afterEach(() => redis.destroy());

  /** The next envelope for node x that `match`es, from its stream, read from `after` on. */
  async function nextForX(match: (envelope: Record<string, unknown>) => boolean, after = '0-0'): Promise<Record<string, unknown>> {
    for (let last = after; ; ) {
      type Read = [stream: string, entries: [id: string, fields: string[]][]][] | null;
      const read = (await redis.sendCommand(['XREAD', 'BLOCK', '5000', 'STREAMS', 'lp:stream:x', last])) as Read;
      const entries = read?.[0]?.[1] ?? [];
      if (entries.length === 0) throw new Error('nothing more for x within 5 s');
      for (const [id, fields] of entries) {
        last = id;
        const envelope = JSON.parse(fields[1]!) as Record<string, unknown>;
        if (match(envelope)) return envelope;
      }
    }
  }

  /**
   * Plays node x, home to a call of Ada's, by hand in Redis: alive by its heartbeat key, Ada busy
   * there. Ada's node dies and she resumes on c, which asks x.
   */
  async function resumeWithHomeOnX() {
    // A long grace: the wait's bound (a TTL and a grace period) stays far off.
    const [a, c] = await Promise.all([cluster.node('a', { ...FAST, graceMs: 10_000 }), cluster.node('c', { ...FAST, graceMs: 10_000 })]);
    const ada = await cluster.register(a!.url, 'Ada');
    const [key] = await redis.hKeys('lp:users');
    await redis.set('lp:node:x', 'ws://x.invalid/signal');
    await redis.sAdd('lp:nodes', 'x');
    await redis.hSet('lp:busy', `${key}\nx`, '1');
    await redis.xAdd('lp:stream:c', '*', { e: JSON.stringify({ t: 'busy', key, node: 'x', busy: true }) });
    await a!.close();
    const moved = await cluster.connect(c!.url);
    moved.send({ method: 'REGISTER', cseq: 1, body: { name: 'Ada', resume: ada.resume } });
    expect(await nextForX((envelope) => envelope.t === 'moved')).toEqual({ t: 'moved', key, node: 'c' });
    return { moved, key: key! };
  }

  it('a slow home: the REGISTER 200 comes once it has told the call, and the call goes on through it', async () => {
    const { moved, key } = await resumeWithHomeOnX();
    // Slower than a heartbeat TTL, which the resume used to wait at most.
    await new Promise((resolve) => setTimeout(resolve, 2 * FAST.clusterNodeTtlMs));
    expect(moved.unread((frame) => frame.status !== undefined)).toEqual([]);
    const dialogs = [{ callId: 'call-on-x', peer: 'Bob', peerCseq: 1, inviteCseq: 1, answered: true, conference: null }];
    await redis.xAdd('lp:stream:c', '*', { e: JSON.stringify({ t: 'homed', key, node: 'x', dialogs }) });
    expect(await moved.nextResponse(200, 'REGISTER')).toMatchObject({ body: { resumed: true } });

    moved.send({ method: 'INFO', cseq: 2, callId: 'call-on-x', body: { candidate: null } });
    const forwarded = await nextForX((envelope) => envelope.t === 'dialog');
    expect(forwarded).toMatchObject({ from: key, node: 'c' });
    expect(JSON.parse(forwarded.message as string)).toMatchObject({ method: 'INFO', callId: 'call-on-x' });
  });

  it('a home that dies before it answers: the REGISTER 200 comes once a heartbeat finds it gone', async () => {
    const { moved } = await resumeWithHomeOnX();
    await redis.del('lp:node:x');
    expect(await moved.nextResponse(200, 'REGISTER')).toMatchObject({ body: { resumed: true } });
  });
});

/** Polls Redis until the cluster has purged `node` (another node saw it silent past the grace period). */
const untilPurged = (node: string): Promise<void> => untilRedis(`node ${node} purged`, ['SISMEMBER', 'lp:nodes', node], 0);

/** Polls Redis until `key` exists. */
const untilKey = (key: string): Promise<void> => untilRedis(`${key} set`, ['EXISTS', key], 1);

async function untilRedis(what: string, command: string[], wanted: number): Promise<void> {
  const redis = createClient({ url: cluster.redis.url });
  await redis.connect();
  try {
    const deadline = Date.now() + 10_000;
    while (Number(await redis.sendCommand(command)) !== wanted) {
      if (Date.now() > deadline) throw new Error(`not ${what} within 10 s`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    await redis.destroy();
  }
}
