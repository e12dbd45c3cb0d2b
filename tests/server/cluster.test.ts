/** Three nodes on one Redis: names unique across them, presence from every node, calls across nodes. */
import { describe, expect, it } from 'vitest';
import type { Frame } from './client.js';
import { useCluster } from './cluster-harness.js';
import { answer, newCallId, invite } from './harness.js';

const cluster = useCluster();

describe('names and presence across nodes', () => {
  it('users on different nodes see each other: in the REGISTER 200 and in presence NOTIFYs', async () => {
    const [a, b, c] = await cluster.three();
    const ada = await cluster.register(a!.url, 'Ada');
    const bob = await cluster.register(b!.url, 'Bob');
    expect(await ada.nextPresence('Ada')).toEqual([{ name: 'Bob', state: 'online' }]);
    const cyd = await cluster.connect(c!.url);
    const welcome = await cyd.request({ method: 'REGISTER', body: { name: 'Cyd' } });
    expect(welcome.status).toBe(200);
    expect(sortByName(welcome.body.users)).toEqual([
      { name: 'Ada', state: 'online' },
      { name: 'Bob', state: 'online' },
    ]);
    expect(await ada.nextPresence('Ada')).toEqual([{ name: 'Cyd', state: 'online' }]);
    expect(await bob.nextPresence('Bob')).toEqual([{ name: 'Cyd', state: 'online' }]);

    await bob.request({ method: 'PUBLISH', body: { state: 'dnd' } });
    expect(await ada.nextPresence('Ada')).toEqual([{ name: 'Bob', state: 'dnd' }]);
    expect(await cyd.nextPresence('Cyd')).toEqual([{ name: 'Bob', state: 'dnd' }]);

    await bob.close();
    expect(await ada.nextPresence('Ada')).toEqual([{ name: 'Bob', state: 'offline', lastSeen: expect.any(Number) }]);
    expect(await cyd.nextPresence('Cyd')).toEqual([{ name: 'Bob', state: 'offline', lastSeen: expect.any(Number) }]);
  });

  it('a name taken on one node is refused on another, look-alikes too; once it is free it can be had', async () => {
    const [a, b, c] = await cluster.three();
    const alice = await cluster.register(a!.url, 'Alice');
    for (const [url, name] of [
      [b!.url, 'ALICE'],
      [c!.url, 'AIice'],
      [b!.url, 'Аӏісе'],
    ] as const) {
      const client = await cluster.connect(url);
      const reply = await client.request({ method: 'REGISTER', body: { name } });
      expect([name, reply.status, reply.reason]).toEqual([name, 409, 'Name taken']);
    }
    const watcher = await cluster.register(c!.url, 'Watcher');
    await alice.close();
    expect(await watcher.nextPresence('Watcher')).toEqual([{ name: 'Alice', state: 'offline', lastSeen: expect.any(Number) }]);
    const again = await cluster.connect(b!.url);
    expect((await again.request({ method: 'REGISTER', body: { name: 'alice' } })).status).toBe(200);
  });

  it('the same name (or a look-alike) claimed on three nodes at the same moment goes to exactly one', async () => {
    const nodes = await cluster.three();
    const names = ['Zoe', 'ZOE', 'Z0e'];
    for (let round = 0; round < 5; round += 1) {
      const spelled = names.map((name) => `${name}${round}`);
      const clients = await Promise.all(nodes.map((node) => cluster.connect(node.url)));
      const replies = await Promise.all(clients.map((client, i) => client.request({ method: 'REGISTER', body: { name: spelled[i] } })));
      const statuses = replies.map((reply) => reply.status).sort();
      expect(statuses).toEqual([200, 409, 409]);
    }
  });
});

describe('calls across nodes', () => {
  it('INVITE, 180, 200, ACK, INFO both ways and BYE reach the right phones, stamped, and presence shows busy then online', async () => {
    const [a, b, c] = await cluster.three();
    const ada = await cluster.register(a!.url, 'Ada');
    const bob = await cluster.register(b!.url, 'Bob');
    expect(await ada.nextPresence('Ada')).toEqual([{ name: 'Bob', state: 'online' }]);
    const cyd = await cluster.register(c!.url, 'Cyd');
    const callId = newCallId();
    ada.send(invite(callId, 'Bob', { from: 'Mallory' }));
    expect(await ada.nextResponse(100, 'INVITE')).toMatchObject({ status: 100, callId });
    const incoming = await bob.nextRequest('INVITE');
    expect(incoming).toMatchObject({ from: 'Ada', to: 'Bob', method: 'INVITE', cseq: 1, callId });

    bob.send({ status: 180, reason: 'Ringing', method: 'INVITE', cseq: 1, callId });
    expect(await ada.nextResponse(180)).toMatchObject({ from: 'Bob', to: 'Ada', status: 180, callId });
    bob.send({ status: 200, reason: 'OK', method: 'INVITE', cseq: 1, callId, body: answer });
    expect(await ada.nextResponse(200, 'INVITE')).toMatchObject({ from: 'Bob', body: answer });
    ada.send({ method: 'ACK', cseq: 1, callId });
    expect(await bob.nextRequest('ACK')).toMatchObject({ from: 'Ada', callId });

    const candidate = { candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMid: '0' };
    ada.send({ method: 'INFO', cseq: 2, callId, body: { candidate } });
    bob.send({ method: 'INFO', cseq: 1, callId, body: { candidate } });
    expect(await bob.nextRequest('INFO')).toMatchObject({ from: 'Ada', cseq: 2, body: { candidate } });
    expect(await ada.nextRequest('INFO')).toMatchObject({ from: 'Bob', cseq: 1, body: { candidate } });

    const busy = await collectPresence(cyd, 'Cyd', 2);
    expect(busy).toEqual({ Ada: 'busy', Bob: 'busy' });

    // The callee's BYE goes to the dialog's home (Ada's node) and on to Ada; the 200 comes back.
    bob.send({ method: 'BYE', cseq: 2, callId, body: { reason: 'Hung up' } });
    expect(await ada.nextRequest('BYE')).toMatchObject({ from: 'Bob', to: 'Ada', cseq: 2, callId });
    ada.send({ status: 200, reason: 'OK', method: 'BYE', cseq: 2, callId });
    expect(await bob.nextResponse(200, 'BYE')).toMatchObject({ from: 'Ada', callId });
    expect(await collectPresence(cyd, 'Cyd', 2)).toEqual({ Ada: 'online', Bob: 'online' });
  });

  it("the home's own answers reach a phone on another node: a bad cseq from the callee gets 400, a stranger's BYE 481", async () => {
    const [a, b] = await cluster.three();
    const ada = await cluster.register(a!.url, 'Ada');
    const bob = await cluster.register(b!.url, 'Bob');
    const eve = await cluster.register(b!.url, 'Eve');
    await ada.nextPresence('Ada');
    const callId = newCallId();
    ada.send(invite(callId, 'Bob'));
    await ada.nextResponse(100, 'INVITE');
    await bob.nextRequest('INVITE');
    bob.send({ status: 200, reason: 'OK', method: 'INVITE', cseq: 1, callId, body: answer });
    await ada.nextResponse(200, 'INVITE');
    bob.send({ method: 'INFO', cseq: 5, callId, body: { candidate: null } });
    await ada.nextRequest('INFO');
    bob.send({ method: 'INFO', cseq: 5, callId, body: { candidate: null } });
    expect(await bob.nextResponse(400, 'INFO')).toMatchObject({ reason: 'cseq must increase within a dialog (last was 5)', callId });
    eve.send({ method: 'BYE', cseq: 9, callId, body: { reason: 'x' } });
    expect(await eve.nextResponse(481, 'BYE')).toMatchObject({ callId });
    await ada.assertQuiet({ allowPresence: true });
  });
});

function sortByName(users: Frame[]): Frame[] {
  return [...users].sort((x, y) => String(x.name).localeCompare(String(y.name)));
}

/** The latest state of each of `count` other users, from the presence NOTIFYs that come next. */
async function collectPresence(client: import('./client.js').TestClient, self: string, count: number): Promise<Record<string, string>> {
  const states: Record<string, string> = {};
  while (Object.keys(states).length < count) for (const user of await client.nextPresence(self)) states[user.name] = user.state;
  return states;
}
