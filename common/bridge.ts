/**
 * The one door between the renderer and the desktop side: `window.leanphone`. The preload
 * implements it over IPC in the desktop app; in a plain browser a web implementation (Web
 * Notifications, localStorage) stands in. No Electron or DOM types here.
 */
import type { IceServer } from './protocol.js';
import type { RingGroupDefinition } from './ring-groups.js';

export interface DeviceChoice {
  microphone: string | null;
  camera: string | null;
  speaker: string | null;
}

/** The ringtones a user can choose (renderer/src/rtc/tones.ts plays them). */
export const RINGTONES = ['classic', 'chime', 'pulse'] as const;
export type Ringtone = (typeof RINGTONES)[number];

export interface Settings {
  /** ws:// or wss:// address of the signalling server; empty until the user gives one. */
  serverUrl: string;
  name: string;
  passcode: string;
  devices: DeviceChoice;
  /** The user's own STUN/TURN servers, added to those the server hands out. */
  iceServers: IceServer[];
  /** Send media only through TURN relays: the far end never learns this machine's addresses. */
  relayOnly: boolean;
  hosting: { enabled: boolean; port: number };
  /** The hosted server's ring groups: calling one rings every member online and free. */
  ringGroups: RingGroupDefinition[];
  startAtLogin: boolean;
  ringtone: Ringtone;
  /** Ringtone volume, 0 (silent) to 100. */
  ringtoneVolume: number;
}

/** What the tray and the badge show, reported by the renderer whenever it changes. */
export interface PhoneStatus {
  connection: 'disconnected' | 'connecting' | 'registered' | 'reconnecting';
  dnd: boolean;
  inCall: boolean;
  missedCalls: number;
  /** Text messages received and not yet shown. */
  unreadMessages: number;
}

export interface IncomingCallAlert {
  callId: string;
  from: string;
  video: boolean;
}

/** A text message that arrived; the desktop side notifies only when the window is not in front. */
export interface MessageAlert {
  from: string;
  text: string;
}

export type AlertAction = { callId: string; action: 'show' | 'answer' | 'decline' };

export type HostingState =
  | { running: false; error: string | null }
  | {
      running: true;
      port: number;
      addresses: string[];
      /** Where this machine's own phone connects (wss on loopback). */
      url: string;
      /** https addresses others open in a browser, one per LAN address. */
      joinUrls: string[];
      /** SHA-256 of the host's certificate, to compare with what a joiner's browser shows. */
      fingerprint: string;
      /** An SVG QR code of the first join address, or null without a LAN address. */
      qrSvg: string | null;
    };

export type Unsubscribe = () => void;

/** A LeanPhone host found on the LAN through DNS-SD (`_leanphone._tcp`). */
export interface DiscoveredServer {
  /** Instance name people see, e.g. "LeanPhone on office-mac". */
  name: string;
  host: string;
  port: number;
  addresses: string[];
  /** Where to connect: ws:// or wss:// on the address the answer came from. */
  url: string;
  version: number;
  tls: boolean;
  passcode: boolean;
  /** SHA-256 of the host's certificate from its TXT record; the first connection pins it. */
  fingerprint: string | null;
}

/** Whether the window may connect to a server; a refusal carries the warning to show. */
export type TrustResult = { ok: true } | { ok: false; warning: string };

export interface LeanPhoneBridge {
  readonly kind: 'desktop' | 'browser';
  getSettings(): Promise<Settings>;
  /** Merges and saves; answers the settings as stored. */
  updateSettings(patch: Partial<Settings>): Promise<Settings>;
  reportStatus(status: PhoneStatus): void;
  /** A native notification (or a Web Notification) for a ringing call; never steals focus. */
  alertIncomingCall(alert: IncomingCallAlert): void;
  /** A native (or Web) notification for a new text message, unless the window is in front. */
  alertMessage(alert: MessageAlert): void;
  /** The call stopped ringing (answered, cancelled, declined): withdraw its alert. */
  clearIncomingCall(callId: string): void;
  onAlertAction(listener: (action: AlertAction) => void): Unsubscribe;
  /** The user toggled do-not-disturb outside the window (the tray menu). */
  onDndChange(listener: (dnd: boolean) => void): Unsubscribe;
  getHosting(): Promise<HostingState>;
  setHosting(enabled: boolean): Promise<HostingState>;
  onHostingChange(listener: (state: HostingState) => void): Unsubscribe;
  /**
   * Called before every connection: the desktop side checks a wss:// server's certificate against
   * the pinned fingerprint (or the one discovery advertised) and refuses a changed one.
   */
  trustServer(url: string): Promise<TrustResult>;
  /** Hosts found on the LAN; always empty in a browser, which cannot browse mDNS. */
  getDiscoveredServers(): Promise<DiscoveredServer[]>;
  onDiscoveredServers(listener: (servers: DiscoveredServer[]) => void): Unsubscribe;
}

export const DEFAULT_SETTINGS: Settings = {
  serverUrl: '',
  name: '',
  passcode: '',
  devices: { microphone: null, camera: null, speaker: null },
  iceServers: [],
  relayOnly: false,
  hosting: { enabled: false, port: 8080 },
  ringGroups: [],
  startAtLogin: false,
  ringtone: 'classic',
  ringtoneVolume: 80,
};
