/**
 * Transfer (REFER, reduced from RFC 3515 and 3891) over real sockets. Ada (transferrer) is in call X
 * with Bob (transferee) and refers him to Cy (target): blind, or in place of her consult call Y
 * with Cy. The server checks and records the referral, admits only the INVITE it allows, stamps who
 * referred (and what is replaced), relays Bob's reports, and refuses every forgery.
 */
import { describe, expect, it } from 'vitest';
import type { Frame, TestClient } from './client.js';
import { answer, answeredCall, invite, newCallId, offer, useServer } from './harness.js';

describe('transfer', () => {
  const harness = useServer();

  async function phones(names: string[], options = {}) {
    const server = await harness.start(options);
    const clients: TestClient[] = [];
    for (const name of names) clients.push(await harness.register(server.url, name));
    return clients;
  }

  /** A re-INVITE from `from` in `callId`, answered 200 by `to` and confirmed: hold or resume. */
  async function reinvite(from: TestClient, to: TestClient, callId: string, cseq: number) {
    from.send({ method: 'INVITE', cseq, callId, body: offer });
    await to.next((f) => f.method === 'INVITE' && f.callId === callId && f.cseq === cseq);
    to.send({ status: 200, reason: 'OK', method: 'INVITE', cseq, callId, body: answer });
    await from.next((f) => f.status === 200 && f.callId === callId && f.cseq === cseq);
    from.send({ method: 'ACK', cseq, callId });
    await to.next((f) => f.method === 'ACK' && f.callId === callId && f.cseq === cseq);
  }

  /** Ada calls Bob and puts him on hold (re-INVITE cseq 2): call X. */
  async function heldCall(ada: TestClient, bob: TestClient) {
    const callId = await answeredCall(ada, bob, 'Bob');
    await reinvite(ada, bob, callId, 2);
    return callId;
  }

  const isRefer = (callId: string) => (f: Frame) => f.method === 'REFER' && f.status === undefined && f.callId === callId;
  const isReport = (callId: string) => (f: Frame) => f.method === 'NOTIFY' && f.status === undefined && f.callId === callId;

  /** Ada refers Bob in `callId` (REFER cseq 3); Bob gets it and answers 202, which reaches Ada. Answers the REFER Bob got. */
  async function referred(ada: TestClient, bob: TestClient, callId: string, body: Frame) {
    ada.send({ method: 'REFER', cseq: 3, callId, body });
    const refer = await bob.next(isRefer(callId));
    bob.send({ status: 202, reason: 'Accepted', method: 'REFER', cseq: 3, callId });
    expect(await ada.next((f) => f.status !== undefined && f.callId === callId)).toEqual({
      from: 'Bob',
      to: 'Ada',
      status: 202,
      reason: 'Accepted',
      method: 'REFER',
      cseq: 3,
      callId,
    });
    return refer;
  }

  /** Bob's report in `callId` reaches Ada exactly as sent. */
  async function report(bob: TestClient, ada: TestClient, callId: string, cseq: number, status: number) {
    bob.send({ method: 'NOTIFY', cseq, callId, body: { event: 'refer', status } });
    expect(await ada.next(isReport(callId))).toEqual({ from: 'Bob', to: 'Ada', method: 'NOTIFY', cseq, callId, body: { event: 'refer', status } });
  }

  /** Bob places the call the referral `callId` allows, to `to`: answers its call id and what the server said first. */
  async function transferCall(bob: TestClient, to: string, callId: string) {
    const call = newCallId();
    bob.send(invite(call, to, { body: { ...offer, referral: callId } }));
    return { call, first: await bob.next((f) => f.callId === call) };
  }

  it('blind: the REFER reaches Bob stamped, his INVITE reaches Cy stamped "referred by Ada", his reports reach Ada, and Ada drops out', async () => {
    const [ada, bob, cy] = await phones(['Ada', 'Bob', 'Cy']);
    const x = await heldCall(ada!, bob!);

    ada!.send({ method: 'REFER', cseq: 3, callId: x, body: { target: 'cy', from: 'Mallory', referredBy: 'Mallory' } });
    expect(await bob!.next(isRefer(x))).toEqual({ from: 'Ada', to: 'Bob', method: 'REFER', cseq: 3, callId: x, body: { target: 'Cy', referredBy: 'Ada' } });
    bob!.send({ status: 202, reason: 'Accepted', method: 'REFER', cseq: 3, callId: x });
    expect(await ada!.next((f) => f.status === 202)).toEqual({ from: 'Bob', to: 'Ada', status: 202, reason: 'Accepted', method: 'REFER', cseq: 3, callId: x });
    await report(bob!, ada!, x, 2, 100);

    const { call: z, first } = await transferCall(bob!, 'Cy', x);
    expect(first).toEqual({ status: 100, reason: 'Trying', method: 'INVITE', cseq: 1, callId: z });
    expect(await cy!.nextRequest('INVITE')).toEqual({ from: 'Bob', to: 'Cy', method: 'INVITE', cseq: 1, callId: z, body: { ...offer, referredBy: 'Ada' } });
    cy!.send({ status: 180, reason: 'Ringing', method: 'INVITE', cseq: 1, callId: z });
    await bob!.next((f) => f.callId === z && f.status === 180);
    await report(bob!, ada!, x, 3, 180);
    cy!.send({ status: 200, reason: 'OK', method: 'INVITE', cseq: 1, callId: z, body: answer });
    await bob!.next((f) => f.callId === z && f.status === 200);
    bob!.send({ method: 'ACK', cseq: 1, callId: z });
    await cy!.nextRequest('ACK');
    await report(bob!, ada!, x, 4, 200);

    // The final report ended the referral: Bob may report no more.
    expect(await bob!.request({ method: 'NOTIFY', callId: x, cseq: 5, body: { event: 'refer', status: 200 } })).toMatchObject({ status: 501 });
    ada!.send({ method: 'BYE', cseq: 4, callId: x });
    await bob!.next((f) => f.method === 'BYE' && f.callId === x);
    bob!.send({ status: 200, reason: 'OK', method: 'BYE', cseq: 4, callId: x });
    await ada!.next((f) => f.status === 200 && f.method === 'BYE');
    // Bob and Cy talk on.
    cy!.send({ method: 'INFO', cseq: 2, callId: z, body: { candidate: null } });
    expect(await bob!.nextRequest('INFO')).toMatchObject({ callId: z, from: 'Cy', to: 'Bob' });
  });

  it('attended: Bob\'s INVITE reaches Cy stamped with the call it replaces; Cy ends that call and Ada gets its BYE', async () => {
    const [ada, bob, cy] = await phones(['Ada', 'Bob', 'Cy']);
    const x = await heldCall(ada!, bob!);
    const y = await answeredCall(ada!, cy!, 'Cy');

    const refer = await referred(ada!, bob!, x, { target: 'Cy', replaces: y });
    expect(refer.body).toEqual({ target: 'Cy', referredBy: 'Ada' });
    await report(bob!, ada!, x, 2, 100);
    const { call: z, first } = await transferCall(bob!, 'Cy', x);
    expect(first).toMatchObject({ status: 100 });
    expect(await cy!.next((f) => f.method === 'INVITE' && f.callId === z)).toEqual({
      from: 'Bob',
      to: 'Cy',
      method: 'INVITE',
      cseq: 1,
      callId: z,
      body: { ...offer, referredBy: 'Ada', replaces: y },
    });
    cy!.send({ status: 200, reason: 'OK', method: 'INVITE', cseq: 1, callId: z, body: answer });
    cy!.send({ method: 'BYE', cseq: 2, callId: y, body: { reason: 'Replaced' } });
    expect(await ada!.next((f) => f.method === 'BYE')).toEqual({ from: 'Cy', to: 'Ada', method: 'BYE', cseq: 2, callId: y, body: { reason: 'Replaced' } });
    ada!.send({ status: 200, reason: 'OK', method: 'BYE', cseq: 2, callId: y });
    await bob!.next((f) => f.callId === z && f.status === 200);
    bob!.send({ method: 'ACK', cseq: 1, callId: z });
    await report(bob!, ada!, x, 3, 200);
    await cy!.next((f) => f.status === 200 && f.method === 'BYE');
    // Y is over; Z carries on.
    expect(await ada!.request({ method: 'BYE', cseq: 5, callId: y })).toMatchObject({ status: 481 });
    bob!.send({ method: 'INFO', cseq: 2, callId: z, body: { candidate: null } });
    expect(await cy!.nextRequest('INFO')).toMatchObject({ callId: z, from: 'Bob' });
  });

  describe('a failed transfer leaves the held call to Ada, and Bob reports why', () => {
    it('the target is busy: Bob\'s INVITE gets 486 from the server', async () => {
      const [ada, bob, cy, dee, eve] = await phones(['Ada', 'Bob', 'Cy', 'Dee', 'Eve']);
      const x = await heldCall(ada!, bob!);
      await answeredCall(dee!, cy!, 'Cy');
      await answeredCall(eve!, cy!, 'Cy');
      await referred(ada!, bob!, x, { target: 'Cy' });
      const { first } = await transferCall(bob!, 'Cy', x);
      expect(first).toMatchObject({ status: 486, reason: 'Busy Here' });
      await report(bob!, ada!, x, 2, 486);
      await reinvite(ada!, bob!, x, 4);
    });

    it('the target declines: its 603 reaches Bob', async () => {
      const [ada, bob, cy] = await phones(['Ada', 'Bob', 'Cy']);
      const x = await heldCall(ada!, bob!);
      await referred(ada!, bob!, x, { target: 'Cy' });
      const { call: z } = await transferCall(bob!, 'Cy', x);
      await cy!.nextRequest('INVITE');
      cy!.send({ status: 603, reason: 'Decline', method: 'INVITE', cseq: 1, callId: z });
      await bob!.next((f) => f.callId === z && f.status === 603);
      await report(bob!, ada!, x, 2, 603);
      await reinvite(ada!, bob!, x, 4);
    });

    it('the target is offline or unavailable: the server answers the REFER 404 or 480 itself, and Bob hears nothing', async () => {
      const [ada, bob, cy] = await phones(['Ada', 'Bob', 'Cy']);
      const x = await heldCall(ada!, bob!);
      expect(await ada!.request({ method: 'REFER', cseq: 3, callId: x, body: { target: 'Zed' } })).toEqual({
        status: 404,
        reason: 'Not Found',
        method: 'REFER',
        cseq: 3,
        callId: x,
      });
      await cy!.request({ method: 'PUBLISH', body: { state: 'dnd' } });
      expect(await ada!.request({ method: 'REFER', cseq: 4, callId: x, body: { target: 'Cy' } })).toMatchObject({ status: 480, method: 'REFER', cseq: 4 });
      await bob!.assertQuiet({ allowPresence: true });
      // Nothing was recorded: once Cy is back a REFER goes through.
      await cy!.request({ method: 'PUBLISH', body: { state: 'online' } });
      ada!.send({ method: 'REFER', cseq: 5, callId: x, body: { target: 'Cy' } });
      expect(await bob!.next(isRefer(x))).toMatchObject({ cseq: 5, body: { target: 'Cy', referredBy: 'Ada' } });
    });

    it('the target leaves after the REFER: Bob\'s INVITE gets 404', async () => {
      const [ada, bob, cy] = await phones(['Ada', 'Bob', 'Cy']);
      const x = await heldCall(ada!, bob!);
      await referred(ada!, bob!, x, { target: 'Cy' });
      await cy!.close();
      const { first } = await transferCall(bob!, 'Cy', x);
      expect(first).toMatchObject({ status: 404 });
      await report(bob!, ada!, x, 2, 404);
      await reinvite(ada!, bob!, x, 4);
    });

    it('the target does not answer: the ring timeout answers Bob 408 and cancels Cy', async () => {
      const [ada, bob, cy] = await phones(['Ada', 'Bob', 'Cy'], { ringTimeoutMs: 300 });
      const x = await heldCall(ada!, bob!);
      await referred(ada!, bob!, x, { target: 'Cy' });
      const { call: z } = await transferCall(bob!, 'Cy', x);
      await cy!.nextRequest('INVITE');
      expect(await bob!.next((f) => f.callId === z && f.status >= 200)).toMatchObject({ status: 408 });
      expect(await cy!.nextRequest('CANCEL')).toMatchObject({ callId: z });
      await report(bob!, ada!, x, 2, 408);
      await reinvite(ada!, bob!, x, 4);
    });

    it('the target hangs up mid-consult: the REFER replacing that call gets 481, and the held call goes on', async () => {
      const [ada, bob, cy] = await phones(['Ada', 'Bob', 'Cy']);
      const x = await heldCall(ada!, bob!);
      const y = await answeredCall(ada!, cy!, 'Cy');
      cy!.send({ method: 'BYE', cseq: 2, callId: y });
      await ada!.next((f) => f.method === 'BYE' && f.callId === y);
      ada!.send({ status: 200, reason: 'OK', method: 'BYE', cseq: 2, callId: y });
      await cy!.next((f) => f.status === 200 && f.method === 'BYE');
      expect(await ada!.request({ method: 'REFER', cseq: 3, callId: x, body: { target: 'Cy', replaces: y } })).toMatchObject({
        status: 481,
        method: 'REFER',
      });
      await bob!.assertQuiet({ allowPresence: true });
      await reinvite(ada!, bob!, x, 4);
    });

    it('the target hangs up the consult after Bob accepted: his INVITE gets 481 and nobody rings', async () => {
      const [ada, bob, cy] = await phones(['Ada', 'Bob', 'Cy']);
      const x = await heldCall(ada!, bob!);
      const y = await answeredCall(ada!, cy!, 'Cy');
      await referred(ada!, bob!, x, { target: 'Cy', replaces: y });
      cy!.send({ method: 'BYE', cseq: 2, callId: y });
      await ada!.next((f) => f.method === 'BYE' && f.callId === y);
      ada!.send({ status: 200, reason: 'OK', method: 'BYE', cseq: 2, callId: y });
      await cy!.next((f) => f.status === 200 && f.method === 'BYE');
      const { first } = await transferCall(bob!, 'Cy', x);
      expect(first).toMatchObject({ status: 481, method: 'INVITE' });
      await cy!.assertQuiet({ allowPresence: true });
      await report(bob!, ada!, x, 2, 481);
      await reinvite(ada!, bob!, x, 4);
    });
  });

  it('crossing transfers: the REFER the server sees first goes through, the other gets 491 and is not recorded', async () => {
    const [ada, bob] = await phones(['Ada', 'Bob', 'Cy', 'Dee']);
    const x = await answeredCall(ada!, bob!, 'Bob');
    ada!.send({ method: 'REFER', cseq: 2, callId: x, body: { target: 'Cy' } });
    bob!.send({ method: 'REFER', cseq: 2, callId: x, body: { target: 'Dee' } });
    // Two rounds of PUBLISH: everything the two REFERs caused has reached both sockets.
    for (let round = 0; round < 2; round += 1) {
      await Promise.all([ada!.request({ method: 'PUBLISH', body: { state: 'online' } }), bob!.request({ method: 'PUBLISH', body: { state: 'online' } })]);
    }
    const adaWon = ada!.unread((f) => f.callId === x).length === 0;
    const [winner, loser, winnerName, target, lostTarget] = adaWon ? [ada!, bob!, 'Ada', 'Cy', 'Dee'] : [bob!, ada!, 'Bob', 'Dee', 'Cy'];
    expect(winner.unread((f) => f.callId === x)).toEqual([]);
    expect(loser.unread((f) => f.callId === x)).toEqual([
      { from: winnerName, to: adaWon ? 'Bob' : 'Ada', method: 'REFER', cseq: 2, callId: x, body: { target, referredBy: winnerName } },
      { status: 491, reason: 'Request Pending', method: 'REFER', cseq: 2, callId: x },
    ]);
    loser.send({ status: 202, reason: 'Accepted', method: 'REFER', cseq: 2, callId: x });
    await winner.next((f) => f.status === 202);
    expect((await transferCall(loser, lostTarget, x)).first).toMatchObject({ status: 403 });
    expect((await transferCall(loser, target, x)).first).toMatchObject({ status: 100 });
  });

  describe('forgeries are refused', () => {
    it('an INVITE naming a referral nobody made, or one made for someone else, gets 403 and rings no one', async () => {
      const [ada, bob, cy, dee] = await phones(['Ada', 'Bob', 'Cy', 'Dee']);
      const x = await heldCall(ada!, bob!);
      expect((await transferCall(bob!, 'Cy', x)).first).toMatchObject({ status: 403, reason: 'referral: no transfer to Cy awaits you in that call' });
      ada!.send({ method: 'REFER', cseq: 3, callId: x, body: { target: 'Cy' } });
      await bob!.next(isRefer(x));
      // Not yet accepted.
      expect((await transferCall(bob!, 'Cy', x)).first).toMatchObject({ status: 403 });
      bob!.send({ status: 202, reason: 'Accepted', method: 'REFER', cseq: 3, callId: x });
      await ada!.next((f) => f.status === 202);
      // Someone else, and another target.
      expect((await transferCall(dee!, 'Cy', x)).first).toMatchObject({ status: 403 });
      expect((await transferCall(bob!, 'Dee', x)).first).toMatchObject({ status: 403 });
      await cy!.assertQuiet({ allowPresence: true });
      await dee!.assertQuiet({ allowPresence: true });
      // Positive control, and once only.
      expect((await transferCall(bob!, 'Cy', x)).first).toMatchObject({ status: 100 });
      expect(await cy!.nextRequest('INVITE')).toMatchObject({ body: { referredBy: 'Ada' } });
      expect((await transferCall(bob!, 'Cy', x)).first).toMatchObject({ status: 403 });
    });

    it('a REFER replacing a call that is not between the transferrer and the target gets 403', async () => {
      const [ada, bob, cy, dee] = await phones(['Ada', 'Bob', 'Cy', 'Dee']);
      const x = await heldCall(ada!, bob!);
      const cyDee = await answeredCall(cy!, dee!, 'Dee');
      for (const replaces of [cyDee, x, 'no-such-call-1']) {
        expect(await ada!.request({ method: 'REFER', cseq: 3, callId: x, body: { target: 'Cy', replaces } })).toEqual({
          status: 403,
          reason: 'replaces: no answered call between you and Cy has that callId',
          method: 'REFER',
          cseq: 3,
          callId: x,
        });
      }
      await bob!.assertQuiet({ allowPresence: true });
      // Ada's own call with Dee, while Cy is the target.
      const withDee = await answeredCall(dee!, ada!, 'Ada');
      expect(await ada!.request({ method: 'REFER', cseq: 3, callId: x, body: { target: 'Cy', replaces: withDee } })).toMatchObject({ status: 403 });
    });

    it('a client cannot stamp referredBy or replaces into an INVITE: they are dropped', async () => {
      const [bob, cy] = await phones(['Bob', 'Cy']);
      const z = newCallId();
      bob!.send(invite(z, 'Cy', { body: { ...offer, referredBy: 'Ada', replaces: 'call-of-cy-123' } }));
      expect(await cy!.nextRequest('INVITE')).toEqual({ from: 'Bob', to: 'Cy', method: 'INVITE', cseq: 1, callId: z, body: offer });
    });

    it('refuses REFERs that do not fit: from outside the call, before the answer, to yourself or the transferee, a second one', async () => {
      const [ada, bob, cy, dee] = await phones(['Ada', 'Bob', 'Cy', 'Dee']);
      const x = await heldCall(ada!, bob!);
      expect(await dee!.request({ method: 'REFER', cseq: 1, callId: x, body: { target: 'Cy' } })).toMatchObject({ status: 481 });
      for (const target of ['Ada', 'bob']) {
        expect(await ada!.request({ method: 'REFER', cseq: 3, callId: x, body: { target } })).toEqual({
          status: 400,
          reason: 'target: transfer to someone outside this call',
          method: 'REFER',
          cseq: 3,
          callId: x,
        });
      }
      expect(await ada!.request({ method: 'REFER', cseq: 2, callId: x, body: { target: 'Cy' } })).toMatchObject({
        status: 400,
        reason: 'cseq must increase within a dialog (last was 2)',
      });
      expect(await ada!.request({ method: 'REFER', cseq: 3, callId: x, body: {} })).toMatchObject({ status: 400, reason: 'body.target: is required' });
      const early = newCallId();
      cy!.send(invite(early, 'Dee'));
      await dee!.nextRequest('INVITE');
      expect(await cy!.request({ method: 'REFER', cseq: 2, callId: early, body: { target: 'Ada' } })).toMatchObject({
        status: 400,
        reason: 'The call is not answered yet',
      });
      await referred(ada!, bob!, x, { target: 'Cy' });
      // One referral per call: Ada's second, or Bob's own, waits for the first to end.
      expect(await ada!.request({ method: 'REFER', cseq: 4, callId: x, body: { target: 'Dee' } })).toMatchObject({ status: 491, reason: 'Request Pending' });
      expect(await bob!.request({ method: 'REFER', cseq: 2, callId: x, body: { target: 'Dee' } })).toMatchObject({ status: 491 });
    });

    it('an answer to a REFER comes only from the one it was sent to; a re-INVITE cannot carry a referral', async () => {
      const [ada, bob, cy] = await phones(['Ada', 'Bob', 'Cy']);
      const x = await heldCall(ada!, bob!);
      ada!.send({ method: 'REFER', cseq: 3, callId: x, body: { target: 'Cy' } });
      await bob!.next(isRefer(x));
      expect(await ada!.request({ status: 202, reason: 'Accepted', method: 'REFER', cseq: 3, callId: x })).toMatchObject({
        status: 400,
        reason: 'Nothing to answer: no REFER 3 awaits your answer',
      });
      expect(await bob!.request({ method: 'INVITE', cseq: 2, callId: x, body: { ...offer, referral: x } })).toMatchObject({
        status: 400,
        reason: 'body.referral: only a new call follows a referral',
      });
      await cy!.assertQuiet({ allowPresence: true });
    });
  });

  describe('NOTIFY from a client', () => {
    it('is relayed only from the transferee of an accepted referral; anything else still gets 501', async () => {
      const [ada, bob, cy] = await phones(['Ada', 'Bob', 'Cy']);
      const x = await heldCall(ada!, bob!);
      const notify = (cseq: number) => ({ method: 'NOTIFY', cseq, callId: x, body: { event: 'refer', status: 180 } });
      const refused = { status: 501, reason: 'NOTIFY is sent only by the server', method: 'NOTIFY' };
      expect(await bob!.request(notify(2))).toMatchObject(refused);
      expect(await bob!.request({ method: 'NOTIFY', body: { event: 'presence', users: [] } })).toMatchObject(refused);
      ada!.send({ method: 'REFER', cseq: 3, callId: x, body: { target: 'Cy' } });
      await bob!.next(isRefer(x));
      // Before Bob accepted, and from Ada at any time.
      expect(await bob!.request(notify(2))).toMatchObject(refused);
      bob!.send({ status: 202, reason: 'Accepted', method: 'REFER', cseq: 3, callId: x });
      await ada!.next((f) => f.status === 202);
      expect(await ada!.request(notify(4))).toMatchObject(refused);
      expect(await cy!.request(notify(1))).toMatchObject(refused);
      expect(await bob!.request({ method: 'NOTIFY', cseq: 3, body: { event: 'refer', status: 180 } })).toMatchObject({
        status: 400,
        reason: 'callId: is required',
      });
      expect(await bob!.request({ ...notify(3), body: { event: 'refer', status: 99 } })).toMatchObject({ status: 400 });
      await ada!.assertQuiet({ allowPresence: true });
      await report(bob!, ada!, x, 3, 180);
      expect(await bob!.request(notify(3))).toMatchObject({ status: 400, reason: 'cseq must increase within a dialog (last was 3)' });
    });
  });

  describe('bounds', () => {
    it('a REFER nobody answers gets 408 from the server after the ring timeout, and a late answer is refused', async () => {
      const [ada, bob] = await phones(['Ada', 'Bob', 'Cy'], { ringTimeoutMs: 200 });
      const x = await heldCall(ada!, bob!);
      ada!.send({ method: 'REFER', cseq: 3, callId: x, body: { target: 'Cy' } });
      await bob!.next(isRefer(x));
      expect(await ada!.next((f) => f.method === 'REFER' && f.status !== undefined)).toEqual({
        from: 'Bob',
        to: 'Ada',
        status: 408,
        reason: 'Request Timeout',
        method: 'REFER',
        cseq: 3,
        callId: x,
      });
      expect(await bob!.request({ status: 202, reason: 'Accepted', method: 'REFER', cseq: 3, callId: x })).toMatchObject({ status: 400 });
      // The next transfer may begin.
      ada!.send({ method: 'REFER', cseq: 4, callId: x, body: { target: 'Cy' } });
      expect(await bob!.next(isRefer(x))).toMatchObject({ cseq: 4 });
    });

    it('a referral accepted but never followed lapses: the server tells Ada with a NOTIFY 408, and the INVITE is refused', async () => {
      const [ada, bob] = await phones(['Ada', 'Bob', 'Cy'], { ringTimeoutMs: 200 });
      const x = await heldCall(ada!, bob!);
      await referred(ada!, bob!, x, { target: 'Cy' });
      expect(await ada!.next(isReport(x))).toEqual({ from: 'Bob', to: 'Ada', method: 'NOTIFY', cseq: 1, callId: x, body: { event: 'refer', status: 408 } });
      expect((await transferCall(bob!, 'Cy', x)).first).toMatchObject({ status: 403 });
    });

    it('a referral ends with its call', async () => {
      const [ada, bob, cy] = await phones(['Ada', 'Bob', 'Cy']);
      const x = await heldCall(ada!, bob!);
      await referred(ada!, bob!, x, { target: 'Cy' });
      ada!.send({ method: 'BYE', cseq: 4, callId: x });
      await bob!.next((f) => f.method === 'BYE');
      bob!.send({ status: 200, reason: 'OK', method: 'BYE', cseq: 4, callId: x });
      await ada!.next((f) => f.status === 200 && f.method === 'BYE');
      expect((await transferCall(bob!, 'Cy', x)).first).toMatchObject({ status: 403 });
      await cy!.assertQuiet({ allowPresence: true });
    });
  });
});
