import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../common/bridge.js';
import { systemSecretBox, type SecretBox } from '../../main/secret-box.js';
import { SettingsError, SettingsStore } from '../../main/settings-store.js';
import { fakeSafeStorage } from './fake-electron.js';

let dir: string;
const warnings: string[] = [];
const open = (secrets: SecretBox | null = null) =>
  SettingsStore.open(dir, { now: () => new Date('2026-01-02T03:04:05.678Z'), warn: (m) => warnings.push(m), secrets });
const keyStore = (): SecretBox => {
  const box = systemSecretBox(fakeSafeStorage(), 'linux');
  if (!box) throw new Error('the fake key store should give a box');
  return box;
};
const fileText = () => readFile(join(dir, 'settings.json'), 'utf8');

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'leanphone-settings-'));
  warnings.length = 0;
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('settings store', () => {
  it('starts from defaults when there is no file, without writing one', async () => {
    const store = await open();
    expect(store.get()).toEqual(DEFAULT_SETTINGS);
    expect(await readdir(dir)).toEqual([]);
  });

  it('saves a patch and reads it back after a restart', async () => {
    const store = await open();
    const saved = await store.update({ serverUrl: 'ws://192.168.1.5:8080/signal', name: '  Ada  ', startAtLogin: true });
    expect(saved).toMatchObject({ serverUrl: 'ws://192.168.1.5:8080/signal', name: 'Ada', startAtLogin: true });
    expect((await open()).get()).toEqual(saved);
    expect(JSON.parse(await readFile(join(dir, 'settings.json'), 'utf8'))).toEqual(saved);
    expect(await readdir(dir)).toEqual(['settings.json']);
  });

  it('keeps a chosen ringtone and volume', async () => {
    const store = await open();
    await store.update({ ringtone: 'chime', ringtoneVolume: 30 });
    expect((await open()).get()).toMatchObject({ ringtone: 'chime', ringtoneVolume: 30 });
  });

  it('applies concurrent updates in order, keeping both', async () => {
    const store = await open();
    await Promise.all([store.update({ name: 'Ada' }), store.update({ passcode: 'secret' })]);
    expect((await open()).get()).toMatchObject({ name: 'Ada', passcode: 'secret' });
  });

  it.each([
    [{ serverUrl: 'http://example.com' }, 'serverUrl: serverUrl must be empty or a ws:// or wss:// address'],
    [{ name: '<b>x</b>' }, "name: name may hold only letters, digits, spaces and . _ - '"],
    [{ hosting: { enabled: true, port: 70000 } }, 'hosting.port'],
    [{ startAtLogin: 'yes' }, 'startAtLogin'],
    [{ ringtone: 'siren' }, 'ringtone'],
    [{ ringtoneVolume: 101 }, 'ringtoneVolume'],
    [{ ringtoneVolume: 2.5 }, 'ringtoneVolume'],
    [{ evil: true }, 'evil'],
    [{ iceServers: [{ urls: 'javascript:alert(1)' }] }, 'ICE server urls must start with'],
    ['not an object', 'Invalid settings'],
  ])('refuses %j with a clear error and changes nothing', async (patch, message) => {
    const store = await open();
    await store.update({ name: 'Ada' });
    const before = await readFile(join(dir, 'settings.json'), 'utf8');
    const error = await store.update(patch).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SettingsError);
    expect((error as Error).message).toContain(message);
    expect(store.get().name).toBe('Ada');
    expect(await readFile(join(dir, 'settings.json'), 'utf8')).toBe(before);
  });

  it.each([
    ['not JSON', '{"serverUrl": '],
    ['not an object', '[1, 2]'],
    ['a wrong value', JSON.stringify({ ...DEFAULT_SETTINGS, hosting: { enabled: 'yes', port: 8080 } })],
  ])('keeps a corrupt file (%s) aside and starts from defaults', async (_what, text) => {
    await writeFile(join(dir, 'settings.json'), text);
    const store = await open();
    expect(store.get()).toEqual(DEFAULT_SETTINGS);
    const aside = join(dir, 'settings.corrupt-2026-01-02T03-04-05-678Z.json');
    expect(await readdir(dir)).toEqual(['settings.corrupt-2026-01-02T03-04-05-678Z.json']);
    expect(await readFile(aside, 'utf8')).toBe(text);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('started from defaults');
    await store.update({ name: 'Ada' });
    expect((await open()).get().name).toBe('Ada');
  });

  it('fills in keys missing from an older file', async () => {
    await writeFile(join(dir, 'settings.json'), JSON.stringify({ name: 'Ada' }));
    expect((await open()).get()).toEqual({ ...DEFAULT_SETTINGS, name: 'Ada' });
  });

  it('hands out copies, so a caller cannot change the stored settings', async () => {
    const store = await open();
    store.get().devices.camera = 'hacked';
    expect(store.get().devices.camera).toBeNull();
  });

  describe('the passcode, with a key store', () => {
    it('is sealed in the file and read back in plain after a restart', async () => {
      await (await open(keyStore())).update({ name: 'Ada', passcode: 'tulip-7731' });
      expect(await fileText()).not.toContain('tulip-7731');
      expect(JSON.parse(await fileText())).toMatchObject({ name: 'Ada', passcode: { sealed: expect.any(String) } });
      expect((await open(keyStore())).get()).toMatchObject({ name: 'Ada', passcode: 'tulip-7731' });
      expect(warnings).toEqual([]);
    });

    it('found in plain text (an older LeanPhone wrote it), is sealed at once', async () => {
      await (await open()).update({ passcode: 'tulip-7731' });
      expect(JSON.parse(await fileText()).passcode).toBe('tulip-7731');
      expect((await open(keyStore())).get().passcode).toBe('tulip-7731');
      expect(await fileText()).not.toContain('tulip-7731');
      expect(await readdir(dir)).toEqual(['settings.json']);
    });

    it('sealed where this account cannot open it, is asked for again, and every other setting is kept', async () => {
      await (await open(keyStore())).update({ name: 'Ada', passcode: 'tulip-7731' });
      const otherKey: SecretBox = {
        seal: () => 'x',
        open: () => {
          throw new Error('Error while decrypting');
        },
      };
      expect((await open(otherKey)).get()).toMatchObject({ name: 'Ada', passcode: '' });
      expect((await open(null)).get()).toMatchObject({ name: 'Ada', passcode: '' });
      expect(warnings).toEqual([
        `settings: the passcode in ${join(dir, 'settings.json')} was sealed by a key store this account cannot open now; enter it again`,
        `settings: the passcode in ${join(dir, 'settings.json')} was sealed by a key store this account cannot open now; enter it again`,
      ]);
      expect(await readdir(dir)).toEqual(['settings.json']);
    });

    it('that the key store will not seal is kept in plain text, with a warning, and the settings are saved', async () => {
      const refusing: SecretBox = {
        seal: () => {
          throw new Error('access denied');
        },
        open: () => 'never',
      };
      expect(await (await open(refusing)).update({ name: 'Ada', passcode: 'tulip-7731' })).toMatchObject({ name: 'Ada', passcode: 'tulip-7731' });
      expect(JSON.parse(await fileText())).toMatchObject({ name: 'Ada', passcode: 'tulip-7731' });
      expect(warnings).toEqual(['settings: the key store would not seal a secret (Error: access denied); it is kept in plain text until it will']);
    });

    it('an empty one is kept as it is, with nothing to seal', async () => {
      await (await open(keyStore())).update({ name: 'Ada' });
      expect(JSON.parse(await fileText()).passcode).toBe('');
    });

    it('anything else where the passcode goes makes the file corrupt, moved aside', async () => {
      await writeFile(join(dir, 'settings.json'), JSON.stringify({ name: 'Ada', passcode: { sealed: 'abc', extra: 1 } }));
      expect((await open(keyStore())).get()).toEqual(DEFAULT_SETTINGS);
      expect(warnings[0]).toMatch(/was not valid \(passcode: .*expected string/);
      await writeFile(join(dir, 'settings.json'), JSON.stringify({ name: 'Ada', passcode: null }));
      expect((await open(keyStore())).get()).toEqual(DEFAULT_SETTINGS);
      expect(warnings[1]).toMatch(/was not valid \(passcode: .*expected string/);
    });
  });

  describe('TURN credentials, with a key store', () => {
    const turn = { urls: ['turn:10.0.0.2:3478'], username: 'office', credential: 'long-term-99' };
    const stun = { urls: 'stun:10.0.0.2:3478' };

    it('are sealed in the file and read back after a restart; servers without one are kept as they are', async () => {
      await (await open(keyStore())).update({ iceServers: [stun, turn] });
      expect(await fileText()).not.toContain('long-term-99');
      expect(JSON.parse(await fileText()).iceServers).toEqual([stun, { ...turn, credential: { sealed: expect.any(String) } }]);
      expect((await open(keyStore())).get().iceServers).toEqual([stun, turn]);
    });

    it('found in plain text are sealed at once', async () => {
      await (await open()).update({ iceServers: [turn] });
      expect(await fileText()).toContain('long-term-99');
      expect((await open(keyStore())).get().iceServers).toEqual([turn]);
      expect(await fileText()).not.toContain('long-term-99');
    });

    it('sealed where this account cannot open them are dropped, with a warning naming the server', async () => {
      await (await open(keyStore())).update({ passcode: 'tulip-7731', iceServers: [turn] });
      expect((await open(null)).get()).toMatchObject({ passcode: '', iceServers: [{ urls: ['turn:10.0.0.2:3478'], username: 'office' }] });
      expect(warnings).toEqual([
        `settings: the passcode in ${join(dir, 'settings.json')} was sealed by a key store this account cannot open now; enter it again`,
        `settings: the credential of ICE server turn:10.0.0.2:3478 in ${join(dir, 'settings.json')} was sealed by a key store this account cannot open now; enter it again`,
      ]);
    });
  });

  it("uses no key store where Linux has only Chromium's built-in key, or none at all", () => {
    expect(systemSecretBox(fakeSafeStorage('basic_text'), 'linux')).toBeNull();
    expect(systemSecretBox({ ...fakeSafeStorage(), isEncryptionAvailable: () => false }, 'darwin')).toBeNull();
    // Elsewhere the backend question means nothing: the Keychain and DPAPI are the key stores.
    expect(systemSecretBox(fakeSafeStorage('basic_text'), 'win32')).not.toBeNull();
  });
});
