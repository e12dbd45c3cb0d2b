/**
 * The settings file: one JSON file in the user data folder, validated on load and written
 * atomically (temp file, fsync, rename). A corrupt file is moved aside to
 * settings.corrupt-<time>.json and defaults are used; loading never throws for bad content.
 * With a SecretBox, its secrets (the passcode, each ICE server's credential) are kept sealed in it
 * (`"passcode": {"sealed": "..."}`), and those found in plain text are sealed at once.
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
  /** Seals the secrets in the file; without one (no key store) they are kept in plain text. */
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
      for (const secret of loaded.unsealable) {
        warn(`settings: the ${secret} in ${file} was sealed by a key store this account cannot open now; enter it again`);
      }
      if (loaded.plainSecrets && secrets) await store.#write(loaded.settings);
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
    const onDisk = {
      ...settings,
      passcode: this.#stored(settings.passcode),
      iceServers: settings.iceServers.map((server) => (server.credential === undefined ? server : { ...server, credential: this.#stored(server.credential) })),
    };
    await writeFileAtomically(this.#file, `${JSON.stringify(onDisk, null, 2)}\n`);
  }

  #stored(secret: string): StoredSecret {
    if (!this.#secrets || secret === '') return secret;
    try {
      return { sealed: this.#secrets.seal(secret) };
    } catch (error) {
      // A key store that refuses (access denied, say) must not keep the user from saving settings.
      this.#warn(`settings: the key store would not seal a secret (${String(error)}); it is kept in plain text until it will`);
      return secret;
    }
  }
}

/** A secret as the file holds it: plain, or sealed by a SecretBox. */
type StoredSecret = string | { sealed: string };

type Loaded =
  /** unsealable: the secrets sealed beyond this box, left empty; plainSecrets: some were not sealed. */
  | { ok: true; settings: Settings; unsealable: string[]; plainSecrets: boolean }
  | { ok: false; reason: string };

function load(text: string, secrets: SecretBox | null): Loaded {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `not JSON: ${(error as Error).message}` };
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return { ok: false, reason: 'not a JSON object' };
  const opener = new SecretOpener(secrets);
  const record = data as Record<string, unknown>;
  const passcode = 'passcode' in record ? opener.open(record.passcode, 'passcode') : '';
  const opened = {
    ...record,
    passcode: passcode === undefined ? '' : passcode,
    ...(Array.isArray(record.iceServers) ? { iceServers: record.iceServers.map((server: unknown) => openCredential(server, opener)) } : {}),
  };
  // Keys added by a later version of the defaults are filled in; wrong values are not forgiven.
  const parsed = settingsSchema.safeParse({ ...structuredClone(DEFAULT_SETTINGS), ...opened });
  if (!parsed.success) return { ok: false, reason: describeIssues(parsed.error) };
  return { ok: true, settings: parsed.data, unsealable: opener.unsealable, plainSecrets: opener.plainSecrets };
}

/** An ICE server as stored, its credential opened; one that cannot be opened is dropped. */
function openCredential(server: unknown, opener: SecretOpener): unknown {
  if (typeof server !== 'object' || server === null || !('credential' in server)) return server;
  const { credential, ...rest } = server as Record<string, unknown>;
  const urls = Array.isArray(rest.urls) ? rest.urls.join(' ') : String(rest.urls);
  const opened = opener.open(credential, `credential of ICE server ${urls}`);
  return opened === undefined ? rest : { ...rest, credential: opened };
}

/** Opens stored secrets, noting which could not be opened and whether any was plain. */
class SecretOpener {
  readonly unsealable: string[] = [];
  plainSecrets = false;
  readonly #box: SecretBox | null;

  constructor(box: SecretBox | null) {
    this.#box = box;
  }

  /** The plain secret; undefined when it was sealed beyond this box; anything else as it is, for the schema to judge. */
  open(stored: unknown, what: string): unknown {
    if (!isSealed(stored)) {
      if (typeof stored === 'string' && stored !== '') this.plainSecrets = true;
      return stored;
    }
    try {
      if (this.#box) return this.#box.open(stored.sealed);
    } catch {
      // Sealed by another account's or machine's key store.
    }
    this.unsealable.push(what);
    return undefined;
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
