/**
 * The browser stand-in for the desktop bridge: settings kept in a Storage, validated field by
 * field on the way back, the passcode never stored; hosting refused with a reason.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../common/bridge.js';
import { createWebBridge, readSettings, SETTINGS_KEY } from '../../renderer/src/bridge/web-bridge.js';

function memory() {
  const items = new Map<string, string>();
  return { items, getItem: (k: string) => items.get(k) ?? null, setItem: (k: string, v: string) => void items.set(k, v) };
}

describe('web bridge settings', () => {
  it('starts from the defaults', async () => {
    const bridge = createWebBridge(memory());
    expect(await bridge.getSettings()).toEqual(DEFAULT_SETTINGS);
    expect(bridge.kind).toBe('browser');
  });

  it('merges and keeps updates, except the passcode', async () => {
    const storage = memory();
    const bridge = createWebBridge(storage);
    const saved = await bridge.updateSettings({ serverUrl: 'ws://phone.lan:8080', name: 'Ada', passcode: 'secret' });
    expect(saved).toMatchObject({ serverUrl: 'ws://phone.lan:8080', name: 'Ada', passcode: '' });
    await bridge.updateSettings({ devices: { microphone: 'mic-2', camera: null, speaker: 'spk-1' } });
    expect(await createWebBridge(storage).getSettings()).toMatchObject({
      name: 'Ada',
      devices: { microphone: 'mic-2', camera: null, speaker: 'spk-1' },
    });
    expect(storage.items.get(SETTINGS_KEY)).not.toContain('secret');
  });

  it('ignores malformed or corrupt stored values', () => {
    const storage = memory();
    storage.setItem(SETTINGS_KEY, '{oops');
    expect(readSettings(storage)).toEqual(DEFAULT_SETTINGS);
    storage.setItem(SETTINGS_KEY, JSON.stringify({ name: 7, serverUrl: 'ws://x', devices: { microphone: 5, camera: 'cam' }, iceServers: [{ urls: 'stun:x' }, 'junk'] }));
    expect(readSettings(storage)).toMatchObject({
      name: '',
      serverUrl: 'ws://x',
      devices: { microphone: null, camera: 'cam', speaker: null },
      iceServers: [{ urls: 'stun:x' }],
    });
  });

  it('keeps a chosen ringtone and volume, and ignores unknown ones', async () => {
    const storage = memory();
    const bridge = createWebBridge(storage);
    expect(await bridge.updateSettings({ ringtone: 'pulse', ringtoneVolume: 0 })).toMatchObject({ ringtone: 'pulse', ringtoneVolume: 0 });
    expect(await createWebBridge(storage).getSettings()).toMatchObject({ ringtone: 'pulse', ringtoneVolume: 0 });
    for (const bad of [{ ringtone: 'siren' }, { ringtone: 3 }, { ringtoneVolume: 101 }, { ringtoneVolume: -1 }, { ringtoneVolume: '50' }, { ringtoneVolume: 0.5 }]) {
      storage.setItem(SETTINGS_KEY, JSON.stringify(bad));
      expect(readSettings(storage), JSON.stringify(bad)).toMatchObject({ ringtone: 'classic', ringtoneVolume: 80 });
    }
  });

  it('hosting needs the desktop app', async () => {
    expect(await createWebBridge(memory()).setHosting(true)).toEqual({ running: false, error: 'Hosting needs the LeanPhone desktop app' });
  });
});
