/**
 * The phone book's data: everyone else on the server with their presence, built from the REGISTER
 * 200's full list, then changed by NOTIFYs that carry changes only. Someone who goes offline stays,
 * shown offline (with when last seen, if the server says), and so do people this phone saw before.
 * Favourites come first. This phone's own entry is never listed. Pure; the store wraps it in runes.
 */
import { nameKey, type PresenceState, type UserPresence } from '../../../common/protocol.js';
import type { Remembered } from './people-memory.js';

export type Entry = { name: string; state: PresenceState; favourite: boolean; lastSeen?: number };

/** A user as the server lists one; a server keeping a directory may say when an offline user was last seen. */
export type ListedUser = UserPresence & { lastSeen?: number };

export class PhoneBook {
  readonly #self: string;
  readonly #entries = new Map<string, Entry>();
  readonly #favourites = new Set<string>();

  constructor(selfName: string, remembered: Remembered = { known: [], favourites: [] }) {
    this.#self = nameKey(selfName);
    for (const name of remembered.favourites) this.#favourites.add(nameKey(name));
    this.apply(remembered.known.map((name) => ({ name, state: 'offline' })));
  }

  /** A full list (a REGISTER 200): whoever it leaves out is offline now. */
  reset(users: readonly ListedUser[]): void {
    for (const entry of this.#entries.values()) if (entry.state !== 'offline') this.#entries.set(nameKey(entry.name), { ...entry, state: 'offline' });
    this.apply(users);
  }

  /** Applies a NOTIFY's changes. */
  apply(changes: readonly ListedUser[]): void {
    for (const { name, state, lastSeen } of changes) {
      const key = nameKey(name);
      if (key === this.#self) continue;
      const seen = typeof lastSeen === 'number' && state === 'offline' ? { lastSeen } : {};
      // Someone leaving keeps the spelling they had; someone arriving brings their own.
      const shown = state === 'offline' ? (this.#entries.get(key)?.name ?? name) : name;
      this.#entries.set(key, { name: shown, state, favourite: this.#favourites.has(key), ...seen });
    }
  }

  setFavourite(name: string, favourite: boolean): void {
    const key = nameKey(name);
    if (favourite) this.#favourites.add(key);
    else this.#favourites.delete(key);
    const entry = this.#entries.get(key);
    if (entry) this.#entries.set(key, { ...entry, favourite });
  }

  get(name: string): Entry | undefined {
    return this.#entries.get(nameKey(name));
  }

  /** Entries whose name contains `query` (case-insensitively): favourites first, then by name. */
  list(query = ''): Entry[] {
    const needle = query.trim().toLocaleLowerCase('und');
    return [...this.#entries.values()]
      .filter((entry) => needle === '' || entry.name.toLocaleLowerCase('und').includes(needle))
      .sort((a, b) => Number(b.favourite) - Number(a.favourite) || a.name.localeCompare(b.name, undefined, { sensitivity: 'base' }));
  }

  /** Everyone listed, by name: what the phone remembers. */
  get known(): string[] {
    return [...this.#entries.values()].map((entry) => entry.name).sort((a, b) => a.localeCompare(b, undefined, { sensitivity: 'base' }));
  }

  /** The favourites listed, by name. */
  get favourites(): string[] {
    return this.known.filter((name) => this.#favourites.has(nameKey(name)));
  }

  get size(): number {
    return this.#entries.size;
  }
}

/** A presence state in words, as the phone book shows it. */
export const PRESENCE_TEXT: Readonly<Record<PresenceState, string>> = { online: 'online', busy: 'in a call', dnd: 'do not disturb', offline: 'offline' };
