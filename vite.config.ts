import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import electron from 'vite-plugin-electron/simple';
import { fileURLToPath } from 'node:url';

const at = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

/**
 * One build: the renderer (served by the signalling server as the browser phone and loaded by
 * the desktop window) and, unless LEANPHONE_BROWSER_ONLY is set, Electron's main and preload.
 */
const browserOnly = process.env.LEANPHONE_BROWSER_ONLY === '1';

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
            main: {
              entry: at('main/index.ts'),
              vite: { build: { outDir: at('dist-electron'), rollupOptions: { external: ['electron', 'ws', 'zod'] } } },
            },
            preload: {
              input: at('preload/index.ts'),
              vite: { build: { outDir: at('dist-electron') } },
            },
          }),
        ]),
  ],
});
