/**
 * Ring groups: a name the host defines for several users. The REGISTER 200 lists the groups; an
 * INVITE to one forks to every member online and free; the first 200 wins and the others get
 * CANCEL "Answered elsewhere"; no answer from anyone ends in 486, nobody free in 480.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { parseCli } from '../../signal-server/cli-options.js';
import type { TestClient } from './client.js';
import { answer, invite, newCallId, offer, useServer } from './harness.js';

const SALES = { name: 'sales', members: ['Bob', 'Carol'] };

describe('ring groups', () => {
  const harness = useServer();

  async function phones(names: string[], options = {}) {
    const server = await harness.start({ ringGroups: [SALES], ...options });
    const clients: TestClient[] = [];
    for (const name of names) clients.push(await harness.register(server.url, name));
    return { server, clients };
  }

  /** Ada calls `to`: answers the call id and the INVITE each of `rung` got. */
  async function callGroup(ada: TestClient, rung: TestClient[], to = 'sales') {
    const callId = newCallId();
    ada.send(invite(callId, to));
    expect(await ada.next((f) => f.callId === callId)).toEqual({ status: 100, reason: 'Trying', method: 'INVITE', cseq: 1, callId });
    const invites = await Promise.all(rung.map((member) => member.next((f) => f.method === 'INVITE' && f.callId === callId)));
    return { callId, invites };
  }

  const answerWith = (member: TestClient, callId: string, status: number, reason: string, body?: object) =>
    member.send({ status, reason, method: 'INVITE', cseq: 1, callId, ...(body ? { body } : {}) });

  const answeredElsewhere = (callId: string, to: string) => ({
    method: 'CANCEL',
    cseq: 1,
    callId,
    from: 'Ada',
    to,
    body: { reason: 'Answered elsewhere' },
  });

  it('lists each group in the REGISTER 200 with its members, whose presence travels as theirs', async () => {
    const { server } = await phones(['Bob'], { ringGroups: [SALES, { name: 'Front desk', members: ['Dan'] }] });
    const ada = await harness.connect(server.url);
    const welcome = await ada.request({ method: 'REGISTER', body: { name: 'Ada' } });
    expect(welcome).toMatchObject({ status: 200 });
    expect(welcome.body.users).toEqual([{ name: 'Bob', state: 'online' }]);
    expect(welcome.body.groups).toEqual([
      { name: 'sales', members: ['Bob', 'Carol'] },
      { name: 'Front desk', members: ['Dan'] },
    ]);
    await harness.register(server.url, 'Carol');
    let carol: unknown;
    while (carol === undefined) carol = (await ada.nextPresence('Ada')).find((user) => user.name === 'Carol');
    expect(carol).toEqual({ name: 'Carol', state: 'online' });
  });

  it('rings every member who is online and free, the same INVITE naming the caller and the group', async () => {
    const { clients } = await phones(['Ada', 'Bob', 'Carol']);
    const [ada, bob, carol] = clients as [TestClient, TestClient, TestClient];
    const { callId, invites } = await callGroup(ada, [bob, carol]);
    expect(invites).toEqual([
      { method: 'INVITE', cseq: 1, callId, from: 'Ada', to: 'Bob', group: 'sales', body: offer },
      { method: 'INVITE', cseq: 1, callId, from: 'Ada', to: 'Carol', group: 'sales', body: offer },
    ]);
  });

  it('skips members in dnd, at their call limit, offline, and the caller itself', async () => {
    const group = { name: 'sales', members: ['Ada', 'Bob', 'Carol', 'Dan', 'Erin'] };
    const { clients } = await phones(['Ada', 'Bob', 'Carol', 'Dan', 'Zed'], { ringGroups: [group], maxCallsPerPhone: 1 });
    const [ada, bob, carol, dan, zed] = clients as [TestClient, TestClient, TestClient, TestClient, TestClient];
    await bob.request({ method: 'PUBLISH', body: { state: 'dnd' } });
    // Carol holds her one call.
    const busy = newCallId();
    zed.send(invite(busy, 'Carol'));
    await carol.nextRequest('INVITE');
    answerWith(carol, busy, 200, 'OK', answer);
    await zed.next((f) => f.callId === busy && f.status === 200);

    const { invites } = await callGroup(ada, [dan]);
    expect(invites[0]).toMatchObject({ from: 'Ada', to: 'Dan', group: 'sales' });
    await bob.assertQuiet({ allowPresence: true });
    await carol.assertQuiet({ allowPresence: true });
    await ada.assertQuiet({ allowPresence: true });
  });

  it('relays one 180 to the caller, from the server, however many members ring', async () => {
    const { clients } = await phones(['Ada', 'Bob', 'Carol']);
    const [ada, bob, carol] = clients as [TestClient, TestClient, TestClient];
    const { callId } = await callGroup(ada, [bob, carol]);
    answerWith(bob, callId, 180, 'Ringing');
    expect(await ada.next((f) => f.callId === callId)).toEqual({ status: 180, reason: 'Ringing', method: 'INVITE', cseq: 1, callId });
    answerWith(carol, callId, 180, 'Ringing');
    await carol.assertQuiet({ allowPresence: true });
    await ada.assertQuiet({ allowPresence: true });
  });

  it('gives the call to the first 200: the caller gets it from that member, the others CANCEL "Answered elsewhere"', async () => {
    const { clients } = await phones(['Ada', 'Bob', 'Carol']);
    const [ada, bob, carol] = clients as [TestClient, TestClient, TestClient];
    const { callId } = await callGroup(ada, [bob, carol]);
    // Before the answer the caller's candidates reach every member; a member's own are not relayed.
    ada.send({ method: 'INFO', cseq: 2, callId, body: { candidate: null } });
    expect(await bob.nextRequest('INFO')).toMatchObject({ callId, from: 'Ada', to: 'Bob' });
    expect(await carol.nextRequest('INFO')).toMatchObject({ callId, from: 'Ada', to: 'Carol' });
    carol.send({ method: 'INFO', cseq: 2, callId, body: { candidate: null } });

    answerWith(bob, callId, 200, 'OK', answer);
    expect(await ada.next((f) => f.callId === callId)).toEqual({
      status: 200,
      reason: 'OK',
      method: 'INVITE',
      cseq: 1,
      callId,
      from: 'Bob',
      to: 'Ada',
      group: 'sales',
      body: answer,
    });
    expect(await carol.nextRequest('CANCEL')).toEqual(answeredElsewhere(callId, 'Carol'));

    // The loser answers the CANCEL as a phone does: both answers are dropped, nobody gets a 481.
    carol.send({ status: 200, reason: 'OK', method: 'CANCEL', cseq: 1, callId });
    answerWith(carol, callId, 487, 'Request Terminated');
    // From now on the call is Ada and Bob's alone.
    ada.send({ method: 'ACK', cseq: 1, callId });
    expect(await bob.nextRequest('ACK')).toEqual({ method: 'ACK', cseq: 1, callId, from: 'Ada', to: 'Bob' });
    ada.send({ method: 'INFO', cseq: 3, callId, body: { candidate: null } });
    expect(await bob.nextRequest('INFO')).toMatchObject({ callId, cseq: 3, from: 'Ada' });
    bob.send({ method: 'BYE', cseq: 2, callId });
    expect(await ada.nextRequest('BYE')).toMatchObject({ callId, from: 'Bob', to: 'Ada' });
    await carol.assertQuiet({ allowPresence: true });
    await ada.assertQuiet({ allowPresence: true });
  });

  it('drops a 200 from a member after the winner: nothing reaches the caller, the member gets no 481', async () => {
    const { clients } = await phones(['Ada', 'Bob', 'Carol']);
    const [ada, bob, carol] = clients as [TestClient, TestClient, TestClient];
    const { callId } = await callGroup(ada, [bob, carol]);
    answerWith(bob, callId, 200, 'OK', answer);
    await ada.next((f) => f.callId === callId && f.status === 200);
    await carol.nextRequest('CANCEL');
    answerWith(carol, callId, 200, 'OK', answer);
    carol.send({ method: 'INFO', cseq: 2, callId, body: { candidate: null } });
    await carol.assertQuiet({ allowPresence: true });
    await ada.assertQuiet({ allowPresence: true });
    await bob.assertQuiet({ allowPresence: true });
  });

  it('settles crossing answers: the first 200 to arrive wins, the other member gets CANCEL and its 200 goes nowhere', async () => {
    const { clients } = await phones(['Ada', 'Bob', 'Carol']);
    const [ada, bob, carol] = clients as [TestClient, TestClient, TestClient];
    const { callId } = await callGroup(ada, [bob, carol]);
    answerWith(bob, callId, 200, 'OK', answer);
    answerWith(carol, callId, 200, 'OK', answer);
    const won = await ada.next((f) => f.callId === callId && f.status === 200);
    const [winner, loser] = won.from === 'Bob' ? [bob, carol] : [carol, bob];
    expect(await loser.nextRequest('CANCEL')).toEqual(answeredElsewhere(callId, won.from === 'Bob' ? 'Carol' : 'Bob'));
    ada.send({ method: 'ACK', cseq: 1, callId });
    await winner.nextRequest('ACK');
    await loser.assertQuiet({ allowPresence: true });
    await ada.assertQuiet({ allowPresence: true });
  });

  it('answers the caller 486 once every member declined or was busy, relaying none of their answers', async () => {
    const { clients } = await phones(['Ada', 'Bob', 'Carol']);
    const [ada, bob, carol] = clients as [TestClient, TestClient, TestClient];
    const { callId } = await callGroup(ada, [bob, carol]);
    answerWith(bob, callId, 603, 'Decline');
    await ada.assertQuiet({ allowPresence: true });
    // The call rings on at Carol.
    ada.send({ method: 'INFO', cseq: 2, callId, body: { candidate: null } });
    expect(await carol.nextRequest('INFO')).toMatchObject({ callId, from: 'Ada' });
    answerWith(carol, callId, 486, 'Busy Here');
    expect(await ada.next((f) => f.callId === callId)).toEqual({ status: 486, reason: 'Busy Here', method: 'INVITE', cseq: 1, callId });
    await bob.assertQuiet({ allowPresence: true });
    // The call is over: a late INFO from the caller is dropped, a stranger's call id gets 481.
    ada.send({ method: 'INFO', cseq: 3, callId, body: { candidate: null } });
    await ada.assertQuiet({ allowPresence: true });
  });

  it('answers 480 when no member is online and free, and rings no one', async () => {
    const { clients } = await phones(['Ada', 'Bob']);
    const [ada, bob] = clients as [TestClient, TestClient];
    await bob.request({ method: 'PUBLISH', body: { state: 'dnd' } });
    expect(await ada.request(invite(newCallId(), 'Sales'))).toEqual(expect.objectContaining({ status: 480, reason: 'Temporarily Unavailable' }));
    await bob.assertQuiet({ allowPresence: true });
    // Positive control: once Bob is back, the group rings him.
    await bob.request({ method: 'PUBLISH', body: { state: 'online' } });
    await callGroup(ada, [bob], 'SALES');
  });

  it('cancels every member when the caller cancels, answering the caller 200 and 487 itself', async () => {
    const { clients } = await phones(['Ada', 'Bob', 'Carol']);
    const [ada, bob, carol] = clients as [TestClient, TestClient, TestClient];
    const { callId } = await callGroup(ada, [bob, carol]);
    ada.send({ method: 'CANCEL', cseq: 1, callId });
    expect(await ada.next((f) => f.callId === callId && f.method === 'CANCEL')).toEqual({ status: 200, reason: 'OK', method: 'CANCEL', cseq: 1, callId });
    expect(await ada.next((f) => f.callId === callId)).toEqual({ status: 487, reason: 'Request Terminated', method: 'INVITE', cseq: 1, callId });
    expect(await bob.nextRequest('CANCEL')).toEqual({ method: 'CANCEL', cseq: 1, callId, from: 'Ada', to: 'Bob' });
    expect(await carol.nextRequest('CANCEL')).toEqual({ method: 'CANCEL', cseq: 1, callId, from: 'Ada', to: 'Carol' });
    // Their answers to it are dropped.
    bob.send({ status: 200, reason: 'OK', method: 'CANCEL', cseq: 1, callId });
    answerWith(bob, callId, 487, 'Request Terminated');
    await bob.assertQuiet({ allowPresence: true });
    await ada.assertQuiet({ allowPresence: true });
  });

  it('cancels every member and answers the caller 408 when no one answers in time', async () => {
    const { clients } = await phones(['Ada', 'Bob', 'Carol'], { ringTimeoutMs: 150 });
    const [ada, bob, carol] = clients as [TestClient, TestClient, TestClient];
    const { callId } = await callGroup(ada, [bob, carol]);
    answerWith(bob, callId, 180, 'Ringing');
    await ada.next((f) => f.callId === callId && f.status === 180);
    expect(await ada.next((f) => f.callId === callId)).toEqual({ status: 408, reason: 'Request Timeout', method: 'INVITE', cseq: 1, callId });
    expect(await bob.nextRequest('CANCEL')).toEqual({ method: 'CANCEL', cseq: 1, callId, from: 'Ada', to: 'Bob' });
    expect(await carol.nextRequest('CANCEL')).toEqual({ method: 'CANCEL', cseq: 1, callId, from: 'Ada', to: 'Carol' });
    answerWith(carol, callId, 200, 'OK', answer);
    await carol.assertQuiet({ allowPresence: true });
    await ada.assertQuiet({ allowPresence: true });
  });

  it('lets a member leave while it rings (the others ring on) and cancels every member when the caller leaves', async () => {
    const { clients } = await phones(['Ada', 'Bob', 'Carol', 'Dan'], { ringGroups: [{ name: 'sales', members: ['Bob', 'Carol', 'Dan'] }] });
    const [ada, bob, carol, dan] = clients as [TestClient, TestClient, TestClient, TestClient];
    const { callId } = await callGroup(ada, [bob, carol, dan]);
    await bob.close();
    await ada.assertQuiet({ allowPresence: true });
    answerWith(carol, callId, 180, 'Ringing');
    await ada.next((f) => f.callId === callId && f.status === 180);
    await ada.close();
    expect(await carol.nextRequest('CANCEL')).toEqual({ method: 'CANCEL', cseq: 1, callId, from: 'Ada', to: 'Carol' });
    expect(await dan.nextRequest('CANCEL')).toEqual({ method: 'CANCEL', cseq: 1, callId, from: 'Ada', to: 'Dan' });
  });

  it('ends the call with 486 when the last member still ringing leaves', async () => {
    const { clients } = await phones(['Ada', 'Bob']);
    const [ada, bob] = clients as [TestClient, TestClient];
    const { callId } = await callGroup(ada, [bob]);
    await bob.close();
    expect(await ada.next((f) => f.callId === callId)).toEqual({ status: 486, reason: 'Busy Here', method: 'INVITE', cseq: 1, callId });
  });

  it('keeps a member from ending or cancelling a call it has not won', async () => {
    const { clients } = await phones(['Ada', 'Bob', 'Carol']);
    const [ada, bob, carol] = clients as [TestClient, TestClient, TestClient];
    const { callId } = await callGroup(ada, [bob, carol]);
    expect(await carol.request({ method: 'BYE', cseq: 2, callId })).toMatchObject({ status: 400, reason: 'The call is not answered yet: answer it 603' });
    expect(await carol.request({ method: 'CANCEL', cseq: 1, callId })).toMatchObject({ status: 400, reason: 'Only the caller can cancel' });
    // Positive control: Bob still rings and can take the call.
    answerWith(bob, callId, 200, 'OK', answer);
    expect(await ada.next((f) => f.callId === callId)).toMatchObject({ status: 200, from: 'Bob' });
  });

  it('shows members busy while they ring, and a member that lost the call online again', async () => {
    const { clients } = await phones(['Ada', 'Bob', 'Carol', 'Dan']);
    const [ada, bob, carol, dan] = clients as [TestClient, TestClient, TestClient, TestClient];
    /** Carol's states in Dan's presence NOTIFYs, up to and including `last`. */
    const carolSeenByDan = async (last: string) => {
      const states: string[] = [];
      while (states.at(-1) !== last) {
        for (const user of await dan.nextPresence('Dan')) if (user.name === 'Carol') states.push(user.state);
      }
      return states;
    };
    const { callId } = await callGroup(ada, [bob, carol]);
    await carolSeenByDan('busy');
    answerWith(bob, callId, 200, 'OK', answer);
    await carol.nextRequest('CANCEL');
    expect(await carolSeenByDan('online')).toEqual(['online']);
  });

  it('stamps the group itself: a group named by a client in an INVITE, a 200 or a CANCEL body is not relayed', async () => {
    const { clients } = await phones(['Ada', 'Bob']);
    const [ada, bob] = clients as [TestClient, TestClient];
    const callId = newCallId();
    ada.send(invite(callId, 'Bob', { group: 'sales' }));
    expect(await bob.nextRequest('INVITE')).toEqual({ method: 'INVITE', cseq: 1, callId, from: 'Ada', to: 'Bob', body: offer });
    ada.send({ method: 'CANCEL', cseq: 1, callId, body: { reason: 'Answered elsewhere' } });
    expect(await bob.nextRequest('CANCEL')).toEqual({ method: 'CANCEL', cseq: 1, callId, from: 'Ada', to: 'Bob' });
    answerWith(bob, callId, 487, 'Request Terminated');
    await ada.next((f) => f.callId === callId && f.status === 487);
    const second = newCallId();
    ada.send(invite(second, 'Bob'));
    await bob.next((f) => f.method === 'INVITE' && f.callId === second);
    bob.send({ status: 200, reason: 'OK', method: 'INVITE', cseq: 1, callId: second, group: 'sales', body: answer });
    expect(await ada.next((f) => f.callId === second && f.status === 200)).toEqual({
      status: 200,
      reason: 'OK',
      method: 'INVITE',
      cseq: 1,
      callId: second,
      from: 'Bob',
      to: 'Ada',
      body: answer,
    });
  });

  it('keeps group names from users: REGISTER of a group name, in any case or look-alike, gets 409', async () => {
    const { server } = await phones([]);
    for (const name of ['sales', 'SALES', '\u0455\u0430\u04cf\u0435\u0455']) {
      const client = await harness.connect(server.url);
      expect(await client.request({ method: 'REGISTER', body: { name } })).toMatchObject({ status: 409, reason: 'Name taken' });
    }
    await harness.register(server.url, 'Salesman');
  });

  it('counts a group call as one call ringing out for the caller limits, however many members it rings', async () => {
    const { clients } = await phones(['Ada', 'Bob', 'Carol', 'Dan', 'Erin'], { maxRingingPerCaller: 2 });
    const [ada, bob, carol, dan] = clients as [TestClient, TestClient, TestClient, TestClient];
    await callGroup(ada, [bob, carol]);
    await callGroup(ada, [dan], 'Dan');
    expect(await ada.request(invite(newCallId(), 'Erin'))).toMatchObject({ status: 503, reason: 'Too many calls ringing (at most 2)' });
  });

  it('refuses an INVITE to a group that claims a transfer referral, ringing no member; a plain one rings', async () => {
    const { clients } = await phones(['Ada', 'Bob', 'Carol']);
    const [ada, bob, carol] = clients as [TestClient, TestClient, TestClient];
    const forged = await ada.request({ ...invite(newCallId(), 'sales'), body: { ...offer, referral: 'made-up-call-id' } });
    expect(forged).toMatchObject({ status: 403, reason: 'body.referral: no transfer goes to a ring group' });
    await bob.assertQuiet({ allowPresence: true });
    await carol.assertQuiet({ allowPresence: true });
    await callGroup(ada, [bob, carol]);
  });

  it('refuses ring groups that clash, with a clear error at start', async () => {
    await expect(harness.start({ ringGroups: [SALES, { name: 'Sales', members: ['Dan'] }] })).rejects.toThrow(
      'ring group "Sales": its name is taken by the ring group "sales"',
    );
    await expect(harness.start({ ringGroups: [SALES, { name: 'support', members: ['sales'] }] })).rejects.toThrow(
      'ring group "support": member "sales" is a ring group',
    );
  });
});

describe('ring groups on the command line', () => {
  it('reads --group, repeatable, normalising names', () => {
    expect(parseCli(['--group', 'sales=alice,bob, carol', '--group', 'Front  desk = Dan'])).toMatchObject({
      kind: 'serve',
      options: {
        ringGroups: [
          { name: 'sales', members: ['alice', 'bob', 'carol'] },
          { name: 'Front desk', members: ['Dan'] },
        ],
      },
    });
  });

  it.each([
    [['--group', 'sales'], '--group must look like NAME=MEMBER,MEMBER, not "sales"'],
    [['--group', 'sales='], '--group sales: list at least one member after ='],
    [['--group', '=bob'], '--group "=bob": name is empty'],
    [['--group', 'sales=bob,b@d'], '--group sales: member "b@d": name may hold only letters, digits, spaces and . _ - \''],
    [['--group', 'sales=bob,Bob'], 'ring group "sales": lists "Bob" twice'],
    [['--group', 'sales=bob', '--group', 'SALES=carol'], 'ring group "SALES": its name is taken by the ring group "sales"'],
  ])('refuses %j with a clear message', (argv, message) => {
    expect(parseCli(argv)).toEqual({ kind: 'error', message });
  });

  it('exits with code 2 and the message on a bad --group', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'signal-server/cli.ts', '--group', 'sales'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const [code] = await once(child, 'exit');
    expect(code).toBe(2);
    expect(stderr).toContain('--group must look like NAME=MEMBER,MEMBER, not "sales"');
  });
});
