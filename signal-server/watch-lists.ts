/**
 * Who watches whom: each searching phone's watch list (the people its last SEARCH found) and the
 * index from a watched user to its watchers, so a presence change costs only its watchers. A new
 * list replaces the old and a phone that leaves takes its entries with it: one list per phone.
 */
import type { UserKey } from './name-key.js';

const NO_ONE: ReadonlySet<UserKey> = new Set();

export class WatchLists {
  readonly #lists = new Map<UserKey, ReadonlySet<UserKey>>();
  readonly #watchers = new Map<UserKey, Set<UserKey>>();

  /** `phone` watches `watched` from now on, and no one else. */
  watch(phone: UserKey, watched: Iterable<UserKey>): void {
    this.forget(phone);
    const list = new Set(watched);
    if (list.size === 0) return;
    this.#lists.set(phone, list);
    for (const key of list) {
      const watchers = this.#watchers.get(key);
      if (watchers) watchers.add(phone);
      else this.#watchers.set(key, new Set([phone]));
    }
  }

  /** `phone` watches no one. */
  forget(phone: UserKey): void {
    const list = this.#lists.get(phone);
    if (!list) return;
    this.#lists.delete(phone);
    for (const key of list) {
      const watchers = this.#watchers.get(key);
      watchers?.delete(phone);
      if (watchers?.size === 0) this.#watchers.delete(key);
    }
  }

  watchersOf(key: UserKey): ReadonlySet<UserKey> {
    return this.#watchers.get(key) ?? NO_ONE;
  }

  /** Entries held: phones with a list, and the watched users they index. */
  get size(): { phones: number; watched: number } {
    return { phones: this.#lists.size, watched: this.#watchers.size };
  }
}
