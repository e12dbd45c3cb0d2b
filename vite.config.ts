import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import electron from 'vite-plugin-electron/simple';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const at = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

/**
 * One build: the renderer (served by the signalling server as the browser phone and loaded by
 * the desktop window) and, unless LEANPHONE_BROWSER_ONLY is set, Electron's main and preload.
 */
const browserOnly = process.env.LEANPHONE_BROWSER_ONLY === '1';

/** Runtime dependencies stay in node_modules (electron-builder packs them); main bundles only our code. */
const runtimeDependencies = Object.keys(
  (JSON.parse(readFileSync(at('package.json'), 'utf8')) as { dependencies?: Record<string, string> }).dependencies ?? {},
);
const isExternal = (id: string): boolean =>
  id === 'electron' || runtimeDependencies.some((name) => id === name || id.startsWith(`${name}/`));

export default defineConfig({
  root: at('renderer'),
  base: './',
  build: {
    outDir: at('dist/renderer'),
    emptyOutDir: true,
    target: 'es2022',
  },
  plugins: [
    svelte({ configFile: at('svelte.config.js') }),
    ...(browserOnly
      ? []
      : [
          electron({
            // Output: dist-electron/main.js (ESM) and dist-electron/preload.cjs (CommonJS, because
            // sandboxed preloads cannot be ES modules). package.json "main" points at main.js.
            main: {
              entry: { main: at('main/index.ts') },
              // Dev: start Electron from the project root (vite's root is renderer/) with the
              // Chromium sandbox on; only root on Linux needs --no-sandbox.
              onstart: ({ startup }) =>
                startup(['.', ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])], { cwd: at('.') }).then(() => undefined),
              vite: { build: { outDir: at('dist-electron'), rolldownOptions: { external: isExternal } } },
            },
            preload: {
              input: { preload: at('preload/index.ts') },
              vite: {
                build: {
                  outDir: at('dist-electron'),
                  rolldownOptions: { output: { format: 'cjs', entryFileNames: 'preload.cjs' } },
                },
              },
            },
          }),
        ]),
  ],
});
