/**
 * The desktop app's entry: one instance, a hardened window that hides to the tray, the
 * controller wired to IPC, and a clean shutdown that stops hosting before the process exits.
 * Logic lives in the plain modules; Electron calls live in electron-adapter.ts.
 */
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, ipcMain, safeStorage, session } from 'electron';
import { lanAddresses } from '../node-lib/addresses.js';
import { loadOrCreateIdentity } from '../node-lib/certificate.js';
import { advertise, browse } from '../node-lib/discovery.js';
import { createLogger } from '../signal-server/log.js';
import { startSignalServer } from '../signal-server/server.js';
import { APP_ENTRY_URL, APP_ORIGIN } from './app-protocol.js';
import { DesktopController } from './desktop-controller.js';
import {
  createMainWindow,
  ElectronShell,
  hardenSession,
  registerAppScheme,
  serveRendererBuild,
} from './electron-adapter.js';
import { CertificatePins } from './certificate-pins.js';
import { HostingService } from './hosting.js';
import { ServerDiscovery } from './server-discovery.js';
import { ServerTrust } from './server-trust.js';
import { registerIpc } from './ipc-handlers.js';
import { mdnsEnabled, startsHidden, testMode } from './launch.js';
import { systemSecretBox } from './secret-box.js';
import { SettingsStore } from './settings-store.js';
import { contentSecurityPolicy } from './content-policy.js';
import { originOf } from './permission-policy.js';

const here = dirname(fileURLToPath(import.meta.url));
const rendererDir = join(here, '../dist/renderer');
const devServerUrl = process.env.VITE_DEV_SERVER_URL ?? null;
const devOrigin = devServerUrl !== null && !app.isPackaged ? originOf(devServerUrl) : null;
const appOrigins = devOrigin !== null ? [APP_ORIGIN, devOrigin] : [APP_ORIGIN];
const test = testMode(process.env);
const mdns = mdnsEnabled(process.env);
/** What announcing and browsing become with LEANPHONE_MDNS=off. */
const offline = () => ({ stop: async () => undefined });

// One name everywhere, so settings live in <appData>/LeanPhone in development and when packaged.
app.setName('LeanPhone');
if (test?.userDataDir) app.setPath('userData', test.userDataDir);
if (process.platform === 'win32') app.setAppUserModelId('org.leanphone.desktop');
registerAppScheme();

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  void run();
}

async function run(): Promise<void> {
  let win: BrowserWindow | null = null;
  let quitting = false;
  const shell = new ElectronShell(() => win, { loginItems: app.isPackaged });
  app.on('second-instance', () => shell.showWindow());
  // A tray app keeps running with no window open.
  app.on('window-all-closed', () => undefined);

  await app.whenReady();
  const settings = await SettingsStore.open(app.getPath('userData'), { secrets: systemSecretBox(safeStorage, process.platform) });
  const hosting = new HostingService({
    start: startSignalServer,
    staticDir: rendererDir,
    identity: () => loadOrCreateIdentity(join(app.getPath('userData'), 'tls'), lanAddresses()),
    advertise: mdns ? advertise : offline,
    name: `LeanPhone on ${hostname()}`,
    appOrigins,
    // The directory, messages and voicemail live beside the settings, in <userData>/host.
    serverOptions: { logger: createLogger('info'), dataDir: app.getPath('userData') },
  });
  const discovery = new ServerDiscovery(mdns ? (onChange) => browse(onChange) : offline);
  const trust = new ServerTrust({
    pins: await CertificatePins.open(join(app.getPath('userData'), 'pins')),
    discovered: (host, port) => discovery.fingerprintFor(host, port),
    ownFingerprint: () => (hosting.state.running ? hosting.state.fingerprint : null),
  });
  const controller = new DesktopController({ shell, settings, hosting, discovery, trust });

  const ses = session.defaultSession;
  hardenSession(ses, {
    allowance: () => ({ appOrigins, connectOrigins: controller.connectOrigins }),
    devOrigin,
    log: (message) => console.warn(message),
    verifyCertificate: (hostname, certificatePem) => trust.verify(hostname, certificatePem),
  });
  serveRendererBuild(ses, rendererDir, () => contentSecurityPolicy(devOrigin, controller.connectOrigins));
  registerIpc(ipcMain, controller.ipcHandlers(), {
    appOrigins: () => appOrigins,
    isAppWindow: (sender) => win !== null && !win.isDestroyed() && sender === win.webContents,
  });

  app.on('web-contents-created', (_event, contents) => {
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
    contents.on('will-navigate', (event) => event.preventDefault());
  });

  win = createMainWindow({
    preload: join(here, 'preload.cjs'),
    url: devServerUrl ?? APP_ENTRY_URL,
    appOrigins: () => appOrigins,
    showOnReady: !startsHidden(process.argv, app.getLoginItemSettings().wasOpenedAsHidden === true),
    isQuitting: () => quitting,
    icon: null,
  });
  app.on('activate', () => shell.showWindow());

  let stopped = false;
  app.on('before-quit', (event) => {
    quitting = true;
    if (stopped) return;
    event.preventDefault();
    void controller
      .shutdown()
      .catch((error: unknown) => console.error('shutdown:', error))
      .finally(() => {
        stopped = true;
        shell.destroy();
        app.quit();
      });
  });

  if (test) {
    // Read by tests/electron through electronApp.evaluate; present only with LEANPHONE_TEST=1.
    Object.assign(globalThis, {
      __leanphoneTest: {
        snapshot: () => controller.snapshot(),
        notifications: () => structuredClone(shell.shown),
        trayCommand: (command: Parameters<DesktopController['trayCommand']>[0]) => controller.trayCommand(command),
        settingsPath: () => settings.path,
      },
    });
  }

  await controller.start();
}
