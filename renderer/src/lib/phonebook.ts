/**
 * The phone book's data: everyone else registered on the server with their presence. Built from
 * the REGISTER 200's full list, then changed by NOTIFYs that carry changes only ('offline'
 * removes). This phone's own entry is never listed. Pure; the store wraps it in runes.
 */
import { nameKey, type PresenceState, type UserPresence } from '../../../common/protocol.js';

export type Entry = { name: string; state: Exclude<PresenceState, 'offline'> };

export class PhoneBook {
  readonly #self: string;
  readonly #entries = new Map<string, Entry>();

  constructor(selfName: string) {
    this.#self = nameKey(selfName);
  }

  /** Replaces everything with a full list (a REGISTER 200). */
  reset(users: readonly UserPresence[]): void {
    this.#entries.clear();
    this.apply(users);
  }

  /** Applies a NOTIFY's changes. */
  apply(changes: readonly UserPresence[]): void {
    for (const { name, state } of changes) {
      const key = nameKey(name);
      if (key === this.#self) continue;
      if (state === 'offline') this.#entries.delete(key);
      else this.#entries.set(key, { name, state });
    }
  }

  get(name: string): Entry | undefined {
    return this.#entries.get(nameKey(name));
  }

  /** Entries whose name contains `query` (case-insensitively), sorted by name. */
  list(query = ''): Entry[] {
    const needle = query.trim().toLocaleLowerCase('und');
    return [...this.#entries.values()]
      .filter((entry) => needle === '' || entry.name.toLocaleLowerCase('und').includes(needle))
      .sort((a, b) => a.name.localeCompare(b.name, undefined, { sensitivity: 'base' }));
  }

  get size(): number {
    return this.#entries.size;
  }
}

/** A presence state in words, as the phone book shows it. */
export const PRESENCE_TEXT: Readonly<Record<Entry['state'], string>> = { online: 'online', busy: 'in a call', dnd: 'do not disturb' };
