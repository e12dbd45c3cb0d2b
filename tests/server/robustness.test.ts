import { describe, expect, it } from 'vitest';
import { newCallId, offer, useServer } from './harness.js';

describe('bad input', () => {
  const harness = useServer();

  async function trio() {
    const server = await harness.start();
    const ada = await harness.register(server.url, 'Ada');
    const bob = await harness.register(server.url, 'Bob');
    const mallory = await harness.register(server.url, 'Mallory');
    return { server, ada, bob, mallory };
  }

  const malformed: [string, string | object, object][] = [
    ['not JSON', '{"method":', { status: 400, reason: 'Message is not valid JSON' }],
    ['not an object', '[1,2,3]', { status: 400, reason: 'Message is not a JSON object' }],
    ['a bare string', '"INVITE"', { status: 400, reason: 'Message is not a JSON object' }],
    ['a method of the wrong type', { method: 42, cseq: 1 }, { status: 400, reason: 'method must be a string', cseq: 1 }],
    ['a cseq of zero', { method: 'PUBLISH', cseq: 0, body: { state: 'dnd' } }, { status: 400, method: 'PUBLISH', reason: expect.stringMatching(/^cseq: /) }],
    ['a fractional cseq', { method: 'PUBLISH', cseq: 1.5, body: { state: 'dnd' } }, { status: 400, method: 'PUBLISH', reason: expect.stringMatching(/^cseq: /) }],
    ['a bad callId', { method: 'INFO', cseq: 1, callId: 'short', body: { candidate: null } }, { status: 400, cseq: 1, reason: expect.stringMatching(/^callId: /) }],
    ['markup in a callId', { method: 'BYE', cseq: 1, callId: '<script>alert(1)</script>' }, { status: 400, reason: expect.stringMatching(/^callId: /) }],
    ['a missing body', { method: 'INVITE', cseq: 1, callId: 'abcdefgh12', to: 'Bob' }, { status: 400, reason: 'body: is required' }],
    ['an offer typed as answer', { method: 'INVITE', cseq: 1, callId: 'abcdefgh12', to: 'Bob', body: { sdp: { type: 'answer', sdp: 'x' }, media: { audio: true, video: false } } }, { status: 400, reason: expect.stringMatching(/^body\.sdp\.type: /) }],
    ['a hostile callee name', { method: 'INVITE', cseq: 1, callId: 'abcdefgh12', to: '<b>Bob</b>\u0000', body: offer }, { status: 400, reason: expect.stringMatching(/^to: /) }],
    ['a 10 KB callee name', { method: 'INVITE', cseq: 1, callId: 'abcdefgh12', to: 'B'.repeat(10_240), body: offer }, { status: 400, reason: expect.stringMatching(/^to: /) }],
    ['a bad presence state', { method: 'PUBLISH', cseq: 1, body: { state: 'busy' } }, { status: 400, reason: expect.stringMatching(/^body\.state: /) }],
    ['a response status out of range', { status: 999, reason: 'x', method: 'INVITE', cseq: 1, callId: 'abcdefgh12' }, { status: 400, reason: expect.stringMatching(/^status: /) }],
    ['control characters in a reason', { status: 603, reason: 'no\u001b[2J', method: 'INVITE', cseq: 1, callId: 'abcdefgh12' }, { status: 400, reason: expect.stringMatching(/^reason: /) }],
    ['an unknown method', { method: 'SUBSCRIBE', cseq: 7 }, { status: 501, method: 'SUBSCRIBE', cseq: 7, reason: 'Method SUBSCRIBE is not implemented' }],
  ];

  for (const [what, frame, expected] of malformed) {
    it(`answers ${what} with ${(expected as { status: number }).status} and a reason, and nothing else changes`, async () => {
      const { server, ada, bob, mallory } = await trio();
      mallory.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
      expect(await mallory.next((f) => f.status >= 400)).toMatchObject(expected);
      expect(mallory.ws.readyState).toBe(mallory.ws.OPEN);
      await ada.assertQuiet({ allowPresence: true });
      await bob.assertQuiet({ allowPresence: true });
      expect(await (await fetch(server.url.replace('ws:', 'http:').replace('/signal', '/healthz'))).json()).toMatchObject({ users: 3, calls: 0 });
    });
  }

  it('ignores a spoofed from: the callee sees the real caller', async () => {
    const { ada, bob } = await trio();
    ada.send({ method: 'INVITE', cseq: 1, callId: newCallId(), to: 'Bob', from: 'Mallory', body: offer });
    expect(await bob.nextRequest('INVITE')).toMatchObject({ from: 'Ada' });
  });

  it('strips unknown fields before relaying', async () => {
    const { ada, bob } = await trio();
    ada.send({ method: 'INVITE', cseq: 1, callId: newCallId(), to: 'Bob', body: { ...offer, html: '<img>' }, extra: 'x' });
    const relayed = await bob.nextRequest('INVITE');
    expect(Object.keys(relayed).sort()).toEqual(['body', 'callId', 'cseq', 'from', 'method', 'to']);
    expect(Object.keys(relayed.body).sort()).toEqual(['media', 'sdp']);
  });

  it('closes a binary frame with 1003 and a frame over 64 KiB with 1009, leaving the others registered', async () => {
    const { server, ada, bob, mallory } = await trio();
    mallory.ws.send(Buffer.from([1, 2, 3]));
    expect((await mallory.closed).code).toBe(1003);
    const big = await harness.register(server.url, 'Big');
    big.send(JSON.stringify({ method: 'PUBLISH', cseq: 1, body: { state: 'dnd', pad: 'x'.repeat(65 * 1024) } }));
    expect((await big.closed).code).toBe(1009);
    await ada.assertQuiet({ allowPresence: true });
    await bob.assertQuiet({ allowPresence: true });
  });

  it('closes with 1008 after more than 20 bad messages in 10 s', async () => {
    const { ada, mallory } = await trio();
    for (let i = 0; i < 21; i += 1) mallory.send('garbage');
    expect(await mallory.closed).toEqual({ code: 1008, reason: 'Too many bad messages' });
    expect(mallory.received.filter((f) => f.status === 400)).toHaveLength(21);
    await ada.assertQuiet({ allowPresence: true });
  });

  it('handles nothing a socket sends after the server closed it: a REGISTER right behind the 21st bad message takes no name', async () => {
    const { server } = await trio();
    const stranger = await harness.connect(server.url);
    for (let i = 0; i < 21; i += 1) stranger.send('garbage');
    stranger.send({ method: 'REGISTER', cseq: 1, body: { name: 'Ghost' } });
    expect((await stranger.closed).code).toBe(1008);
    expect(stranger.received.filter((f) => f.method === 'REGISTER')).toEqual([]);
    const health = await (await fetch(server.url.replace('ws:', 'http:').replace('/signal', '/healthz'))).json();
    expect(health).toMatchObject({ users: 3 });
    await harness.register(server.url, 'Ghost');
  });

  it('handles nothing a socket sends after the server closed it: an INVITE right behind a binary frame does not ring', async () => {
    const { bob, mallory } = await trio();
    mallory.ws.send(Buffer.from([1, 2, 3]));
    mallory.send({ method: 'INVITE', cseq: 1, callId: newCallId(), to: 'Bob', body: offer });
    expect((await mallory.closed).code).toBe(1003);
    await bob.assertQuiet({ allowPresence: true });
  });

  it('closes with 1008 a sender going over 100 messages a second sustained, and lets a short burst through', async () => {
    const { server, ada, mallory } = await trio();
    const bursty = await harness.register(server.url, 'Bursty');
    for (let i = 0; i < 150; i += 1) bursty.send({ method: 'PUBLISH', cseq: i + 1, body: { state: 'online' } });
    await bursty.next((f) => f.cseq === 150);
    expect(bursty.ws.readyState).toBe(bursty.ws.OPEN);

    for (let i = 0; i < 400; i += 1) mallory.send({ method: 'PUBLISH', cseq: i + 1, body: { state: 'online' } });
    expect(await mallory.closed).toEqual({ code: 1008, reason: 'Too many messages' });
    await ada.assertQuiet({ allowPresence: true });
  });

  it('never relays an unregistered socket\'s messages', async () => {
    const { server, bob } = await trio();
    const stranger = await harness.connect(server.url);
    stranger.send({ method: 'INVITE', cseq: 1, callId: newCallId(), to: 'Bob', body: offer });
    expect(await stranger.nextResponse(403)).toMatchObject({ reason: 'Register first' });
    await bob.assertQuiet({ allowPresence: true });
  });
});
