import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CertificatePins } from '../../main/certificate-pins.js';
import { ACCEPT, REJECT, ServerTrust, USE_CHROMIUM_VERDICT } from '../../main/server-trust.js';
import { loadOrCreateIdentity, type TlsIdentity } from '../../node-lib/certificate.js';
import { startSignalServer, type RunningSignalServer } from '../../signal-server/server.js';

const servers: RunningSignalServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

const identity = async (): Promise<TlsIdentity> => loadOrCreateIdentity(await mkdtemp(join(tmpdir(), 'leanphone-trust-')), []);

async function serve(tls: TlsIdentity, port = 0): Promise<RunningSignalServer> {
  const server = await startSignalServer({ port, host: '127.0.0.1', tls });
  servers.push(server);
  return server;
}

async function trust(options: { own?: string | null; discovered?: string | null } = {}) {
  const pins = await CertificatePins.open(await mkdtemp(join(tmpdir(), 'leanphone-pins-')));
  return new ServerTrust({ pins, discovered: () => options.discovered ?? null, ownFingerprint: () => options.own ?? null });
}

describe('which servers the window may reach over TLS', () => {
  it('pins a server on first connect, then accepts exactly that certificate for its host', async () => {
    const first = await identity();
    const server = await serve(first);
    const serverTrust = await trust();
    expect(serverTrust.verify('127.0.0.1', first.cert)).toBe(USE_CHROMIUM_VERDICT);
    expect(await serverTrust.approve(server.url)).toEqual({ ok: true });
    expect(serverTrust.verify('127.0.0.1', first.cert)).toBe(ACCEPT);
    expect(serverTrust.verify('localhost', first.cert)).toBe(USE_CHROMIUM_VERDICT);
    expect(serverTrust.verify('127.0.0.1', (await identity()).cert)).toBe(REJECT);
  });

  it('refuses with a warning naming both fingerprints when the certificate changes, and accepts nothing new', async () => {
    const [first, second] = [await identity(), await identity()];
    const original = await serve(first);
    const serverTrust = await trust();
    expect(await serverTrust.approve(original.url)).toEqual({ ok: true });
    await original.close();
    const impostor = await serve(second, original.port);
    const result = await serverTrust.approve(impostor.url);
    expect(result.ok).toBe(false);
    const warning = result.ok ? '' : result.warning;
    expect(warning).toContain(first.fingerprint);
    expect(warning).toContain(second.fingerprint);
    expect(warning).toContain('did not connect');
    expect(serverTrust.verify('127.0.0.1', second.cert)).toBe(REJECT);
  });

  it('compares a certificate Chromium already trusts with the pin too: only the pinned one passes', async () => {
    const [pinned, other] = [await identity(), await identity()];
    const server = await serve(pinned);
    const serverTrust = await trust();
    expect(await serverTrust.approve(server.url)).toEqual({ ok: true });
    // Say a CA the system trusts signed `other` for this host: Chromium's verdict plays no part.
    expect(serverTrust.verify('127.0.0.1', other.cert)).toBe(REJECT);
    expect(serverTrust.verify('127.0.0.1', pinned.cert)).toBe(ACCEPT);
    expect(serverTrust.verify('127.0.0.1', 'not a certificate')).toBe(REJECT);
  });

  it('approves per host:port: a certificate pinned for another port of the host is not accepted', async () => {
    const [first, second] = [await identity(), await identity()];
    const one = await serve(first);
    const two = await serve(second);
    const serverTrust = await trust();
    expect(await serverTrust.approve(one.url)).toEqual({ ok: true });
    expect(await serverTrust.approve(two.url)).toEqual({ ok: true });
    // The window now reaches 127.0.0.1:<two.port>; the certificate of the other port is no pass there.
    expect(serverTrust.verify('127.0.0.1', first.cert)).toBe(REJECT);
    expect(serverTrust.verify('127.0.0.1', second.cert)).toBe(ACCEPT);
    // Back to the first: its own pin still holds, and only it passes.
    expect(await serverTrust.approve(one.url)).toEqual({ ok: true });
    expect(serverTrust.verify('127.0.0.1', first.cert)).toBe(ACCEPT);
    expect(serverTrust.verify('127.0.0.1', second.cert)).toBe(REJECT);
  });

  it('refuses a server whose certificate is not the one discovery advertised', async () => {
    const [advertised, presented] = [await identity(), await identity()];
    const server = await serve(presented);
    const serverTrust = await trust({ discovered: advertised.fingerprint });
    const result = await serverTrust.approve(server.url);
    expect(result).toMatchObject({ ok: false, warning: expect.stringContaining('Discovery on the network advertised') });
  });

  it("trusts this machine's own hosted server without pinning it", async () => {
    const own = await identity();
    const server = await serve(own);
    const serverTrust = await trust({ own: own.fingerprint });
    expect(await serverTrust.approve(server.url)).toEqual({ ok: true });
    expect(serverTrust.verify('127.0.0.1', own.cert)).toBe(ACCEPT);
  });

  it('leaves hosts never approved, plain ws:// and bad addresses to the usual rules', async () => {
    const serverTrust = await trust();
    expect(serverTrust.verify('example.org', 'not a certificate')).toBe(USE_CHROMIUM_VERDICT);
    expect(await serverTrust.approve('ws://192.168.1.9:8080/signal')).toEqual({ ok: true });
    expect(await serverTrust.approve('http://192.168.1.9/')).toEqual({ ok: false, warning: 'A server address starts with ws:// or wss://' });
    expect(await serverTrust.approve('wss://127.0.0.1:1/signal')).toMatchObject({ ok: false, warning: expect.stringContaining('Could not read the certificate') });
  });
});
