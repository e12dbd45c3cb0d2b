/**
 * The bridge for a plain browser, where no desktop side exists: settings in localStorage (the
 * passcode is never stored), Web Notifications for ringing calls (only while the page is hidden,
 * so they never steal focus), the page title for status. Hosting needs the desktop app.
 */
import { DEFAULT_SETTINGS, RINGTONES, type AlertAction, type HostingState, type IncomingCallAlert, type LeanPhoneBridge, type MessageAlert, type PhoneStatus, type Settings } from '../../../common/bridge.js';
import type { StorageLike } from '../lib/history.js';

export const SETTINGS_KEY = 'leanphone.settings.v1';

/** Keeps only well-formed fields of stored settings; anything else falls back to the default. */
export function readSettings(storage: StorageLike): Settings {
  let raw: unknown = null;
  try {
    raw = JSON.parse(storage.getItem(SETTINGS_KEY) ?? 'null');
  } catch {
    raw = null;
  }
  const settings: Settings = structuredClone(DEFAULT_SETTINGS);
  if (typeof raw !== 'object' || raw === null) return settings;
  const r = raw as Record<string, unknown>;
  if (typeof r.serverUrl === 'string') settings.serverUrl = r.serverUrl.slice(0, 512);
  if (typeof r.name === 'string') settings.name = r.name.slice(0, 64);
  const devices = r.devices as Record<string, unknown> | undefined;
  if (typeof devices === 'object' && devices !== null) {
    for (const key of ['microphone', 'camera', 'speaker'] as const) {
      const value = devices[key];
      if (typeof value === 'string' || value === null) settings.devices[key] = value;
    }
  }
  if (typeof r.relayOnly === 'boolean') settings.relayOnly = r.relayOnly;
  if (RINGTONES.some((name) => name === r.ringtone)) settings.ringtone = r.ringtone as Settings['ringtone'];
  if (Number.isInteger(r.ringtoneVolume) && (r.ringtoneVolume as number) >= 0 && (r.ringtoneVolume as number) <= 100) {
    settings.ringtoneVolume = r.ringtoneVolume as number;
  }
  if (Array.isArray(r.iceServers)) {
    settings.iceServers = r.iceServers.filter(
      (s): s is Settings['iceServers'][number] => typeof s === 'object' && s !== null && (typeof s.urls === 'string' || Array.isArray(s.urls)),
    );
  }
  return settings;
}

export function createWebBridge(storage: StorageLike = localStorage): LeanPhoneBridge {
  const actionListeners = new Set<(action: AlertAction) => void>();
  const notifications = new Map<string, Notification>();
  const baseTitle = typeof document === 'undefined' ? 'LeanPhone' : document.title || 'LeanPhone';

  return {
    kind: 'browser',
    async getSettings() {
      return readSettings(storage);
    },
    async updateSettings(patch: Partial<Settings>) {
      const next: Settings = { ...readSettings(storage), ...patch, passcode: '' };
      storage.setItem(SETTINGS_KEY, JSON.stringify(next));
      return readSettings(storage);
    },
    reportStatus(status: PhoneStatus) {
      if (typeof document === 'undefined') return;
      const waiting = status.missedCalls + status.unreadMessages;
      const prefix = waiting > 0 ? `(${waiting}) ` : '';
      document.title = `${prefix}${baseTitle}`;
    },
    alertIncomingCall(alert: IncomingCallAlert) {
      if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
      if (typeof document !== 'undefined' && document.visibilityState === 'visible') return;
      const notification = new Notification(`${alert.from} is calling`, {
        body: alert.video ? 'Video call' : 'Voice call',
        tag: alert.callId,
        requireInteraction: true,
      });
      notification.onclick = () => {
        window.focus();
        for (const listener of actionListeners) listener({ callId: alert.callId, action: 'show' });
        notification.close();
      };
      notifications.set(alert.callId, notification);
    },
    alertMessage(alert: MessageAlert) {
      if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
      if (typeof document !== 'undefined' && document.visibilityState === 'visible') return;
      // One tag: a newer message replaces the last one's notification.
      const notification = new Notification(`Message from ${alert.from}`, { body: alert.text.slice(0, 200), tag: 'leanphone-message' });
      notification.onclick = () => {
        window.focus();
        notification.close();
      };
    },
    clearIncomingCall(callId: string) {
      notifications.get(callId)?.close();
      notifications.delete(callId);
    },
    onAlertAction(listener) {
      actionListeners.add(listener);
      return () => actionListeners.delete(listener);
    },
    onDndChange() {
      return () => undefined;
    },
    async getHosting(): Promise<HostingState> {
      return { running: false, error: 'Hosting needs the LeanPhone desktop app' };
    },
    async setHosting(): Promise<HostingState> {
      return { running: false, error: 'Hosting needs the LeanPhone desktop app' };
    },
    onHostingChange() {
      return () => undefined;
    },
    // The browser checks certificates itself, and a page cannot browse mDNS.
    async trustServer() {
      return { ok: true };
    },
    async getDiscoveredServers() {
      return [];
    },
    onDiscoveredServers() {
      return () => undefined;
    },
  };
}

/** Asks once, from a user gesture, whether ringing calls may show notifications. */
export function askNotificationPermission(): void {
  if (typeof Notification !== 'undefined' && Notification.permission === 'default') {
    void Notification.requestPermission().catch(() => undefined);
  }
}
