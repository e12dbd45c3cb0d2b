/**
 * `npm install` on a machine that cannot download Electron still succeeds (package.json's
 * postinstall, scripts/get-electron.mjs), so `npm install && npm start` reaches the headless host.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

function getElectron(env: NodeJS.ProcessEnv) {
  const clean = { ...process.env };
  delete clean.ELECTRON_SKIP_BINARY_DOWNLOAD;
  return spawnSync(process.execPath, ['scripts/get-electron.mjs'], { cwd: root, encoding: 'utf8', env: { ...clean, ...env } });
}

describe('getting the Electron binary at npm install', () => {
  it('runs from the project postinstall only: electron’s own script is denied in allowScripts', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
      allowScripts: Record<string, boolean>;
    };
    expect(pkg.scripts.postinstall).toBe('node scripts/get-electron.mjs');
    expect(pkg.allowScripts.electron).toBe(false);
  });

  it('when the download fails, says so in one line and lets npm install finish', () => {
    const result = getElectron({
      ELECTRON_MIRROR: 'http://127.0.0.1:9/', // nothing listens: the download is refused at once
      electron_config_cache: mkdtempSync(join(tmpdir(), 'leanphone-electron-cache-')),
      ELECTRON_OVERRIDE_DIST_PATH: mkdtempSync(join(tmpdir(), 'leanphone-no-electron-')),
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^LeanPhone: could not get the Electron binary \(.*ECONNREFUSED 127\.0\.0\.1:9\); `npm start` will host the LAN phone system without a window\./);
  });

  it('with ELECTRON_SKIP_BINARY_DOWNLOAD=1 (as in CI) does nothing and says nothing', () => {
    const result = getElectron({ ELECTRON_SKIP_BINARY_DOWNLOAD: '1' });
    expect(result).toMatchObject({ status: 0, stdout: '', stderr: '' });
  });
});
