/**
 * The settings file: one JSON file in the user data folder, validated on load and written
 * atomically (temp file, fsync, rename). A corrupt file is moved aside to
 * settings.corrupt-<time>.json and defaults are used; loading never throws for bad content.
 * With a SecretBox, the passcode is kept sealed in it (`"passcode": {"sealed": "..."}`), and one
 * found in plain text is sealed at once.
 */
import { mkdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomically } from '../node-lib/atomic-file.js';
import { DEFAULT_SETTINGS, type Settings } from '../common/bridge.js';
import { describeIssues, settingsPatchSchema, settingsSchema } from './schemas.js';
import type { SecretBox } from './secret-box.js';

export const SETTINGS_FILE = 'settings.json';

export interface SettingsStoreOptions {
  now?: () => Date;
  warn?: (message: string) => void;
  /** Seals the passcode in the file; without one (no key store) it is kept in plain text. */
  secrets?: SecretBox | null;
}

export class SettingsError extends Error {
  override readonly name = 'SettingsError';
}

export class SettingsStore {
  readonly #file: string;
  readonly #secrets: SecretBox | null;
  readonly #warn: (message: string) => void;
  #current: Settings;
  #writes: Promise<unknown> = Promise.resolve();

  private constructor(dir: string, current: Settings, secrets: SecretBox | null, warn: (message: string) => void) {
    this.#file = join(dir, SETTINGS_FILE);
    this.#current = current;
    this.#secrets = secrets;
    this.#warn = warn;
  }

  /** Reads dir/settings.json; missing means defaults, corrupt means moved aside and defaults. */
  static async open(dir: string, options: SettingsStoreOptions = {}): Promise<SettingsStore> {
    const now = options.now ?? (() => new Date());
    const warn = options.warn ?? ((message: string) => console.warn(message));
    const secrets = options.secrets ?? null;
    await mkdir(dir, { recursive: true });
    const file = join(dir, SETTINGS_FILE);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new SettingsStore(dir, structuredClone(DEFAULT_SETTINGS), secrets, warn);
      throw error;
    }
    const loaded = load(text, secrets);
    if (loaded.ok) {
      const store = new SettingsStore(dir, loaded.settings, secrets, warn);
      if (loaded.passcode === 'unsealable') {
        warn(`settings: the passcode in ${file} was sealed by a key store this account cannot open now; enter it again`);
      }
      if (loaded.passcode === 'plain' && secrets && loaded.settings.passcode !== '') await store.#write(loaded.settings);
      return store;
    }
    const aside = join(dir, `settings.corrupt-${now().toISOString().replace(/[:.]/g, '-')}.json`);
    await rename(file, aside);
    warn(`settings: ${file} was not valid (${loaded.reason}); kept it as ${aside} and started from defaults`);
    return new SettingsStore(dir, structuredClone(DEFAULT_SETTINGS), secrets, warn);
  }

  get path(): string {
    return this.#file;
  }

  get(): Settings {
    return structuredClone(this.#current);
  }

  /** Validates the patch, merges it and saves; bad input throws SettingsError and changes nothing. */
  async update(patch: unknown): Promise<Settings> {
    const parsed = settingsPatchSchema.safeParse(patch);
    if (!parsed.success) throw new SettingsError(`Invalid settings: ${describeIssues(parsed.error)}`);
    // Each update merges onto the result of the one before it, once that is on disk.
    const write = this.#writes.then(async () => {
      const next = settingsSchema.parse({ ...this.#current, ...stripUndefined(parsed.data) });
      await this.#write(next);
      this.#current = next;
      return structuredClone(next);
    });
    this.#writes = write.catch(() => undefined);
    return write;
  }

  async #write(settings: Settings): Promise<void> {
    await writeFileAtomically(this.#file, `${JSON.stringify({ ...settings, passcode: this.#stored(settings.passcode) }, null, 2)}\n`);
  }

  #stored(passcode: string): StoredPasscode {
    if (!this.#secrets || passcode === '') return passcode;
    try {
      return { sealed: this.#secrets.seal(passcode) };
    } catch (error) {
      // A key store that refuses (access denied, say) must not keep the user from saving settings.
      this.#warn(`settings: the key store would not seal the passcode (${String(error)}); it is kept in plain text until it will`);
      return passcode;
    }
  }
}

/** The passcode as the file holds it: plain, or sealed by a SecretBox. */
type StoredPasscode = string | { sealed: string };

/** How the loaded passcode was found: plain; unsealed; or sealed beyond this box, and so left empty. */
type PasscodeFound = 'plain' | 'unsealed' | 'unsealable';

type Loaded = { ok: true; settings: Settings; passcode: PasscodeFound } | { ok: false; reason: string };

function load(text: string, secrets: SecretBox | null): Loaded {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `not JSON: ${(error as Error).message}` };
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return { ok: false, reason: 'not a JSON object' };
  const { passcode: stored, ...rest } = data as Record<string, unknown>;
  const passcode = unseal(stored, secrets);
  if (passcode === null) return { ok: false, reason: 'passcode: must be text or a sealed passcode' };
  // Keys added by a later version of the defaults are filled in; wrong values are not forgiven.
  const parsed = settingsSchema.safeParse({ ...structuredClone(DEFAULT_SETTINGS), ...rest, ...(passcode.value === undefined ? {} : { passcode: passcode.value }) });
  return parsed.success ? { ok: true, settings: parsed.data, passcode: passcode.found } : { ok: false, reason: describeIssues(parsed.error) };
}

/** The passcode the file holds, in plain text (undefined: none); null when it is neither text nor sealed. */
function unseal(stored: unknown, secrets: SecretBox | null): { value: unknown; found: PasscodeFound } | null {
  if (!isSealed(stored)) return typeof stored === 'object' && stored !== null ? null : { value: stored, found: 'plain' };
  if (!secrets) return { value: '', found: 'unsealable' };
  try {
    return { value: secrets.open(stored.sealed), found: 'unsealed' };
  } catch {
    return { value: '', found: 'unsealable' };
  }
}

function isSealed(stored: unknown): stored is { sealed: string } {
  if (typeof stored !== 'object' || stored === null || Array.isArray(stored)) return false;
  const keys = Object.keys(stored);
  return keys.length === 1 && keys[0] === 'sealed' && typeof (stored as { sealed: unknown }).sealed === 'string';
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
