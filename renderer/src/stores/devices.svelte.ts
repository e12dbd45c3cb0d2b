/**
 * Microphones, cameras and speakers: the lists (refreshed on devicechange), the user's choice
 * of each (remembered through the bridge's settings) and a hook for the call to react when the
 * set of devices changes.
 */
import type { DeviceChoice, LeanPhoneBridge } from '../../../common/bridge.js';

export type DeviceKind = keyof DeviceChoice;
export interface DeviceOption {
  id: string;
  label: string;
}

const KIND_OF: Record<MediaDeviceKind, DeviceKind> = { audioinput: 'microphone', videoinput: 'camera', audiooutput: 'speaker' };

export class DeviceStore {
  readonly #bridge: LeanPhoneBridge;
  lists = $state.raw<Record<DeviceKind, DeviceOption[]>>({ microphone: [], camera: [], speaker: [] });
  chosen = $state.raw<DeviceChoice>({ microphone: null, camera: null, speaker: null });
  /** Whether this browser can route sound to a chosen speaker. */
  readonly canChooseSpeaker = typeof HTMLMediaElement !== 'undefined' && 'setSinkId' in HTMLMediaElement.prototype;
  #listeners = new Set<() => void>();

  constructor(bridge: LeanPhoneBridge) {
    this.#bridge = bridge;
    navigator.mediaDevices?.addEventListener?.('devicechange', () => {
      void this.refresh().then(() => {
        for (const listener of this.#listeners) listener();
      });
    });
  }

  async load(): Promise<void> {
    const settings = await this.#bridge.getSettings();
    this.chosen = settings.devices;
    await this.refresh();
  }

  async refresh(): Promise<void> {
    if (!navigator.mediaDevices?.enumerateDevices) return;
    const devices = await navigator.mediaDevices.enumerateDevices();
    const lists: Record<DeviceKind, DeviceOption[]> = { microphone: [], camera: [], speaker: [] };
    for (const device of devices) {
      const kind = KIND_OF[device.kind];
      if (!device.deviceId || device.deviceId === 'default' || device.deviceId === 'communications') continue;
      lists[kind].push({ id: device.deviceId, label: device.label || `${kind} ${lists[kind].length + 1}` });
    }
    this.lists = lists;
  }

  /** The chosen device if it is still plugged in, else null (the system default). */
  current(kind: DeviceKind): string | null {
    const id = this.chosen[kind];
    if (id === null) return null;
    const known = this.lists[kind];
    return known.length === 0 || known.some((d) => d.id === id) ? id : null;
  }

  async choose(kind: DeviceKind, id: string | null): Promise<void> {
    this.chosen = { ...this.chosen, [kind]: id };
    await this.#bridge.updateSettings({ devices: this.chosen });
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
