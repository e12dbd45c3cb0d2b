import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LeanPhoneBridge } from '../../common/bridge.js';
import { EVENT_CHANNELS, INVOKE_CHANNELS, SEND_CHANNELS } from '../../common/ipc.js';
import { DesktopController } from '../../main/desktop-controller.js';
import { HostingService } from '../../main/hosting.js';
import { registerIpc, type FrameLike, type IpcEventLike, type IpcMainLike } from '../../main/ipc-handlers.js';
import { SettingsStore } from '../../main/settings-store.js';
import { createBridge, type IpcRendererLike } from '../../preload/bridge.js';
import { FakeShell } from './fake-shell.js';
import { discoveryAndTrust, hostingOptions } from './hosting-fixture.js';

type Handler = (event: IpcEventLike, payload: unknown) => unknown;

/** Stands in for Electron's ipcMain and ipcRenderer, joined like the real pair. */
class FakeIpc implements IpcMainLike {
  readonly handlers = new Map<string, Handler>();
  readonly listeners = new Map<string, Handler>();
  handle(channel: string, listener: Handler): void {
    this.handlers.set(channel, listener);
  }
  on(channel: string, listener: Handler): void {
    this.listeners.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  removeAllListeners(channel: string): void {
    this.listeners.delete(channel);
  }
  /** A renderer whose frames and webContents are as given. */
  renderer(event: IpcEventLike): IpcRendererLike {
    return {
      invoke: async (channel, payload) => {
        const handler = this.handlers.get(channel);
        if (!handler) throw new Error(`No handler registered for '${channel}'`);
        return handler(event, structuredClone(payload));
      },
      send: (channel, payload) => void this.listeners.get(channel)?.(event, structuredClone(payload)),
      on: () => undefined,
      removeListener: () => undefined,
    };
  }
}

const appWindow = { id: 'our webContents' };
const mainFrame: FrameLike = { url: 'app://leanphone/index.html', parent: null };
const trusted: IpcEventLike = { sender: appWindow, senderFrame: mainFrame };

let dir: string;
let ipc: FakeIpc;
let shell: FakeShell;
let controller: DesktopController;
let warnings: string[];
let network: Awaited<ReturnType<typeof discoveryAndTrust>>;
let unregister: () => void;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'leanphone-ipc-'));
  ipc = new FakeIpc();
  shell = new FakeShell();
  warnings = [];
  network = await discoveryAndTrust(dir);
  controller = new DesktopController({
    shell,
    settings: await SettingsStore.open(dir),
    hosting: new HostingService(hostingOptions()),
    ...network,
  });
  unregister = registerIpc(
    ipc,
    controller.ipcHandlers(),
    { appOrigins: () => ['app://leanphone'], isAppWindow: (sender) => sender === appWindow },
    (message) => warnings.push(message),
  );
});
afterEach(async () => {
  await controller.shutdown();
  await rm(dir, { recursive: true, force: true });
});

describe('IPC from the app window', () => {
  it('registers exactly the channels of the map', () => {
    expect([...ipc.handlers.keys()].sort()).toEqual([...INVOKE_CHANNELS].sort());
    expect([...ipc.listeners.keys()].sort()).toEqual([...SEND_CHANNELS].sort());
    unregister();
    expect(ipc.handlers.size + ipc.listeners.size).toBe(0);
  });

  it('reads and updates settings through the bridge', async () => {
    const bridge = createBridge(ipc.renderer(trusted));
    expect((await bridge.getSettings()).name).toBe('');
    const saved = await bridge.updateSettings({ name: 'Ada', serverUrl: 'ws://10.0.0.2:8080/signal' });
    expect(saved).toMatchObject({ name: 'Ada', serverUrl: 'ws://10.0.0.2:8080/signal' });
    expect(JSON.parse(await readFile(join(dir, 'settings.json'), 'utf8'))).toMatchObject({ name: 'Ada' });
  });

  it('refuses a bad payload with a readable reason and changes nothing', async () => {
    const bridge = createBridge(ipc.renderer(trusted));
    await bridge.updateSettings({ name: 'Ada' });
    await expect(bridge.updateSettings({ name: 'x'.repeat(40) })).rejects.toThrow(
      'settings:update: invalid payload: name: name is longer than 32 characters',
    );
    await expect(ipc.renderer(trusted).invoke('hosting:set', 'yes')).rejects.toThrow('hosting:set: invalid payload');
    await expect(ipc.renderer(trusted).invoke('settings:get', { sneaky: 1 })).rejects.toThrow('settings:get: invalid payload');
    expect((await bridge.getSettings()).name).toBe('Ada');
  });

  it('tells the window which hosts discovery found, and answers for them', async () => {
    const bridge = createBridge(ipc.renderer(trusted));
    const host = {
      name: 'LeanPhone on office-mac',
      host: 'office-mac.local',
      port: 8080,
      addresses: ['192.168.1.9'],
      url: 'wss://192.168.1.9:8080/signal',
      version: 1,
      tls: true,
      passcode: false,
      fingerprint: 'AB:'.repeat(31) + 'AB',
    };
    await controller.start();
    expect(await bridge.getDiscoveredServers()).toEqual([]);
    network.announce([host]);
    expect(shell.sent.filter((event) => event.channel === 'discovery:change')).toEqual([{ channel: 'discovery:change', payload: [host] }]);
    expect(await bridge.getDiscoveredServers()).toEqual([host]);
    expect(network.discovery.fingerprintFor('192.168.1.9', 8080)).toBe(host.fingerprint);
  });

  it('checks a server before the window connects, and refuses an address that is not a signalling server', async () => {
    const bridge = createBridge(ipc.renderer(trusted));
    expect(await bridge.trustServer('ws://192.168.1.9:8080/signal')).toEqual({ ok: true });
    await expect(bridge.trustServer('javascript:alert(1)')).rejects.toThrow('server:trust: invalid payload');
    expect(await bridge.trustServer('wss://127.0.0.1:1/signal')).toMatchObject({ ok: false, warning: expect.stringContaining('Could not read the certificate') });
  });

  it('ignores a malformed status or alert, with a warning', () => {
    const bridge = createBridge(ipc.renderer(trusted));
    bridge.reportStatus({ connection: 'registered', dnd: false, inCall: false, missedCalls: -1, unreadMessages: 0 });
    bridge.alertIncomingCall({ callId: 'short', from: 'Ada', video: false });
    bridge.alertIncomingCall({ callId: 'call-000000001', from: '<img src=x onerror=alert(1)>', video: false });
    expect(shell.badge).toBe(0);
    expect(shell.notifications).toEqual([]);
    expect(warnings).toHaveLength(3);
    expect(warnings[0]).toContain('status:report: invalid payload: missedCalls');
  });

  it('passes a message alert through the preload, and refuses one from a bad name or too long a text', () => {
    const bridge = createBridge(ipc.renderer(trusted));
    bridge.alertMessage({ from: '<img src=x onerror=alert(1)>', text: 'hi' });
    bridge.alertMessage({ from: 'Ada', text: 'x'.repeat(65_537) });
    expect(shell.notifications).toEqual([]);
    expect(warnings).toHaveLength(2);
    bridge.alertMessage({ from: 'Ada', text: '<b>hi</b>' });
    expect(shell.notifications.map((n) => [n.view.title, n.view.body])).toEqual([['Message from Ada', '<b>hi</b>']]);
  });

  it('passes valid status and alerts on to the desktop', () => {
    const bridge = createBridge(ipc.renderer(trusted));
    bridge.reportStatus({ connection: 'registered', dnd: false, inCall: false, missedCalls: 4, unreadMessages: 0 });
    bridge.alertIncomingCall({ callId: 'call-000000001', from: 'Ada Lovelace', video: true });
    expect(shell.badge).toBe(4);
    expect(shell.notifications[0]?.view.body).toBe('Ada Lovelace is calling');
    bridge.clearIncomingCall('call-000000001');
    expect(shell.notifications[0]?.closed).toBe(true);
  });
});

describe('IPC from anyone else', () => {
  it.each<[string, IpcEventLike]>([
    ['a sub-frame', { sender: appWindow, senderFrame: { url: 'app://leanphone/index.html', parent: mainFrame } }],
    ['another origin in our window', { sender: appWindow, senderFrame: { url: 'https://evil.example/', parent: null } }],
    ['another webContents', { sender: { id: 'other' }, senderFrame: mainFrame }],
    ['a destroyed frame', { sender: appWindow, senderFrame: null }],
  ])('is refused from %s and changes nothing', async (_who, event) => {
    const bridge = createBridge(ipc.renderer(event));
    await expect(bridge.updateSettings({ name: 'Mallory' })).rejects.toThrow("refused, not the app's own window");
    await expect(bridge.getSettings()).rejects.toThrow('refused');
    bridge.alertIncomingCall({ callId: 'call-000000001', from: 'Mallory', video: false });
    expect(shell.notifications).toEqual([]);
    expect((await createBridge(ipc.renderer(trusted)).getSettings()).name).toBe('');
  });
});

describe('the preload bridge', () => {
  it('has exactly the members of LeanPhoneBridge and is frozen', () => {
    const bridge = createBridge(ipc.renderer(trusted));
    const expected: Array<keyof LeanPhoneBridge> = [
      'kind',
      'getSettings',
      'updateSettings',
      'reportStatus',
      'alertIncomingCall',
      'alertMessage',
      'clearIncomingCall',
      'onAlertAction',
      'onDndChange',
      'getHosting',
      'setHosting',
      'onHostingChange',
      'trustServer',
      'getDiscoveredServers',
      'onDiscoveredServers',
    ];
    expect(Object.keys(bridge).sort()).toEqual(expected.sort());
    expect(bridge.kind).toBe('desktop');
    expect(Object.isFrozen(bridge)).toBe(true);
  });

  it('hands listeners the payload only, never the Electron event, and unsubscribes', () => {
    const listeners = new Map<string, Set<(event: unknown, payload: unknown) => void>>();
    const renderer: IpcRendererLike = {
      invoke: async () => null,
      send: () => undefined,
      on: (channel, listener) => {
        if (!listeners.has(channel)) listeners.set(channel, new Set());
        listeners.get(channel)?.add(listener);
      },
      removeListener: (channel, listener) => listeners.get(channel)?.delete(listener),
    };
    const emit = (channel: string, payload: unknown) => {
      for (const l of listeners.get(channel) ?? []) l({ sender: 'ipcRenderer with powers' }, payload);
    };
    const bridge = createBridge(renderer);
    const got: unknown[][] = [];
    const offAlert = bridge.onAlertAction((...args) => got.push(['alert', ...args]));
    bridge.onDndChange((...args) => got.push(['dnd', ...args]));
    bridge.onHostingChange((...args) => got.push(['hosting', ...args]));
    bridge.onDiscoveredServers((...args) => got.push(['discovery', ...args]));
    emit('alert:action', { callId: 'call-000000001', action: 'answer' });
    emit('dnd:change', true);
    emit('hosting:change', { running: false, error: null });
    emit('discovery:change', []);
    offAlert();
    emit('alert:action', { callId: 'call-000000001', action: 'decline' });
    expect(got).toEqual([
      ['alert', { callId: 'call-000000001', action: 'answer' }],
      ['dnd', true],
      ['hosting', { running: false, error: null }],
      ['discovery', []],
    ]);
    expect([...listeners.keys()].sort()).toEqual([...EVENT_CHANNELS].sort());
    expect(() => bridge.onDndChange('not a function' as never)).toThrow('listener must be a function');
  });
});
