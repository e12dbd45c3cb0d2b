/**
 * The one token bucket every rate here is counted with (messages per socket, calls per user,
 * registrations per address): up to `capacity` tokens, refilled at `perSecond`, one per event.
 */
export class TokenBucket {
  readonly #capacity: number;
  readonly #perSecond: number;
  #tokens: number;
  #refilledAt: number;

  constructor(capacity: number, perSecond: number, now: number) {
    this.#capacity = capacity;
    this.#perSecond = perSecond;
    this.#tokens = capacity;
    this.#refilledAt = now;
  }

  /** Spends a token if there is one; false (and nothing spent) when the bucket is empty. */
  take(now: number): boolean {
    this.#refill(now);
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** How long until a token can be taken, as of the last take, in whole ms (no float dust: 3000, not 3000.0000000000005). */
  msUntilToken(): number {
    return this.#tokens >= 1 ? 0 : Math.round(((1 - this.#tokens) / this.#perSecond) * 1000);
  }

  /** True when the bucket would be full at `now`: forgetting it then loses nothing. */
  isFull(now: number): boolean {
    return this.#tokens + ((now - this.#refilledAt) / 1000) * this.#perSecond >= this.#capacity;
  }

  #refill(now: number): void {
    this.#tokens = Math.min(this.#capacity, this.#tokens + ((now - this.#refilledAt) / 1000) * this.#perSecond);
    this.#refilledAt = now;
  }
}
