/**
 * The desktop side of the phone, without Electron: keeps the phone's reported status, settings
 * and hosting state, and turns them into tray, badge, notifications and events for the window
 * through the DesktopShell. One alert per ringing call; nothing pops in do-not-disturb.
 */
import type { AlertAction, HostingState, IncomingCallAlert, MessageAlert, PhoneStatus, Settings } from '../common/bridge.js';
import { connectOrigins } from './content-policy.js';
import type { HostingService } from './hosting.js';
import type { ServerDiscovery } from './server-discovery.js';
import type { ServerTrust } from './server-trust.js';
import type { InvokeHandlers, SendHandlers } from './ipc-handlers.js';
import { badgeCount, planIncomingAlert, planMessageAlert } from './notification-policy.js';
import type { SettingsStore } from './settings-store.js';
import type { DesktopShell, NotificationEvent, NotificationHandle } from './shell.js';
import { INITIAL_STATUS, trayView, unreachable, type TrayCommand, type TrayView } from './tray-model.js';

export interface ControllerOptions {
  shell: DesktopShell;
  settings: SettingsStore;
  hosting: HostingService;
  discovery: ServerDiscovery;
  trust: ServerTrust;
  /** Called whenever the set of signalling servers the window may reach changes. */
  onConnectOriginsChange?: (origins: string[]) => void;
  warn?: (message: string) => void;
}

export interface ControllerSnapshot {
  status: PhoneStatus;
  tray: TrayView;
  badge: number;
  ringing: string[];
  hosting: HostingState;
}

export class DesktopController {
  readonly #shell: DesktopShell;
  readonly #settings: SettingsStore;
  readonly #hosting: HostingService;
  readonly #options: ControllerOptions;
  #status: PhoneStatus = { ...INITIAL_STATUS };
  #badge = -1;
  #tray: TrayView;
  readonly #alerts = new Map<string, NotificationHandle | null>();
  /** The notification of the latest message, while shown. */
  #messageAlert: NotificationHandle | null = null;
  #origins: string[] = [];
  /** Work started from the tray that shutdown must let finish (a settings write). */
  #pending: Promise<unknown> = Promise.resolve();

  constructor(options: ControllerOptions) {
    this.#options = options;
    this.#shell = options.shell;
    this.#settings = options.settings;
    this.#hosting = options.hosting;
    this.#tray = trayView({ status: this.#status, hosting: this.#hosting.state });
    this.#hosting.onChange((state) => {
      this.#shell.send('hosting:change', state);
      this.#render();
    });
    options.discovery.onChange((servers) => this.#shell.send('discovery:change', servers));
  }

  /** Draws the tray and badge, syncs the login item and resumes hosting if it was on. */
  async start(): Promise<void> {
    const settings = this.#settings.get();
    this.#shell.setOpenAtLogin(settings.startAtLogin);
    this.#render();
    this.#options.discovery.start();
    if (settings.hosting.enabled) await this.#hosting.set(true, settings.hosting.port, settings.ringGroups);
  }

  /** Stops hosting and withdraws every alert; for quitting. */
  async shutdown(): Promise<void> {
    for (const callId of [...this.#alerts.keys()]) this.clearIncoming(callId);
    await this.#pending;
    await Promise.all([this.#hosting.close(), this.#options.discovery.stop()]);
  }

  get connectOrigins(): string[] {
    return [...this.#origins];
  }

  snapshot(): ControllerSnapshot {
    return {
      status: { ...this.#status },
      tray: structuredClone(this.#tray),
      badge: Math.max(this.#badge, 0),
      ringing: [...this.#alerts.keys()],
      hosting: this.#hosting.state,
    };
  }

  ipcHandlers(): { invoke: InvokeHandlers; send: SendHandlers } {
    return {
      invoke: {
        'settings:get': async () => this.#settings.get(),
        'settings:update': (patch) => this.updateSettings(patch),
        'hosting:get': async () => this.#hosting.state,
        'hosting:set': (enabled) => this.setHosting(enabled),
        'server:trust': (url) => this.#options.trust.approve(url),
        'discovery:get': async () => this.#options.discovery.servers,
      },
      send: {
        'status:report': (status) => this.reportStatus(status),
        'alert:incoming': (alert) => this.alertIncoming(alert),
        'alert:clear': (callId) => this.clearIncoming(callId),
        'alert:message': (alert) => this.alertMessage(alert),
      },
    };
  }

  async updateSettings(patch: Partial<Settings>): Promise<Settings> {
    const before = this.#settings.get();
    const after = await this.#settings.update(patch);
    if (after.startAtLogin !== before.startAtLogin) this.#shell.setOpenAtLogin(after.startAtLogin);
    const hostingChanged = after.hosting.port !== before.hosting.port || JSON.stringify(after.ringGroups) !== JSON.stringify(before.ringGroups);
    if (after.hosting.enabled !== before.hosting.enabled || (after.hosting.enabled && hostingChanged)) {
      await this.#hosting.set(after.hosting.enabled, after.hosting.port, after.ringGroups);
    }
    this.#render();
    return after;
  }

  async setHosting(enabled: boolean): Promise<HostingState> {
    const { hosting: { port }, ringGroups } = this.#settings.get();
    const state = await this.#hosting.set(enabled, port, ringGroups);
    await this.#settings.update({ hosting: { enabled: state.running, port } });
    return state;
  }

  reportStatus(status: PhoneStatus): void {
    this.#status = { ...status };
    if (status.dnd) for (const handle of this.#alerts.values()) handle?.close();
    this.#render();
  }

  alertIncoming(alert: IncomingCallAlert): void {
    if (this.#alerts.has(alert.callId)) return;
    const plan = planIncomingAlert(alert, {
      platform: this.#shell.platform,
      notificationsSupported: this.#shell.notificationsSupported(),
      windowFocused: this.#shell.isWindowFocused(),
      dnd: this.#status.dnd,
    });
    switch (plan.kind) {
      case 'suppress':
        return;
      case 'alert': {
        const handle = plan.notification
          ? this.#shell.notify(plan.notification, (event) => this.#onNotification(alert.callId, event))
          : null;
        this.#alerts.set(alert.callId, handle);
        if (plan.requestAttention) this.#shell.requestAttention(true);
        return;
      }
      default:
        unreachable(plan);
    }
  }

  /** Notifies a message while the window is not in front; only the latest message's notification stays. */
  alertMessage(alert: MessageAlert): void {
    const view = planMessageAlert(alert, {
      platform: this.#shell.platform,
      notificationsSupported: this.#shell.notificationsSupported(),
      windowFocused: this.#shell.isWindowFocused(),
      dnd: this.#status.dnd,
    });
    if (view === null) return;
    const previous = this.#messageAlert;
    this.#messageAlert = null;
    previous?.close();
    const handle = this.#shell.notify(view, (event) => {
      if (event === 'click') this.#shell.showWindow();
      if (event === 'click' || event === 'close') {
        if (this.#messageAlert === handle) this.#messageAlert = null;
      }
    });
    this.#messageAlert = handle;
  }

  clearIncoming(callId: string): void {
    const had = this.#alerts.has(callId);
    this.#alerts.get(callId)?.close();
    this.#alerts.delete(callId);
    if (had && this.#alerts.size === 0) this.#shell.requestAttention(false);
  }

  trayCommand(command: TrayCommand): void {
    switch (command) {
      case 'show':
        this.#shell.showWindow();
        return;
      case 'toggle-dnd':
        this.#status = { ...this.#status, dnd: !this.#status.dnd };
        this.#shell.send('dnd:change', this.#status.dnd);
        this.#render();
        return;
      case 'toggle-hosting':
        this.#pending = this.#pending.then(() =>
          this.setHosting(!this.#hosting.state.running).catch((error: unknown) =>
            this.#warn(`hosting: ${error instanceof Error ? error.message : String(error)}`),
          ),
        );
        return;
      case 'quit':
        this.#shell.quit();
        return;
      default:
        unreachable(command);
    }
  }

  #onNotification(callId: string, event: NotificationEvent): void {
    if (!this.#alerts.has(callId)) return;
    const action = ((): AlertAction['action'] | null => {
      switch (event) {
        case 'click':
          return 'show';
        case 'answer':
          return 'answer';
        case 'decline':
          return 'decline';
        case 'close':
          return null;
        default:
          return unreachable(event);
      }
    })();
    if (action === null) return;
    // The user acted on the notification: bringing the window forward is now wanted.
    if (action !== 'decline') this.#shell.showWindow();
    this.#shell.send('alert:action', { callId, action });
    this.clearIncoming(callId);
  }

  #render(): void {
    this.#tray = trayView({ status: this.#status, hosting: this.#hosting.state });
    this.#shell.setTray(this.#tray, (command) => this.trayCommand(command));
    const badge = badgeCount(this.#status);
    if (badge !== this.#badge) {
      this.#badge = badge;
      this.#shell.setBadge(badge);
    }
    const origins = connectOrigins(this.#settings.get(), this.#hosting.state);
    if (origins.join(' ') !== this.#origins.join(' ')) {
      this.#origins = origins;
      this.#options.onConnectOriginsChange?.(origins);
    }
  }

  #warn(message: string): void {
    (this.#options.warn ?? console.warn)(message);
  }
}
