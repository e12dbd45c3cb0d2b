import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { iceServer, parseCli } from '../../signal-server/cli-options.js';
import { startSignalServer } from '../../signal-server/server.js';
import { exited } from '../support/exited.js';
import { TestClient } from './client.js';

describe('serve options', () => {
  it('reads every option', () => {
    const command = parseCli([
      '--port', '9000', '--host', '127.0.0.1', '--passcode', 'pw', '--grace-seconds', '5',
      '--ring-timeout-seconds', '30', '--max-clients', '50', '--ice-server', 'stun:stun.lan:3478',
      '--ice-server', 'turn:alice:s3cret@turn.lan:3478?transport=udp', '--log-level', 'warn',
    ]);
    expect(command).toEqual({
      kind: 'serve',
      logLevel: 'warn',
      tls: { kind: 'none' },
      mdns: false, // a loopback host is not advertised
      qr: false,
      options: expect.objectContaining({
        port: 9000,
        host: '127.0.0.1',
        passcode: 'pw',
        graceMs: 5000,
        ringTimeoutMs: 30000,
        maxClients: 50,
        iceServers: [
          { urls: 'stun:stun.lan:3478' },
          { urls: 'turn:turn.lan:3478?transport=udp', username: 'alice', credential: 's3cret' },
        ],
      }),
    });
  });

  it('reads --allow-origin (repeatable, normalised) and the per-address limits', () => {
    const command = parseCli([
      '--allow-origin', 'http://localhost:5173/', '--allow-origin', 'HTTPS://Phones.Office.Example:443',
      '--max-sockets-per-address', '200', '--max-unregistered-per-address', '40', '--max-names-per-address', '100',
      '--registrations-per-minute', '120', '--registration-burst', '50',
    ]);
    expect(command).toMatchObject({
      kind: 'serve',
      options: {
        allowedOrigins: ['http://localhost:5173', 'https://phones.office.example'],
        maxSocketsPerAddress: 200,
        maxUnregisteredPerAddress: 40,
        maxNamesPerAddress: 100,
        registrationsPerMinute: 120,
        registrationBurst: 50,
      },
    });
  });

  it('reads --redis and --node-id, and refuses a Redis URL that is not one or a node id with odd characters', () => {
    const command = parseCli(['--redis', 'redis://127.0.0.1:6379', '--node-id', 'site-a.1']);
    expect(command).toMatchObject({ kind: 'serve', options: { redis: 'redis://127.0.0.1:6379', nodeId: 'site-a.1' } });
    expect(parseCli(['--redis', 'http://x'])).toEqual({ kind: 'error', message: '--redis must look like redis://host:6379, not "http://x"' });
    expect(parseCli(['--redis', 'redis://h:1', '--node-id', 'a b'])).toEqual({
      kind: 'error',
      message: '--node-id must be 1 to 64 letters, digits, ".", "_" or "-", not "a b"',
    });
    expect(parseCli(['--node-id', 'a'])).toEqual({ kind: 'error', message: '--node-id goes with --redis' });
  });

  it('reads --public-url, the address a cluster node gives phones, and refuses one that is no ws:// or wss:// address', () => {
    expect(parseCli(['--redis', 'redis://h:1', '--public-url', 'wss://a.example:8443/signal'])).toMatchObject({
      kind: 'serve',
      options: { publicUrl: 'wss://a.example:8443/signal' },
    });
    expect(parseCli(['--redis', 'redis://h:1', '--public-url', 'http://a'])).toEqual({
      kind: 'error',
      message: '--public-url must look like wss://host:port/signal, not "http://a"',
    });
    expect(parseCli(['--public-url', 'ws://a:1/signal'])).toEqual({ kind: 'error', message: '--public-url goes with --redis' });
  });

  it('takes the passcode from LEANPHONE_PASSCODE so it stays out of the process list', () => {
    expect(parseCli([], { LEANPHONE_PASSCODE: 'pw' })).toMatchObject({ options: { passcode: 'pw' } });
  });

  it.each([
    [['--port', 'eighty'], /--port must be a whole number/],
    [['--port', '70000'], /--port must be a whole number from 0 to 65535/],
    [['--grace-seconds', '-1'], /--grace-seconds/],
    [['--ice-server', 'http://x'], /--ice-server must look like/],
    [['--log-level', 'loud'], /--log-level must be one of/],
    [['--bogus'], /Unknown option '--bogus'/],
    [['--passcode', ' '], /--passcode may not be empty/],
    [['--allow-origin', 'https://phones.example/app'], /--allow-origin must look like https:\/\/host:port \(no path\)/],
    [['--allow-origin', 'phones.example'], /--allow-origin must look like/],
    [['--max-names-per-address', '0'], /--max-names-per-address must be a whole number from 1/],
    [['--registrations-per-minute', 'lots'], /--registrations-per-minute must be a whole number/],
  ])('refuses %j with a clear message', (argv, message) => {
    const command = parseCli(argv);
    expect(command.kind).toBe('error');
    expect(command.kind === 'error' && command.message).toMatch(message);
  });

  it('parses TURN credentials out of an ICE URL', () => {
    expect(iceServer('turns:u:p@relay.lan:5349')).toEqual({ urls: 'turns:relay.lan:5349', username: 'u', credential: 'p' });
  });
});

// Each test starts `npm run serve` (npm, then tsx compiling the server): seconds on a busy machine.
describe('npm run serve', { timeout: 60_000 }, () => {
  // The default data folder is under XDG_CONFIG_HOME: a fresh one per run, never the user's own.
  const run = (args: string[]) =>
    spawn(process.execPath, ['--import', 'tsx', 'signal-server/cli.ts', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, XDG_CONFIG_HOME: mkdtempSync(join(tmpdir(), 'leanphone-cli-config-')) },
    });

  it('--forget NAME removes a name and what was kept for it from --data-dir, and exits; 1 when unknown', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'leanphone-cli-forget-'));
    const server = await startSignalServer({ port: 0, host: '127.0.0.1', dataDir });
    const ada = await TestClient.register(server.url, 'Ada');
    const bob = await TestClient.register(server.url, 'Bob');
    await bob.close(1000);
    expect(await ada.request({ method: 'MESSAGE', to: 'Bob', body: { text: 'hello' } })).toMatchObject({ status: 200 });
    await ada.close(1000);
    await server.close();

    const forget = (name: string) => exited(run(['--forget', name, '--data-dir', dataDir]));
    expect(await forget('bob')).toEqual({ code: 0, stdout: 'Forgot Bob: 1 messages and 0 voicemails removed.\n', stderr: '' });
    expect(await forget('Bob')).toMatchObject({ code: 1, stderr: `leanphone serve: Bob is not in the directory in ${dataDir}\n` });

    const again = await startSignalServer({ port: 0, host: '127.0.0.1', dataDir });
    const carol = await TestClient.register(again.url, 'Carol');
    expect(carol.received[0]?.body.users).toEqual([{ name: 'Ada', state: 'offline', lastSeen: expect.any(Number) }]);
    await carol.close(1000);
    await again.close();
  });

  /** Starts the CLI and resolves once it printed its address, with everything printed so far. */
  async function started(args: string[]) {
    const child = run(args);
    let stdout = '';
    const port = await new Promise<string>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`exited with ${code}: ${stdout}`)));
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
        const match = /listening on 127\.0\.0\.1:(\d+)[\s\S]*certificate SHA-256: ([0-9A-F:]+)/.exec(stdout);
        if (match) resolve(match[1]!);
      });
    });
    return { child, port, stdout: () => stdout };
  }

  it('with --tls makes a certificate once, keeps it, and serves https with it', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'leanphone-cli-tls-'));
    const fingerprints: string[] = [];
    for (let run = 0; run < 2; run += 1) {
      const server = await started(['--tls', '--data-dir', dataDir, '--port', '0', '--host', '127.0.0.1']);
      expect(server.stdout()).toContain(`browser phone: https://127.0.0.1:${server.port}/`);
      const printed = /certificate SHA-256: ([0-9A-F:]+)/.exec(server.stdout())![1]!;
      const ca = await readFile(join(dataDir, 'leanphone-cert.pem'), 'utf8');
      const seen = await new Promise<string>((resolve, reject) => {
        get(`https://127.0.0.1:${server.port}/healthz`, { ca }, (response) => {
          resolve((response.socket as import('node:tls').TLSSocket).getPeerCertificate().fingerprint256);
          response.resume();
        }).on('error', reject);
      });
      expect(seen).toBe(printed);
      fingerprints.push(printed);
      server.child.kill('SIGTERM');
      await once(server.child, 'exit');
    }
    expect(fingerprints[1]).toBe(fingerprints[0]);
  });

  it('exits with code 2 and a message on a bad option', async () => {
    const { code, stderr } = await exited(run(['--port', 'nope']));
    expect(code).toBe(2);
    expect(stderr).toContain('--port must be a whole number');
  });

  it('prints its address, serves, and shuts down cleanly on SIGTERM without logging the passcode', async () => {
    const child = run(['--port', '0', '--host', '127.0.0.1', '--passcode', 'hunter2-secret', '--log-level', 'debug']);
    let stdout = '';
    const listening = new Promise<string>((resolve) => {
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
        const match = /listening on 127\.0\.0\.1:(\d+)/.exec(stdout);
        if (match) resolve(match[1]!);
      });
    });
    const port = await listening;
    expect(await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()).toMatchObject({ users: 0 });
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    expect(stdout).toContain('SIGTERM: shutting down');
    expect(stdout).not.toContain('hunter2-secret');
  });
});

describe('TLS and discovery options', () => {
  it('keeps the directory, messages and voicemail in --data-dir, on a thread with --store-thread; --forget takes a valid name', () => {
    expect(parseCli(['--data-dir', '/tmp/lp', '--max-message-bytes', '500', '--voicemails-per-minute', '2'])).toMatchObject({
      kind: 'serve',
      options: { dataDir: '/tmp/lp', storeLimits: { maxMessageBytes: 500 }, voicemailsPerMinute: 2 },
    });
    expect(parseCli(['--data-dir', '/tmp/lp'])).not.toHaveProperty('options.storeOnThread');
    expect(parseCli(['--data-dir', '/tmp/lp', '--store-thread'])).toMatchObject({ kind: 'serve', options: { storeOnThread: true } });
    expect(parseCli(['--store-thread', '--redis', 'redis://127.0.0.1:6379'])).toEqual({
      kind: 'error',
      message: '--store-thread keeps a store in --data-dir, not with --redis',
    });
    expect(parseCli(['--forget', ' Bob ', '--data-dir', '/tmp/lp'])).toEqual({ kind: 'forget', name: 'Bob', dataDir: '/tmp/lp' });
    expect(parseCli(['--forget', 'a\u200bb'])).toEqual({ kind: 'error', message: '--forget: name may not hold invisible characters' });
  });

  it('keeps a made certificate in --data-dir with --tls, or uses --cert and --key', () => {
    expect(parseCli(['--tls', '--data-dir', '/tmp/lp'])).toMatchObject({ tls: { kind: 'kept', dir: '/tmp/lp' } });
    expect(parseCli(['--cert', 'c.pem', '--key', 'k.pem'])).toMatchObject({ tls: { kind: 'files', cert: 'c.pem', key: 'k.pem' } });
    expect(parseCli(['--cert', 'c.pem'])).toEqual({ kind: 'error', message: '--cert and --key go together' });
  });

  it('prints a QR code with --qr only over https, where a phone gets its camera and microphone', () => {
    expect(parseCli(['--tls', '--qr'])).toMatchObject({ kind: 'serve', qr: true });
    expect(parseCli(['--cert', 'c.pem', '--key', 'k.pem', '--qr'])).toMatchObject({ kind: 'serve', qr: true });
    expect(parseCli(['--tls'])).toMatchObject({ kind: 'serve', qr: false });
    expect(parseCli(['--qr'])).toEqual({
      kind: 'error',
      message: '--qr needs --tls (or --cert and --key): browsers give a phone its camera and microphone only over https',
    });
  });

  it('advertises over mDNS unless told not to or listening on loopback only', () => {
    expect(parseCli(['--host', '0.0.0.0'])).toMatchObject({ mdns: true });
    expect(parseCli(['--host', '0.0.0.0', '--no-mdns'])).toMatchObject({ mdns: false });
    expect(parseCli(['--host', '127.0.0.1'])).toMatchObject({ mdns: false });
  });
});

describe('TURN options', () => {
  it('reads --turn-secret, --turn-url and --turn-ttl-seconds, and takes the secret from the environment', () => {
    expect(parseCli(['--turn-secret', 's', '--turn-url', 'turn:127.0.0.1:3478', '--turn-ttl-seconds', '60'])).toMatchObject({
      options: { turn: { secret: 's', urls: ['turn:127.0.0.1:3478'], ttlSeconds: 60 } },
    });
    expect(parseCli(['--turn-url', 'turns:relay.lan:5349'], { LEANPHONE_TURN_SECRET: 'e' })).toMatchObject({
      options: { turn: { secret: 'e', urls: ['turns:relay.lan:5349'] } },
    });
  });

  it('refuses a secret without a relay, a relay without a secret, and a malformed relay', () => {
    expect(parseCli(['--turn-secret', 's'])).toMatchObject({ kind: 'error', message: '--turn-secret and --turn-url go together' });
    expect(parseCli(['--turn-url', 'turn:x:3478'])).toMatchObject({ kind: 'error', message: '--turn-secret and --turn-url go together' });
    expect(parseCli(['--turn-secret', 's', '--turn-url', 'stun:x'])).toMatchObject({ kind: 'error', message: expect.stringMatching(/--turn-url must look like/) });
  });

  it('reads the SIP gateway options, with the password from LEANPHONE_SIP_PASSWORD, and refuses half of them', () => {
    expect(parseCli(['--sip-proxy', 'ws://127.0.0.1:8088', '--sip-domain', 'pbx.example'])).toMatchObject({
      kind: 'serve',
      options: { sip: { proxy: 'ws://127.0.0.1:8088', domain: 'pbx.example' } },
    });
    const withAuth = parseCli(['--sip-proxy', 'wss://pbx.example:8089', '--sip-domain', 'pbx.example', '--sip-auth-user', 'gw'], { LEANPHONE_SIP_PASSWORD: 'pw' });
    expect(withAuth).toMatchObject({ kind: 'serve', options: { sip: { proxy: 'wss://pbx.example:8089', authUser: 'gw', authPassword: 'pw' } } });
    expect(parseCli([])).toMatchObject({ kind: 'serve', options: {} });
    expect((parseCli([]) as { options: object }).options).not.toHaveProperty('sip');
    expect(parseCli(['--sip-proxy', 'ws://h:1'])).toMatchObject({ kind: 'error', message: '--sip-proxy and --sip-domain go together' });
    expect(parseCli(['--sip-proxy', 'http://h:1', '--sip-domain', 'd'])).toMatchObject({ kind: 'error', message: expect.stringMatching(/--sip-proxy must look like/) });
    expect(parseCli(['--sip-proxy', 'ws://h:1', '--sip-domain', 'd', '--sip-auth-user', 'u'])).toMatchObject({ kind: 'error', message: '--sip-auth-user and --sip-auth-password go together' });
  });
});
