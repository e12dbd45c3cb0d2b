import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { HostingService } from '../../main/hosting.js';
import { lanAddresses } from '../../node-lib/addresses.js';
import { hostingOptions, testIdentity, type AnnouncementLog } from './hosting-fixture.js';

const services: HostingService[] = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map((service) => service.close()));
});

let announcements: AnnouncementLog[] = [];

function hosting(): HostingService {
  const options = hostingOptions({ addresses: () => ['192.168.1.20'] });
  const service = new HostingService(options);
  services.push(service);
  announcements = options.announcements;
  return service;
}

/** Opens a real client, registers as `name`, answers the first response. */
async function register(url: string, name: string): Promise<{ status: number; body: unknown }> {
  const socket = new WebSocket(url, 'leanphone.1', { ca: (await testIdentity()).cert });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    const reply = new Promise<{ status: number; body: unknown }>((resolve) =>
      socket.once('message', (data) => resolve(JSON.parse(data.toString()) as { status: number; body: unknown })),
    );
    socket.send(JSON.stringify({ method: 'REGISTER', cseq: 1, body: { name } }));
    return await reply;
  } finally {
    socket.close();
  }
}

async function refused(url: string): Promise<string> {
  const socket = new WebSocket(url, 'leanphone.1', { ca: (await testIdentity()).cert });
  return new Promise((resolve) => {
    socket.once('open', () => {
      socket.close();
      resolve('open');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

describe('hosting a LAN phone system', () => {
  it('keeps its directory in the data folder and forgets a name on request while it runs', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'leanphone-hosting-data-'));
    const service = new HostingService(hostingOptions({ serverOptions: { dataDir } }));
    services.push(service);
    await expect(service.forget('Ada')).rejects.toThrow(/Not hosting/);
    const state = await service.set(true, 0);
    if (!state.running) throw new Error(`not running: ${state.error}`);
    expect(await register(state.url, 'Ada')).toMatchObject({ status: 200 });
    expect(await register(state.url, 'Bob')).toMatchObject({ status: 200, body: { users: [expect.objectContaining({ name: 'Ada' })] } });
    expect(await service.forget('ada')).toEqual({ user: { key: 'ada', name: 'Ada' }, messages: 0, voicemails: 0 });
    expect(await service.forget('Ada')).toBeNull();
  });

  it('starts a real signalling server in this process that a client registers with', async () => {
    const service = hosting();
    const changes: unknown[] = [];
    service.onChange((state) => changes.push(state));
    const state = await service.set(true, 0);
    if (!state.running) throw new Error(`not running: ${state.error}`);
    expect(state.port).toBeGreaterThan(0);
    expect(state.addresses).toEqual(['192.168.1.20']);
    expect(state.url).toBe(`wss://127.0.0.1:${state.port}/signal`);
    expect(state.joinUrls).toEqual([`https://192.168.1.20:${state.port}/`]);
    expect(state.fingerprint).toBe((await testIdentity()).fingerprint);
    expect(state.qrSvg).toMatch(/^<svg role="img" aria-label="QR code: https:\/\/192\.168\.1\.20:\d+\/"/);
    expect(changes).toEqual([state]);
    expect(announcements).toEqual([
      {
        ad: { name: 'LeanPhone on test-host', port: state.port, tls: true, passcode: false, fingerprint: state.fingerprint },
        live: true,
      },
    ]);

    const reply = await register(state.url, 'Ada');
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ name: 'Ada', users: [] });
  });

  it("lets the app's own page (and the dev server's) open the hosted server's socket, and no other site", async () => {
    const service = new HostingService(hostingOptions({ appOrigins: ['app://leanphone', 'http://localhost:5173'] }));
    services.push(service);
    const state = await service.set(true, 0);
    if (!state.running) throw new Error('not running');
    const ca = (await testIdentity()).cert;
    const status = (origin: string) =>
      new Promise<number>((resolve) => {
        const socket = new WebSocket(state.url, 'leanphone.1', { ca, origin });
        socket.once('open', () => {
          socket.close();
          resolve(101);
        });
        socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
        socket.once('error', () => undefined);
      });
    expect(await status('app://leanphone')).toBe(101);
    expect(await status('http://localhost:5173')).toBe(101);
    expect(await status(`https://127.0.0.1:${state.port}`)).toBe(101);
    expect(await status('https://evil.example')).toBe(403);
  });

  it('stops cleanly on toggle: the port is released and the state says so', async () => {
    const service = hosting();
    const state = await service.set(true, 0);
    if (!state.running) throw new Error('not running');
    const stopped = await service.set(false, 0);
    expect(stopped).toEqual({ running: false, error: null });
    expect(announcements.map((entry) => entry.live)).toEqual([false]);
    expect(await refused(state.url)).toBe('ECONNREFUSED');
  });

  it('serialises quick toggles so only one server runs', async () => {
    const service = hosting();
    const [first, , last] = await Promise.all([service.set(true, 0), service.set(false, 0), service.set(true, 0)]);
    if (!first.running || !last.running) throw new Error('not running');
    expect(await refused(first.url)).toBe(first.port === last.port ? 'open' : 'ECONNREFUSED');
    expect((await register(last.url, 'Bo')).status).toBe(200);
  });

  it('reports a port already in use as a clear error and keeps running nothing', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const state = await hosting().set(true, port);
      expect(state).toEqual({ running: false, error: `Port ${port} is already in use on this machine; choose another port.` });
    } finally {
      blocker.close();
    }
  });

  it('closing for quit stops the server', async () => {
    const service = hosting();
    const state = await service.set(true, 0);
    if (!state.running) throw new Error('not running');
    await service.close();
    expect(service.state).toEqual({ running: false, error: null });
    expect(await refused(state.url)).toBe('ECONNREFUSED');
  });
});

describe('LAN addresses', () => {
  it('lists external IPv4 addresses, private ranges first, link-local last', () => {
    const v4 = (address: string, internal = false) =>
      ({ address, family: 'IPv4', internal, netmask: '255.255.255.0', mac: '00:00:00:00:00:00', cidr: null }) as const;
    const table = {
      lo: [v4('127.0.0.1', true)],
      eth0: [v4('169.254.3.4'), v4('192.168.1.20')],
      wlan0: [v4('10.0.0.7'), { ...v4('fe80::1'), family: 'IPv6' as const, scopeid: 1 }],
      tun0: [v4('100.64.1.2'), v4('192.168.1.20')],
    };
    expect(lanAddresses(table)).toEqual(['10.0.0.7', '192.168.1.20', '100.64.1.2', '169.254.3.4']);
  });
});
