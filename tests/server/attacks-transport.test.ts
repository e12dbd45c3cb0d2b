/**
 * Hostile users and hostile web pages at the transport: a foreign page opening a socket from a
 * visitor's browser, a reader that stops reading, pongs nobody asked for, one address taking
 * every socket and name, and passcode guessing. Each attack has its honest twin beside it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as connectTcp, type Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket, { type ClientOptions } from 'ws';
import { SUBPROTOCOL } from '../../common/protocol.js';
import { loadOrCreateIdentity } from '../../node-lib/certificate.js';
import { createLogger } from '../../signal-server/log.js';
import { newCallId, offer, useServer } from './harness.js';
import type { TestClient } from './client.js';

/** The handshake's HTTP status: 101 when the socket opened (it is closed again at once), 0 when the connection was dropped. */
function handshake(url: string, options: ClientOptions = {}): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, [SUBPROTOCOL], options);
    ws.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('error', () => resolve(0));
  });
}

/** `promise`, or a rejection naming `what` when it has not settled within `ms`. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

const SECOND_ADDRESS: ClientOptions = { localAddress: '127.0.0.2' };
const healthOf = async (url: string) => (await fetch(url.replace(/^ws/, 'http').replace('/signal', '/healthz'))).json();

describe('cross-site WebSocket hijacking', () => {
  const harness = useServer();

  it('refuses a foreign page at the handshake with 403, logs it, and registers nothing', async () => {
    const lines: string[] = [];
    const server = await harness.start({ logger: createLogger('info', (line) => lines.push(line)) });
    const port = server.port;
    for (const origin of ['https://evil.example', `http://127.0.0.1:${port + 1}`, `https://127.0.0.1:${port}`, `http://127.0.0.2:${port}`, 'null']) {
      expect(await handshake(server.url, { origin }), origin).toBe(403);
    }
    expect(lines.find((line) => line.includes('handshake-refused') && line.includes('"https://evil.example"'))).toContain('why="403 Forbidden"');
    expect(await healthOf(server.url)).toMatchObject({ users: 0 });
  });

  it('accepts its own pages, the desktop app, --allow-origin origins and native clients without an Origin', async () => {
    const server = await harness.start({ allowedOrigins: ['http://localhost:5173'] });
    const port = server.port;
    for (const origin of [`http://127.0.0.1:${port}`, `http://localhost:${port}`, 'app://leanphone', 'http://localhost:5173']) {
      expect(await handshake(server.url, { origin }), origin).toBe(101);
    }
    expect(await handshake(server.url)).toBe(101);
    const ada = await harness.register(server.url, 'Ada', {}, { origin: `http://127.0.0.1:${port}` });
    expect(ada.received[0]).toMatchObject({ status: 200 });
  });

  it('over TLS, its own pages are https', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'leanphone-origin-'));
    try {
      const server = await harness.start({ tls: await loadOrCreateIdentity(dir, []) });
      const tls = { rejectUnauthorized: false };
      expect(await handshake(server.url, { ...tls, origin: `https://127.0.0.1:${server.port}` })).toBe(101);
      expect(await handshake(server.url, { ...tls, origin: `http://127.0.0.1:${server.port}` })).toBe(403);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('slow readers', () => {
  const harness = useServer();

  it('closes a socket that stops reading with 1008 Too slow instead of queueing without bound', async () => {
    const server = await harness.start({ maxBufferedBytes: 256 * 1024, floodLimits: { messagesPerSecond: 1e6, burst: 1e6 } });
    const ada = await harness.register(server.url, 'Ada');
    const bob = await harness.register(server.url, 'Bob');
    const callId = newCallId();
    ada.send({ method: 'INVITE', cseq: 1, callId, to: 'Bob', body: offer });
    await ada.nextResponse(100, 'INVITE');
    await bob.nextRequest('INVITE');
    const bobSocket = (bob.ws as unknown as { _socket: Socket })._socket;
    let bytes = 0;
    bob.ws.on('message', (data: Buffer) => {
      bytes += data.length;
    });
    bobSocket.pause();

    // 32 MiB of trickled candidates for a callee that reads nothing.
    const candidate = { candidate: `candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host ${'x'.repeat(960)}`, sdpMid: '0', sdpMLineIndex: 0 };
    const count = 32 * 1024;
    for (let cseq = 2; cseq < count + 2; cseq += 1) ada.send({ method: 'INFO', cseq, callId, body: { candidate } });
    await ada.request({ method: 'PUBLISH', body: { state: 'online' } }); // every INFO has been handled
    bobSocket.resume();

    expect(await within(bob.closed, 10_000, 'Bob closed')).toEqual({ code: 1008, reason: 'Too slow' });
    // What reached Bob is what was queued for him: the kernel's socket buffers (a few MiB on
    // loopback) and the server's cap, not the 32 MiB sent his way.
    expect(bytes).toBeLessThan(256 * 1024 + 8 * 1024 * 1024);
    await ada.assertQuiet({ allowPresence: true });
  });

  it('counts only the pong that echoes its own ping: unsolicited pongs do not keep a silent socket', async () => {
    const server = await harness.start({ pingIntervalMs: 50 });
    const honest = await harness.register(server.url, 'Honest');
    const silent = await harness.register(server.url, 'Silent', {}, { autoPong: false });
    let silentPings = 0;
    silent.ws.on('ping', () => {
      silentPings += 1;
    });
    const unsolicited = setInterval(() => silent.ws.pong(Buffer.from('alive')), 10);
    try {
      expect((await within(silent.closed, 3_000, 'the silent socket terminated')).code).toBe(1006);
    } finally {
      clearInterval(unsolicited);
    }
    expect(silentPings, 'terminated after two missed pongs').toBeLessThanOrEqual(3);

    let honestPings = 0;
    await new Promise<void>((enough) =>
      honest.ws.on('ping', () => {
        honestPings += 1;
        if (honestPings === 4) enough();
      }),
    );
    expect(honest.ws.readyState).toBe(WebSocket.OPEN);
  });
});

describe('limits per address', () => {
  const harness = useServer();

  it('refuses a socket over the per-address cap with 429 at the handshake; another address still connects', async () => {
    const server = await harness.start({ maxSocketsPerAddress: 3 });
    const clients: TestClient[] = [];
    for (const name of ['A1', 'A2', 'A3']) clients.push(await harness.register(server.url, name));
    expect(await handshake(server.url)).toBe(429);
    expect(await handshake(server.url, SECOND_ADDRESS)).toBe(101);
    await clients[0]!.close();
    await expect.poll(() => handshake(server.url)).toBe(101);
  });

  it('caps unregistered sockets per address; registering one frees its place', async () => {
    const server = await harness.start({ maxUnregisteredPerAddress: 2 });
    const first = await harness.connect(server.url);
    await harness.connect(server.url);
    expect(await handshake(server.url)).toBe(429);
    expect(await handshake(server.url, SECOND_ADDRESS)).toBe(101);
    expect(await first.request({ method: 'REGISTER', body: { name: 'Ada' } })).toMatchObject({ status: 200 });
    expect(await handshake(server.url)).toBe(101);
  });

  it('caps the names one address holds (403 with a reason); a name let go frees its place', async () => {
    const server = await harness.start({ maxNamesPerAddress: 2 });
    const ada = await harness.register(server.url, 'Ada');
    const bob = await harness.register(server.url, 'Bob');
    const third = await harness.connect(server.url);
    expect(await third.request({ method: 'REGISTER', body: { name: 'Cy' } })).toMatchObject({ status: 403, reason: 'Too many names from your address' });
    expect((await harness.register(server.url, 'Dee', {}, SECOND_ADDRESS)).received[0]).toMatchObject({ status: 200 });

    await ada.close();
    await bob.next((f) => f.method === 'NOTIFY' && f.body.users.some((u: any) => u.name === 'Ada' && u.state === 'offline'));
    expect(await third.request({ method: 'REGISTER', body: { name: 'Cy' } })).toMatchObject({ status: 200 });
  });

  it('throttles registrations per address (503 with when to retry), so register-and-leave churn is bounded', async () => {
    const server = await harness.start({ registrationsPerMinute: 20, registrationBurst: 3 });
    const watcher = await harness.register(server.url, 'Watcher', {}, SECOND_ADDRESS);
    for (const name of ['C1', 'C2', 'C3']) {
      const churn = await harness.register(server.url, name);
      await churn.close();
    }
    const next = await harness.connect(server.url);
    expect(await next.request({ method: 'REGISTER', body: { name: 'C4' } })).toMatchObject({
      status: 503,
      reason: 'Too many registrations from your address: try again in 3 s',
    });
    expect((await harness.register(server.url, 'Other', {}, SECOND_ADDRESS)).received[0]).toMatchObject({ status: 200 });
    expect(watcher.ws.readyState).toBe(WebSocket.OPEN);
  });
});

/** A raw TCP connection to the server that says nothing; resolves once it is connected. */
function silentConnection(url: string, localAddress?: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connectTcp({ host: hostname, port: Number(port), localAddress }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Settles when the server closes `socket`: the bytes it sent first, if any (none for a plain close). */
function closedByServer(socket: Socket): Promise<string> {
  const heard: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => heard.push(chunk));
  socket.on('error', () => undefined);
  return new Promise((resolve) => socket.once('close', () => resolve(Buffer.concat(heard).toString())));
}

describe('connections that never speak', () => {
  const harness = useServer();
  /** What one address may hold besides its sockets: pages and voicemail over HTTP. */
  const HTTP_ROOM = 32;

  it('holds no more TCP connections from one address than its sockets and pages need; another address still connects', async () => {
    const server = await harness.start({ maxSocketsPerAddress: 2 });
    const held = await Promise.all(Array.from({ length: 2 + HTTP_ROOM }, () => silentConnection(server.url)));
    const refused = await silentConnection(server.url);
    expect(await within(closedByServer(refused), 5_000, 'the connection over the cap')).toBe('');
    expect(await handshake(server.url), 'a socket from the same address').toBe(0);
    expect(await handshake(server.url, SECOND_ADDRESS)).toBe(101);
    held.pop()?.destroy();
    await expect.poll(() => handshake(server.url), { timeout: 5_000 }).toBe(101);
    for (const socket of held) socket.destroy();
  });

  it('closes a connection that sends no request within idleConnectionMs; a registered socket stays, however quiet', async () => {
    const server = await harness.start({ idleConnectionMs: 300 });
    const quiet = await harness.register(server.url, 'Quiet');
    const silent = await silentConnection(server.url);
    const halfRequest = await silentConnection(server.url);
    halfRequest.write('GET / HTTP/1.1\r\nHost: x\r\n');
    await within(Promise.all([closedByServer(silent), closedByServer(halfRequest)]), 5_000, 'the idle connections');
    expect(quiet.ws.readyState).toBe(WebSocket.OPEN);
    expect((await quiet.request({ method: 'PUBLISH', body: { state: 'online' } })).status).toBe(200);
  });
});

describe('passcode hold-off', () => {
  const harness = useServer();
  afterEach(() => {
    vi.useRealTimers();
  });
  const attempt = (client: TestClient, passcode: string) => client.request({ method: 'REGISTER', body: { name: 'Ada', passcode } });

  it('checks exactly five wrong passcodes, holds the sixth attempt unchecked, and holds no other address', async () => {
    const server = await harness.start({ passcode: 'right' });
    const guesser = await harness.connect(server.url);
    for (let guess = 1; guess <= 5; guess += 1) {
      expect(await attempt(guesser, `wrong${guess}`)).toMatchObject({ status: 401, reason: 'Wrong passcode' });
    }
    expect(await attempt(guesser, 'right')).toMatchObject({ status: 401, reason: 'Too many wrong passcodes: try again in 1 s' });
    const elsewhere = await harness.connect(server.url, undefined, SECOND_ADDRESS);
    expect(await attempt(elsewhere, 'right')).toMatchObject({ status: 200 });
  });

  it('lets an honest user behind the held address in with the right passcode once the hold has passed', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const server = await harness.start({ passcode: 'right' });
    const guesser = await harness.connect(server.url);
    for (let guess = 1; guess <= 5; guess += 1) await attempt(guesser, `wrong${guess}`);
    const honest = await harness.connect(server.url);
    expect(await attempt(honest, 'right')).toMatchObject({ status: 401, reason: 'Too many wrong passcodes: try again in 1 s' });
    vi.setSystemTime(Date.now() + 1_000);
    expect(await attempt(honest, 'right')).toMatchObject({ status: 200 });
  });
});
