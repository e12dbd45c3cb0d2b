/**
 * The settings file: one JSON file in the user data folder, validated on load and written
 * atomically (temp file, fsync, rename). A corrupt file is moved aside to
 * settings.corrupt-<time>.json and defaults are used; loading never throws for bad content.
 */
import { mkdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomically } from '../node-lib/atomic-file.js';
import { DEFAULT_SETTINGS, type Settings } from '../common/bridge.js';
import { describeIssues, settingsPatchSchema, settingsSchema } from './schemas.js';

export const SETTINGS_FILE = 'settings.json';

export interface SettingsStoreOptions {
  now?: () => Date;
  warn?: (message: string) => void;
}

export class SettingsError extends Error {
  override readonly name = 'SettingsError';
}

export class SettingsStore {
  readonly #file: string;
  readonly #dir: string;
  #current: Settings;
  #writes: Promise<unknown> = Promise.resolve();

  private constructor(dir: string, current: Settings) {
    this.#dir = dir;
    this.#file = join(dir, SETTINGS_FILE);
    this.#current = current;
  }

  /** Reads dir/settings.json; missing means defaults, corrupt means moved aside and defaults. */
  static async open(dir: string, options: SettingsStoreOptions = {}): Promise<SettingsStore> {
    const now = options.now ?? (() => new Date());
    const warn = options.warn ?? ((message: string) => console.warn(message));
    await mkdir(dir, { recursive: true });
    const file = join(dir, SETTINGS_FILE);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new SettingsStore(dir, structuredClone(DEFAULT_SETTINGS));
      throw error;
    }
    const problem = validate(text);
    if (problem.ok) return new SettingsStore(dir, problem.settings);
    const aside = join(dir, `settings.corrupt-${now().toISOString().replace(/[:.]/g, '-')}.json`);
    await rename(file, aside);
    warn(`settings: ${file} was not valid (${problem.reason}); kept it as ${aside} and started from defaults`);
    return new SettingsStore(dir, structuredClone(DEFAULT_SETTINGS));
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
    await writeFileAtomically(this.#file, `${JSON.stringify(settings, null, 2)}\n`);
  }
}

type Validation = { ok: true; settings: Settings } | { ok: false; reason: string };

function validate(text: string): Validation {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `not JSON: ${(error as Error).message}` };
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return { ok: false, reason: 'not a JSON object' };
  // Keys added by a later version of the defaults are filled in; wrong values are not forgiven.
  const parsed = settingsSchema.safeParse({ ...structuredClone(DEFAULT_SETTINGS), ...data });
  return parsed.success ? { ok: true, settings: parsed.data } : { ok: false, reason: describeIssues(parsed.error) };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
