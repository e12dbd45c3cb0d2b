/**
 * Answered calls homed on other nodes that an attended transfer names (REFER `replaces`): the
 * referrer's own node knows its calls and vouches for the one named, with the REFER it forwards to
 * the transferred call's home. Kept there for the referral's new INVITE; at most `max`, oldest first out.
 */
import type { UserKey } from '../name-key.js';

export class VouchedConsults {
  readonly #max: number;
  /** `referrer\ncallId` -> the other party of that call. */
  readonly #peers = new Map<string, UserKey>();

  constructor(max: number) {
    this.#max = max;
  }

  vouch(referrer: UserKey, callId: string, peer: UserKey): void {
    const key = `${referrer}\n${callId}`;
    this.#peers.delete(key);
    this.#peers.set(key, peer);
    if (this.#peers.size > this.#max) this.#peers.delete(this.#peers.keys().next().value!);
  }

  /** `referrer`'s node vouched that its call `callId` is with `peer`. */
  vouched(referrer: UserKey, callId: string, peer: UserKey): boolean {
    return this.#peers.get(`${referrer}\n${callId}`) === peer;
  }
}
