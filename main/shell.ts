/**
 * The narrow boundary between LeanPhone's main-process logic and Electron: everything the
 * controller asks of windows, tray, notifications, badge and login items. electron-adapter.ts
 * implements it with the real APIs; Node tests implement it with a recording fake.
 */
import type { EventChannel, EventChannels } from '../common/ipc.js';
import type { NotificationView } from './notification-policy.js';
import type { TrayCommand, TrayView } from './tray-model.js';

export type NotificationEvent = 'click' | 'answer' | 'decline' | 'close';

export interface NotificationHandle {
  close(): void;
}

export interface DesktopShell {
  readonly platform: NodeJS.Platform;
  notificationsSupported(): boolean;
  /** Shows, restores and focuses the window: only ever called for something the user did. */
  showWindow(): void;
  isWindowFocused(): boolean;
  /** Taskbar flash / dock bounce without taking focus; false stops it. */
  requestAttention(on: boolean): void;
  setBadge(count: number): void;
  setTray(view: TrayView, onCommand: (command: TrayCommand) => void): void;
  notify(view: NotificationView, onEvent: (event: NotificationEvent) => void): NotificationHandle;
  send<C extends EventChannel>(channel: C, payload: EventChannels[C]): void;
  setOpenAtLogin(enabled: boolean): void;
  quit(): void;
}
