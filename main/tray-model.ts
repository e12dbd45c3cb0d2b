/**
 * The tray (menu bar) as data: from the phone's status and the hosting state to one icon name,
 * a tooltip and the menu items. No Electron here; the adapter turns the view into a real Tray.
 */
import type { HostingState, PhoneStatus } from '../common/bridge.js';

export type TrayIconName = 'offline' | 'registered' | 'reconnecting' | 'dnd' | 'in-call' | 'missed' | 'hosting';
export const TRAY_ICON_NAMES: readonly TrayIconName[] = ['offline', 'registered', 'reconnecting', 'dnd', 'in-call', 'missed', 'hosting'];

export type TrayCommand = 'show' | 'toggle-dnd' | 'toggle-hosting' | 'quit';

export type TrayMenuItem =
  | { kind: 'action'; command: TrayCommand; label: string }
  | { kind: 'checkbox'; command: TrayCommand; label: string; checked: boolean }
  | { kind: 'info'; label: string }
  | { kind: 'separator' };

export interface TrayView {
  icon: TrayIconName;
  tooltip: string;
  menu: TrayMenuItem[];
}

export interface TrayInput {
  status: PhoneStatus;
  hosting: HostingState;
}

export const INITIAL_STATUS: PhoneStatus = { connection: 'disconnected', dnd: false, inCall: false, missedCalls: 0, unreadMessages: 0 };

export function trayIcon({ status, hosting }: TrayInput): TrayIconName {
  if (status.inCall) return 'in-call';
  switch (status.connection) {
    case 'connecting':
    case 'reconnecting':
      return 'reconnecting';
    case 'disconnected':
      return 'offline';
    case 'registered':
      break;
    default:
      return unreachable(status.connection);
  }
  if (status.dnd) return 'dnd';
  if (status.missedCalls > 0) return 'missed';
  if (hosting.running) return 'hosting';
  return 'registered';
}

/** The address a person on the LAN types: the browser phone served by the host. */
export function joinAddresses(hosting: HostingState): string[] {
  return hosting.running ? hosting.addresses.map((address) => `http://${address}:${hosting.port}`) : [];
}

export function trayView(input: TrayInput): TrayView {
  const icon = trayIcon(input);
  const { status, hosting } = input;
  const lines = [`LeanPhone: ${headline(icon, status)}`];
  if (icon !== 'missed' && status.missedCalls > 0) lines.push(missedText(status.missedCalls));
  if (status.unreadMessages > 0) lines.push(`${status.unreadMessages} unread message${status.unreadMessages === 1 ? '' : 's'}`);
  if (icon !== 'dnd' && status.dnd) lines.push('Do not disturb');
  const joins = joinAddresses(hosting);
  if (hosting.running) lines.push(joins.length > 0 ? `Hosting at ${joins[0]}` : `Hosting on port ${hosting.port}`);

  const menu: TrayMenuItem[] = [
    { kind: 'action', command: 'show', label: 'Show LeanPhone' },
    { kind: 'separator' },
    { kind: 'checkbox', command: 'toggle-dnd', label: 'Do not disturb', checked: status.dnd },
    { kind: 'checkbox', command: 'toggle-hosting', label: 'Host a LAN phone system', checked: hosting.running },
  ];
  if (hosting.running) {
    if (joins.length === 0) menu.push({ kind: 'info', label: `No network found; listening on port ${hosting.port}` });
    for (const address of joins) menu.push({ kind: 'info', label: `Others join at ${address}` });
  } else if (hosting.error !== null) {
    menu.push({ kind: 'info', label: hosting.error });
  }
  menu.push({ kind: 'separator' }, { kind: 'action', command: 'quit', label: 'Quit LeanPhone' });
  return { icon, tooltip: lines.join('\n'), menu };
}

function headline(icon: TrayIconName, status: PhoneStatus): string {
  switch (icon) {
    case 'in-call':
      return 'in a call';
    case 'reconnecting':
      return status.connection === 'connecting' ? 'connecting…' : 'server lost, reconnecting…';
    case 'offline':
      return 'not connected';
    case 'dnd':
      return 'do not disturb';
    case 'missed':
      return missedText(status.missedCalls);
    case 'hosting':
      return 'registered, hosting a LAN phone system';
    case 'registered':
      return 'registered';
    default:
      return unreachable(icon);
  }
}

function missedText(count: number): string {
  return count === 1 ? '1 missed call' : `${count} missed calls`;
}

export function unreachable(value: never): never {
  throw new Error(`Unhandled case: ${String(value)}`);
}
