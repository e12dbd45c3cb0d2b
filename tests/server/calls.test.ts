import { describe, expect, it } from 'vitest';
import { answer, connectCall, invite, newCallId, offer, ring, useServer } from './harness.js';

describe('calls', () => {
  const harness = useServer();
  async function pair(options = {}) {
    const server = await harness.start(options);
    const ada = await harness.register(server.url, 'Ada');
    const bob = await harness.register(server.url, 'Bob');
    return { server, ada, bob };
  }

  it('relays a whole call: INVITE, 100, 180, 200, ACK, trickled INFO, BYE and its 200, with from set by the server', async () => {
    const { server, ada, bob } = await pair();
    const { callId, trying, incoming } = await ring(ada, bob);
    expect(trying).toEqual({ status: 100, reason: 'Trying', method: 'INVITE', cseq: 1, callId });
    expect(incoming).toEqual({ method: 'INVITE', cseq: 1, callId, from: 'Ada', to: 'Bob', body: offer });

    bob.send({ status: 200, reason: 'OK', method: 'INVITE', cseq: 1, callId, body: answer, from: 'Zed' });
    expect(await ada.nextResponse(200, 'INVITE')).toEqual({ status: 200, reason: 'OK', method: 'INVITE', cseq: 1, callId, from: 'Bob', to: 'Ada', body: answer });
    ada.send({ method: 'ACK', cseq: 1, callId });
    expect(await bob.nextRequest('ACK')).toEqual({ method: 'ACK', cseq: 1, callId, from: 'Ada', to: 'Bob' });

    const candidate = { candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host', sdpMid: '0', sdpMLineIndex: 0 };
    bob.send({ method: 'INFO', cseq: 2, callId, body: { candidate } });
    expect((await ada.nextRequest('INFO')).body).toEqual({ candidate });
    ada.send({ method: 'INFO', cseq: 2, callId, body: { candidate: null } });
    expect((await bob.nextRequest('INFO')).body).toEqual({ candidate: null });
    expect(await (await fetch(server.url.replace('ws:', 'http:').replace('/signal', '/healthz'))).json()).toMatchObject({ users: 2, calls: 1 });

    bob.send({ method: 'BYE', cseq: 3, callId });
    expect(await ada.nextRequest('BYE')).toMatchObject({ callId, from: 'Bob', to: 'Ada', cseq: 3 });
    ada.send({ status: 200, reason: 'OK', method: 'BYE', cseq: 3, callId });
    expect(await bob.nextResponse(200, 'BYE')).toMatchObject({ callId, from: 'Ada' });
    expect(await (await fetch(server.url.replace('ws:', 'http:').replace('/signal', '/healthz'))).json()).toMatchObject({ users: 2, calls: 0 });
    // After the dialog, the call id means nothing.
    ada.send({ method: 'BYE', cseq: 4, callId });
    expect(await ada.nextResponse(481)).toMatchObject({ reason: 'Call/Transaction Does Not Exist', callId });
  });

  it('names the callee as registered, however the caller spelled it', async () => {
    const { ada, bob } = await pair();
    ada.send(invite(newCallId(), '  bOB '));
    const relayed = await bob.nextRequest('INVITE');
    expect(relayed).toMatchObject({ from: 'Ada', to: 'Bob' });
    expect(JSON.stringify(relayed).match(/"to"/g)).toHaveLength(1);
  });

  it('decides 404, 480 (dnd), 486 (busy) and 400 (yourself) before anyone rings', async () => {
    const { server, ada, bob } = await pair({ maxCallsPerPhone: 1 }); // one call fills a phone (call waiting: call-waiting.test.ts)
    expect(await ada.request(invite(newCallId(), 'Nobody'))).toMatchObject({ status: 404, reason: 'Not Found' });
    expect(await ada.request(invite(newCallId(), 'ada'))).toMatchObject({ status: 400, reason: 'You cannot call yourself' });
    await bob.request({ method: 'PUBLISH', body: { state: 'dnd' } });
    expect(await ada.request(invite(newCallId(), 'Bob'))).toMatchObject({ status: 480, reason: 'Temporarily Unavailable' });
    await bob.request({ method: 'PUBLISH', body: { state: 'online' } });
    const cy = await harness.register(server.url, 'Cy');
    await connectCall(ada, bob);
    expect(await cy.request(invite(newCallId(), 'Bob'))).toMatchObject({ status: 486, reason: 'Busy Here' });
    expect(bob.unread((f) => f.method === 'INVITE')).toEqual([]);
  });

  it('tells a callee in dnd or with a full phone of the call it was spared (NOTIFY refused), at the new-call rate', async () => {
    const { server, ada, bob } = await pair({ maxCallsPerPhone: 1 });
    await bob.request({ method: 'PUBLISH', body: { state: 'dnd' } });
    expect(await ada.request(invite(newCallId(), 'Bob'))).toMatchObject({ status: 480 });
    const refusedNotice = () => bob.next((f) => f.method === 'NOTIFY' && f.body.event === 'refused');
    const told = await refusedNotice();
    expect(told).toEqual({ method: 'NOTIFY', cseq: told.cseq, body: { event: 'refused', caller: 'Ada', why: 'dnd', video: true } });
    await bob.request({ method: 'PUBLISH', body: { state: 'online' } });

    const cy = await harness.register(server.url, 'Cy');
    await connectCall(ada, bob);
    expect(await cy.request(invite(newCallId(), 'Bob', { body: { ...offer, media: { audio: true, video: false } } }))).toMatchObject({ status: 486 });
    expect((await refusedNotice()).body).toEqual({ event: 'refused', caller: 'Cy', why: 'busy', video: false });

    // A caller who keeps trying fills nobody's history: past the burst of new calls, no more notices.
    for (let i = 0; i < 6; i += 1) expect(await cy.request(invite(newCallId(), 'Bob'))).toMatchObject({ status: 486 });
    await bob.request({ method: 'PUBLISH', body: { state: 'online' } }); // answered after every notice
    expect(bob.received.filter((f) => f.method === 'NOTIFY' && f.body.event === 'refused' && f.body.caller === 'Cy')).toHaveLength(5);
  });

  it('ends the dialog on a decline (603) and relays it to the caller', async () => {
    const { ada, bob } = await pair();
    const { callId } = await ring(ada, bob);
    bob.send({ status: 603, reason: 'Decline', method: 'INVITE', cseq: 1, callId });
    expect(await ada.nextResponse(603)).toMatchObject({ callId, from: 'Bob' });
    bob.send({ method: 'INFO', cseq: 2, callId, body: { candidate: null } });
    await bob.assertQuiet({ allowPresence: true }); // a late INFO from a party is dropped, not refused
    ada.send(invite(newCallId(), 'Bob'));
    expect(await ada.next((f) => f.status !== undefined)).toMatchObject({ status: 100 }); // Bob is free again
  });

  it('relays CANCEL and the 487 that ends the ringing call', async () => {
    const { ada, bob } = await pair();
    const { callId } = await ring(ada, bob);
    ada.send({ method: 'CANCEL', cseq: 1, callId });
    expect(await bob.nextRequest('CANCEL')).toMatchObject({ callId, from: 'Ada' });
    bob.send({ status: 200, reason: 'OK', method: 'CANCEL', cseq: 1, callId });
    bob.send({ status: 487, reason: 'Request Terminated', method: 'INVITE', cseq: 1, callId });
    expect(await ada.nextResponse(200, 'CANCEL')).toMatchObject({ callId });
    expect(await ada.nextResponse(487, 'INVITE')).toMatchObject({ callId });
    expect(await ada.request({ method: 'BYE', cseq: 5, callId })).toMatchObject({ status: 481 });
  });

  it('lets a CANCEL that crosses a 200 change nothing: the caller then sends ACK and BYE', async () => {
    const { ada, bob } = await pair();
    const { callId } = await ring(ada, bob);
    bob.send({ status: 200, reason: 'OK', method: 'INVITE', cseq: 1, callId, body: answer });
    ada.send({ method: 'CANCEL', cseq: 1, callId });
    await ada.nextResponse(200, 'INVITE');
    await bob.nextRequest('CANCEL');
    bob.send({ status: 481, reason: 'Call/Transaction Does Not Exist', method: 'CANCEL', cseq: 1, callId });
    ada.send({ method: 'ACK', cseq: 1, callId });
    expect(await bob.nextRequest('ACK')).toMatchObject({ callId });
    ada.send({ method: 'BYE', cseq: 2, callId });
    expect(await bob.nextRequest('BYE')).toMatchObject({ callId, cseq: 2 });
  });

  it('times out an unanswered call: 408 to the caller, CANCEL to the callee, whose late answer is dropped', async () => {
    const { ada, bob } = await pair({ ringTimeoutMs: 150 });
    const { callId } = await ring(ada, bob);
    expect(await ada.nextResponse(408)).toEqual({ status: 408, reason: 'Request Timeout', method: 'INVITE', cseq: 1, callId, from: 'Bob', to: 'Ada' });
    expect(await bob.nextRequest('CANCEL')).toEqual({ method: 'CANCEL', cseq: 1, callId, from: 'Ada', to: 'Bob' });
    bob.send({ status: 200, reason: 'OK', method: 'INVITE', cseq: 1, callId, body: answer });
    await bob.assertQuiet({ allowPresence: true });
    await ada.assertQuiet({ allowPresence: true });
  });

  it('answers 481 to an outsider who sends a request or response into somebody else\'s call', async () => {
    const { server, ada, bob } = await pair();
    const eve = await harness.register(server.url, 'Eve');
    const callId = await connectCall(ada, bob);
    for (const frame of [
      { method: 'BYE', cseq: 9, callId },
      { method: 'INFO', cseq: 9, callId, body: { candidate: null } },
      { method: 'INVITE', cseq: 9, callId, to: 'Bob', body: offer },
      { status: 200, reason: 'OK', method: 'INVITE', cseq: 1, callId, body: answer },
    ]) {
      eve.send(frame);
      expect(await eve.nextResponse(481)).toMatchObject({ callId });
    }
    await ada.assertQuiet({ allowPresence: true });
    await bob.assertQuiet({ allowPresence: true });
  });

  it('relays re-INVITEs in a confirmed call, refuses one while ringing (491) and refuses a cseq that does not increase', async () => {
    const { ada, bob } = await pair();
    const { callId } = await ring(ada, bob);
    expect(await ada.request({ method: 'INVITE', cseq: 2, callId, body: offer })).toMatchObject({ status: 491 });
    bob.send({ status: 200, reason: 'OK', method: 'INVITE', cseq: 1, callId, body: answer });
    await ada.nextResponse(200);
    ada.send({ method: 'ACK', cseq: 1, callId });
    bob.send({ method: 'INVITE', cseq: 5, callId, body: offer });
    expect(await ada.nextRequest('INVITE')).toMatchObject({ cseq: 5, callId, from: 'Bob' });
    ada.send({ status: 491, reason: 'Request Pending', method: 'INVITE', cseq: 5, callId });
    expect(await bob.nextResponse(491)).toMatchObject({ cseq: 5 });
    expect(await bob.request({ method: 'INFO', cseq: 5, callId, body: { candidate: null } })).toMatchObject({
      status: 400,
      reason: 'cseq must increase within a dialog (last was 5)',
    });
  });

  it('refuses BYE before the answer and CANCEL or ACK from the callee', async () => {
    const { ada, bob } = await pair();
    const { callId } = await ring(ada, bob);
    expect(await ada.request({ method: 'BYE', cseq: 2, callId })).toMatchObject({ status: 400, reason: 'The call is not answered yet: send CANCEL' });
    expect(await bob.request({ method: 'CANCEL', cseq: 1, callId })).toMatchObject({ status: 400, reason: 'Only the caller can cancel' });
    expect(await bob.request({ method: 'ACK', cseq: 1, callId })).toMatchObject({ status: 400, reason: 'No INVITE 1 of yours awaits ACK' });
  });

  it('takes ACK from whoever sent the re-INVITE it acknowledges: the callee holds and its ACK reaches the caller; stray ACKs are refused', async () => {
    const { ada, bob } = await pair();
    const callId = await connectCall(ada, bob);
    const hold = { ...offer, sdp: { type: 'offer', sdp: 'v=0\r\no=- 3 3 IN IP4 127.0.0.1\r\na=sendonly\r\n' } };
    expect(await bob.request({ method: 'ACK', cseq: 2, callId })).toMatchObject({ status: 400, reason: 'No INVITE 2 of yours awaits ACK' });

    bob.send({ method: 'INVITE', cseq: 2, callId, body: hold });
    expect(await ada.nextRequest('INVITE')).toMatchObject({ cseq: 2, callId, from: 'Bob' });
    ada.send({ status: 200, reason: 'OK', method: 'INVITE', cseq: 2, callId, body: answer });
    await bob.nextResponse(200, 'INVITE');
    bob.send({ method: 'ACK', cseq: 2, callId });
    expect(await ada.nextRequest('ACK')).toEqual({ method: 'ACK', cseq: 2, callId, from: 'Bob', to: 'Ada' });
    expect(await bob.request({ method: 'ACK', cseq: 2, callId })).toMatchObject({ status: 400, reason: 'No INVITE 2 of yours awaits ACK' });
    expect(await ada.request({ method: 'ACK', cseq: 2, callId })).toMatchObject({ status: 400, reason: 'No INVITE 2 of yours awaits ACK' });

    bob.send({ method: 'INVITE', cseq: 3, callId, body: offer });
    await ada.nextRequest('INVITE');
    ada.send({ status: 488, reason: 'Not Acceptable Here', method: 'INVITE', cseq: 3, callId });
    await bob.nextResponse(488, 'INVITE');
    expect(await bob.request({ method: 'ACK', cseq: 3, callId })).toMatchObject({ status: 400, reason: 'No INVITE 3 of yours awaits ACK' });

    // Positive control on the caller's side: its own re-INVITE is still acknowledged as before.
    ada.send({ method: 'INVITE', cseq: 2, callId, body: offer });
    await bob.nextRequest('INVITE');
    bob.send({ status: 200, reason: 'OK', method: 'INVITE', cseq: 2, callId, body: answer });
    await ada.nextResponse(200, 'INVITE');
    ada.send({ method: 'ACK', cseq: 2, callId });
    expect(await bob.nextRequest('ACK')).toEqual({ method: 'ACK', cseq: 2, callId, from: 'Ada', to: 'Bob' });
    await ada.assertQuiet({ allowPresence: true });
    await bob.assertQuiet({ allowPresence: true });
  });
});

describe('lost sockets', () => {
  const harness = useServer();

  it('holds in-dialog messages through the grace period and delivers them on resume; new INVITEs get 480', async () => {
    const server = await harness.start({ graceMs: 5_000, maxCallsPerPhone: 1 });
    const ada = await harness.register(server.url, 'Ada');
    const bob = await harness.register(server.url, 'Bob');
    const cy = await harness.register(server.url, 'Cy');
    const callId = await connectCall(ada, bob);
    await bob.drop();
    // 486 until the server has noticed the lost socket, then 480.
    await expect.poll(async () => (await cy.request(invite(newCallId(), 'Bob'))).status).toBe(480);
    ada.send({ method: 'INFO', cseq: 2, callId, body: { candidate: null } });
    ada.send({ method: 'INVITE', cseq: 3, callId, body: offer });

    const back = await harness.connect(server.url);
    const reply = await back.request({ method: 'REGISTER', body: { name: 'Bob', resume: bob.resume } });
    expect(reply).toMatchObject({ status: 200, body: { name: 'Bob', resumed: true } });
    expect(await back.nextRequest('INFO')).toMatchObject({ callId, cseq: 2 });
    expect(await back.nextRequest('INVITE')).toMatchObject({ callId, cseq: 3 });
    back.send({ status: 200, reason: 'OK', method: 'INVITE', cseq: 3, callId, body: answer });
    expect(await ada.nextResponse(200)).toMatchObject({ cseq: 3, from: 'Bob' });
  });

  it('closes the old socket with 4001 when a client resumes while it is still open; a wrong token gets 409', async () => {
    const server = await harness.start();
    const ada = await harness.register(server.url, 'Ada');
    const thief = await harness.connect(server.url);
    expect(await thief.request({ method: 'REGISTER', body: { name: 'Ada', resume: 'guessed-token' } })).toMatchObject({ status: 409 });
    const second = await harness.connect(server.url);
    expect(await second.request({ method: 'REGISTER', body: { name: 'Ada', resume: ada.resume } })).toMatchObject({ status: 200 });
    expect(await ada.closed).toEqual({ code: 4001, reason: 'Replaced' });
    await second.assertQuiet({ allowPresence: true });
  });

  it('ends the calls of a party whose grace runs out: BYE (Peer lost) in a call, 480 to a waiting caller, CANCEL to a ringing callee', async () => {
    const server = await harness.start({ graceMs: 100 });
    const ada = await harness.register(server.url, 'Ada');
    const bob = await harness.register(server.url, 'Bob');
    const cy = await harness.register(server.url, 'Cy');
    const dee = await harness.register(server.url, 'Dee');
    const confirmed = await connectCall(ada, bob);
    await bob.drop();
    expect(await ada.nextRequest('BYE')).toMatchObject({ callId: confirmed, from: 'Bob', to: 'Ada', body: { reason: 'Peer lost' } });
    expect(await ada.next((f) => f.method === 'NOTIFY' && f.body.users.some((u: any) => u.name === 'Bob' && u.state === 'offline'))).toBeTruthy();

    // Cy calls Dee; Dee's socket is lost while ringing: Cy gets 480.
    const ringing = newCallId();
    cy.send(invite(ringing, 'Dee'));
    await dee.nextRequest('INVITE');
    await dee.drop();
    expect(await cy.nextResponse(480)).toMatchObject({ callId: ringing, from: 'Dee' });

    // Cy calls Ada and is lost while Ada's phone rings: Ada gets CANCEL.
    const abandoned = newCallId();
    cy.send(invite(abandoned, 'Ada'));
    await ada.nextRequest('INVITE');
    await cy.drop();
    expect(await ada.nextRequest('CANCEL')).toMatchObject({ callId: abandoned, from: 'Cy' });
  });

  it('treats a clean close as leaving at once: the other party gets BYE (Peer left)', async () => {
    const server = await harness.start({ graceMs: 60_000 });
    const ada = await harness.register(server.url, 'Ada');
    const bob = await harness.register(server.url, 'Bob');
    const callId = await connectCall(ada, bob);
    await bob.close(1001);
    expect(await ada.nextRequest('BYE')).toMatchObject({ callId, body: { reason: 'Peer left' } });
  });
});
