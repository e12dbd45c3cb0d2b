import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { mdnsEnabled, startsHidden, testMode } from '../../main/launch.js';
import { badgeCount, planIncomingAlert } from '../../main/notification-policy.js';
import { TRAY_ICON_NAMES } from '../../main/tray-model.js';
import { trayIconPng } from '../../main/tray-icons.js';

const alert = { callId: 'call-000000001', from: 'Ada', video: false };
const context = { platform: 'win32' as const, notificationsSupported: true, windowFocused: false, dnd: false };

describe('notification policy', () => {
  it('suppresses everything in dnd', () => {
    expect(planIncomingAlert(alert, { ...context, dnd: true })).toEqual({ kind: 'suppress', reason: 'dnd' });
  });

  it('notifies with the caller name, audible, without buttons where the system has none', () => {
    expect(planIncomingAlert(alert, context)).toEqual({
      kind: 'alert',
      notification: {
        title: 'Incoming call',
        body: 'Ada is calling',
        silent: false,
        actions: [],
        urgency: 'critical',
        timeoutType: 'never',
      },
      requestAttention: true,
    });
  });

  it('badge is the missed-call count', () => {
    expect(badgeCount({ connection: 'registered', dnd: true, inCall: false, missedCalls: 3, unreadMessages: 0 })).toBe(3);
  });
});

describe('launch', () => {
  it('starts hidden when launched at login', () => {
    expect(startsHidden(['/opt/LeanPhone/leanphone', '--hidden'], false)).toBe(true);
    expect(startsHidden(['/Applications/LeanPhone.app/Contents/MacOS/LeanPhone'], true)).toBe(true);
    expect(startsHidden(['/opt/LeanPhone/leanphone'], false)).toBe(false);
  });

  it('uses multicast DNS unless LEANPHONE_MDNS=off', () => {
    expect(mdnsEnabled({})).toBe(true);
    expect(mdnsEnabled({ LEANPHONE_MDNS: 'on' })).toBe(true);
    expect(mdnsEnabled({ LEANPHONE_MDNS: 'off' })).toBe(false);
  });

  it('test mode only with LEANPHONE_TEST=1', () => {
    expect(testMode({})).toBeNull();
    expect(testMode({ LEANPHONE_TEST: 'true' })).toBeNull();
    expect(testMode({ LEANPHONE_TEST: '1', LEANPHONE_USER_DATA: '/tmp/x' })).toEqual({ userDataDir: '/tmp/x' });
  });
});

describe('tray icons', () => {
  it.each(TRAY_ICON_NAMES)('%s is a valid 32x32 RGBA PNG', (name) => {
    const png = trayIconPng(name);
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.readUInt32BE(16)).toBe(32);
    expect(png.readUInt32BE(20)).toBe(32);
    const idatLength = png.readUInt32BE(33);
    expect(png.toString('ascii', 37, 41)).toBe('IDAT');
    const raw = inflateSync(png.subarray(41, 41 + idatLength));
    expect(raw.length).toBe(32 * (32 * 4 + 1));
    // Centre pixel is opaque, corner is transparent.
    const pixel = (x: number, y: number) => raw.subarray(y * 129 + 1 + x * 4, y * 129 + 1 + x * 4 + 4);
    expect(pixel(16, 16)[3]).toBe(255);
    expect(pixel(0, 0)[3]).toBe(0);
  });

  it('each state looks different', () => {
    const pngs = new Set(TRAY_ICON_NAMES.map((name) => trayIconPng(name).toString('base64')));
    expect(pngs.size).toBe(TRAY_ICON_NAMES.length);
  });
});
