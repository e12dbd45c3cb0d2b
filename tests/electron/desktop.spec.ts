/**
 * The desktop app end to end with Playwright's Electron driver: launch, window shows, register,
 * an incoming call from a browser peer raises the notification and the tray state, answer, hang
 * up, and quitting leaves no process and no port behind. Skipped, with the reason printed,
 * where the Electron binary is not installed.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { _electron as electron, expect, test, type ElectronApplication, type Page } from '@playwright/test';
import type { HostingState } from '../../common/bridge.js';
import type { ControllerSnapshot } from '../../main/desktop-controller.js';
import type { NotificationView } from '../../main/notification-policy.js';
import type { TrayCommand } from '../../main/tray-model.js';
import { startSignalServer, type RunningSignalServer } from '../../signal-server/server.js';
import { Phone } from '../e2e/phone.js';

const root = new URL('../../', import.meta.url).pathname;
const require = createRequire(import.meta.url);

function electronBinary(): string | null {
  try {
    const path: unknown = require('electron');
    return typeof path === 'string' && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

const binary = electronBinary();
const missing =
  binary === null
    ? 'Electron binary not installed (node_modules/electron has no dist); install it with `node node_modules/electron/install.js` to run the desktop suite'
    : !existsSync(join(root, 'dist-electron/main.js'))
      ? 'dist-electron/main.js missing; run `npx vite build` first'
      : null;
if (missing !== null) console.log(`tests/electron skipped: ${missing}`);

/** The LEANPHONE_TEST=1 hook that main/index.ts puts on globalThis. */
interface TestHook {
  snapshot(): ControllerSnapshot;
  notifications(): NotificationView[];
  trayCommand(command: TrayCommand): void;
}
const hook = (app: ElectronApplication) => ({
  snapshot: () => app.evaluate(() => (globalThis as unknown as { __leanphoneTest: TestHook }).__leanphoneTest.snapshot()),
  notifications: () => app.evaluate(() => (globalThis as unknown as { __leanphoneTest: TestHook }).__leanphoneTest.notifications()),
  tray: (command: TrayCommand) =>
    app.evaluate((_electron, c) => (globalThis as unknown as { __leanphoneTest: TestHook }).__leanphoneTest.trayCommand(c), command),
});

function portRefuses(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test.describe('LeanPhone desktop', () => {
  test.skip(missing !== null, missing ?? '');

  let server: RunningSignalServer;
  let userData: string;
  let app: ElectronApplication;
  let window: Page;

  test.beforeAll(async () => {
    server = await startSignalServer({ port: 0, host: '127.0.0.1', staticDir: join(root, 'dist/renderer') });
    userData = await mkdtemp(join(tmpdir(), 'leanphone-electron-'));
    app = await electron.launch({
      args: [
        root,
        '--use-fake-device-for-media-stream',
        '--use-fake-ui-for-media-stream',
        ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
      ],
      env: { ...process.env, LEANPHONE_TEST: '1', LEANPHONE_USER_DATA: userData, LEANPHONE_MDNS: 'off' },
    });
    window = await app.firstWindow();
  });

  test.afterAll(async () => {
    await app?.close().catch(() => undefined);
    await server?.close();
    if (userData) await rm(userData, { recursive: true, force: true });
  });

  test('an incoming call from a browser peer rings on the desktop; answer, hang up, quit cleanly', async ({ browser }) => {
    const api = hook(app);

    await test.step('the window shows the app page', async () => {
      await expect.poll(() => app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]?.isVisible() ?? false)).toBe(true);
      expect(window.url()).toBe('app://leanphone/index.html');
      expect(await window.evaluate(() => typeof (window as unknown as { require?: unknown }).require)).toBe('undefined');
      expect(await window.evaluate(() => (window as unknown as { leanphone: { kind: string } }).leanphone.kind)).toBe('desktop');
    });

    const desk = new Phone(window, 'Desk');
    await test.step('registers against the server', async () => {
      await desk.serverBox.fill(server.url);
      await desk.connect();
      await expect.poll(async () => (await api.snapshot()).tray.icon).toBe('registered');
    });

    const peerPage = await browser.newPage();
    const ada = new Phone(peerPage, 'Ada');
    await test.step('a browser peer calls: notification with the caller name, tray shows ringing state', async () => {
      await peerPage.goto(`http://127.0.0.1:${server.port}/`);
      await ada.connect();
      await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]?.blur());
      await ada.call(desk);
      await expect.poll(async () => (await api.notifications()).map((n) => n.body)).toEqual(['Ada is calling']);
      expect((await api.snapshot()).ringing).toHaveLength(1);
    });

    await test.step('answer, then the tray shows the call', async () => {
      await desk.button('Answer').click();
      await expect.poll(async () => (await api.snapshot()).tray.icon).toBe('in-call');
      expect((await api.snapshot()).ringing).toEqual([]);
      await expect(ada.button('Hang up')).toBeVisible();
    });

    await test.step('hang up from the desktop ends the call on both sides', async () => {
      await desk.button('Hang up').click();
      await expect.poll(async () => (await api.snapshot()).status.inCall).toBe(false);
      await expect(ada.button('Hang up')).toBeHidden();
    });

    let hostedPort = 0;
    await test.step('hosting from the tray listens on a port', async () => {
      await api.tray('toggle-hosting');
      await expect.poll(async () => (await api.snapshot()).hosting.running).toBe(true);
      hostedPort = ((await api.snapshot()).hosting as Extract<HostingState, { running: true }>).port;
      expect(await portRefuses(hostedPort)).toBe(false);
    });

    await test.step('quit from the tray leaves no process and no port', async () => {
      const pid = app.process().pid;
      if (pid === undefined) throw new Error('no Electron process id');
      const exited = new Promise<void>((resolve) => app.process().once('exit', () => resolve()));
      await api.tray('quit').catch(() => undefined);
      await exited;
      expect(alive(pid)).toBe(false);
      expect(await portRefuses(hostedPort)).toBe(true);
    });
    await peerPage.close();
  });
});
