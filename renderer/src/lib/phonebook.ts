/**
 * The phone book's data: everyone else registered on the server with their presence. Built from
 * the REGISTER 200's full list, then changed by NOTIFYs that carry changes only ('offline'
 * removes, unless it carries lastSeen: a host's directory keeps them, listed offline). This
 * phone's own entry is never listed. Pure; the store wraps it in runes.
 */
import { nameKey, type PresenceState, type UserPresence } from '../../../common/protocol.js';

export type Entry = { name: string; state: Exclude<PresenceState, 'offline'> };
/** Someone a host's directory keeps who is not online now, last seen then (ms since the epoch). */
export type OfflineEntry = { name: string; state: 'offline'; lastSeen: number };
export type Person = Entry | OfflineEntry;

export class PhoneBook {
  readonly #self: string;
  readonly #entries = new Map<string, Person>();

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
    for (const { name, state, lastSeen } of changes) {
      const key = nameKey(name);
      if (key === this.#self) continue;
      if (state !== 'offline') this.#entries.set(key, { name, state });
      else if (lastSeen !== undefined) this.#entries.set(key, { name, state, lastSeen });
      else this.#entries.delete(key);
    }
  }

  get(name: string): Person | undefined {
    return this.#entries.get(nameKey(name));
  }

  /** Those online whose name contains `query` (case-insensitively), sorted by name. */
  list(query = ''): Entry[] {
    return this.people(query).filter((entry): entry is Entry => entry.state !== 'offline');
  }

  /** As list(), with the offline people the host's directory keeps. */
  people(query = ''): Person[] {
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
