/**
 * Gathers presence changes for a short window and hands them on as one batch (phone-book.ts says
 * who hears which). Only changes travel here; the phone book goes out in REGISTER's 200 or SEARCH's.
 */
import type { PresenceState, UserPresence } from '../common/protocol.js';
import type { UserKey } from './name-key.js';

export class PresenceFeed {
  readonly #pending = new Map<UserKey, UserPresence>();
  readonly #flushMs: number;
  readonly #deliver: (changes: ReadonlyMap<UserKey, UserPresence>) => void;
  #timer: NodeJS.Timeout | null = null;
  /** How long the last delivery took: with many clients the window widens so fan-out stays under a fifth of the time. */
  #lastCostMs = 0;

  constructor(flushMs: number, deliver: (changes: ReadonlyMap<UserKey, UserPresence>) => void) {
    this.#flushMs = flushMs;
    this.#deliver = deliver;
  }

  /**
   * Records that `key`'s user now shows `state`; a later change to the same user replaces it. An
   * `offline` with `lastSeen` keeps the user in phone books; one without removes it.
   */
  changed(key: UserKey, name: string, state: PresenceState, lastSeen?: number): void {
    this.#pending.delete(key);
    this.#pending.set(key, lastSeen === undefined ? { name, state } : { name, state, lastSeen });
    this.#timer ??= setTimeout(() => this.flush(), Math.max(this.#flushMs, 4 * this.#lastCostMs));
  }

  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#pending.size === 0) return;
    const changes = new Map(this.#pending);
    this.#pending.clear();
    const started = performance.now();
    this.#deliver(changes);
    this.#lastCostMs = performance.now() - started;
  }

  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#pending.clear();
  }
}
