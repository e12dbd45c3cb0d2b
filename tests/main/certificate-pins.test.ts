import { createHash } from 'node:crypto';
import { createServer as createTcpServer } from 'node:net';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CertificatePins, fetchFingerprint, normalizeFingerprint, PinError, PINS_FILE } from '../../main/certificate-pins.js';
import { loadOrCreateIdentity, type TlsIdentity } from '../../node-lib/certificate.js';
import { startSignalServer, type RunningSignalServer } from '../../signal-server/server.js';

let dir: string;
let first: TlsIdentity;
let second: TlsIdentity;
const warnings: string[] = [];
const servers: RunningSignalServer[] = [];

beforeAll(async () => {
  const made = await mkdtemp(join(tmpdir(), 'leanphone-pin-ids-'));
  [first, second] = await Promise.all([loadOrCreateIdentity(join(made, 'one'), []), loadOrCreateIdentity(join(made, 'two'), [])]);
  await rm(made, { recursive: true, force: true });
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'leanphone-pins-'));
  warnings.length = 0;
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
  await rm(dir, { recursive: true, force: true });
});

const open = () => CertificatePins.open(dir, { now: () => new Date('2026-01-02T03:04:05.678Z'), warn: (m) => warnings.push(m) });
/** The real signalling server with TLS on 127.0.0.1 (on `port`, or a free one). */
async function serveTls(identity: TlsIdentity, port = 0): Promise<RunningSignalServer> {
  const server = await startSignalServer({ port, host: '127.0.0.1', tls: identity });
  servers.push(server);
  return server;
}
const pinFile = async () => JSON.parse(await readFile(join(dir, PINS_FILE), 'utf8')) as unknown;

describe('pinning against real TLS servers', () => {
  it('pins on first connect, trusts the same certificate after a restart, and refuses a new one with a warning naming both', async () => {
    expect(first.fingerprint).not.toBe(second.fingerprint);
    const host = await serveTls(first);
    const seen = await fetchFingerprint('127.0.0.1', host.port);
    expect(seen).toBe(first.fingerprint);

    const pins = await open();
    expect(await pins.check('127.0.0.1', host.port, seen)).toEqual({ kind: 'pin-now', fingerprint: first.fingerprint, because: 'first-connect' });
    expect(await pinFile()).toEqual({ version: 1, pins: { [`127.0.0.1:${host.port}`]: first.fingerprint } });
    expect((await open()).pinned('127.0.0.1', host.port), 'the pin survives a restart of the app').toBe(first.fingerprint);
    expect(await (await open()).check('127.0.0.1', host.port, await fetchFingerprint('127.0.0.1', host.port))).toEqual({
      kind: 'trusted',
      fingerprint: first.fingerprint,
    });

    // The same address and port now answer with another certificate.
    const port = host.port;
    await host.close();
    const impostor = await serveTls(second, port);
    const presented = await fetchFingerprint('127.0.0.1', impostor.port);
    expect(presented).toBe(second.fingerprint);
    const verdict = await pins.check('127.0.0.1', port, presented);
    expect(verdict).toMatchObject({ kind: 'mismatch', expected: first.fingerprint, presented: second.fingerprint, against: 'pin' });
    if (verdict.kind !== 'mismatch') throw new Error('unreachable');
    expect(verdict.warning).toContain(`127.0.0.1:${port}`);
    expect(verdict.warning).toContain(first.fingerprint);
    expect(verdict.warning).toContain(second.fingerprint);
    expect(verdict.warning).toMatch(/did not connect/);
    expect(await pinFile(), 'a refusal changes no pin').toEqual({ version: 1, pins: { [`127.0.0.1:${port}`]: first.fingerprint } });
    expect((await pins.check('127.0.0.1', port, presented, presented)).kind, 'discovery cannot overrule a pin').toBe('mismatch');

    await pins.forget('127.0.0.1', port);
    expect((await pins.check('127.0.0.1', port, presented)).kind, 'after the user confirmed the new one').toBe('pin-now');
  });

  it('pins what discovery advertised when the server presents it, and refuses a server that presents something else', async () => {
    const honest = await serveTls(first);
    const pins = await open();
    expect(await pins.check('127.0.0.1', honest.port, await fetchFingerprint('127.0.0.1', honest.port), first.fingerprint)).toEqual({
      kind: 'pin-now',
      fingerprint: first.fingerprint,
      because: 'discovery',
    });

    const other = await serveTls(second);
    const verdict = await pins.check('127.0.0.1', other.port, await fetchFingerprint('127.0.0.1', other.port), first.fingerprint);
    expect(verdict).toMatchObject({ kind: 'mismatch', against: 'discovery', expected: first.fingerprint, presented: second.fingerprint });
    expect(pins.pinned('127.0.0.1', other.port)).toBeNull();
  });
});

describe('fetchFingerprint', () => {
  it('fails with a clear error where nothing listens and where the server does not speak TLS', async () => {
    const unused = await serveTls(first);
    const port = unused.port;
    await unused.close();
    await expect(fetchFingerprint('127.0.0.1', port)).rejects.toThrow(new RegExp(`Could not read the certificate of 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));

    const plain = createTcpServer((socket) => socket.resume().end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    await new Promise<void>((done) => plain.listen(0, '127.0.0.1', done));
    try {
      const plainPort = (plain.address() as { port: number }).port;
      await expect(fetchFingerprint('127.0.0.1', plainPort)).rejects.toThrow(/Could not read the certificate of 127\.0\.0\.1:\d+: /);
    } finally {
      await new Promise((done) => plain.close(done));
    }
  });
});

describe('bad input', () => {
  it('is refused with a clear error and changes nothing', async () => {
    const pins = await open();
    await pins.check('10.0.0.5', 8443, first.fingerprint);
    const before = await readFile(join(dir, PINS_FILE), 'utf8');
    await expect(pins.check('10.0.0.5', 8444, 'not-a-fingerprint')).rejects.toThrow(/Not a SHA-256 certificate fingerprint/);
    await expect(pins.check('10.0.0.5', 8444, first.fingerprint, 'AB:CD')).rejects.toThrow(PinError);
    await expect(pins.check('10.0.0.5', 70_000, first.fingerprint)).rejects.toThrow(/Not a port/);
    await expect(pins.check('evil host/../x', 8443, first.fingerprint)).rejects.toThrow(/Not a host name/);
    expect(await readFile(join(dir, PINS_FILE), 'utf8')).toBe(before);
  });

  it('a pins file with host-only keys (no port) drops those pins with a warning and keeps the rest', async () => {
    await writeFile(
      join(dir, PINS_FILE),
      JSON.stringify({ version: 1, pins: { '10.0.0.5': first.fingerprint, 'phone.lan': second.fingerprint, '10.0.0.6:8443': first.fingerprint } }),
    );
    const pins = await open();
    expect(pins.pinned('10.0.0.6', 8443)).toBe(first.fingerprint);
    expect(pins.pinned('10.0.0.5', 443)).toBeNull();
    expect(warnings).toEqual([expect.stringMatching(/dropped 2 pins without a port \(10\.0\.0\.5, phone\.lan\)/)]);
    expect(await pinFile()).toEqual({ version: 1, pins: { '10.0.0.6:8443': first.fingerprint } });
    // A first connect to such a host pins afresh, as for any new server.
    expect((await pins.check('10.0.0.5', 443, second.fingerprint)).kind).toBe('pin-now');
  });

  it('a corrupt pin file is kept aside with a warning, not trusted', async () => {
    await writeFile(join(dir, PINS_FILE), '{"version":1,"pins":{"10.0.0.5:8443":"nope"}}');
    const pins = await open();
    expect(pins.pinned('10.0.0.5', 8443)).toBeNull();
    expect(warnings).toEqual([expect.stringContaining('was not valid')]);
    expect(await readdir(dir)).toEqual(['pins.corrupt-2026-01-02T03-04-05-678Z.json']);
  });
});

describe('fingerprint forms', () => {
  it("accepts node's colon hex in any case and Electron's sha256/base64, naming the same certificate", () => {
    const der = Buffer.from(first.cert.replace(/-----[^-]+-----/g, '').replace(/\s/g, ''), 'base64');
    const electronForm = `sha256/${createHash('sha256').update(der).digest('base64')}`;
    expect(normalizeFingerprint(electronForm)).toBe(first.fingerprint);
    expect(normalizeFingerprint(first.fingerprint.toLowerCase())).toBe(first.fingerprint);
  });

  it('keys hosts case-insensitively and IPv6 in brackets', async () => {
    const pins = await open();
    await pins.check('Host.Local', 8443, first.fingerprint);
    expect(pins.pinned('host.local', 8443)).toBe(first.fingerprint);
    await pins.check('[FE80::1]', 8443, first.fingerprint);
    expect(pins.pinned('fe80::1', 8443)).toBe(first.fingerprint);
    expect(await pinFile()).toEqual({ version: 1, pins: { 'host.local:8443': first.fingerprint, '[fe80::1]:8443': first.fingerprint } });
  });
});
