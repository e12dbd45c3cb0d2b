/**
 * main/index.ts and main/electron-adapter.ts run for real against a recording 'electron'
 * module: the hardened window, the session's CSP, guard and permission handlers, the app://
 * files, IPC, tray, notifications, close-to-tray, second instance and a clean quit.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { fakeEvent } from './fake-electron.js';

const fake = await vi.hoisted(async () => {
  const { createFakeElectron } = await import('./fake-electron.js');
  const { mkdtempSync: mk } = await import('node:fs');
  const { tmpdir: tmp } = await import('node:os');
  const { join: j } = await import('node:path');
  const dir = mk(j(tmp(), 'leanphone-wiring-'));
  return { ...createFakeElectron(() => dir), dir };
});
vi.mock('electron', () => fake.module);

type Win = InstanceType<typeof fake.FakeBrowserWindow>;
let win: Win;
const trusted = () => ({ sender: win.webContents, senderFrame: { url: 'app://leanphone/index.html', parent: null } });
const invoke = (channel: string, payload: unknown, event: unknown = trusted()) => {
  const handler = fake.ipc.handlers.get(channel) as ((event: unknown, payload: unknown) => Promise<unknown>) | undefined;
  if (!handler) throw new Error(`no handler for ${channel}`);
  return handler(event as never, payload);
};
const send = (channel: string, payload: unknown) =>
  (fake.ipc.listeners.get(channel) as (event: unknown, payload: unknown) => void)(trusted(), payload);

beforeAll(async () => {
  process.env.LEANPHONE_TEST = '1';
  // This test runs on a shared network: no multicast DNS (real discovery runs in tests/netns).
  process.env.LEANPHONE_MDNS = 'off';
  process.env.LEANPHONE_USER_DATA = fake.dir;
  delete process.env.VITE_DEV_SERVER_URL;
  await import('../../main/index.js');
  await vi.waitFor(() => {
    if (fake.FakeTray.all.length === 0) throw new Error('tray not drawn yet');
  });
  const first = fake.FakeBrowserWindow.all[0];
  if (!first) throw new Error('no window');
  win = first;
});
afterAll(async () => {
  delete process.env.LEANPHONE_TEST;
  delete process.env.LEANPHONE_MDNS;
  delete process.env.LEANPHONE_USER_DATA;
  await rm(fake.dir, { recursive: true, force: true });
});

describe('the window', () => {
  it('is sandboxed and isolated, loads the app origin and shows once ready', () => {
    expect(win.options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
      allowRunningInsecureContent: false,
    });
    expect(String(win.options.webPreferences.preload)).toMatch(/preload\.cjs$/);
    expect(win.url).toBe('app://leanphone/index.html');
    expect(win.visible).toBe(true);
    expect(fake.app.name).toBe('LeanPhone');
    expect(fake.app.paths.get('userData')).toBe(fake.dir);
    expect(fake.schemes).toEqual([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
  });

  it('blocks navigation, new windows and webviews', () => {
    const navigate = fakeEvent();
    win.webContents.emit('will-navigate', navigate, 'https://evil.example/');
    expect(navigate.prevented).toBe(true);
    expect(win.webContents.openHandler?.({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    const webview = fakeEvent();
    win.webContents.emit('will-attach-webview', webview);
    expect(webview.prevented).toBe(true);
  });

  it('hides to the tray when closed', () => {
    win.close();
    expect(win.destroyed).toBe(false);
    expect(win.visible).toBe(false);
    win.show();
  });

  it('a second launch brings the running window forward', () => {
    win.calls.length = 0;
    fake.app.emit('second-instance');
    expect(win.calls).toEqual(['show', 'focus']);
  });
});

describe('the session', () => {
  it('puts the CSP on every response', () => {
    let headers: Record<string, string[]> = {};
    fake.handlers.headersReceived?.({ responseHeaders: { 'Content-Type': ['text/html'] } }, (r) => (headers = r.responseHeaders));
    expect(headers['Content-Type']).toEqual(['text/html']);
    expect(headers['Content-Security-Policy']?.[0]).toContain("script-src 'self'");
  });

  it('lets requests reach only the app and the configured server', async () => {
    const cancelled = (url: string) => {
      let cancel = true;
      fake.handlers.beforeRequest?.({ url, resourceType: 'webSocket' }, (r) => (cancel = r.cancel));
      return cancel;
    };
    expect(cancelled('app://leanphone/assets/index.js')).toBe(false);
    expect(cancelled('ws://10.1.2.3:8080/signal')).toBe(true);
    await invoke('settings:update', { serverUrl: 'ws://10.1.2.3:8080/signal' });
    expect(cancelled('ws://10.1.2.3:8080/signal')).toBe(false);
    expect(cancelled('wss://evil.example/signal')).toBe(true);
  });

  it("lets the page fetch from the configured server's http origin (voicemail), named in the CSP it gets from now on", async () => {
    await invoke('settings:update', { serverUrl: 'ws://10.1.2.4:8080/signal' });
    let headers: Record<string, string[]> = {};
    fake.handlers.headersReceived?.({ responseHeaders: {} }, (r) => (headers = r.responseHeaders));
    const connect = headers['Content-Security-Policy']?.[0]?.split('; ').find((d) => d.startsWith('connect-src '));
    expect(connect).toBe("connect-src 'self' ws: wss: http://10.1.2.4:8080");
    await invoke('settings:update', { serverUrl: 'ws://10.1.2.3:8080/signal' });
  });

  it('grants media and notifications to the app page only', () => {
    const ask = (permission: string, details: Record<string, unknown>) => {
      let granted: boolean | null = null;
      fake.handlers.permissionRequest?.(win.webContents, permission, (g) => (granted = g), details);
      return granted;
    };
    const own = { requestingUrl: 'app://leanphone/index.html', isMainFrame: true };
    expect(ask('media', { ...own, mediaTypes: ['audio', 'video'] })).toBe(true);
    expect(ask('notifications', own)).toBe(true);
    expect(ask('geolocation', own)).toBe(false);
    expect(ask('media', { requestingUrl: 'https://evil.example/', isMainFrame: true, mediaTypes: ['video'] })).toBe(false);
    expect(fake.handlers.permissionCheck?.(win.webContents, 'media', 'app://leanphone', { isMainFrame: true, mediaType: 'audio' })).toBe(true);
    expect(fake.handlers.permissionCheck?.(win.webContents, 'clipboard-read', 'app://leanphone', { isMainFrame: true })).toBe(false);
    expect(fake.handlers.device?.()).toBe(false);
  });

  it("checks every certificate of an approved wss server against its pin, even one Chromium trusts", async () => {
    const { loadOrCreateIdentity } = await import('../../node-lib/certificate.js');
    const { startSignalServer } = await import('../../signal-server/server.js');
    const made = await mkdtemp(join(tmpdir(), 'leanphone-wiring-tls-'));
    const [pinned, other] = await Promise.all([loadOrCreateIdentity(join(made, 'one'), []), loadOrCreateIdentity(join(made, 'two'), [])]);
    const server = await startSignalServer({ port: 0, host: '127.0.0.1', tls: pinned });
    try {
      const verdict = (cert: string, verificationResult: string) => {
        let answer: number | null = null;
        fake.handlers.certificateVerify?.({ hostname: '127.0.0.1', certificate: { data: cert }, verificationResult }, (v) => (answer = v));
        return answer;
      };
      expect(await invoke('server:trust', server.url)).toEqual({ ok: true });
      expect(verdict(pinned.cert, 'net::ERR_CERT_AUTHORITY_INVALID')).toBe(0);
      expect(verdict(other.cert, 'net::OK')).toBe(-2);
      expect(verdict(other.cert, 'net::ERR_CERT_AUTHORITY_INVALID')).toBe(-2);
    } finally {
      await server.close();
      await rm(made, { recursive: true, force: true });
    }
  });

  it('serves app:// from the renderer build with the CSP, and nothing outside it', async () => {
    const { serveRendererBuild } = await import('../../main/electron-adapter.js');
    const dir = await mkdtemp(join(tmpdir(), 'leanphone-build-'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>LeanPhone</title>');
    serveRendererBuild(fake.module.session.defaultSession as never, dir, () => "default-src 'none'");
    const handle = fake.handlers.protocol.get('app');
    if (!handle) throw new Error('app:// not handled');
    const page = await handle({ url: 'app://leanphone/' });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe("default-src 'none'");
    expect(await page.text()).toContain('<title>LeanPhone</title>');
    expect((await handle({ url: 'app://leanphone/missing.js' })).status).toBe(404);
    expect((await handle({ url: 'app://elsewhere/index.html' })).status).toBe(404);
    await rm(dir, { recursive: true, force: true });
  });
});

describe('IPC, tray and notifications', () => {
  it('answers the app window and refuses a sub-frame', async () => {
    expect(await invoke('settings:get', null)).toMatchObject({ serverUrl: 'ws://10.1.2.3:8080/signal' });
    const subFrame = { sender: win.webContents, senderFrame: { url: 'app://leanphone/index.html', parent: {} } };
    await expect(invoke('settings:get', null, subFrame)).rejects.toThrow('refused');
  });

  it("keeps the passcode sealed by the system's key store in the settings file, and gives it back to the window", async () => {
    await invoke('settings:update', { passcode: 'tulip-7731' });
    const file = await readFile(join(fake.dir, 'settings.json'), 'utf8');
    expect(file).not.toContain('tulip-7731');
    expect(JSON.parse(file).passcode).toEqual({ sealed: expect.any(String) });
    expect(await invoke('settings:get', null)).toMatchObject({ passcode: 'tulip-7731' });
    await invoke('settings:update', { passcode: '' });
  });

  it('an incoming call notifies with the caller name and flashes without focusing', () => {
    win.blur();
    win.calls.length = 0;
    send('alert:incoming', { callId: 'call-000000001', from: 'Ada', video: true });
    const note = fake.FakeNotification.all.at(-1);
    expect(note?.options).toMatchObject({ title: 'Incoming video call', body: 'Ada is calling', silent: false });
    expect(note?.shown).toBe(true);
    expect(win.calls).toEqual(['flashFrame:true']);
    note?.emit('click');
    expect(win.calls).toEqual(['flashFrame:true', 'show', 'focus', 'flashFrame:false']);
    expect(win.webContents.sent.at(-1)).toEqual({ channel: 'alert:action', payload: { callId: 'call-000000001', action: 'show' } });
  });

  it('the tray shows the state and its menu works', () => {
    send('status:report', { connection: 'registered', dnd: false, inCall: false, missedCalls: 2, unreadMessages: 0 });
    const tray = fake.FakeTray.all[0];
    expect(tray?.tooltip).toBe('LeanPhone: 2 missed calls');
    expect(fake.app.badge).toBe(2);
    expect(tray?.menu.map((item) => item.label ?? item.type)).toEqual([
      'Show LeanPhone',
      'separator',
      'Do not disturb',
      'Host a LAN phone system',
      'separator',
      'Quit LeanPhone',
    ]);
    tray?.menu.find((item) => item.label === 'Do not disturb')?.click?.();
    expect(win.webContents.sent.at(-1)).toEqual({ channel: 'dnd:change', payload: true });
  });

  it('Quit stops everything and lets the process end', async () => {
    const tray = fake.FakeTray.all[0];
    tray?.menu.find((item) => item.label === 'Quit LeanPhone')?.click?.();
    await vi.waitFor(() => expect(fake.app.quitted).toBe(true));
    expect(tray?.destroyed).toBe(true);
    expect(win.destroyed).toBe(true);
  });
});
