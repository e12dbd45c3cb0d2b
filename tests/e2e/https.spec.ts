/**
 * The browser phone over https with the host's generated certificate: the page is a secure
 * context (so camera and microphone exist), its socket is wss, and a user registers through the UI.
 * A LAN-style name mapped to loopback shows why: the same page over plain http gets no camera.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import WebSocket from 'ws';
import config from '../../playwright.config.js';
import { loadOrCreateIdentity, type TlsIdentity } from '../../node-lib/certificate.js';
import { startSignalServer, type RunningSignalServer } from '../../signal-server/server.js';
import { STATIC_DIR } from './fixtures.js';
import { Phone } from './phone.js';

/**
 * This machine's mDNS name, as joiners on the LAN type it: not loopback to the browser (so http on
 * it is not a secure context), resolved to 127.0.0.1. The server takes its own names as its origin.
 */
const LAN_NAME = `${hostname().toLowerCase().replace(/\.local$/, '')}.local`;
const launch = config.use?.launchOptions ?? {};
test.use({ launchOptions: { ...launch, args: [...(launch.args ?? []), `--host-resolver-rules=MAP ${LAN_NAME} 127.0.0.1`] } });

let dir: string;
let identity: TlsIdentity;
let secure: RunningSignalServer;
test.beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'leanphone-https-'));
  identity = await loadOrCreateIdentity(dir, []);
});
test.afterAll(() => rm(dir, { recursive: true, force: true }));
test.beforeEach(async () => {
  secure = await startSignalServer({ port: 0, host: '127.0.0.1', tls: identity, staticDir: STATIC_DIR });
});
test.afterEach(() => secure.close());

interface Seen {
  /** Requests and sockets to anywhere but `origin`. */
  elsewhere: string[];
  sockets: string[];
  pageErrors: string[];
}

/** A context that trusts the self-signed certificate (as a user clicking through the warning does) and records what the page does. */
async function openContext(browser: Browser, origin: string, seen: Seen): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, permissions: ['camera', 'microphone'] });
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    if (new URL(url).origin === origin) await route.continue();
    else {
      seen.elsewhere.push(url);
      await route.abort('blockedbyclient');
    }
  });
  const page = await context.newPage();
  page.on('websocket', (socket) => seen.sockets.push(socket.url()));
  page.on('pageerror', (error) => seen.pageErrors.push(`${error.name}: ${error.message}`));
  return { context, page };
}

/** A node client that verifies the server against the generated certificate, registered as `name`. */
async function registerTrusting(trusted: TlsIdentity, url: string, name: string): Promise<{ socket: WebSocket; heard: string[] }> {
  const socket = new WebSocket(url, ['leanphone.1'], { ca: trusted.cert });
  const heard: string[] = [];
  socket.on('message', (data: Buffer) => heard.push(data.toString()));
  await new Promise((open, fail) => socket.once('open', open).once('error', fail));
  socket.send(JSON.stringify({ method: 'REGISTER', cseq: 1, body: { name } }));
  await expect.poll(() => heard[0] ?? '', { message: `${name} registers` }).toContain('"status":200');
  return { socket, heard };
}

/** What the page may use: secure context, the media devices API, and a live camera track. */
function mediaAccess(page: Page): Promise<{ secure: boolean; mediaDevices: boolean; camera: string }> {
  return page.evaluate(async () => {
    const mediaDevices = typeof navigator.mediaDevices?.getUserMedia === 'function';
    let camera = 'unavailable';
    if (mediaDevices) {
      const stream = await navigator.mediaDevices.getUserMedia({ video: true });
      camera = stream.getVideoTracks()[0]?.readyState ?? 'no track';
      for (const track of stream.getTracks()) track.stop();
    }
    return { secure: window.isSecureContext, mediaDevices, camera };
  });
}

for (const host of ['127.0.0.1', LAN_NAME]) {
  test(`at https://${host}: a secure context with a camera, and a user registers over wss`, async ({ browser }) => {
    const origin = `https://${host}:${secure.port}`;
    const seen: Seen = { elsewhere: [], sockets: [], pageErrors: [] };
    const { context, page } = await openContext(browser, origin, seen);
    const response = await page.goto(`${origin}/`);
    expect(response?.status()).toBe(200);
    expect((await response?.securityDetails())?.subjectName, 'served with the generated certificate').toMatch(/^LeanPhone on /);
    expect(await mediaAccess(page)).toEqual({ secure: true, mediaDevices: true, camera: 'live' });

    const bob = await registerTrusting(identity, secure.url, 'Bob');
    const ada = new Phone(page, 'Ada');
    await ada.connect();
    await expect(ada.entry('Bob')).toBeVisible();
    expect(seen.sockets).toEqual([`wss://${host}:${secure.port}/signal`]);
    await expect.poll(() => bob.heard.some((text) => text.includes('"Ada"')), { message: 'Bob hears that Ada came online' }).toBe(true);

    bob.socket.close();
    await context.close();
    expect(seen.elsewhere, 'requests that left the origin').toEqual([]);
    expect(seen.pageErrors, 'uncaught errors in the page').toEqual([]);
  });
}

test('the same page over plain http on a LAN name gets no camera: the reason for https', async ({ browser }) => {
  const plain = await startSignalServer({ port: 0, host: '127.0.0.1', staticDir: STATIC_DIR });
  try {
    const origin = `http://${LAN_NAME}:${plain.port}`;
    const seen: Seen = { elsewhere: [], sockets: [], pageErrors: [] };
    const { context, page } = await openContext(browser, origin, seen);
    await page.goto(`${origin}/`);
    expect(await mediaAccess(page)).toEqual({ secure: false, mediaDevices: false, camera: 'unavailable' });
    await context.close();
  } finally {
    await plain.close();
  }
});
