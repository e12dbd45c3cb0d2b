import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { chooseBinding, preferredBinding } from '../../signal-server/store/sqlite-binding.js';
import { openSqliteStore } from '../../signal-server/store/sqlite-store.js';
import type { LogFields } from '../../signal-server/log.js';

/** What Node says when a native module was built for another Node or Electron. */
const ABI_MISMATCH =
  "The module '/app/node_modules/better-sqlite3/build/Release/better_sqlite3.node'\nwas compiled against a different Node.js version using\nNODE_MODULE_VERSION 115. This version of Node.js requires\nNODE_MODULE_VERSION 140.";

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('the SQLite binding', () => {
  it('is better-sqlite3 where its build loads, as on this Node', () => {
    expect(chooseBinding()).toEqual({ name: 'better-sqlite3' });
    expect(preferredBinding()).toEqual({ name: 'better-sqlite3' });
  });

  // Under an Electron it was not rebuilt for, the package loads and its compiled part fails on first use.
  const builtForAnotherNode = (): unknown =>
    class {
      constructor() {
        throw new Error(ABI_MISMATCH);
      }
    };
  const missing = (): unknown => {
    throw new Error("Cannot find module 'better-sqlite3'");
  };

  it.each([
    ['its compiled part was built for another Node', builtForAnotherNode, "The module '/app/node_modules/better-sqlite3/build/Release/better_sqlite3.node'"],
    ['the package is missing', missing, "Cannot find module 'better-sqlite3'"],
  ])('is node-sqlite3-wasm when %s, saying why', (_case, load, why) => {
    expect(chooseBinding(load)).toEqual({ name: 'node-sqlite3-wasm', nativeUnavailable: why });
  });

  it('is named in the log when a store opens', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'leanphone-binding-'));
    dirs.push(dir);
    const lines: { event: string; fields: LogFields | undefined }[] = [];
    const store = await openSqliteStore({ dir, binding: 'node-sqlite3-wasm', logger: { log: (_level, event, fields) => lines.push({ event, fields }) } });
    await store.close();
    expect(lines).toContainEqual({ event: 'store.opened', fields: { binding: 'node-sqlite3-wasm' } });
  });
});
