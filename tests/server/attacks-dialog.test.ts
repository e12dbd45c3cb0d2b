/**
 * Hostile users inside calls: responses that answer nothing, call bombing, and memory a client
 * could make the server keep after its dialogs end. Real clients against a real server, except
 * where only the server's own bookkeeping can show the fix.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseCli } from '../../signal-server/cli-options.js';
import { RecentlyEnded } from '../../signal-server/dialog.js';
import { DEFAULTS } from '../../signal-server/options.js';
import { switchboardConfig } from '../../signal-server/server.js';
import { Switchboard, type Link } from '../../signal-server/switchboard.js';
import type { Frame, TestClient } from './client.js';
import { answer, connectCall, invite, newCallId, offer, ring, useServer } from './harness.js';

const ok = (method: string, cseq: number, callId: string, extra: Frame = {}) => ({ status: 200, reason: 'OK', method, cseq, callId, ...extra });

describe('forged responses', () => {
  const harness = useServer();
  async function pair() {
    const server = await harness.start();
    const ada = await harness.register(server.url, 'Ada');
    const bob = await harness.register(server.url, 'Bob');
    return { server, ada, bob };
  }

  it('does not relay a 401 to REGISTER from the caller: the ringing callee stays signed in', async () => {
    const { ada, bob } = await pair();
    const { callId } = await ring(ada, bob);
    ada.send({ status: 401, reason: 'Unauthorized', method: 'REGISTER', cseq: 1, callId });
    expect(await ada.next((f) => f.status === 400)).toEqual({
      status: 400,
      reason: 'Nothing to answer: no REGISTER 1 awaits your answer',
      method: 'REGISTER',
      cseq: 1,
      callId,
    });
    await bob.assertQuiet({ allowPresence: true });
    // Positive control: the callee's honest answer still reaches the caller.
    bob.send(ok('INVITE', 1, callId, { body: answer }));
    expect(await ada.nextResponse(200, 'INVITE')).toMatchObject({ callId, from: 'Bob' });
  });

  const forgeries: [string, 'ada' | 'bob', Frame][] = [
    ['the caller answering its own INVITE', 'ada', ok('INVITE', 1, '', { body: answer })],
    ['a second final answer to the INVITE', 'bob', { status: 486, reason: 'Busy Here', method: 'INVITE', cseq: 1 }],
    ['a provisional answer after the final one', 'bob', { status: 180, reason: 'Ringing', method: 'INVITE', cseq: 1 }],
    ['an answer to a BYE nobody sent', 'bob', ok('BYE', 7, '')],
    ['an answer to an INFO (INFO is not answered)', 'bob', ok('INFO', 2, '')],
    ['an answer to an ACK (ACK is not answered)', 'bob', ok('ACK', 1, '')],
    ['an answer to a CANCEL nobody sent', 'bob', ok('CANCEL', 1, '')],
    ['a 200 to PUBLISH', 'ada', ok('PUBLISH', 1, '')],
    ['a 200 to REGISTER', 'bob', ok('REGISTER', 1, '')],
  ];

  for (const [what, forger, frame] of forgeries) {
    it(`refuses ${what} in a confirmed call with 400 and relays nothing`, async () => {
      const { ada, bob } = await pair();
      const callId = await connectCall(ada, bob);
      ada.send({ method: 'INFO', cseq: 2, callId, body: { candidate: null } });
      await bob.nextRequest('INFO');
      const [sender, victim] = forger === 'ada' ? [ada, bob] : [bob, ada];
      sender.send({ ...frame, callId });
      expect(await sender.next((f) => f.status === 400)).toEqual({
        status: 400,
        reason: `Nothing to answer: no ${frame.method} ${frame.cseq} awaits your answer`,
        method: frame.method,
        cseq: frame.cseq,
        callId,
      });
      await victim.assertQuiet({ allowPresence: true });
      // Positive control: the call goes on, and an answer that answers something is relayed.
      bob.send({ method: 'BYE', cseq: 3, callId });
      await ada.nextRequest('BYE');
      ada.send(ok('BYE', 3, callId));
      expect(await bob.nextResponse(200, 'BYE')).toMatchObject({ callId, from: 'Ada' });
    });
  }

  it('relays crossing re-INVITEs and each 491 that answers one', async () => {
    const { ada, bob } = await pair();
    const callId = await connectCall(ada, bob);
    ada.send({ method: 'INVITE', cseq: 2, callId, body: offer });
    bob.send({ method: 'INVITE', cseq: 2, callId, body: offer });
    await bob.nextRequest('INVITE');
    await ada.nextRequest('INVITE');
    ada.send({ status: 491, reason: 'Request Pending', method: 'INVITE', cseq: 2, callId });
    bob.send({ status: 491, reason: 'Request Pending', method: 'INVITE', cseq: 2, callId });
    expect(await ada.nextResponse(491, 'INVITE')).toMatchObject({ cseq: 2, callId, from: 'Bob' });
    expect(await bob.nextResponse(491, 'INVITE')).toMatchObject({ cseq: 2, callId, from: 'Ada' });
  });

  it('keeps one request of each method awaiting per party: a newer re-INVITE replaces the older, whose answer is refused', async () => {
    const { ada, bob } = await pair();
    const callId = await connectCall(ada, bob);
    for (let cseq = 2; cseq <= 40; cseq += 1) ada.send({ method: 'INVITE', cseq, callId, body: offer });
    await bob.next((f) => f.method === 'INVITE' && f.cseq === 40);
    bob.send(ok('INVITE', 40, callId, { body: answer }));
    expect(await ada.nextResponse(200, 'INVITE')).toMatchObject({ cseq: 40, from: 'Bob' });
    bob.send({ status: 491, reason: 'Request Pending', method: 'INVITE', cseq: 39, callId });
    expect(await bob.nextResponse(400, 'INVITE')).toMatchObject({ cseq: 39, reason: 'Nothing to answer: no INVITE 39 awaits your answer' });
    await ada.assertQuiet({ allowPresence: true });
  });
});

describe('call bombing', () => {
  const harness = useServer();
  afterEach(() => {
    vi.useRealTimers();
  });

  it('lets one user ring at most 3 people at once: a fourth INVITE gets 503 and rings nobody', async () => {
    const server = await harness.start();
    const mallory = await harness.register(server.url, 'Mallory');
    const ada = await harness.register(server.url, 'Ada');
    const victims: TestClient[] = [];
    for (const name of ['V1', 'V2', 'V3', 'V4', 'V5']) victims.push(await harness.register(server.url, name));
    const callIds = victims.map(() => newCallId());
    for (const index of [0, 1, 2]) {
      mallory.send(invite(callIds[index]!, `V${index + 1}`));
      await mallory.next((f) => f.status === 100 && f.callId === callIds[index]);
      await victims[index]!.nextRequest('INVITE');
    }
    mallory.send(invite(callIds[3]!, 'V4'));
    expect(await mallory.next((f) => f.callId === callIds[3])).toEqual({
      status: 503,
      reason: 'Too many calls ringing (at most 3)',
      method: 'INVITE',
      cseq: 1,
      callId: callIds[3],
    });
    await victims[3]!.assertQuiet({ allowPresence: true });

    // Positive controls: the limit is the caller's own, and an answered call frees a place.
    ada.send(invite(newCallId(), 'V4'));
    expect(await ada.next((f) => f.status !== undefined)).toMatchObject({ status: 100 });
    victims[0]!.send({ status: 603, reason: 'Decline', method: 'INVITE', cseq: 1, callId: callIds[0] });
    await mallory.nextResponse(603);
    mallory.send(invite(callIds[4]!, 'V5'));
    expect(await mallory.next((f) => f.callId === callIds[4])).toMatchObject({ status: 100 });
  });

  it('lets one user start 5 calls at once and then 10 a minute: beyond that 503 with when to try again', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
    const server = await harness.start();
    const mallory = await harness.register(server.url, 'Mallory');
    const ada = await harness.register(server.url, 'Ada');
    const bob = await harness.register(server.url, 'Bob');
    const call = async (caller: TestClient) => {
      const callId = newCallId();
      caller.send(invite(callId, 'Bob'));
      const first = await caller.next((f) => f.callId === callId);
      if (first.status !== 100) return first;
      await bob.nextRequest('INVITE');
      bob.send({ status: 603, reason: 'Decline', method: 'INVITE', cseq: 1, callId });
      await caller.nextResponse(603);
      return first;
    };
    for (let i = 0; i < 5; i += 1) expect(await call(mallory)).toMatchObject({ status: 100 });
    expect(await call(mallory)).toMatchObject({ status: 503, reason: 'Too many new calls: try again in 6 s', method: 'INVITE', cseq: 1 });
    await bob.assertQuiet({ allowPresence: true });

    // Positive controls: others still call, and Mallory may again once a token has come back.
    expect(await call(ada)).toMatchObject({ status: 100 });
    vi.setSystemTime(new Date('2030-01-01T00:00:06Z'));
    expect(await call(mallory)).toMatchObject({ status: 100 });
    expect(await call(mallory)).toMatchObject({ status: 503 });
  });
});

describe('call limits on the command line', () => {
  it('reads --max-ringing-per-caller and --calls-per-minute', () => {
    expect(parseCli(['--max-ringing-per-caller', '1', '--calls-per-minute', '30'])).toMatchObject({
      kind: 'serve',
      options: { maxRingingPerCaller: 1, callsPerMinute: 30 },
    });
  });

  it.each([
    [['--max-ringing-per-caller', '0'], /--max-ringing-per-caller must be a whole number from 1 to 100/],
    [['--calls-per-minute', 'lots'], /--calls-per-minute must be a whole number from 1 to 10000/],
  ])('refuses %j with a clear message', (argv, message) => {
    const command = parseCli(argv);
    expect(command.kind === 'error' && command.message).toMatch(message);
  });
});

describe('memory after dialogs end', () => {
  const harness = useServer();
  afterEach(() => {
    vi.useRealTimers();
  });

  it('drops late answers for 32 s after a dialog ends and then answers 481, however often call ids were reused', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
    const server = await harness.start();
    const ada = await harness.register(server.url, 'Ada');
    const bob = await harness.register(server.url, 'Bob');
    const declined = async (callId: string) => {
      await ring(ada, bob, callId);
      bob.send({ status: 603, reason: 'Decline', method: 'INVITE', cseq: 1, callId });
      await ada.nextResponse(603);
    };
    const reused = newCallId();
    for (let second = 0; second < 3; second += 1) {
      vi.setSystemTime(new Date(Date.UTC(2030, 0, 1, 0, 0, second * 10)));
      await declined(reused);
    }
    const other = newCallId();
    await declined(other);
    bob.send(ok('INVITE', 1, other, { body: answer }));
    await bob.assertQuiet({ allowPresence: true }); // within 32 s: dropped silently

    vi.setSystemTime(new Date(Date.UTC(2030, 0, 1, 0, 0, 20 + 33)));
    bob.send(ok('INVITE', 1, other, { body: answer }));
    expect(await bob.nextResponse(481)).toMatchObject({ method: 'INVITE', cseq: 1, callId: other });
    bob.send(ok('INVITE', 1, reused, { body: answer }));
    expect(await bob.nextResponse(481)).toMatchObject({ callId: reused });
    await ada.assertQuiet({ allowPresence: true });
  });

  it('holds for a lost party only the newest frames that fit in maxHeldBytes, delivered in order on resume', async () => {
    const maxHeldBytes = 2_000;
    const server = await harness.start({ graceMs: 10_000, maxHeldBytes });
    const ada = await harness.register(server.url, 'Ada');
    const bob = await harness.register(server.url, 'Bob');
    const cy = await harness.register(server.url, 'Cy');
    const callId = await connectCall(ada, bob);
    await bob.drop();
    await expect.poll(async () => (await cy.request(invite(newCallId(), 'Bob'))).status).toBe(480);
    const candidate = { candidate: `candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host ${'x'.repeat(200)}`, sdpMid: '0' };
    for (let cseq = 10; cseq < 30; cseq += 1) ada.send({ method: 'INFO', cseq, callId, body: { candidate } });
    await ada.assertQuiet({ allowPresence: true }); // every INFO has reached the server

    const back = await harness.connect(server.url);
    expect(await back.request({ method: 'REGISTER', body: { name: 'Bob', resume: bob.resume } })).toMatchObject({ status: 200 });
    await back.request({ method: 'PUBLISH', body: { state: 'online' } }); // after every held frame
    const held = back.unread((f) => f.method === 'INFO');
    const frameBytes = Buffer.byteLength(JSON.stringify(held[0]));
    const fits = Math.floor(maxHeldBytes / frameBytes);
    expect(fits).toBeGreaterThan(1);
    expect(held.map((f) => f.cseq)).toEqual(Array.from({ length: fits }, (_, i) => 30 - fits + i));
    // Positive control: the call goes on after the resume.
    back.send({ method: 'INFO', cseq: 2, callId, body: { candidate: null } });
    expect(await ada.nextRequest('INFO')).toMatchObject({ callId, from: 'Bob' });
  });
});

describe('server bookkeeping', () => {
  it('remembers ended dialogs in the order they ended, so 10,000 reuses of one call id leave a bounded table', () => {
    const recently = new RecentlyEnded(32_000, 10_000);
    const [ada, bob] = ['ada', 'bob'];
    const dialog = (callId: string) => ({ callId, caller: ada, callee: bob });
    for (let second = 0; second < 10_000; second += 1) {
      recently.add(dialog('reused-call-id'), second * 1000);
      recently.add(dialog(`fresh-${second}-abcdefgh`), second * 1000 + 500);
    }
    expect(recently.size).toBeLessThanOrEqual(2 * 33);
    const now = 9_999 * 1000 + 500;
    expect(recently.had('reused-call-id', ada, now)).toBe(true);
    expect(recently.had('fresh-9999-abcdefgh', bob, now)).toBe(true);
    expect(recently.had('fresh-9000-abcdefgh', bob, now)).toBe(false);
  });

  it('forgets the oldest ended dialogs beyond its size bound', () => {
    const recently = new RecentlyEnded(32_000, 100);
    const ada = 'ada';
    const dialog = (callId: string) => ({ callId, caller: ada, callee: ada });
    for (let i = 0; i < 1_000; i += 1) recently.add(dialog(`call-${i}-abcdefgh`), 0);
    expect(recently.size).toBe(100);
    expect(recently.had('call-999-abcdefgh', ada, 0)).toBe(true);
    expect(recently.had('call-899-abcdefgh', ada, 0)).toBe(false);
  });

  it('drops the frames held for a party whose grace period runs out: a later resume of the name gets none', async () => {
    const board = new Switchboard(switchboardConfig({ maxClients: 10, graceMs: 1, presenceFlushMs: 1 }));
    try {
      const ada = fakeSocket(board, 'Ada');
      const bob = fakeSocket(board, 'Bob');
      const callId = newCallId();
      ada.say({ method: 'INVITE', cseq: 1, callId, to: 'Bob', body: offer });
      bob.say({ status: 200, reason: 'OK', method: 'INVITE', cseq: 1, callId, body: answer });
      // Positive control: a resume within the grace period gets what was held for it.
      board.closed(bob.connection, 1006);
      ada.say({ method: 'INFO', cseq: 2, callId, body: { candidate: null } });
      const back = fakeSocket(board, 'Bob', bob.token());
      expect(back.frames.map((f) => f.status ?? f.method)).toEqual([200, 'INFO']);

      board.closed(back.connection, 1006);
      ada.say({ method: 'INFO', cseq: 3, callId, body: { candidate: null } });
      await ada.until((f) => f.method === 'BYE');
      const again = fakeSocket(board, 'Bob');
      board.closed(again.connection, 1006);
      const resumed = fakeSocket(board, 'Bob', again.token());
      expect(resumed.frames).toEqual([expect.objectContaining({ status: 200, body: expect.objectContaining({ resumed: true }) })]);
    } finally {
      board.stop();
    }
  });
});

/** A registered socket on a bare Switchboard, recording what it is sent. */
function fakeSocket(board: Switchboard, name: string, resume?: string) {
  const frames: Frame[] = [];
  const waiters: { match: (frame: Frame) => boolean; resolve: () => void }[] = [];
  const link: Link = {
    send(data) {
      const frame = JSON.parse(String(data)) as Frame;
      frames.push(frame);
      for (const waiter of waiters) if (waiter.match(frame)) waiter.resolve();
    },
    close() {},
  };
  const connection = board.open(link, '127.0.0.1', 60_000);
  const say = (frame: Frame) => board.receive(connection, JSON.stringify(frame));
  say({ method: 'REGISTER', cseq: 1, body: resume === undefined ? { name } : { name, resume } });
  return {
    connection,
    frames,
    say,
    token: (): string => frames.find((f) => f.method === 'REGISTER' && f.status === 200)?.body.resume,
    until: (match: (frame: Frame) => boolean) => new Promise<void>((resolve) => waiters.push({ match, resolve })),
  };
}
