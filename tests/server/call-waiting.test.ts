/**
 * Call waiting: a phone in a call can be rung. It holds at most maxCallsPerPhone answered calls
 * (default 2: the active one and one on hold) and maxRingingPerPhone unanswered incoming ones
 * (default 1); beyond either a new call gets 486. A caller in calls may place another.
 */
import { describe, expect, it } from 'vitest';
import { parseCli } from '../../signal-server/cli-options.js';
import type { TestClient } from './client.js';
import { answer, invite, newCallId, offer, useServer } from './harness.js';

describe('call waiting', () => {
  const harness = useServer();

  async function phones(names: string[], options = {}) {
    const server = await harness.start(options);
    const clients: TestClient[] = [];
    for (const name of names) clients.push(await harness.register(server.url, name));
    return clients;
  }

  /** `caller` calls `callee` (named `to`): 100 to the caller, the INVITE at the callee, its 180 back. */
  async function ringing(caller: TestClient, callee: TestClient, to: string) {
    const callId = newCallId();
    caller.send(invite(callId, to));
    expect(await caller.next((f) => f.callId === callId)).toMatchObject({ status: 100 });
    const incoming = await callee.next((f) => f.method === 'INVITE' && f.callId === callId);
    callee.send({ status: 180, reason: 'Ringing', method: 'INVITE', cseq: 1, callId });
    expect(await caller.next((f) => f.callId === callId && f.status === 180)).toMatchObject({ from: incoming.to });
    return callId;
  }

  async function answered(caller: TestClient, callee: TestClient, callId: string) {
    callee.send({ status: 200, reason: 'OK', method: 'INVITE', cseq: 1, callId, body: answer });
    expect(await caller.next((f) => f.callId === callId && f.status === 200)).toMatchObject({ method: 'INVITE', body: answer });
    caller.send({ method: 'ACK', cseq: 1, callId });
    await callee.next((f) => f.method === 'ACK' && f.callId === callId);
  }

  async function call(caller: TestClient, callee: TestClient, to: string) {
    const callId = await ringing(caller, callee, to);
    await answered(caller, callee, callId);
    return callId;
  }

  async function hangUp(from: TestClient, to: TestClient, callId: string, cseq: number) {
    from.send({ method: 'BYE', cseq, callId });
    await to.next((f) => f.method === 'BYE' && f.callId === callId);
    to.send({ status: 200, reason: 'OK', method: 'BYE', cseq, callId });
    await from.next((f) => f.status === 200 && f.method === 'BYE' && f.callId === callId);
  }

  it('rings a callee in a call: the INVITE reaches it, its 180 reaches the second caller, the first call goes on', async () => {
    const [ada, bob, cy] = await phones(['Ada', 'Bob', 'Cy']);
    const first = await call(ada!, bob!, 'Bob');
    const second = newCallId();
    cy!.send(invite(second, 'Bob'));
    expect(await cy!.next((f) => f.callId === second)).toEqual({ status: 100, reason: 'Trying', method: 'INVITE', cseq: 1, callId: second });
    expect(await bob!.nextRequest('INVITE')).toEqual({ method: 'INVITE', cseq: 1, callId: second, from: 'Cy', to: 'Bob', body: offer });
    bob!.send({ status: 180, reason: 'Ringing', method: 'INVITE', cseq: 1, callId: second });
    expect(await cy!.nextResponse(180)).toEqual({ status: 180, reason: 'Ringing', method: 'INVITE', cseq: 1, callId: second, from: 'Bob', to: 'Cy' });
    // Positive control: the first call is undisturbed.
    ada!.send({ method: 'INFO', cseq: 2, callId: first, body: { candidate: null } });
    expect(await bob!.nextRequest('INFO')).toMatchObject({ callId: first, from: 'Ada' });
  });

  it('lets the callee answer the waiting call: both calls are confirmed, each relays in-dialog requests, a hold re-INVITE included', async () => {
    const [ada, bob, cy] = await phones(['Ada', 'Bob', 'Cy']);
    const first = await call(ada!, bob!, 'Bob');
    const second = await ringing(cy!, bob!, 'Bob');
    // Bob puts Ada on hold (a re-INVITE in the first call), then answers Cy.
    bob!.send({ method: 'INVITE', cseq: 2, callId: first, body: offer });
    expect(await ada!.nextRequest('INVITE')).toMatchObject({ callId: first, cseq: 2, from: 'Bob' });
    ada!.send({ status: 200, reason: 'OK', method: 'INVITE', cseq: 2, callId: first, body: answer });
    expect(await bob!.next((f) => f.status === 200 && f.callId === first)).toMatchObject({ cseq: 2, from: 'Ada' });
    await answered(cy!, bob!, second);

    cy!.send({ method: 'INFO', cseq: 2, callId: second, body: { candidate: null } });
    expect(await bob!.next((f) => f.method === 'INFO' && f.callId === second)).toMatchObject({ from: 'Cy', to: 'Bob' });
    ada!.send({ method: 'INFO', cseq: 2, callId: first, body: { candidate: null } });
    expect(await bob!.next((f) => f.method === 'INFO' && f.callId === first)).toMatchObject({ from: 'Ada', to: 'Bob' });
    // BYE belongs in a confirmed call only: it is relayed in both.
    await hangUp(bob!, ada!, first, 3);
    await hangUp(cy!, bob!, second, 3);
  });

  it('answers 486 to a third caller when the callee holds two answered calls, until one hangs up', async () => {
    const [ada, bob, cy, dee] = await phones(['Ada', 'Bob', 'Cy', 'Dee']);
    const first = await call(ada!, bob!, 'Bob');
    await call(cy!, bob!, 'Bob');
    const refused = newCallId();
    dee!.send(invite(refused, 'Bob'));
    expect(await dee!.next((f) => f.callId === refused)).toEqual({ status: 486, reason: 'Busy Here', method: 'INVITE', cseq: 1, callId: refused });
    await bob!.assertQuiet({ allowPresence: true });

    await hangUp(ada!, bob!, first, 2);
    await ringing(dee!, bob!, 'Bob');
  });

  it('answers 486 to a third caller while a second call is still ringing, until it stops', async () => {
    const [ada, bob, cy, dee] = await phones(['Ada', 'Bob', 'Cy', 'Dee']);
    await call(ada!, bob!, 'Bob');
    const waiting = await ringing(cy!, bob!, 'Bob');
    const refused = newCallId();
    dee!.send(invite(refused, 'Bob'));
    expect(await dee!.next((f) => f.callId === refused)).toMatchObject({ status: 486, reason: 'Busy Here' });
    await bob!.assertQuiet({ allowPresence: true });

    bob!.send({ status: 486, reason: 'Busy Here', method: 'INVITE', cseq: 1, callId: waiting });
    await cy!.next((f) => f.callId === waiting && f.status === 486);
    await ringing(dee!, bob!, 'Bob');
  });

  it('still answers 480 to a callee in a call that published dnd, and rings it once it is back online', async () => {
    const [ada, bob, cy] = await phones(['Ada', 'Bob', 'Cy']);
    await call(ada!, bob!, 'Bob');
    await bob!.request({ method: 'PUBLISH', body: { state: 'dnd' } });
    expect(await cy!.request(invite(newCallId(), 'Bob'))).toMatchObject({ status: 480, reason: 'Temporarily Unavailable' });
    await bob!.request({ method: 'PUBLISH', body: { state: 'online' } });
    await ringing(cy!, bob!, 'Bob');
  });

  it('lets a caller in a call place a second call, and refuses a third with 503 while it holds two', async () => {
    const [ada, bob, cy, dee] = await phones(['Ada', 'Bob', 'Cy', 'Dee']);
    await call(ada!, bob!, 'Bob');
    await call(bob!, cy!, 'Cy');
    const third = newCallId();
    bob!.send(invite(third, 'Dee'));
    expect(await bob!.next((f) => f.callId === third)).toEqual({
      status: 503,
      reason: 'Too many calls (at most 2 answered at once)',
      method: 'INVITE',
      cseq: 1,
      callId: third,
    });
    await dee!.assertQuiet({ allowPresence: true });
  });

  it('keeps the callee busy in presence while it has any call, and online once the last one ends', async () => {
    const [ada, bob, cy] = await phones(['Ada', 'Bob', 'Cy']);
    /** Bob's states in Cy's presence NOTIFYs, up to and including `last`. */
    const bobSeenByCy = async (last: string) => {
      const states: string[] = [];
      while (states.at(-1) !== last) {
        for (const user of await cy!.nextPresence('Cy')) if (user.name === 'Bob') states.push(user.state);
      }
      return states;
    };
    const first = await call(ada!, bob!, 'Bob');
    await bobSeenByCy('busy');
    const second = await call(cy!, bob!, 'Bob');
    await hangUp(bob!, ada!, first, 2);
    await hangUp(bob!, cy!, second, 2);
    expect(await bobSeenByCy('online')).toEqual(['online']);
  });

  it('takes one call per phone as an option: then a phone in a call is busy to others and may not call out, until it hangs up', async () => {
    const [ada, bob, cy] = await phones(['Ada', 'Bob', 'Cy'], { maxCallsPerPhone: 1 });
    const first = await call(ada!, bob!, 'Bob');
    expect(await cy!.request(invite(newCallId(), 'Bob'))).toMatchObject({ status: 486, reason: 'Busy Here' });
    expect(await bob!.request(invite(newCallId(), 'Cy'))).toMatchObject({ status: 503, reason: 'Too many calls (at most 1 answered at once)' });
    await hangUp(ada!, bob!, first, 2);
    await ringing(cy!, bob!, 'Bob');
  });

  it('takes the incoming calls that may ring at once as an option', async () => {
    const [ada, bob, cy, dee, eve] = await phones(['Ada', 'Bob', 'Cy', 'Dee', 'Eve'], { maxRingingPerPhone: 2 });
    await call(ada!, bob!, 'Bob');
    await ringing(cy!, bob!, 'Bob');
    await ringing(dee!, bob!, 'Bob');
    expect(await eve!.request(invite(newCallId(), 'Bob'))).toMatchObject({ status: 486, reason: 'Busy Here' });
  });
});

describe('call waiting on the command line', () => {
  it('reads --max-calls-per-phone and --max-ringing-per-phone', () => {
    expect(parseCli(['--max-calls-per-phone', '3', '--max-ringing-per-phone', '2'])).toMatchObject({
      kind: 'serve',
      options: { maxCallsPerPhone: 3, maxRingingPerPhone: 2 },
    });
  });

  it.each([
    [['--max-calls-per-phone', '0'], /--max-calls-per-phone must be a whole number from 1 to 10, not "0"/],
    [['--max-ringing-per-phone', 'x'], /--max-ringing-per-phone must be a whole number from 1 to 10, not "x"/],
  ])('refuses %j with a clear message', (argv, message) => {
    const command = parseCli(argv);
    expect(command.kind === 'error' && command.message).toMatch(message);
  });
});
