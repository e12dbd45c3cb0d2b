/**
 * The desktop implementation of LeanPhoneBridge over IPC, typed by the channel map. Only plain
 * payloads cross: listeners never see Electron's event object, and ipcRenderer never leaves
 * this module. Built around an injected ipc object so it runs under Node in tests.
 */
import type { LeanPhoneBridge, Unsubscribe } from '../common/bridge.js';
import type {
  EventChannel,
  EventChannels,
  InvokeChannel,
  InvokeRequest,
  InvokeResponse,
  SendChannel,
  SendChannels,
} from '../common/ipc.js';

type Listener = (event: unknown, payload: unknown) => void;

/** The subset of Electron's ipcRenderer the bridge uses. */
export interface IpcRendererLike {
  invoke(channel: string, payload: unknown): Promise<unknown>;
  send(channel: string, payload: unknown): void;
  on(channel: string, listener: Listener): unknown;
  removeListener(channel: string, listener: Listener): unknown;
}

export function createBridge(ipc: IpcRendererLike): LeanPhoneBridge {
  const invoke = <C extends InvokeChannel>(channel: C, payload: InvokeRequest<C>) =>
    ipc.invoke(channel, payload) as Promise<InvokeResponse<C>>;
  const send = <C extends SendChannel>(channel: C, payload: SendChannels[C]) => ipc.send(channel, payload);
  const subscribe = <C extends EventChannel>(channel: C, listener: (payload: EventChannels[C]) => void): Unsubscribe => {
    if (typeof listener !== 'function') throw new TypeError(`${channel}: listener must be a function`);
    const wrapped: Listener = (_event, payload) => listener(payload as EventChannels[C]);
    ipc.on(channel, wrapped);
    return () => {
      ipc.removeListener(channel, wrapped);
    };
  };

  return Object.freeze({
    kind: 'desktop',
    getSettings: () => invoke('settings:get', null),
    updateSettings: (patch) => invoke('settings:update', patch),
    reportStatus: (status) => send('status:report', status),
    alertIncomingCall: (alert) => send('alert:incoming', alert),
    clearIncomingCall: (callId) => send('alert:clear', callId),
    alertMessage: (alert) => send('alert:message', alert),
    onAlertAction: (listener) => subscribe('alert:action', listener),
    onDndChange: (listener) => subscribe('dnd:change', listener),
    getHosting: () => invoke('hosting:get', null),
    setHosting: (enabled) => invoke('hosting:set', enabled),
    onHostingChange: (listener) => subscribe('hosting:change', listener),
    trustServer: (url) => invoke('server:trust', url),
    getDiscoveredServers: () => invoke('discovery:get', null),
    onDiscoveredServers: (listener) => subscribe('discovery:change', listener),
  } satisfies LeanPhoneBridge);
}
