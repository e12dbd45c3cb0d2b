/**
 * Gathers presence changes for a short window and sends them as one NOTIFY, serialised once and
 * identical for every client. Only changes travel here; the full list goes out in REGISTER's 200.
 */
import type { PresenceState, UserPresence } from '../common/protocol.js';

export class PresenceFeed {
  readonly #pending = new Map<string, UserPresence>();
  readonly #flushMs: number;
  readonly #broadcast: (frame: Buffer) => void;
  #timer: NodeJS.Timeout | null = null;
  #cseq = 0;
  /** How long the last broadcast took: with many clients the window widens so fan-out stays under a fifth of the time. */
  #lastCostMs = 0;

  constructor(flushMs: number, broadcast: (frame: Buffer) => void) {
    this.#flushMs = flushMs;
    this.#broadcast = broadcast;
  }

  /**
   * Records that `key`'s user now shows `state`; a later change to the same user replaces it. An
   * `offline` with `lastSeen` keeps the user in phone books; one without removes it.
   */
  changed(key: string, name: string, state: PresenceState, lastSeen?: number): void {
    this.#pending.delete(key);
    this.#pending.set(key, lastSeen === undefined ? { name, state } : { name, state, lastSeen });
    this.#timer ??= setTimeout(() => this.flush(), Math.max(this.#flushMs, 4 * this.#lastCostMs));
  }

  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#pending.size === 0) return;
    const users = [...this.#pending.values()];
    this.#pending.clear();
    this.#cseq += 1;
    const notify = { method: 'NOTIFY', cseq: this.#cseq, body: { event: 'presence', users } };
    const started = performance.now();
    this.#broadcast(Buffer.from(JSON.stringify(notify)));
    this.#lastCostMs = performance.now() - started;
  }

  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#pending.clear();
  }
}
