/**
 * The IPC channel map: every call and event between the desktop main process and the preload,
 * with its payload types. Main, preload and renderer-side code derive their types from it, so a
 * wrong channel or payload fails the type check. Main still validates every payload on arrival.
 */
import type {
  AlertAction,
  DiscoveredServer,
  HostingState,
  IncomingCallAlert,
  MessageAlert,
  PhoneStatus,
  Settings,
  TrustResult,
} from './bridge.js';

/** Renderer asks, main answers (ipcRenderer.invoke / ipcMain.handle). */
export interface InvokeChannels {
  'settings:get': { request: null; response: Settings };
  'settings:update': { request: Partial<Settings>; response: Settings };
  'hosting:get': { request: null; response: HostingState };
  'hosting:set': { request: boolean; response: HostingState };
  'server:trust': { request: string; response: TrustResult };
  'discovery:get': { request: null; response: DiscoveredServer[] };
}

/** Renderer tells main, no answer (ipcRenderer.send / ipcMain.on). */
export interface SendChannels {
  'status:report': PhoneStatus;
  'alert:incoming': IncomingCallAlert;
  'alert:clear': string;
  'alert:message': MessageAlert;
}

/** Main tells the renderer (webContents.send / ipcRenderer.on). */
export interface EventChannels {
  'alert:action': AlertAction;
  'dnd:change': boolean;
  'hosting:change': HostingState;
  'discovery:change': DiscoveredServer[];
}

export type InvokeChannel = keyof InvokeChannels;
export type SendChannel = keyof SendChannels;
export type EventChannel = keyof EventChannels;

export type InvokeRequest<C extends InvokeChannel> = InvokeChannels[C]['request'];
export type InvokeResponse<C extends InvokeChannel> = InvokeChannels[C]['response'];

/** Runtime lists of the channel names, checked against the map above. */
export const INVOKE_CHANNELS = ['settings:get', 'settings:update', 'hosting:get', 'hosting:set', 'server:trust', 'discovery:get'] as const satisfies readonly InvokeChannel[];
export const SEND_CHANNELS = ['status:report', 'alert:incoming', 'alert:clear', 'alert:message'] as const satisfies readonly SendChannel[];
export const EVENT_CHANNELS = ['alert:action', 'dnd:change', 'hosting:change', 'discovery:change'] as const satisfies readonly EventChannel[];

/** Compile-time proof that each runtime list names every channel of its map. */
type Covers<List extends readonly string[], Keys extends string> = Exclude<Keys, List[number]> extends never ? true : never;
export const CHANNEL_LISTS_COMPLETE: [
  Covers<typeof INVOKE_CHANNELS, InvokeChannel>,
  Covers<typeof SEND_CHANNELS, SendChannel>,
  Covers<typeof EVENT_CHANNELS, EventChannel>,
] = [true, true, true];
