/**
 * `npm start`: the desktop app in development (vite in watch mode; vite-plugin-electron starts
 * Electron and restarts it on change). Without the Electron binary it says so in one line,
 * how to get it, and points to the browser phone, then exits 1.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

function electronBinary() {
  try {
    const path = require('electron');
    return typeof path === 'string' && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

if (electronBinary() === null) {
  console.error(
    'LeanPhone: the Electron binary is missing; get it with `npm install` (without ELECTRON_SKIP_BINARY_DOWNLOAD) or `node node_modules/electron/install.js`, or run `npm run serve` and open the browser phone instead.',
  );
  process.exit(1);
}

const vite = spawn(process.execPath, [fileURLToPath(new URL('../node_modules/vite/bin/vite.js', import.meta.url)), ...process.argv.slice(2)], {
  stdio: 'inherit',
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => vite.kill(signal));
vite.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
