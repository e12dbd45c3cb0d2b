/**
 * A recording DesktopShell: the one fake, standing where Electron's window, tray, notification
 * and app APIs would be. Tests drive its notifications and read what was asked of it.
 */
import type { EventChannel, EventChannels } from '../../common/ipc.js';
import type { NotificationView } from '../../main/notification-policy.js';
import type { DesktopShell, NotificationEvent } from '../../main/shell.js';
import type { TrayCommand, TrayView } from '../../main/tray-model.js';

export interface ShownNotification {
  view: NotificationView;
  closed: boolean;
  fire(event: NotificationEvent): void;
}

export class FakeShell implements DesktopShell {
  platform: NodeJS.Platform = 'linux';
  supported = true;
  focused = false;
  readonly calls: string[] = [];
  readonly sent: Array<{ channel: EventChannel; payload: unknown }> = [];
  readonly notifications: ShownNotification[] = [];
  tray: TrayView | null = null;
  badge = 0;
  attention = false;
  openAtLogin = false;
  #onCommand: ((command: TrayCommand) => void) | null = null;

  notificationsSupported(): boolean {
    return this.supported;
  }
  showWindow(): void {
    this.calls.push('showWindow');
    this.focused = true;
  }
  isWindowFocused(): boolean {
    return this.focused;
  }
  requestAttention(on: boolean): void {
    this.calls.push(`requestAttention:${on}`);
    this.attention = on;
  }
  setBadge(count: number): void {
    this.badge = count;
  }
  setTray(view: TrayView, onCommand: (command: TrayCommand) => void): void {
    this.tray = view;
    this.#onCommand = onCommand;
  }
  notify(view: NotificationView, onEvent: (event: NotificationEvent) => void) {
    const shown: ShownNotification = {
      view,
      closed: false,
      fire: (event) => onEvent(event),
    };
    this.notifications.push(shown);
    return {
      close: () => {
        shown.closed = true;
        onEvent('close');
      },
    };
  }
  send<C extends EventChannel>(channel: C, payload: EventChannels[C]): void {
    this.sent.push({ channel, payload });
  }
  setOpenAtLogin(enabled: boolean): void {
    this.openAtLogin = enabled;
  }
  quit(): void {
    this.calls.push('quit');
  }
  /** What clicking a tray menu item does. */
  clickTray(command: TrayCommand): void {
    if (!this.#onCommand) throw new Error('no tray yet');
    this.#onCommand(command);
  }
}
