/**
 * Receipts on their way to the host, gathered for RECEIPT_BATCH_MS and sent together: a phone
 * signing in to hundreds of waiting messages sends a few NOTIFYs rather than one each, which the
 * host's flood limit (a burst of 200, then 100 a second) would answer by closing the socket.
 * What waits while signed out goes out at the next registration (reporting twice changes nothing).
 */
import type { ReceiptState } from '../../../common/protocol.js';

/** Long enough to gather a sign-in's worth of messages, short enough for "delivered" to look instant. */
export const RECEIPT_BATCH_MS = 100;

/** Delivered before read, as they happen. */
const ORDER: readonly ReceiptState[] = ['delivered', 'read'];

export type ReceiptSender = (state: ReceiptState, ids: string[]) => void;

export class ReceiptOutbox {
  readonly #waiting = new Map<ReceiptState, Set<string>>(ORDER.map((state) => [state, new Set<string>()]));
  #send: ReceiptSender | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;

  /** Where receipts go from now on (null while signed out); anything waiting goes with the next batch. */
  connect(send: ReceiptSender | null): void {
    this.#send = send;
    if (send !== null && this.#count() > 0) this.#schedule();
  }

  add(state: ReceiptState, ids: readonly string[]): void {
    const waiting = this.#waiting.get(state) as Set<string>;
    for (const id of ids) waiting.add(id);
    if (this.#send !== null && ids.length > 0) this.#schedule();
  }

  /** Forgets what waits (signing out: the next user's phone owes none of it). */
  clear(): void {
    for (const waiting of this.#waiting.values()) waiting.clear();
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #schedule(): void {
    this.#timer ??= setTimeout(() => this.#flush(), RECEIPT_BATCH_MS);
  }

  #flush(): void {
    this.#timer = null;
    const send = this.#send;
    if (send === null) return;
    for (const state of ORDER) {
      const waiting = this.#waiting.get(state) as Set<string>;
      if (waiting.size === 0) continue;
      const ids = [...waiting];
      waiting.clear();
      send(state, ids);
    }
  }

  #count(): number {
    let total = 0;
    for (const waiting of this.#waiting.values()) total += waiting.size;
    return total;
  }
}
