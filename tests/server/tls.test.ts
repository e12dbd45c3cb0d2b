import { X509Certificate } from 'node:crypto';
import { get } from 'node:https';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadOrCreateIdentity, readIdentity } from '../../node-lib/certificate.js';
import { useServer } from './harness.js';

describe('TLS identity', () => {
  it('is made on first run, kept private, and the same on the next run', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'leanphone-tls-'));
    const first = await loadOrCreateIdentity(dir, ['192.168.1.20']);
    const again = await loadOrCreateIdentity(dir, ['10.0.0.9']);
    expect(again.fingerprint).toBe(first.fingerprint);
    expect(first.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    const cert = new X509Certificate(first.cert);
    expect(cert.subjectAltName).toContain('IP Address:192.168.1.20');
    expect(cert.subjectAltName).toContain('DNS:localhost');
    expect((await stat(join(dir, 'leanphone-key.pem'))).mode & 0o077).toBe(0);
    expect(await readIdentity(join(dir, 'leanphone-cert.pem'), join(dir, 'leanphone-key.pem'))).toEqual(first);
  });
});

describe('serving TLS', () => {
  const harness = useServer();

  it('serves https and wss with the certificate whose fingerprint it reports', async () => {
    const identity = await loadOrCreateIdentity(await mkdtemp(join(tmpdir(), 'leanphone-tls-')), []);
    const server = await harness.start({ tls: identity });
    expect(server.url).toMatch(/^wss:\/\/127\.0\.0\.1:\d+\/signal$/);
    expect(server.fingerprint).toBe(identity.fingerprint);

    const seen = await new Promise<{ status: number; fingerprint: string }>((resolve, reject) => {
      get(`https://127.0.0.1:${server.port}/healthz`, { ca: identity.cert, servername: 'localhost' }, (response) => {
        const peer = (response.socket as import('node:tls').TLSSocket).getPeerCertificate();
        resolve({ status: response.statusCode ?? 0, fingerprint: peer.fingerprint256 });
        response.resume();
      }).on('error', reject);
    });
    expect(seen).toEqual({ status: 200, fingerprint: identity.fingerprint });

    const ws = new WebSocket(server.url.replace('127.0.0.1', 'localhost'), ['leanphone.1'], { ca: identity.cert });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const reply = new Promise<any>((resolve) => ws.once('message', (data) => resolve(JSON.parse(data.toString()))));
    ws.send(JSON.stringify({ method: 'REGISTER', cseq: 1, body: { name: 'Ada' } }));
    expect(await reply).toMatchObject({ status: 200 });
    ws.close();
  });

  it('refuses a client that does not trust the certificate', async () => {
    const identity = await loadOrCreateIdentity(await mkdtemp(join(tmpdir(), 'leanphone-tls-')), []);
    const server = await harness.start({ tls: identity });
    const ws = new WebSocket(server.url, ['leanphone.1']);
    await expect(new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))).rejects.toThrow(/self-signed|certificate/);
  });
});

describe('passcode guessing', () => {
  const harness = useServer();

  it('holds off an address after repeated wrong passcodes, even for the right one, then lets it in', async () => {
    const server = await harness.start({ passcode: 'right', passcodeLimits: { freeFailures: 2, firstHoldMs: 300 } });
    const client = await harness.connect(server.url);
    const attempt = (passcode: string) => client.request({ method: 'REGISTER', body: { name: 'Ada', passcode } });
    expect(await attempt('wrong1')).toMatchObject({ status: 401, reason: 'Wrong passcode' });
    expect(await attempt('wrong2')).toMatchObject({ status: 401, reason: 'Wrong passcode' });
    expect(await attempt('right')).toMatchObject({ status: 401, reason: 'Too many wrong passcodes: try again in 1 s' });
    await expect.poll(async () => (await attempt('right')).status, { interval: 100 }).toBe(200);
  });
});
