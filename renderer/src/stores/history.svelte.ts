/**
 * The call history as reactive state for the UI, over the plain CallHistory kept in
 * localStorage: list, unseen missed count, mark seen, add.
 */
import { CallHistory, type HistoryEntry, type StorageLike } from '../lib/history.js';

export class HistoryStore {
  readonly #history: CallHistory;
  entries = $state.raw<readonly HistoryEntry[]>([]);
  missed = $state(0);

  constructor(storage: StorageLike) {
    this.#history = new CallHistory(storage);
    this.#sync();
  }

  add(entry: Omit<HistoryEntry, 'unseen'>): void {
    this.#history.add(entry);
    this.#sync();
  }

  markSeen(): void {
    this.#history.markSeen();
    this.#sync();
  }

  clear(): void {
    this.#history.clear();
    this.#sync();
  }

  #sync(): void {
    this.entries = this.#history.entries;
    this.missed = this.#history.unseenMissed;
  }
}
