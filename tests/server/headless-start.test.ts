/**
 * `npm start` where the Electron binary cannot be had: one line says so, and it hosts the LAN phone
 * system headless over https with the desktop app's kept certificate, prints the browser phone's
 * address and a QR code, and stops cleanly on Ctrl-C.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { get } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import { loadOrCreateIdentity } from '../../node-lib/certificate.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Where Electron puts the app's user data folder (app.setName('LeanPhone')) for this home folder. */
function userDataIn(home: string): string {
  switch (process.platform) {
    case 'darwin':
      return join(home, 'Library', 'Application Support', 'LeanPhone');
    case 'win32':
      return join(home, 'AppData', 'Roaming', 'LeanPhone');
    default:
      return join(home, '.config', 'LeanPhone');
  }
}

interface Fetched {
  status: number;
  body: string;
  fingerprint: string;
}

function fetchInsecure(url: string): Promise<Fetched> {
  return new Promise((resolve, reject) => {
    get(url, { rejectUnauthorized: false }, (response) => {
      const fingerprint = (response.socket as TLSSocket).getPeerCertificate().fingerprint256;
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body, fingerprint }));
    }).on('error', reject);
  });
}

describe('npm start without the Electron binary', () => {
  it('hosts the LAN phone system headless with the app certificate, prints its address and a QR code, and exits 0 on Ctrl-C', async () => {
    const home = await mkdtemp(join(tmpdir(), 'leanphone-headless-'));
    const noElectron = await mkdtemp(join(tmpdir(), 'leanphone-no-electron-'));
    // The certificate the desktop app made when it hosted before (main/index.ts keeps it in <userData>/tls).
    const tlsDir = join(userDataIn(home), 'tls');
    await mkdir(tlsDir, { recursive: true });
    const appIdentity = await loadOrCreateIdentity(tlsDir, []);

    // What `npm start` runs. (npm itself, under a dash /bin/sh, reports Ctrl-C as its own exit status.)
    const child = spawn(process.execPath, ['scripts/start.mjs', '--port', '0', '--host', '127.0.0.1'], {
      cwd: root,
      detached: true, // its own process group, so the test can press Ctrl-C on all of it
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        HOME: home,
        USERPROFILE: home,
        XDG_CONFIG_HOME: join(home, '.config'),
        APPDATA: join(home, 'AppData', 'Roaming'),
        ELECTRON_OVERRIDE_DIST_PATH: noElectron, // Electron's own switch: the binary is looked for in an empty folder
        LEANPHONE_MDNS: 'off',
      },
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const exited = once(child, 'exit');
    const printed = (test: () => boolean): Promise<void> =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          if (!test()) return;
          child.stdout.off('data', check);
          resolve();
        };
        child.stdout.on('data', check);
        void exited.then(([code]) => reject(new Error(`scripts/start.mjs exited with ${code} before printing it:\n${output}`)));
        check();
      });

    try {
      await printed(() => /certificate SHA-256: [0-9A-F:]+/.test(output));
      const address = /browser phone: (https:\/\/127\.0\.0\.1:\d+\/)/.exec(output)?.[1];
      expect(address).toBeDefined();
      const fingerprint = /certificate SHA-256: ([0-9A-F:]+)/.exec(output)![1];
      expect(fingerprint).toBe(appIdentity.fingerprint);

      const qr = await QRCode.toString(address!, { type: 'terminal', small: true });
      await printed(() => output.includes(qr));

      const health = await fetchInsecure(`${address}healthz`);
      expect(health.status).toBe(200);
      expect(JSON.parse(health.body)).toMatchObject({ users: 0, calls: 0 });
      expect(health.fingerprint).toBe(fingerprint);
      const page = await fetchInsecure(address!);
      expect(page.status).toBe(200);
      expect(page.body).toContain('<title>LeanPhone</title>');

      const aboutElectron = output.split('\n').filter((line) => /electron/i.test(line));
      expect(aboutElectron).toHaveLength(1);
      expect(aboutElectron[0]).toMatch(/no Electron binary.*node node_modules\/electron\/install\.js.*without a window/);
    } finally {
      if (child.exitCode === null) process.kill(-child.pid!, 'SIGINT');
    }
    const [code] = await exited;
    expect(output).toContain('SIGINT: shutting down');
    expect(code).toBe(0);
  }, 180_000);
});
