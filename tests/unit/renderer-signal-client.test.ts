/**
 * The renderer's signalling client against a real server on an ephemeral port, through real
 * `ws` sockets: registration and each refusal in words, reconnection with the resume token
 * (same name back, queued messages delivered), a fresh registration after a server restart, and
 * forged REGISTER answers from a peer, which never sign the phone out.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import type { Message, RegisteredBody, UserPresence } from '../../common/protocol.js';
import { OPEN_TIMEOUT_MS, SignalClient, signalUrl, type ConnectionState, type Refusal, type SocketLike } from '../../renderer/src/net/signal-client.js';
import { startSignalServer, type RunningSignalServer, type SignalServerOptions } from '../../signal-server/server.js';
import { TestClient } from '../server/client.js';
import { offer } from '../server/harness.js';

/** The presence changes a message carries, if it is a NOTIFY. */
const presence = (m: Message): UserPresence[] => (!('status' in m) && m.method === 'NOTIFY' && m.body.event === 'presence' ? m.body.users : []);

const servers: RunningSignalServer[] = [];
const clients: SignalClient[] = [];
const attackers: TestClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.stop();
  await Promise.all(attackers.splice(0).map((attacker) => attacker.drop()));
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function start(options: SignalServerOptions = {}): Promise<RunningSignalServer> {
  const server = await startSignalServer({ port: 0, host: '127.0.0.1', presenceFlushMs: 5, ...options });
  servers.push(server);
  return server;
}

/** A client whose events are recorded and can be awaited. */
function phone(server: string, name: string, passcode = '', resume?: string) {
  const sockets: WebSocket[] = [];
  const states: ConnectionState[] = [];
  const registrations: { body: RegisteredBody; resumed: boolean }[] = [];
  const messages: Message[] = [];
  const refusals: Refusal[] = [];
  const warnings: string[] = [];
  const waiters: (() => void)[] = [];
  const wake = () => waiters.splice(0).forEach((w) => w());
  const client = new SignalClient({
    server,
    name,
    passcode,
    ...(resume === undefined ? {} : { resume }),
    random: () => 0,
    log: (level, text) => void (level === 'warn' && warnings.push(text)),
    createSocket: (url, protocol) => {
      const socket = new WebSocket(url, protocol);
      sockets.push(socket);
      return socket as unknown as SocketLike;
    },
    onState: (s) => (states.push(s), wake()),
    onRegistered: (body) => (registrations.push({ body, resumed: body.resumed }), wake()),
    onRefused: (r) => (refusals.push(r), wake()),
    onMessage: (m) => (messages.push(m), wake()),
  });
  clients.push(client);
  const until = async (check: () => boolean): Promise<void> => {
    while (!check()) await new Promise<void>((resolve) => waiters.push(resolve));
  };
  return { client, sockets, states, registrations, messages, refusals, warnings, until };
}

describe('signalUrl', () => {
  it('turns what a user types into the /signal address', () => {
    expect(signalUrl('ws://192.168.1.10:8080')).toBe('ws://192.168.1.10:8080/signal');
    expect(signalUrl('192.168.1.10:8080')).toBe('ws://192.168.1.10:8080/signal');
    expect(signalUrl('https://phone.lan/')).toBe('wss://phone.lan/signal');
    expect(signalUrl('wss://phone.lan/signal?x=1#y')).toBe('wss://phone.lan/signal');
  });

  it('refuses what is not a server address', () => {
    expect(signalUrl('ftp://phone.lan')).toBeNull();
    expect(signalUrl('')).toBeNull();
    expect(signalUrl('ws://')).toBeNull();
  });
});

describe('SignalClient', () => {
  it('registers, gets the phone book, and hears presence changes', async () => {
    const server = await start();
    const ada = phone(server.url, 'Ada');
    ada.client.start();
    await ada.until(() => ada.registrations.length === 1);
    expect(ada.states).toEqual(['connecting', 'registered']);
    expect(ada.registrations[0]).toMatchObject({ body: { name: 'Ada', users: [] }, resumed: false });

    const bob = phone(server.url, 'Bob');
    bob.client.start();
    await bob.until(() => bob.registrations.length === 1);
    expect(bob.registrations[0]?.body.users).toEqual([{ name: 'Ada', state: 'online' }]);
    const bobOnline = (m: Message) => presence(m).some((u) => u.name === 'Bob' && u.state === 'online');
    await ada.until(() => ada.messages.some(bobOnline));
  });

  it.each([
    ['a taken name', {}, 'ada', '', 'name-taken', 'That name is taken'],
    ['a wrong passcode', { passcode: 'secret' }, 'Eve', 'nope', 'passcode', 'Wrong passcode'],
    ['a missing passcode', { passcode: 'secret' }, 'Eve', '', 'passcode', 'This server needs a passcode'],
    ['a full server', { maxClients: 1 }, 'Eve', '', 'full', 'Server is full'],
    ['an address over its registration rate', { registrationBurst: 1, registrationsPerMinute: 1 }, 'Eve', '', 'throttled', 'Too many registrations from your address: try again in 60 s'],
  ] as const)('refuses %s with words and stops', async (_label, options, name, passcode, code, text) => {
    const server = await start(options);
    const first = phone(server.url, 'Ada', 'secret');
    first.client.start();
    await first.until(() => first.registrations.length === 1);
    const second = phone(server.url, name, passcode);
    second.client.start();
    await second.until(() => second.refusals.length === 1);
    expect(second.refusals[0]).toEqual({ code, text });
    expect(second.client.state).toBe('disconnected');
  });

  it('shows the server reason for a bad name', async () => {
    const server = await start();
    const eve = phone(server.url, '<b>Eve</b>');
    eve.client.start();
    await eve.until(() => eve.refusals.length === 1);
    expect(eve.refusals[0]?.code).toBe('bad-name');
    expect(eve.refusals[0]?.text).toMatch(/^Name may hold only letters/);
  });

  it('says "Server unreachable" when nothing listens', async () => {
    const server = await start();
    const url = server.url;
    await server.close();
    servers.splice(0);
    const ada = phone(url, 'Ada');
    ada.client.start();
    await ada.until(() => ada.refusals.length === 1);
    expect(ada.refusals[0]).toEqual({ code: 'unreachable', text: 'Server unreachable' });
  });

  it('a socket that never opens nor fails (a silent refusal) is given up as unreachable', () => {
    vi.useFakeTimers();
    try {
      const closed: number[] = [];
      const silent: SocketLike = {
        readyState: 0,
        send: () => undefined,
        close: (code) => void closed.push(code ?? 0),
        onopen: null,
        onclose: null,
        onerror: null,
        onmessage: null,
      };
      const refusals: Refusal[] = [];
      const client = new SignalClient({ server: 'ws://10.255.255.1:8080', name: 'Ada', passcode: '', createSocket: () => silent, onRefused: (r) => refusals.push(r) });
      clients.push(client);
      client.start();
      vi.advanceTimersByTime(OPEN_TIMEOUT_MS - 1);
      expect(refusals).toEqual([]);
      vi.advanceTimersByTime(1);
      expect(refusals).toEqual([{ code: 'unreachable', text: 'Server unreachable' }]);
      expect(closed).toEqual([1000]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('a lost socket reconnects with the resume token: same name, and what was sent meanwhile arrives', async () => {
    const server = await start();
    const ada = phone(server.url, 'Ada');
    const bob = phone(server.url, 'Bob');
    ada.client.start();
    bob.client.start();
    await ada.until(() => ada.registrations.length === 1);
    await bob.until(() => bob.registrations.length === 1);

    ada.sockets[0]?.terminate();
    await ada.until(() => ada.states.includes('reconnecting'));
    // Sent while the socket is down: queued, then delivered after the new registration.
    ada.client.publish('dnd');
    await ada.until(() => ada.registrations.length === 2);
    expect(ada.registrations[1]).toMatchObject({ resumed: true, body: { name: 'Ada' } });
    expect(ada.states.slice(-2)).toEqual(['reconnecting', 'registered']);
    await bob.until(() => bob.messages.some((m) => presence(m).some((u) => u.state === 'dnd')));

    // Each resume hands out a new token; the client keeps it, so the next loss resumes too.
    expect(ada.registrations[1]?.body.resume).not.toBe(ada.registrations[0]?.body.resume);
    ada.sockets[1]?.terminate();
    await ada.until(() => ada.registrations.length === 3);
    expect(ada.registrations[2]).toMatchObject({ resumed: true, body: { name: 'Ada' } });
    expect(ada.refusals).toEqual([]);
  });

  it('a new page starts with the token its tab kept: it takes its registration back; a used token falls back to the name', async () => {
    const server = await start();
    const first = phone(server.url, 'Ada');
    first.client.start();
    await first.until(() => first.registrations.length === 1);
    first.sockets[0]?.terminate(); // the page went away without a close (its grace period runs)
    first.client.stop();
    const token = first.registrations[0]!.body.resume;

    const reloaded = phone(server.url, 'Ada', '', token);
    reloaded.client.start();
    await reloaded.until(() => reloaded.registrations.length === 1);
    expect(reloaded.registrations[0]).toMatchObject({ resumed: true, body: { name: 'Ada' } });

    reloaded.client.stop(); // signed out: the name is free
    const stale = phone(server.url, 'Ada', '', token);
    stale.client.start();
    await stale.until(() => stale.registrations.length === 1 || stale.refusals.length === 1);
    expect(stale.registrations[0]).toMatchObject({ resumed: false, body: { name: 'Ada' } });
  });

  it('after a server restart it registers afresh under the same name', async () => {
    const first = await start();
    const port = first.port;
    const ada = phone(first.url, 'Ada');
    ada.client.start();
    await ada.until(() => ada.registrations.length === 1);
    await first.close();
    servers.splice(0);
    await ada.until(() => ada.states.includes('reconnecting'));
    await start({ port });
    await ada.until(() => ada.registrations.length === 2);
    expect(ada.registrations[1]).toMatchObject({ resumed: false, body: { name: 'Ada' } });
  });

  it('stop closes cleanly: the server marks the user offline at once', async () => {
    const server = await start();
    const ada = phone(server.url, 'Ada');
    const bob = phone(server.url, 'Bob');
    ada.client.start();
    bob.client.start();
    await ada.until(() => ada.registrations.length === 1);
    await bob.until(() => bob.registrations.length === 1);
    bob.client.stop();
    await ada.until(() =>
      ada.messages.some((m) => presence(m).some((u) => u.name === 'Bob' && u.state === 'offline')),
    );
    expect(bob.client.state).toBe('disconnected');
  });
});

/** A socket the test drives by hand: it records what the client sends and delivers what the test says. */
function handSocket() {
  const sent: Message[] = [];
  const socket: SocketLike & { deliver(frame: object): void } = {
    readyState: 0,
    send: (data) => void sent.push(JSON.parse(data) as Message),
    close: () => undefined,
    onopen: null,
    onclose: null,
    onerror: null,
    onmessage: null,
    deliver(frame) {
      socket.onmessage?.({ data: JSON.stringify(frame) });
    },
  };
  return { socket, sent, open: () => ((socket as { readyState: number }).readyState = 1, socket.onopen?.({})) };
}

const registered = (cseq: number, extra: object = {}) => ({
  status: 200,
  reason: 'OK',
  method: 'REGISTER',
  cseq,
  body: { name: 'Bob', resume: 'token-1', resumed: false, users: [], iceServers: [] },
  ...extra,
});

describe('forged REGISTER answers', () => {
  it('a peer in a call sends "401 to REGISTER": the phone stays signed in and works on', async () => {
    const server = await start();
    const bob = phone(server.url, 'Bob');
    bob.client.start();
    await bob.until(() => bob.registrations.length === 1);
    const mallory = await TestClient.register(server.url, 'Mallory');
    attackers.push(mallory);
    const callId = 'forged-register-answer-1';
    mallory.send({ method: 'INVITE', cseq: 1, callId, to: 'Bob', body: offer });
    await bob.until(() => bob.messages.some((m) => !('status' in m) && m.method === 'INVITE'));

    const forged = { status: 401, reason: 'Unauthorized', method: 'REGISTER', cseq: 1, callId };
    mallory.send(forged);
    // As the server would deliver it if it relayed it, whether or not this server does.
    bob.sockets[0]?.emit('message', Buffer.from(JSON.stringify({ from: 'Mallory', to: 'Bob', ...forged })), false);
    // The CANCEL is delivered after anything the server relayed before it.
    mallory.send({ method: 'CANCEL', cseq: 1, callId });
    await bob.until(() => bob.refusals.length > 0 || bob.messages.some((m) => !('status' in m) && m.method === 'CANCEL'));

    expect(bob.refusals).toEqual([]);
    expect(bob.client.state).toBe('registered');
    expect(bob.messages.filter((m) => 'status' in m && m.method === 'REGISTER')).toEqual([]);
    expect(bob.warnings).toContainEqual(expect.stringMatching(/^Dropped a REGISTER answer/));

    // Still signed in for the server too: Bob's answers reach the caller.
    bob.client.send({ status: 487, reason: 'Request Terminated', method: 'INVITE', cseq: 1, callId });
    expect(await mallory.nextResponse(487, 'INVITE')).toMatchObject({ from: 'Bob', callId });
  });

  it('while registering, only an answer from the server itself with the cseq it sent counts', () => {
    const hand = handSocket();
    const refusals: Refusal[] = [];
    const registrations: RegisteredBody[] = [];
    const warnings: string[] = [];
    const client = new SignalClient({
      server: 'ws://127.0.0.1:9',
      name: 'Bob',
      passcode: '',
      createSocket: () => hand.socket,
      log: (level, text) => void (level === 'warn' && warnings.push(text)),
      onRefused: (r) => refusals.push(r),
      onRegistered: (body) => registrations.push(body),
    });
    clients.push(client);
    client.start();
    hand.open();
    expect(hand.sent).toEqual([{ method: 'REGISTER', cseq: 1, body: { name: 'Bob' } }]);

    hand.socket.deliver({ status: 401, reason: 'Unauthorized', method: 'REGISTER', cseq: 2 });
    hand.socket.deliver({ status: 401, reason: 'Unauthorized', method: 'REGISTER', cseq: 1, callId: 'forged-register-answer-2' });
    hand.socket.deliver({ status: 401, reason: 'Unauthorized', method: 'REGISTER', cseq: 1, from: 'Mallory', to: 'Bob' });
    expect(refusals).toEqual([]);
    expect(client.state).toBe('connecting');
    expect(warnings).toHaveLength(3);

    hand.socket.deliver(registered(1));
    expect(registrations).toHaveLength(1);
    expect(client.state).toBe('registered');

    // Once registered, no REGISTER answer is awaited: even a well-formed one is dropped.
    hand.socket.deliver({ status: 401, reason: 'Unauthorized', method: 'REGISTER', cseq: 1 });
    hand.socket.deliver(registered(1, { body: { name: 'Mallory', resume: 'x', resumed: false, users: [], iceServers: [] } }));
    expect(refusals).toEqual([]);
    expect(registrations).toHaveLength(1);
    expect(client.state).toBe('registered');
    expect(warnings).toHaveLength(5);
  });
});
