/**
 * Everything that touches Electron, kept thin: the app:// scheme, the hardened window and
 * session (CSP, network guard, permission handlers, no navigation or new windows), and the
 * DesktopShell (tray, notifications, attention, badge, login item). Decisions live in the
 * plain modules it calls; this file only wires them to the real APIs.
 */
import { readFile } from 'node:fs/promises';
import {
  app,
  BrowserWindow,
  Menu,
  nativeImage,
  Notification,
  protocol,
  systemPreferences,
  Tray,
  type MenuItemConstructorOptions,
  type Session,
} from 'electron';
import type { EventChannel, EventChannels } from '../common/ipc.js';
import { APP_SCHEME, contentType, resolveAppPath } from './app-protocol.js';
import { contentSecurityPolicy, isRequestAllowed, type NetworkAllowance } from './content-policy.js';
import { HIDDEN_FLAG } from './launch.js';
import { actionLabel, type NotificationView } from './notification-policy.js';
import { decidePermission, decidePermissionCheck } from './permission-policy.js';
import type { DesktopShell, NotificationEvent, NotificationHandle } from './shell.js';
import { trayIconPng } from './tray-icons.js';
import type { TrayCommand, TrayMenuItem, TrayView } from './tray-model.js';

/** Must run before app 'ready'. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  ]);
}

/** Serves the renderer build at app://leanphone/ with the CSP (as it stands for each response) on every response. */
export function serveRendererBuild(session: Session, rendererDir: string, csp: () => string): void {
  session.protocol.handle(APP_SCHEME, async (request) => {
    const file = resolveAppPath(request.url, rendererDir);
    if (file === null) return new Response('Not found', { status: 404 });
    try {
      const body = await readFile(file);
      return new Response(body, {
        headers: {
          'content-type': contentType(file),
          'content-security-policy': csp(),
          'x-content-type-options': 'nosniff',
        },
      });
    } catch {
      return new Response('Not found', { status: 404 });
    }
  });
}

export interface HardeningOptions {
  allowance: () => NetworkAllowance;
  /** The vite dev server's origin in development, else null. */
  devOrigin: string | null;
  log: (message: string) => void;
  /** Chromium's verdict for a server certificate: 0 accepts, -2 refuses, -3 keeps Chromium's own (ServerTrust). */
  verifyCertificate: (hostname: string, certificatePem: string) => number;
}

/** CSP, the network guard and the permission handlers for the window's session. */
export function hardenSession(session: Session, options: HardeningOptions): void {
  session.webRequest.onBeforeRequest((details, callback) => {
    const allowed = isRequestAllowed(details.url, options.allowance());
    if (!allowed) options.log(`network: blocked ${details.resourceType} request to ${safeOrigin(details.url)}`);
    callback({ cancel: !allowed });
  });
  session.webRequest.onHeadersReceived((details, callback) => {
    const csp = contentSecurityPolicy(options.devOrigin, options.allowance().connectOrigins);
    const responseHeaders = { ...details.responseHeaders, 'Content-Security-Policy': [csp] };
    callback({ responseHeaders });
  });
  session.setPermissionRequestHandler((_webContents, permission, callback, details) => {
    const mediaTypes = 'mediaTypes' in details ? (details.mediaTypes ?? []) : [];
    const granted = decidePermission(
      { permission, requestingUrl: details.requestingUrl, isMainFrame: details.isMainFrame, mediaTypes },
      options.allowance().appOrigins,
    );
    if (!granted) options.log(`permission: denied ${permission} to ${safeOrigin(details.requestingUrl)}`);
    if (!granted || permission !== 'media' || process.platform !== 'darwin') {
      callback(granted);
      return;
    }
    // macOS keeps its own camera and microphone consent; ask through the system.
    void askMacMediaAccess(mediaTypes).then(callback, () => callback(false));
  });
  session.setPermissionCheckHandler((_webContents, permission, requestingOrigin, details) =>
    decidePermissionCheck(
      { permission, requestingOrigin, isMainFrame: details.isMainFrame, mediaType: details.mediaType },
      options.allowance().appOrigins,
    ),
  );
  session.setDevicePermissionHandler(() => false);
  // An approved server passes only with the exact fingerprint main approved (pinned), trusted by Chromium or not.
  session.setCertificateVerifyProc((request, callback) => {
    callback(options.verifyCertificate(request.hostname, request.certificate.data));
  });
}

async function askMacMediaAccess(types: readonly string[]): Promise<boolean> {
  const wanted: Array<'microphone' | 'camera'> = [];
  if (types.includes('audio') || types.length === 0) wanted.push('microphone');
  if (types.includes('video')) wanted.push('camera');
  for (const type of wanted) {
    if (systemPreferences.getMediaAccessStatus(type) === 'granted') continue;
    if (!(await systemPreferences.askForMediaAccess(type))) return false;
  }
  return true;
}

function safeOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(unparsable URL)';
  }
}

export interface WindowOptions {
  preload: string;
  url: string;
  appOrigins: () => readonly string[];
  showOnReady: boolean;
  /** Closing hides to the tray unless this says the app is quitting. */
  isQuitting: () => boolean;
  icon: string | null;
}

export function createMainWindow(options: WindowOptions): BrowserWindow {
  const win = new BrowserWindow({
    width: 420,
    height: 720,
    minWidth: 360,
    minHeight: 520,
    show: false,
    title: 'LeanPhone',
    ...(options.icon !== null ? { icon: options.icon } : {}),
    autoHideMenuBar: true,
    webPreferences: {
      preload: options.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
      disableBlinkFeatures: 'Auxclick',
      backgroundThrottling: false,
    },
  });
  const contents = win.webContents;
  contents.on('will-navigate', (event, url) => {
    event.preventDefault();
    console.warn(`navigation: blocked ${safeOrigin(url)}`);
  });
  contents.on('will-redirect', (event, url) => {
    if (!options.appOrigins().some((origin) => url.startsWith(`${origin}/`))) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  win.once('ready-to-show', () => {
    // Showing at launch is the user's own doing; alerts later never focus the window.
    if (options.showOnReady) win.show();
  });
  win.on('close', (event) => {
    if (options.isQuitting()) return;
    event.preventDefault();
    win.hide();
  });
  void win.loadURL(options.url);
  return win;
}

/** The DesktopShell over a real window, tray and the app object. */
export class ElectronShell implements DesktopShell {
  readonly platform = process.platform;
  readonly #win: () => BrowserWindow | null;
  readonly #loginItems: boolean;
  #tray: Tray | null = null;
  #bounce: number | null = null;
  readonly #icons = new Map<string, Electron.NativeImage>();
  /** The last notifications shown (at most 20), read by the Playwright suite in test mode. */
  readonly shown: NotificationView[] = [];

  constructor(win: () => BrowserWindow | null, options: { loginItems: boolean }) {
    this.#win = win;
    this.#loginItems = options.loginItems;
  }

  notificationsSupported(): boolean {
    return Notification.isSupported();
  }

  showWindow(): void {
    const win = this.#win();
    if (!win) return;
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  }

  isWindowFocused(): boolean {
    const win = this.#win();
    return win !== null && win.isVisible() && win.isFocused();
  }

  requestAttention(on: boolean): void {
    if (process.platform === 'darwin') {
      if (on && this.#bounce === null) this.#bounce = app.dock?.bounce('critical') ?? null;
      if (!on && this.#bounce !== null) {
        app.dock?.cancelBounce(this.#bounce);
        this.#bounce = null;
      }
      return;
    }
    this.#win()?.flashFrame(on);
  }

  setBadge(count: number): void {
    if (process.platform === 'win32') {
      const overlay = count > 0 ? this.#icon('missed') : null;
      this.#win()?.setOverlayIcon(overlay, count > 0 ? `${count} missed calls` : '');
      return;
    }
    app.setBadgeCount(count);
  }

  setTray(view: TrayView, onCommand: (command: TrayCommand) => void): void {
    if (this.#tray === null) {
      this.#tray = new Tray(this.#icon(view.icon));
      if (process.platform !== 'darwin') this.#tray.on('click', () => onCommand('show'));
    }
    this.#tray.setImage(this.#icon(view.icon));
    this.#tray.setToolTip(view.tooltip);
    this.#tray.setContextMenu(Menu.buildFromTemplate(view.menu.map((item) => menuItem(item, onCommand))));
  }

  notify(view: NotificationView, onEvent: (event: NotificationEvent) => void): NotificationHandle {
    const notification = new Notification({
      title: view.title,
      body: view.body,
      silent: view.silent,
      urgency: view.urgency,
      timeoutType: view.timeoutType,
      actions: view.actions.map((action) => ({ type: 'button' as const, text: actionLabel(action) })),
    });
    notification.on('click', () => onEvent('click'));
    notification.on('action', (_event, index) => onEvent(view.actions[index] ?? 'click'));
    notification.on('close', () => onEvent('close'));
    notification.show();
    this.shown.push(view);
    if (this.shown.length > 20) this.shown.shift();
    return { close: () => notification.close() };
  }

  send<C extends EventChannel>(channel: C, payload: EventChannels[C]): void {
    const win = this.#win();
    if (win && !win.isDestroyed()) win.webContents.send(channel, payload);
  }

  setOpenAtLogin(enabled: boolean): void {
    // Only a packaged app registers itself; a dev run would register the bare Electron binary.
    if (!this.#loginItems) return;
    app.setLoginItemSettings({ openAtLogin: enabled, openAsHidden: true, args: [HIDDEN_FLAG] });
  }

  quit(): void {
    app.quit();
  }

  destroy(): void {
    this.#tray?.destroy();
    this.#tray = null;
  }

  #icon(name: TrayView['icon']): Electron.NativeImage {
    let image = this.#icons.get(name);
    if (!image) {
      image = nativeImage.createFromBuffer(trayIconPng(name), { scaleFactor: 2 });
      this.#icons.set(name, image);
    }
    return image;
  }
}

function menuItem(item: TrayMenuItem, onCommand: (command: TrayCommand) => void): MenuItemConstructorOptions {
  switch (item.kind) {
    case 'action':
      return { label: item.label, click: () => onCommand(item.command) };
    case 'checkbox':
      return { label: item.label, type: 'checkbox', checked: item.checked, click: () => onCommand(item.command) };
    case 'info':
      return { label: item.label, enabled: false };
    case 'separator':
      return { type: 'separator' };
    default: {
      const never: never = item;
      throw new Error(`Unhandled menu item ${JSON.stringify(never)}`);
    }
  }
}
