/**
 * The signed-in user's call history as reactive state for the UI, over the plain CallHistory kept
 * in localStorage: list, unseen missed count, mark seen, add. Signed out, there is none.
 */
import { CallHistory, type HistoryEntry, type KeptStorage } from '../lib/history.js';

export class HistoryStore {
  readonly #storage: KeptStorage;
  #history: CallHistory | null = null;
  entries = $state.raw<readonly HistoryEntry[]>([]);
  missed = $state(0);

  constructor(storage: KeptStorage) {
    this.#storage = storage;
  }

  /** Shows `owner`'s history; null (signed out) shows none. */
  open(owner: string | null): void {
    this.#history = owner === null ? null : new CallHistory(this.#storage, owner);
    this.#sync();
  }

  add(entry: Omit<HistoryEntry, 'unseen'>): void {
    this.#history?.add(entry);
    this.#sync();
  }

  markSeen(): void {
    this.#history?.markSeen();
    this.#sync();
  }

  clear(): void {
    this.#history?.clear();
    this.#sync();
  }

  #sync(): void {
    this.entries = this.#history?.entries ?? [];
    this.missed = this.#history?.unseenMissed ?? 0;
  }
}
