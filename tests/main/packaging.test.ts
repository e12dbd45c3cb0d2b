import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const root = new URL('../../', import.meta.url).pathname;

interface BuilderConfig {
  appId: string;
  productName: string;
  files: Array<string | { filter: string[] }>;
  mac: { target: string[]; hardenedRuntime: boolean; entitlements: string; extendInfo: Record<string, string> };
  win: { target: string[] };
  linux: { target: string[] };
  npmRebuild: boolean;
}

async function loadConfig(): Promise<BuilderConfig> {
  const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
    getConfig(dir: string, path: string | null, options: null): Promise<BuilderConfig>;
    validateConfiguration(config: BuilderConfig, logger: unknown): Promise<void>;
  };
  const { DebugLogger } = require('builder-util/out/DebugLogger') as { DebugLogger: new (enabled: boolean) => unknown };
  const config = await getConfig(root, null, null);
  await validateConfiguration(config, new DebugLogger(false));
  return config;
}

describe('installers (electron-builder.yml)', () => {
  it('is valid for electron-builder and names the app, the files and every target', async () => {
    const config = await loadConfig();
    expect(config.appId).toBe('org.leanphone.desktop');
    expect(config.productName).toBe('LeanPhone');
    const files = config.files.flatMap((entry) => (typeof entry === 'string' ? [entry] : entry.filter));
    expect(files).toEqual(expect.arrayContaining(['dist/**/*', 'dist-electron/**/*']));
    expect(config.mac.target).toEqual(['dmg', 'zip']);
    expect(config.win.target).toEqual(['nsis']);
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
  });

  it('rebuilds the native database binding for Electron, which the app would otherwise run without', async () => {
    const config = await loadConfig();
    expect(config.npmRebuild).toBe(true);
    const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { optionalDependencies: Record<string, string>; allowScripts: Record<string, boolean> };
    // 13 needs Node 22 and crashes on Node 20.
    expect(pkg.optionalDependencies['better-sqlite3']).toMatch(/^\^12\./);
    expect(pkg.allowScripts['better-sqlite3']).toBe(true);
  });

  it('signs macOS with the hardened runtime, the entitlements calls need, and usage descriptions', async () => {
    const config = await loadConfig();
    expect(config.mac.hardenedRuntime).toBe(true);
    expect(config.mac.extendInfo.NSCameraUsageDescription).toMatch(/camera/);
    expect(config.mac.extendInfo.NSMicrophoneUsageDescription).toMatch(/microphone/);
    const plist = readFileSync(`${root}${config.mac.entitlements}`, 'utf8');
    const granted = [...plist.matchAll(/<key>([^<]+)<\/key>\s*<true\/>/g)].map((m) => m[1]);
    expect(granted.sort()).toEqual([
      'com.apple.security.cs.allow-jit',
      'com.apple.security.device.audio-input',
      'com.apple.security.device.camera',
      'com.apple.security.network.client',
      'com.apple.security.network.server',
    ]);
  });

  it('has an app icon large enough for every platform and points package.json at the built main', () => {
    const icon = readFileSync(`${root}build/icon.png`);
    expect(icon.readUInt32BE(16)).toBeGreaterThanOrEqual(512);
    expect(icon.readUInt32BE(20)).toBe(icon.readUInt32BE(16));
    const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { main: string };
    expect(pkg.main).toBe('dist-electron/main.js');
  });
});
