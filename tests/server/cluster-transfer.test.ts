/**
 * Transfer (REFER, blind and attended), conference calls and ring groups when the parties are on
 * different nodes of a cluster (real redis-server, three nodes): a new INVITE that follows a
 * referral or joins a conference goes to the node home to the call or conference it names; a ring
 * group's call is homed on the caller's node and forks to members wherever they are.
 */
import { describe, expect, it } from 'vitest';
import type { SignalServerOptions } from '../../signal-server/options.js';
import type { Frame, TestClient } from './client.js';
import { useCluster } from './cluster-harness.js';
import { answer, answeredCall, invite, newCallId, offer } from './harness.js';

const cluster = useCluster();

/** Each name registered on node a, b, c, a, ... in turn; every node knows them all before this answers. */
async function phones(names: string[], options: SignalServerOptions = {}): Promise<TestClient[]> {
  const nodes = await cluster.three(options);
  const clients: TestClient[] = [];
  for (const [i, name] of names.entries()) clients.push(await cluster.register(nodes[i % nodes.length]!.url, name));
  // Each phone hears of those registered after it, so their nodes had their claims by then.
  for (const [i, client] of clients.entries()) {
    const waiting = new Set(names.slice(i + 1));
    while (waiting.size > 0) for (const user of await client.nextPresence(names[i]!)) waiting.delete(user.name);
  }
  return clients;
}

const isRefer = (callId: string) => (f: Frame) => f.method === 'REFER' && f.status === undefined && f.callId === callId;
const isReport = (callId: string) => (f: Frame) => f.method === 'NOTIFY' && f.status === undefined && f.callId === callId;

/** `from`'s request reaches `to` stamped, exactly; `to`'s 200 comes back to `from` (NOTIFY and INFO are not answered). */
async function exchange(from: TestClient, fromName: string, to: TestClient, toName: string, request: Frame): Promise<void> {
  from.send(request);
  expect(await to.next((f) => f.method === request.method && f.status === undefined && f.callId === request.callId)).toEqual({ from: fromName, to: toName, ...request });
  if (request.method === 'NOTIFY' || request.method === 'INFO') return;
  to.send({ status: 200, reason: 'OK', method: request.method, cseq: request.cseq, callId: request.callId });
  expect(await from.next((f) => f.status === 200 && f.method === request.method && f.callId === request.callId)).toMatchObject({ from: toName });
}

/** Bob places the call the referral in `x` allows, to Cy, who gets it stamped with `stamp`; answers the new call's id. */
async function referredCall(bob: TestClient, cy: TestClient, x: string, stamp: Frame): Promise<string> {
  const z = newCallId();
  bob.send(invite(z, 'Cy', { body: { ...offer, referral: x } }));
  expect(await bob.next((f) => f.callId === z)).toEqual({ status: 100, reason: 'Trying', method: 'INVITE', cseq: 1, callId: z });
  expect(await cy.next((f) => f.method === 'INVITE' && f.callId === z)).toEqual({ from: 'Bob', to: 'Cy', method: 'INVITE', cseq: 1, callId: z, body: { ...offer, ...stamp } });
  return z;
}

describe('transfer across nodes', () => {
  it('blind: Ada (node a) refers Bob (node b) to Cy (node c); his INVITE reaches Cy stamped, his reports reach Ada, and Bob and Cy talk on', async () => {
    const [ada, bob, cy] = await phones(['Ada', 'Bob', 'Cy']);
    const x = await answeredCall(ada!, bob!, 'Bob');

    ada!.send({ method: 'REFER', cseq: 2, callId: x, body: { target: 'cy' } });
    expect(await bob!.next(isRefer(x))).toEqual({ from: 'Ada', to: 'Bob', method: 'REFER', cseq: 2, callId: x, body: { target: 'Cy', referredBy: 'Ada' } });
    bob!.send({ status: 202, reason: 'Accepted', method: 'REFER', cseq: 2, callId: x });
    expect(await ada!.next((f) => f.status === 202)).toEqual({ from: 'Bob', to: 'Ada', status: 202, reason: 'Accepted', method: 'REFER', cseq: 2, callId: x });
    await exchange(bob!, 'Bob', ada!, 'Ada', { method: 'NOTIFY', cseq: 1, callId: x, body: { event: 'refer', status: 100 } });

    const z = await referredCall(bob!, cy!, x, { referredBy: 'Ada' });
    cy!.send({ status: 180, reason: 'Ringing', method: 'INVITE', cseq: 1, callId: z });
    expect(await bob!.next((f) => f.callId === z && f.status === 180)).toMatchObject({ from: 'Cy' });
    cy!.send({ status: 200, reason: 'OK', method: 'INVITE', cseq: 1, callId: z, body: answer });
    expect(await bob!.next((f) => f.callId === z && f.status === 200)).toMatchObject({ from: 'Cy', body: answer });
    bob!.send({ method: 'ACK', cseq: 1, callId: z });
    expect(await cy!.nextRequest('ACK')).toMatchObject({ from: 'Bob', callId: z });
    await exchange(bob!, 'Bob', ada!, 'Ada', { method: 'NOTIFY', cseq: 2, callId: x, body: { event: 'refer', status: 200 } });

    // The final report ended the referral: no second call may follow it.
    const again = newCallId();
    bob!.send(invite(again, 'Cy', { body: { ...offer, referral: x } }));
    expect(await bob!.next((f) => f.callId === again)).toMatchObject({ status: 403 });
    await exchange(ada!, 'Ada', bob!, 'Bob', { method: 'BYE', cseq: 3, callId: x, body: { reason: 'Transferred' } });
    await exchange(cy!, 'Cy', bob!, 'Bob', { method: 'INFO', cseq: 2, callId: z, body: { candidate: null } });
    await exchange(bob!, 'Bob', cy!, 'Cy', { method: 'INFO', cseq: 2, callId: z, body: { candidate: null } });
    await exchange(bob!, 'Bob', cy!, 'Cy', { method: 'BYE', cseq: 3, callId: z, body: { reason: 'Hung up' } });
  });

  type Placed = (ada: TestClient, bob: TestClient, cy: TestClient) => Promise<[x: string, y: string]>;
  const topologies: [string, Placed][] = [
    ['Ada placed both calls, homed on her node a', async (ada, bob, cy) => [await answeredCall(ada, bob, 'Bob'), await answeredCall(ada, cy, 'Cy')]],
    // Each call lives on its caller's node: the REFER's home (b) does not hold the call it replaces (c).
    ['Bob and Cy called Ada: her call with Bob homed on b, her consult with Cy on c', async (ada, bob, cy) => [await answeredCall(bob, ada, 'Ada'), await answeredCall(cy, ada, 'Ada')]],
  ];

  it.each(topologies)('attended (%s): Bob (node b) replaces Ada\'s consult call with Cy (node c); Cy ends it and Ada gets its BYE', async (_, placed) => {
    const [ada, bob, cy] = await phones(['Ada', 'Bob', 'Cy']);
    const [x, y] = await placed(ada!, bob!, cy!);

    ada!.send({ method: 'REFER', cseq: 2, callId: x, body: { target: 'Cy', replaces: y } });
    expect(await bob!.next(isRefer(x))).toMatchObject({ from: 'Ada', body: { target: 'Cy', referredBy: 'Ada' } });
    bob!.send({ status: 202, reason: 'Accepted', method: 'REFER', cseq: 2, callId: x });
    await ada!.next((f) => f.status === 202);

    const z = await referredCall(bob!, cy!, x, { referredBy: 'Ada', replaces: y });
    cy!.send({ status: 200, reason: 'OK', method: 'INVITE', cseq: 1, callId: z, body: answer });
    await exchange(cy!, 'Cy', ada!, 'Ada', { method: 'BYE', cseq: 2, callId: y, body: { reason: 'Replaced' } });
    expect(await bob!.next((f) => f.callId === z && f.status === 200)).toMatchObject({ from: 'Cy' });
    bob!.send({ method: 'ACK', cseq: 1, callId: z });
    // Bob's INVITE of x, when he placed it, was his cseq 1 there.
    await exchange(bob!, 'Bob', ada!, 'Ada', { method: 'NOTIFY', cseq: 2, callId: x, body: { event: 'refer', status: 200 } });
    await exchange(bob!, 'Bob', cy!, 'Cy', { method: 'INFO', cseq: 2, callId: z, body: { candidate: null } });
  });

  it('attended across nodes: a REFER naming a call between two others is refused (403), and changes nothing', async () => {
    const [ada, bob, cy, dee] = await phones(['Ada', 'Bob', 'Cy', 'Dee']);
    const x = await answeredCall(bob!, ada!, 'Ada');
    // Cy (node c) and Dee (node a, Ada's node) talk; Ada names their call.
    const theirs = await answeredCall(cy!, dee!, 'Dee');
    ada!.send({ method: 'REFER', cseq: 2, callId: x, body: { target: 'Cy', replaces: theirs } });
    expect(await ada!.next((f) => f.status !== undefined && f.method === 'REFER')).toMatchObject({ status: 403, callId: x });
    expect(bob!.unread(isRefer(x))).toEqual([]);
    await exchange(cy!, 'Cy', dee!, 'Dee', { method: 'INFO', cseq: 2, callId: theirs, body: { candidate: null } });
    await exchange(ada!, 'Ada', bob!, 'Bob', { method: 'INFO', cseq: 2, callId: x, body: { candidate: null } });
  });

  it('a forged referral from another node is refused as on one node (403), and the honest one still works', async () => {
    const [ada, bob, cy, eve] = await phones(['Ada', 'Bob', 'Cy', 'Eve']);
    const x = await answeredCall(ada!, bob!, 'Bob');
    ada!.send({ method: 'REFER', cseq: 2, callId: x, body: { target: 'Cy' } });
    await bob!.next(isRefer(x));
    bob!.send({ status: 202, reason: 'Accepted', method: 'REFER', cseq: 2, callId: x });
    await ada!.next((f) => f.status === 202);

    // Eve (node a, the referral's home) names Bob's referral: it is not hers.
    const forged = newCallId();
    eve!.send(invite(forged, 'Cy', { body: { ...offer, referral: x } }));
    expect(await eve!.next((f) => f.callId === forged)).toMatchObject({ status: 403, reason: 'referral: no transfer to Cy awaits you in that call' });
    // Bob names a referral of a call he is not in.
    const stranger = newCallId();
    bob!.send(invite(stranger, 'Cy', { body: { ...offer, referral: newCallId() } }));
    expect(await bob!.next((f) => f.callId === stranger)).toMatchObject({ status: 403 });
    await referredCall(bob!, cy!, x, { referredBy: 'Ada' });
  });
});

describe('conference across nodes', () => {
  const isJoin = (f: Frame) => f.method === 'NOTIFY' && f.body?.event === 'conference' && f.body.join !== undefined;

  /** `from` INVITEs `to` with `conference`; the server says 100, `to` gets it stamped and answers 200, `from` ACKs. Answers the INVITE `to` got. */
  async function link(from: TestClient, to: TestClient, toName: string, conference: Frame): Promise<Frame> {
    const callId = newCallId();
    from.send(invite(callId, toName, { body: { ...offer, conference } }));
    expect(await from.next((f) => f.callId === callId)).toMatchObject({ status: 100 });
    const incoming = await to.next((f) => f.method === 'INVITE' && f.callId === callId);
    to.send({ status: 200, reason: 'OK', method: 'INVITE', cseq: 1, callId, body: answer });
    await from.next((f) => f.status === 200 && f.callId === callId);
    from.send({ method: 'ACK', cseq: 1, callId });
    await to.next((f) => f.method === 'ACK' && f.callId === callId);
    return incoming;
  }

  it('Bob (node b) grows his call with Ada (node a) into a conference with Cy (node c); Cy adds Dee (node a); every pair links, and a link leaving is told', async () => {
    const [ada, bob, cy, dee] = await phones(['Ada', 'Bob', 'Cy', 'Dee']);
    const x = await answeredCall(ada!, bob!, 'Bob');
    const id = `conf-${newCallId()}`;

    const cyGot = await link(bob!, cy!, 'Cy', { id, from: x });
    // Members in the order they joined: the one who started it first.
    expect(cyGot.body.conference).toEqual({ id, members: ['Bob', 'Ada'] });
    for (const [client, others] of [
      [ada, ['Bob', 'Cy']],
      [bob, ['Ada', 'Cy']],
      [cy, ['Bob', 'Ada']],
    ] as const) {
      expect(await client!.next(isJoin)).toMatchObject({ body: { event: 'conference', id, members: others, join: 'Cy' } });
    }
    await link(ada!, cy!, 'Cy', { id });

    // Cy joined on another node than the conference's: her invitation of Dee goes there too.
    const deeGot = await link(cy!, dee!, 'Dee', { id });
    expect(deeGot.body.conference).toEqual({ id, members: ['Bob', 'Ada', 'Cy'] });
    for (const client of [ada, bob, cy, dee]) expect(await client!.next(isJoin)).toMatchObject({ body: { id, join: 'Dee' } });
    const fromAda = await link(ada!, dee!, 'Dee', { id });
    const fromBob = await link(bob!, dee!, 'Dee', { id });
    expect([fromAda.body.conference.members, fromBob.body.conference.members]).toEqual([['Bob', 'Ada', 'Cy'], ['Bob', 'Ada', 'Cy']]);

    // Dee hangs up on everyone: the others hear that she left.
    for (const [other, name, callId] of [
      [cy, 'Cy', deeGot.callId],
      [ada, 'Ada', fromAda.callId],
      [bob, 'Bob', fromBob.callId],
    ] as const) {
      await exchange(dee!, 'Dee', other!, name, { method: 'BYE', cseq: 2, callId });
    }
    for (const client of [ada, bob, cy]) {
      expect(await client!.next((f) => f.method === 'NOTIFY' && f.body?.leave !== undefined)).toMatchObject({ body: { id, leave: 'Dee' } });
    }
  });
});

describe('ring groups across nodes', () => {
  it('a group whose members are on three nodes rings them all; the first 200 wins, the others get CANCEL "Answered elsewhere"', async () => {
    const sales = { name: 'sales', members: ['Bob', 'Cy', 'Dee'] };
    const [ada, bob, cy, dee] = await phones(['Ada', 'Bob', 'Cy', 'Dee'], { ringGroups: [sales] });
    const callId = newCallId();
    ada!.send(invite(callId, 'sales'));
    expect(await ada!.next((f) => f.callId === callId)).toEqual({ status: 100, reason: 'Trying', method: 'INVITE', cseq: 1, callId });
    for (const [member, name] of [
      [bob, 'Bob'],
      [cy, 'Cy'],
      [dee, 'Dee'],
    ] as const) {
      expect(await member!.next((f) => f.method === 'INVITE' && f.callId === callId)).toMatchObject({ from: 'Ada', to: name, group: 'sales' });
      member!.send({ status: 180, reason: 'Ringing', method: 'INVITE', cseq: 1, callId });
    }
    expect(await ada!.next((f) => f.callId === callId && f.status === 180)).toMatchObject({ status: 180 });

    cy!.send({ status: 200, reason: 'OK', method: 'INVITE', cseq: 1, callId, body: answer });
    expect(await ada!.next((f) => f.callId === callId && f.status === 200)).toMatchObject({ from: 'Cy', group: 'sales', body: answer });
    for (const [member, name] of [
      [bob, 'Bob'],
      [dee, 'Dee'],
    ] as const) {
      expect(await member!.next((f) => f.method === 'CANCEL' && f.callId === callId)).toEqual({
        method: 'CANCEL',
        cseq: 1,
        callId,
        from: 'Ada',
        to: name,
        body: { reason: 'Answered elsewhere' },
      });
    }
    ada!.send({ method: 'ACK', cseq: 1, callId });
    expect(await cy!.nextRequest('ACK')).toMatchObject({ from: 'Ada', callId });
    await exchange(cy!, 'Cy', ada!, 'Ada', { method: 'INFO', cseq: 2, callId, body: { candidate: null } });
    // A loser's late answer changes nothing: the call is Cy's.
    bob!.send({ status: 200, reason: 'OK', method: 'INVITE', cseq: 1, callId, body: answer });
    await exchange(cy!, 'Cy', ada!, 'Ada', { method: 'BYE', cseq: 3, callId, body: { reason: 'Hung up' } });
    await ada!.assertQuiet({ allowPresence: true });
  });
});
