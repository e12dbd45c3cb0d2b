import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { invite, newCallId, useServer } from './harness.js';

describe('registration', () => {
  const harness = useServer();

  it('answers 200 with the name, a resume token, everyone else and the ICE servers', async () => {
    const iceServers = [{ urls: 'stun:stun.example.test:3478' }];
    const server = await harness.start({ iceServers });
    await harness.register(server.url, 'Ada');
    const bob = await harness.connect(server.url);
    const reply = await bob.request({ method: 'REGISTER', body: { name: '  Bob ' } });
    expect(reply).toMatchObject({ status: 200, reason: 'OK', method: 'REGISTER', cseq: 1 });
    expect(reply.body.name).toBe('Bob');
    expect(reply.body.resume).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(reply.body.users).toEqual([{ name: 'Ada', state: 'online' }]);
    expect(reply.body.iceServers).toEqual(iceServers);
  });

  it('refuses a handshake without the leanphone.1 subprotocol or on another path', async () => {
    const server = await harness.start();
    const refused = (url: string, protocols: string[]) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(url, protocols);
        ws.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
        ws.on('open', () => resolve(101));
        ws.on('error', () => undefined);
      });
    expect(await refused(server.url, [])).toBe(400);
    expect(await refused(server.url, ['other.1'])).toBe(400);
    expect(await refused(server.url.replace('/signal', '/elsewhere'), ['leanphone.1'])).toBe(404);
  });

  it('answers 403 to anything before REGISTER', async () => {
    const server = await harness.start();
    const client = await harness.connect(server.url);
    client.send({ method: 'INVITE', cseq: 1, callId: 'abcdefgh12', to: 'Ada', body: { sdp: { type: 'offer', sdp: 'x' }, media: { audio: true, video: false } } });
    expect(await client.nextResponse(403)).toMatchObject({ reason: 'Register first', method: 'INVITE', cseq: 1 });
  });

  it('keeps names unique case-insensitively (409) and refuses bad names (400) with a reason', async () => {
    const server = await harness.start();
    await harness.register(server.url, 'Ada');
    const client = await harness.connect(server.url);
    expect(await client.request({ method: 'REGISTER', body: { name: 'ADA' } })).toMatchObject({ status: 409, reason: 'Name taken' });
    const hostile = ['<img src=x onerror=alert(1)>', 'bell\u0007', 'x'.repeat(10 * 1024), '', 'a\u202Eb'];
    for (const name of hostile) {
      const reply = await client.request({ method: 'REGISTER', body: { name } });
      expect(reply.status, JSON.stringify(name.slice(0, 20))).toBe(400);
      expect(reply.reason).toMatch(/^body\.name: /);
    }
    expect(await client.request({ method: 'REGISTER', body: { name: 'Zoë' } })).toMatchObject({ status: 200 });
  });

  it('requires the passcode when one is set (401) and takes the right one', async () => {
    const server = await harness.start({ passcode: 'open sesame' });
    const client = await harness.connect(server.url);
    expect(await client.request({ method: 'REGISTER', body: { name: 'Ada' } })).toMatchObject({ status: 401, reason: 'Passcode required' });
    expect(await client.request({ method: 'REGISTER', body: { name: 'Ada', passcode: 'open' } })).toMatchObject({ status: 401, reason: 'Wrong passcode' });
    expect(await client.request({ method: 'REGISTER', body: { name: 'Ada', passcode: 'open sesame' } })).toMatchObject({ status: 200 });
  });

  it('answers 503 when the server is full', async () => {
    const server = await harness.start({ maxClients: 2 });
    await harness.register(server.url, 'Ada');
    await harness.register(server.url, 'Bob');
    const third = await harness.connect(server.url);
    expect(await third.request({ method: 'REGISTER', body: { name: 'Cy' } })).toMatchObject({ status: 503, reason: 'Server full' });
  });

  it('refuses a second REGISTER on a registered socket and changes nothing', async () => {
    const server = await harness.start();
    const ada = await harness.register(server.url, 'Ada');
    expect(await ada.request({ method: 'REGISTER', body: { name: 'Eve' } })).toMatchObject({ status: 400, reason: 'Already registered as Ada' });
    const bob = await harness.register(server.url, 'Bob');
    expect(bob.received[0]!.body.users).toEqual([{ name: 'Ada', state: 'online' }]);
  });

  it('closes a socket that does not register in time with 1008', async () => {
    const server = await harness.start({ registerTimeoutMs: 100 });
    const idle = await harness.connect(server.url);
    expect(await idle.closed).toEqual({ code: 1008, reason: 'Register first' });
  });
});

describe('presence', () => {
  const harness = useServer();

  it('shows a phone that says it is in a call (after a restart the server knows none) busy until it stops saying so; dnd still refuses calls', async () => {
    const server = await harness.start();
    const ada = await harness.register(server.url, 'Ada');
    const bob = await harness.register(server.url, 'Bob');
    expect(await ada.nextPresence('Ada')).toEqual([{ name: 'Bob', state: 'online' }]);

    expect(await bob.request({ method: 'PUBLISH', body: { state: 'online', inCall: true } })).toMatchObject({ status: 200 });
    expect(await ada.nextPresence('Ada')).toEqual([{ name: 'Bob', state: 'busy' }]);
    const cy = await harness.register(server.url, 'Cy');
    expect(cy.received[0]!.body.users).toContainEqual({ name: 'Bob', state: 'busy' });
    expect(await ada.nextPresence('Ada')).toEqual([{ name: 'Cy', state: 'online' }]);

    await bob.request({ method: 'PUBLISH', body: { state: 'dnd', inCall: true } });
    expect(await ada.request(invite(newCallId(), 'Bob'))).toMatchObject({ status: 480 });
    await bob.request({ method: 'PUBLISH', body: { state: 'online' } });
    expect(await ada.nextPresence('Ada')).toEqual([{ name: 'Bob', state: 'online' }]);
  });

  it('pushes changes only: a newcomer, dnd, busy during a call, online after, offline on leaving', async () => {
    const server = await harness.start();
    const ada = await harness.register(server.url, 'Ada');
    const bob = await harness.register(server.url, 'Bob');
    expect(await ada.nextPresence('Ada')).toEqual([{ name: 'Bob', state: 'online' }]);
    expect(ada.received.filter((f) => f.method === 'NOTIFY').every((f) => f.body.event === 'presence')).toBe(true);

    expect(await bob.request({ method: 'PUBLISH', body: { state: 'dnd' } })).toMatchObject({ status: 200 });
    expect(await ada.nextPresence('Ada')).toEqual([{ name: 'Bob', state: 'dnd' }]);
    await bob.request({ method: 'PUBLISH', body: { state: 'online' } });
    expect(await ada.nextPresence('Ada')).toEqual([{ name: 'Bob', state: 'online' }]);

    const cy = await harness.register(server.url, 'Cy');
    ada.send({ method: 'INVITE', cseq: 1, callId: 'presence-call-1', to: 'Bob', body: { sdp: { type: 'offer', sdp: 'v=0' }, media: { audio: true, video: false } } });
    const busy = await cy.next((f) => f.method === 'NOTIFY' && f.body.users.some((u: any) => u.state === 'busy'));
    expect(busy.body.users).toEqual(expect.arrayContaining([{ name: 'Ada', state: 'busy' }, { name: 'Bob', state: 'busy' }]));
    await bob.nextRequest('INVITE');
    bob.send({ status: 603, reason: 'Decline', method: 'INVITE', cseq: 1, callId: 'presence-call-1' });
    const free = await cy.next((f) => f.method === 'NOTIFY' && f.body.users.some((u: any) => u.name === 'Ada' && u.state === 'online'));
    expect(free.body.users).toEqual(expect.arrayContaining([{ name: 'Ada', state: 'online' }, { name: 'Bob', state: 'online' }]));

    // Every frame, NOTIFYs included, is a text frame holding one JSON object.
    expect([...ada.received, ...bob.received, ...cy.received].filter((f) => f.binaryFrame)).toEqual([]);
    await bob.close();
    expect((await cy.next((f) => f.method === 'NOTIFY' && f.body.users.some((u: any) => u.state === 'offline'))).body.users).toEqual([
      { name: 'Bob', state: 'offline' },
    ]);
  });

  it('coalesces changes that come together into one NOTIFY, never the whole list', async () => {
    // A window long enough that five registrations made at once fall in it on a loaded machine too.
    const server = await harness.start({ presenceFlushMs: 1_000 });
    const watcher = await harness.register(server.url, 'Watcher');
    const names = ['A1', 'A2', 'A3', 'A4', 'A5'];
    await Promise.all(names.map((name) => harness.register(server.url, name)));
    const others = await watcher.nextPresence('Watcher');
    expect(others.map((u) => u.name).sort()).toEqual(names);
    expect(watcher.received.filter((f) => f.method === 'NOTIFY')).toHaveLength(1);
    // One more change afterwards carries only itself.
    await harness.register(server.url, 'Late');
    expect(await watcher.nextPresence('Watcher')).toEqual([{ name: 'Late', state: 'online' }]);
  });
});
