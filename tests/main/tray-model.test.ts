import { describe, expect, it } from 'vitest';
import type { HostingState, PhoneStatus } from '../../common/bridge.js';
import { INITIAL_STATUS, trayIcon, trayView } from '../../main/tray-model.js';
import { HOSTING_ON_EXAMPLE } from './hosting-fixture.js';

const registered: PhoneStatus = { connection: 'registered', dnd: false, inCall: false, missedCalls: 0, unreadMessages: 0 };
const off: HostingState = { running: false, error: null };
const hostingOn: HostingState = { ...HOSTING_ON_EXAMPLE, port: 8080, addresses: ['192.168.1.5', '10.0.0.2'], url: 'wss://127.0.0.1:8080/signal' };

describe('tray model', () => {
  it.each<[string, PhoneStatus, HostingState, string, string]>([
    ['not connected', INITIAL_STATUS, off, 'offline', 'LeanPhone: not connected'],
    ['registered', registered, off, 'registered', 'LeanPhone: registered'],
    ['server lost', { ...registered, connection: 'reconnecting' }, off, 'reconnecting', 'LeanPhone: server lost, reconnecting…'],
    ['connecting', { ...registered, connection: 'connecting' }, off, 'reconnecting', 'LeanPhone: connecting…'],
    ['dnd', { ...registered, dnd: true }, off, 'dnd', 'LeanPhone: do not disturb'],
    ['in a call', { ...registered, inCall: true, dnd: true }, off, 'in-call', 'LeanPhone: in a call'],
    ['missed calls', { ...registered, missedCalls: 3 }, hostingOn, 'missed', 'LeanPhone: 3 missed calls'],
    ['hosting', registered, hostingOn, 'hosting', 'LeanPhone: registered, hosting a LAN phone system'],
  ])('%s', (_name, status, hosting, icon, headline) => {
    const view = trayView({ status, hosting });
    expect(view.icon).toBe(icon);
    expect(trayIcon({ status, hosting })).toBe(icon);
    expect(view.tooltip.split('\n')[0]).toBe(headline);
  });

  it('a call in progress wins over a signalling reconnect, since the call survives it', () => {
    expect(trayIcon({ status: { ...registered, connection: 'reconnecting', inCall: true }, hosting: off })).toBe('in-call');
  });

  it('mentions missed calls, dnd and hosting in the tooltip when they are not the headline', () => {
    const view = trayView({ status: { ...registered, inCall: true, dnd: true, missedCalls: 1 }, hosting: hostingOn });
    expect(view.tooltip).toBe('LeanPhone: in a call\n1 missed call\nDo not disturb\nHosting at http://192.168.1.5:8080');
  });

  it('has Show, Do not disturb, Host a LAN phone system and Quit, with checkboxes reflecting state', () => {
    const view = trayView({ status: { ...registered, dnd: true }, hosting: off });
    expect(view.menu).toEqual([
      { kind: 'action', command: 'show', label: 'Show LeanPhone' },
      { kind: 'separator' },
      { kind: 'checkbox', command: 'toggle-dnd', label: 'Do not disturb', checked: true },
      { kind: 'checkbox', command: 'toggle-hosting', label: 'Host a LAN phone system', checked: false },
      { kind: 'separator' },
      { kind: 'action', command: 'quit', label: 'Quit LeanPhone' },
    ]);
  });

  it('lists the addresses others use while hosting', () => {
    const labels = trayView({ status: registered, hosting: hostingOn }).menu.map((item) => ('label' in item ? item.label : '-'));
    expect(labels).toEqual([
      'Show LeanPhone',
      '-',
      'Do not disturb',
      'Host a LAN phone system',
      'Others join at http://192.168.1.5:8080',
      'Others join at http://10.0.0.2:8080',
      '-',
      'Quit LeanPhone',
    ]);
  });

  it('shows why hosting failed, and says so when no network is up', () => {
    const failed = trayView({ status: registered, hosting: { running: false, error: 'Port 8080 is already in use' } });
    expect(failed.menu).toContainEqual({ kind: 'info', label: 'Port 8080 is already in use' });
    const lonely = trayView({ status: registered, hosting: { ...hostingOn, addresses: [] } });
    expect(lonely.menu).toContainEqual({ kind: 'info', label: 'No network found; listening on port 8080' });
  });
});
