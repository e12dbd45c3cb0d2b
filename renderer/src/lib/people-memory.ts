/**
 * What the phone remembers of other people, per signed-in name: everyone seen in the phone book
 * (so they stay listed, offline, when the server forgets them) and the favourites. Kept in a
 * Storage, at most MAX_REMEMBERED names each; a corrupt or hostile store reads as empty.
 */
import { nameKey } from '../../../common/protocol.js';
import type { StorageLike } from './history.js';

export interface Remembered {
  known: string[];
  favourites: string[];
}

export const MAX_REMEMBERED = 200;
export const peopleKey = (owner: string): string => `leanphone.people.v1:${nameKey(owner)}`;

const names = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((name): name is string => typeof name === 'string' && name.length <= 64).slice(0, MAX_REMEMBERED) : [];

export class PeopleMemory {
  readonly #storage: StorageLike;
  readonly #key: string;

  constructor(storage: StorageLike, owner: string) {
    this.#storage = storage;
    this.#key = peopleKey(owner);
  }

  load(): Remembered {
    try {
      const raw: unknown = JSON.parse(this.#storage.getItem(this.#key) ?? 'null');
      const r = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
      return { known: names(r.known), favourites: names(r.favourites) };
    } catch {
      return { known: [], favourites: [] };
    }
  }

  save({ known, favourites }: Remembered): void {
    try {
      this.#storage.setItem(this.#key, JSON.stringify({ known: known.slice(0, MAX_REMEMBERED), favourites: favourites.slice(0, MAX_REMEMBERED) }));
    } catch {
      // Storage full or blocked: remembered for this session only.
    }
  }
}
