import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PhoneStatus } from '../../common/bridge.js';
import { DesktopController } from '../../main/desktop-controller.js';
import { HostingService } from '../../main/hosting.js';
import { SettingsStore } from '../../main/settings-store.js';
import { FakeShell } from './fake-shell.js';
import { discoveryAndTrust, hostingOptions } from './hosting-fixture.js';

const registered: PhoneStatus = { connection: 'registered', dnd: false, inCall: false, missedCalls: 0, unreadMessages: 0 };
const ada = { callId: 'call-000000001', from: 'Ada', video: false };

let dir: string;
let shell: FakeShell;
let hosting: HostingService;
let controller: DesktopController;
let origins: string[][];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'leanphone-controller-'));
  shell = new FakeShell();
  hosting = new HostingService(hostingOptions({ addresses: () => ['192.168.1.5'] }));
  origins = [];
  controller = new DesktopController({
    shell,
    settings: await SettingsStore.open(dir),
    hosting,
    ...(await discoveryAndTrust(dir)),
    onConnectOriginsChange: (list) => origins.push(list),
  });
  await controller.start();
  controller.reportStatus(registered);
});
afterEach(async () => {
  await controller.shutdown();
  await rm(dir, { recursive: true, force: true });
});

describe('an incoming call', () => {
  it('pops a notification with the caller name and asks for attention without taking focus', () => {
    controller.alertIncoming(ada);
    expect(shell.notifications).toHaveLength(1);
    expect(shell.notifications[0]?.view).toMatchObject({ title: 'Incoming call', body: 'Ada is calling', silent: false });
    expect(shell.calls).toEqual(['requestAttention:true']);
    expect(shell.focused).toBe(false);
  });

  it('offers Answer and Decline buttons on macOS only', () => {
    shell.platform = 'darwin';
    controller.alertIncoming(ada);
    controller.alertIncoming({ ...ada, callId: 'call-000000002', video: true });
    expect(shell.notifications.map((n) => [n.view.title, n.view.actions])).toEqual([
      ['Incoming call', ['answer', 'decline']],
      ['Incoming video call', ['answer', 'decline']],
    ]);
  });

  it('pops nothing in do-not-disturb', () => {
    controller.reportStatus({ ...registered, dnd: true });
    controller.alertIncoming(ada);
    expect(shell.notifications).toEqual([]);
    expect(shell.calls).toEqual([]);
  });

  it('does not flash a window the user is already looking at', () => {
    shell.focused = true;
    controller.alertIncoming(ada);
    expect(shell.notifications).toHaveLength(1);
    expect(shell.calls).toEqual([]);
  });

  it('alerts once per call even if reported twice', () => {
    controller.alertIncoming(ada);
    controller.alertIncoming(ada);
    expect(shell.notifications).toHaveLength(1);
  });

  it('clicking the notification brings the window forward on the ringing call', () => {
    controller.alertIncoming(ada);
    shell.notifications[0]?.fire('click');
    expect(shell.calls).toEqual(['requestAttention:true', 'showWindow', 'requestAttention:false']);
    expect(shell.sent).toContainEqual({ channel: 'alert:action', payload: { callId: ada.callId, action: 'show' } });
    expect(controller.snapshot().ringing).toEqual([]);
  });

  it('Answer shows the window and tells the renderer to answer; Decline only tells it to decline', () => {
    shell.platform = 'darwin';
    controller.alertIncoming(ada);
    controller.alertIncoming({ ...ada, callId: 'call-000000002' });
    shell.notifications[0]?.fire('answer');
    shell.notifications[1]?.fire('decline');
    expect(shell.sent.filter((s) => s.channel === 'alert:action').map((s) => s.payload)).toEqual([
      { callId: ada.callId, action: 'answer' },
      { callId: 'call-000000002', action: 'decline' },
    ]);
    expect(shell.calls.filter((c) => c === 'showWindow')).toHaveLength(1);
  });

  it('withdraws the notification and stops the attention request when the call stops ringing', () => {
    controller.alertIncoming(ada);
    controller.clearIncoming(ada.callId);
    expect(shell.notifications[0]?.closed).toBe(true);
    expect(shell.attention).toBe(false);
    expect(shell.sent.filter((s) => s.channel === 'alert:action')).toEqual([]);
  });

  it('still asks for attention when the system has no notifications', () => {
    shell.supported = false;
    controller.alertIncoming(ada);
    expect(shell.notifications).toEqual([]);
    expect(shell.attention).toBe(true);
  });
});

describe('a new text message', () => {
  const hi = { from: 'Ada', text: 'Lunch at 12? <b>not bold</b>' };

  it('pops a notification with the sender and the text while the window is in the background, and a click shows the window', () => {
    controller.alertMessage(hi);
    expect(shell.notifications.map((n) => n.view)).toEqual([
      { title: 'Message from Ada', body: 'Lunch at 12? <b>not bold</b>', silent: false, actions: [], urgency: 'normal', timeoutType: 'default' },
    ]);
    expect(shell.calls).toEqual([]);
    shell.notifications[0]?.fire('click');
    expect(shell.calls).toEqual(['showWindow']);
  });

  it('pops nothing while the user looks at the window, or in do-not-disturb', () => {
    shell.focused = true;
    controller.alertMessage(hi);
    shell.focused = false;
    controller.reportStatus({ ...registered, dnd: true });
    controller.alertMessage(hi);
    expect(shell.notifications).toEqual([]);
  });

  it('keeps one message notification: a newer one replaces the last, and a long text is cut', () => {
    controller.alertMessage(hi);
    controller.alertMessage({ from: 'Bob', text: 'x'.repeat(500) });
    expect(shell.notifications.map((n) => n.closed)).toEqual([true, false]);
    expect(shell.notifications[1]?.view.body).toBe(`${'x'.repeat(199)}…`);
  });

  it('counts unread messages in the badge and the tray tooltip', () => {
    controller.reportStatus({ ...registered, missedCalls: 1, unreadMessages: 3 });
    expect(shell.badge).toBe(4);
    expect(shell.tray?.tooltip).toContain('3 unread messages');
    controller.reportStatus({ ...registered, unreadMessages: 1 });
    expect(shell.tray?.tooltip).toContain('1 unread message');
    expect(shell.badge).toBe(1);
  });
});

describe('tray and badge', () => {
  it('follow the reported status', () => {
    expect(shell.tray?.icon).toBe('registered');
    controller.reportStatus({ ...registered, inCall: true });
    expect(shell.tray?.icon).toBe('in-call');
    controller.reportStatus({ ...registered, connection: 'reconnecting' });
    expect(shell.tray?.icon).toBe('reconnecting');
    controller.reportStatus({ ...registered, missedCalls: 2 });
    expect(shell.tray?.icon).toBe('missed');
    expect(shell.badge).toBe(2);
    controller.reportStatus(registered);
    expect(shell.badge).toBe(0);
  });

  it('Do not disturb in the tray tells the window and shows at once', () => {
    shell.clickTray('toggle-dnd');
    expect(shell.sent).toContainEqual({ channel: 'dnd:change', payload: true });
    expect(shell.tray?.icon).toBe('dnd');
    controller.alertIncoming(ada);
    expect(shell.notifications).toEqual([]);
  });

  it('Show and Quit do what they say', () => {
    shell.clickTray('show');
    shell.clickTray('quit');
    expect(shell.calls).toEqual(['showWindow', 'quit']);
  });
});

describe('settings and hosting', () => {
  it('start at login is passed to the system when changed', async () => {
    await controller.updateSettings({ startAtLogin: true });
    expect(shell.openAtLogin).toBe(true);
  });

  it('a new server address is allowed through the network guard', async () => {
    await controller.updateSettings({ serverUrl: 'ws://192.168.1.9:8080/signal' });
    expect(origins.at(-1)).toEqual(['ws://192.168.1.9:8080']);
    expect(controller.connectOrigins).toEqual(['ws://192.168.1.9:8080']);
  });

  it('hosting from the tray starts a real server, tells the window, remembers it, and stops on shutdown', async () => {
    await controller.updateSettings({ hosting: { enabled: false, port: await freePort() } });
    const started = new Promise((resolve) => hosting.onChange(resolve));
    shell.clickTray('toggle-hosting');
    const state = await started;
    expect(state).toMatchObject({ running: true, addresses: ['192.168.1.5'] });
    expect(shell.sent).toContainEqual({ channel: 'hosting:change', payload: state });
    expect(shell.tray?.icon).toBe('hosting');
    expect(shell.tray?.menu).toContainEqual({ kind: 'checkbox', command: 'toggle-hosting', label: 'Host a LAN phone system', checked: true });
    expect(controller.connectOrigins).toContain(`wss://127.0.0.1:${(state as { port: number }).port}`);
    await controller.shutdown();
    expect(hosting.state).toEqual({ running: false, error: null });
  });

  it('setHosting persists the choice, so the next launch hosts again', async () => {
    const port = await freePort();
    await controller.updateSettings({ hosting: { enabled: false, port } });
    const state = await controller.setHosting(true);
    expect(state).toMatchObject({ running: true, port });
    const reopened = await SettingsStore.open(dir);
    expect(reopened.get().hosting).toEqual({ enabled: true, port });
  });
});

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
