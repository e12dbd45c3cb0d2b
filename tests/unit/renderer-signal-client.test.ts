/**
 * The renderer's signalling client against a real server on an ephemeral port, through real
 * `ws` sockets: registration and each refusal in words, reconnection with the resume token
 * (same name back, queued messages delivered), and a fresh registration after a server restart.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import type { Message, RegisteredBody, UserPresence } from '../../common/protocol.js';
import { OPEN_TIMEOUT_MS, SignalClient, signalUrl, type ConnectionState, type Refusal, type SocketLike } from '../../renderer/src/net/signal-client.js';
import { startSignalServer, type RunningSignalServer, type SignalServerOptions } from '../../signal-server/server.js';

/** The presence changes a message carries, if it is a NOTIFY. */
const presence = (m: Message): UserPresence[] => (!('status' in m) && m.method === 'NOTIFY' ? m.body.users : []);

const servers: RunningSignalServer[] = [];
const clients: SignalClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.stop();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function start(options: SignalServerOptions = {}): Promise<RunningSignalServer> {
  const server = await startSignalServer({ port: 0, host: '127.0.0.1', presenceFlushMs: 5, ...options });
  servers.push(server);
  return server;
}

/** A client whose events are recorded and can be awaited. */
function phone(server: string, name: string, passcode = '') {
  const sockets: WebSocket[] = [];
  const states: ConnectionState[] = [];
  const registrations: { body: RegisteredBody; resumed: boolean }[] = [];
  const messages: Message[] = [];
  const refusals: Refusal[] = [];
  const waiters: (() => void)[] = [];
  const wake = () => waiters.splice(0).forEach((w) => w());
  const client = new SignalClient({
    server,
    name,
    passcode,
    random: () => 0,
    createSocket: (url, protocol) => {
      const socket = new WebSocket(url, protocol);
      sockets.push(socket);
      return socket as unknown as SocketLike;
    },
    onState: (s) => (states.push(s), wake()),
    onRegistered: (body, resumed) => (registrations.push({ body, resumed }), wake()),
    onRefused: (r) => (refusals.push(r), wake()),
    onMessage: (m) => (messages.push(m), wake()),
  });
  clients.push(client);
  const until = async (check: () => boolean): Promise<void> => {
    while (!check()) await new Promise<void>((resolve) => waiters.push(resolve));
  };
  return { client, sockets, states, registrations, messages, refusals, until };
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
    ['a full server', { maxClients: 1 }, 'Eve', '', 'full', 'Server is full'],
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
