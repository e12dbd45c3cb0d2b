/**
 * package.json's postinstall: gets the Electron binary with electron's own install script (denied
 * in allowScripts so that it runs only here). A machine that cannot get it (offline, a mirror
 * without it) still finishes `npm install`: one line says so, and `npm start` then hosts headless.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

let installer;
try {
  installer = require.resolve('electron/install.js');
} catch {
  process.exit(0); // installed without devDependencies: no Electron wanted
}

const result = spawnSync(process.execPath, [installer], { stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8' });
if (result.status !== 0) {
  const reason = result.error?.message ?? (result.stderr.trim().split('\n')[0] || `ended with ${result.signal ?? result.status}`);
  console.warn(
    `LeanPhone: could not get the Electron binary (${reason}); \`npm start\` will host the LAN phone system without a window. Retry with \`node node_modules/electron/install.js\`.`,
  );
}
