/**
 * `npm start`: the desktop app in development (vite in watch mode; vite-plugin-electron starts
 * Electron and restarts it on change). Without the Electron binary it says so in one line and
 * hosts the LAN phone system headless instead: `npm run serve` over https with the certificate the
 * app keeps, a QR code for phones, the browser phone built first if it is missing.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const vite = join(root, 'node_modules/vite/bin/vite.js');
const require = createRequire(import.meta.url);

function electronBinary() {
  try {
    const path = require('electron');
    return typeof path === 'string' && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

/** Electron's user data folder for the app (main/index.ts names it LeanPhone); the host certificate is in its tls/. */
function appUserData() {
  switch (process.platform) {
    case 'darwin':
      return join(homedir(), 'Library', 'Application Support', 'LeanPhone');
    case 'win32':
      return join(process.env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'LeanPhone');
    default:
      return join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'LeanPhone');
  }
}

/** Runs node with `args` in the project folder, passing Ctrl-C and SIGTERM on; resolves with its exit code. */
function run(args, env = process.env) {
  const child = spawn(process.execPath, args, { cwd: root, env, stdio: 'inherit' });
  const pass = (signal) => child.kill(signal);
  process.on('SIGINT', pass);
  process.on('SIGTERM', pass);
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      process.off('SIGINT', pass);
      process.off('SIGTERM', pass);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

const passed = process.argv.slice(2);
if (electronBinary() !== null) process.exit(await run([vite, ...passed]));

console.log(
  'LeanPhone: no Electron binary here (get it with `node node_modules/electron/install.js`), so this hosts the LAN phone system without a window: open the browser phone below on any device; Ctrl-C stops it.',
);
if (!existsSync(join(root, 'dist/renderer/index.html'))) {
  console.log('Building the browser phone into dist/renderer (first run only)…');
  const built = await run([vite, 'build', '--logLevel', 'error'], { ...process.env, LEANPHONE_BROWSER_ONLY: '1' });
  if (built !== 0) process.exit(built);
}
const mdns = process.env.LEANPHONE_MDNS === 'off' ? ['--no-mdns'] : [];
// The user's own options come last, so they win over these.
const serve = ['--import', 'tsx', 'signal-server/cli.ts', '--tls', '--data-dir', join(appUserData(), 'tls'), '--qr', ...mdns, ...passed];
process.exit(await run(serve));
