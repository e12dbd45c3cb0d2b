/**
 * A recording stand-in for the 'electron' module, just wide enough for main/index.ts and
 * main/electron-adapter.ts: lets the wiring run under Node where no Electron binary exists.
 * This is the Electron API boundary; everything behind it in the tests is real.
 */
import { EventEmitter } from 'node:events';

type Listener = (...args: never[]) => unknown;

export interface FakeEvent {
  prevented: boolean;
  preventDefault(): void;
}
export const fakeEvent = (): FakeEvent => ({
  prevented: false,
  preventDefault() {
    this.prevented = true;
  },
});

export function createFakeElectron(userData: () => string) {
  const log: string[] = [];

  class FakeApp extends EventEmitter {
    isPackaged = false;
    quitted = false;
    name = 'electron';
    loginItem: unknown = null;
    badge = 0;
    readonly paths = new Map<string, string>();
    setName(name: string) {
      this.name = name;
    }
    setPath(name: string, value: string) {
      this.paths.set(name, value);
    }
    getPath(name: string) {
      return this.paths.get(name) ?? (name === 'userData' ? userData() : `/tmp/${name}`);
    }
    setAppUserModelId() {}
    requestSingleInstanceLock() {
      return true;
    }
    whenReady() {
      return Promise.resolve();
    }
    getLoginItemSettings() {
      return { openAtLogin: false };
    }
    setLoginItemSettings(settings: unknown) {
      this.loginItem = settings;
    }
    setBadgeCount(count: number) {
      this.badge = count;
      return true;
    }
    quit() {
      log.push('app.quit');
      const event = fakeEvent();
      this.emit('before-quit', event);
      if (event.prevented) return;
      this.quitted = true;
      for (const win of FakeBrowserWindow.all) win.close();
    }
  }
  const app = new FakeApp();

  class FakeWebContents extends EventEmitter {
    readonly sent: Array<{ channel: string; payload: unknown }> = [];
    openHandler: ((details: { url: string }) => { action: string }) | null = null;
    readonly mainFrame = { url: 'app://leanphone/index.html', parent: null };
    setWindowOpenHandler(handler: (details: { url: string }) => { action: string }) {
      this.openHandler = handler;
    }
    send(channel: string, payload: unknown) {
      this.sent.push({ channel, payload });
    }
  }

  class FakeBrowserWindow extends EventEmitter {
    static all: FakeBrowserWindow[] = [];
    static getAllWindows() {
      return FakeBrowserWindow.all;
    }
    readonly webContents = new FakeWebContents();
    readonly calls: string[] = [];
    url = '';
    visible = false;
    focused = false;
    destroyed = false;
    constructor(readonly options: { webPreferences: Record<string, unknown> } & Record<string, unknown>) {
      super();
      FakeBrowserWindow.all.push(this);
    }
    loadURL(url: string) {
      this.url = url;
      queueMicrotask(() => this.emit('ready-to-show'));
      return Promise.resolve();
    }
    show() {
      this.calls.push('show');
      this.visible = true;
    }
    hide() {
      this.calls.push('hide');
      this.visible = false;
    }
    focus() {
      this.calls.push('focus');
      this.focused = true;
    }
    blur() {
      this.focused = false;
    }
    isVisible() {
      return this.visible;
    }
    isFocused() {
      return this.focused;
    }
    isMinimized() {
      return false;
    }
    restore() {}
    isDestroyed() {
      return this.destroyed;
    }
    flashFrame(on: boolean) {
      this.calls.push(`flashFrame:${on}`);
    }
    setOverlayIcon() {}
    close() {
      const event = fakeEvent();
      this.emit('close', event);
      if (!event.prevented) this.destroyed = true;
    }
  }

  class FakeTray extends EventEmitter {
    static all: FakeTray[] = [];
    image: unknown;
    tooltip = '';
    menu: Array<{ label?: string; click?: () => void; type?: string; checked?: boolean }> = [];
    destroyed = false;
    constructor(image: unknown) {
      super();
      this.image = image;
      FakeTray.all.push(this);
    }
    setImage(image: unknown) {
      this.image = image;
    }
    setToolTip(text: string) {
      this.tooltip = text;
    }
    setContextMenu(menu: FakeTray['menu']) {
      this.menu = menu;
    }
    destroy() {
      this.destroyed = true;
    }
  }

  class FakeNotification extends EventEmitter {
    static all: FakeNotification[] = [];
    static isSupported() {
      return true;
    }
    shown = false;
    closed = false;
    constructor(readonly options: { title: string; body: string; silent: boolean; actions: unknown[] }) {
      super();
      FakeNotification.all.push(this);
    }
    show() {
      this.shown = true;
    }
    close() {
      this.closed = true;
      this.emit('close');
    }
  }

  const handlers = {
    beforeRequest: null as null | ((details: { url: string; resourceType: string }, cb: (r: { cancel: boolean }) => void) => void),
    headersReceived: null as null | ((details: { responseHeaders: Record<string, string[]> }, cb: (r: { responseHeaders: Record<string, string[]> }) => void) => void),
    permissionRequest: null as null | ((wc: unknown, permission: string, cb: (granted: boolean) => void, details: Record<string, unknown>) => void),
    permissionCheck: null as null | ((wc: unknown, permission: string, origin: string, details: Record<string, unknown>) => boolean),
    device: null as null | (() => boolean),
    certificateVerify: null as null | ((request: { hostname: string; certificate: { data: string }; verificationResult: string }, cb: (verdict: number) => void) => void),
    protocol: new Map<string, (request: { url: string }) => Promise<Response>>(),
  };
  const defaultSession = {
    webRequest: {
      onBeforeRequest: (fn: typeof handlers.beforeRequest) => (handlers.beforeRequest = fn),
      onHeadersReceived: (fn: typeof handlers.headersReceived) => (handlers.headersReceived = fn),
    },
    setPermissionRequestHandler: (fn: typeof handlers.permissionRequest) => (handlers.permissionRequest = fn),
    setPermissionCheckHandler: (fn: typeof handlers.permissionCheck) => (handlers.permissionCheck = fn),
    setDevicePermissionHandler: (fn: typeof handlers.device) => (handlers.device = fn),
    setCertificateVerifyProc: (fn: typeof handlers.certificateVerify) => (handlers.certificateVerify = fn),
    protocol: { handle: (scheme: string, fn: (request: { url: string }) => Promise<Response>) => handlers.protocol.set(scheme, fn) },
  };

  const ipc = {
    handlers: new Map<string, Listener>(),
    listeners: new Map<string, Listener>(),
  };
  const ipcMain = {
    handle: (channel: string, fn: Listener) => ipc.handlers.set(channel, fn),
    on: (channel: string, fn: Listener) => ipc.listeners.set(channel, fn),
    removeHandler: (channel: string) => ipc.handlers.delete(channel),
    removeAllListeners: (channel: string) => ipc.listeners.delete(channel),
  };

  const schemes: unknown[] = [];
  const module = {
    app,
    BrowserWindow: FakeBrowserWindow,
    Tray: FakeTray,
    Notification: FakeNotification,
    Menu: { buildFromTemplate: (template: unknown) => template },
    nativeImage: { createFromBuffer: (buffer: Buffer, options: unknown) => ({ buffer, options }) },
    protocol: { registerSchemesAsPrivileged: (list: unknown[]) => schemes.push(...list) },
    session: { defaultSession },
    ipcMain,
    systemPreferences: {
      getMediaAccessStatus: () => 'granted',
      askForMediaAccess: () => Promise.resolve(true),
    },
    safeStorage: fakeSafeStorage(),
  };
  return { module, app, log, handlers, ipc, schemes, FakeBrowserWindow, FakeTray, FakeNotification };
}

/**
 * A key store as a desktop with one has it: what it seals reads as noise, and only it opens that.
 * The key is this fake's own, so tests can tell sealed text from plain.
 */
export function fakeSafeStorage(backend = 'gnome_libsecret') {
  const key = 0x5a;
  const flip = (bytes: Buffer) => Buffer.from(bytes.map((byte) => byte ^ key));
  return {
    isEncryptionAvailable: () => true,
    getSelectedStorageBackend: () => backend,
    encryptString: (plain: string) => Buffer.concat([Buffer.from('v10'), flip(Buffer.from(plain, 'utf8'))]),
    decryptString: (sealed: Buffer) => {
      if (sealed.subarray(0, 3).toString() !== 'v10') throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
      return flip(sealed.subarray(3)).toString('utf8');
    },
  };
}
