import { mkdtemp, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { TestClient } from './client.js';
import { useServer } from './harness.js';

const httpBase = (url: string) => url.replace('ws:', 'http:').replace('/signal', '');

describe('HTTP on the signalling port', () => {
  const harness = useServer();

  it('answers /healthz with users, calls and uptime', async () => {
    const server = await harness.start();
    await harness.register(server.url, 'Ada');
    const response = await fetch(`${httpBase(server.url)}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ users: 1, calls: 0, uptimeSeconds: expect.any(Number) });
  });

  it('serves the browser phone at / with a strict CSP, and nothing outside its folder', async () => {
    const root = await mkdtemp(join(tmpdir(), 'leanphone-static-'));
    await mkdir(join(root, 'assets'));
    await writeFile(join(root, 'index.html'), '<!doctype html><title>LeanPhone</title>');
    await writeFile(join(root, 'assets', 'app.js'), 'console.log(1)');
    await writeFile(join(tmpdir(), 'leanphone-secret.txt'), 'secret');
    const server = await harness.start({ staticDir: root });
    const base = httpBase(server.url);

    const index = await fetch(`${base}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(index.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await index.text()).toContain('<title>LeanPhone</title>');
    expect((await fetch(`${base}/assets/app.js`)).headers.get('content-type')).toBe('text/javascript; charset=utf-8');

    for (const path of ['/../leanphone-secret.txt', '/%2e%2e/leanphone-secret.txt', '/assets/%2e%2e%2f..%2fleanphone-secret.txt', '/%00', '/missing.js']) {
      expect((await fetch(`${base}${path}`)).status, path).toBe(404);
    }
    expect((await fetch(`${base}/`, { method: 'POST' })).status).toBe(405);
  });

  it('answers 404 at / when no browser build is configured', async () => {
    const server = await harness.start({ staticDir: null });
    expect((await fetch(`${httpBase(server.url)}/`)).status).toBe(404);
  });
});

describe('server lifetime', () => {
  const harness = useServer();

  it('keeps several servers in one process apart', async () => {
    const first = await harness.start();
    const second = await harness.start();
    await harness.register(first.url, 'Ada');
    const onSecond = await harness.register(second.url, 'Ada');
    expect(onSecond.received[0]!.body.users).toEqual([]);
    expect(await (await fetch(`${httpBase(second.url)}/healthz`)).json()).toMatchObject({ users: 1 });
  });

  it('close() ends every socket with 1001 and stops listening', async () => {
    const server = await harness.start();
    const ada = await TestClient.register(server.url, 'Ada');
    const idle = await TestClient.connect(server.url);
    await server.close();
    expect((await ada.closed).code).toBe(1001);
    expect((await idle.closed).code).toBe(1001);
    await expect(TestClient.connect(server.url)).rejects.toThrow();
  });

  it('treats a socket that misses two pongs as lost, and ends its registration after the grace period', async () => {
    const server = await harness.start({ pingIntervalMs: 40, graceMs: 50 });
    const ada = await harness.register(server.url, 'Ada');
    const silent = new WebSocket(server.url, ['leanphone.1'], { autoPong: false });
    await new Promise((resolve) => silent.once('open', resolve));
    silent.send(JSON.stringify({ method: 'REGISTER', cseq: 1, body: { name: 'Silent' } }));
    const offline = await ada.next((f) => f.method === 'NOTIFY' && f.body.users.some((u: any) => u.name === 'Silent' && u.state === 'offline'));
    expect(offline).toBeTruthy();
    silent.terminate();
  });
});
