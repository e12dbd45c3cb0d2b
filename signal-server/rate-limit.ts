/**
 * Per-socket flood limits from the protocol: more than 20 bad messages in 10 s, or more than 100
 * messages a second sustained, and the socket is closed with 1008. Also the token bucket that
 * other rates (calls per user) are counted with.
 */
export interface FloodLimits {
  /** Sustained messages per second. */
  messagesPerSecond: number;
  /** Burst allowance above the sustained rate. */
  burst: number;
  badMessages: number;
  badWindowMs: number;
}

export const DEFAULT_FLOOD_LIMITS: FloodLimits = {
  messagesPerSecond: 100,
  burst: 200,
  badMessages: 20,
  badWindowMs: 10_000,
};

/** Holds up to `capacity` tokens, refilled at `perSecond`; each admitted event spends one. */
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
    this.#tokens = Math.min(this.#capacity, this.#tokens + ((now - this.#refilledAt) / 1000) * this.#perSecond);
    this.#refilledAt = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** How long until a token can be taken, as of the last take. */
  msUntilToken(): number {
    return this.#tokens >= 1 ? 0 : ((1 - this.#tokens) / this.#perSecond) * 1000;
  }
}

export class FloodGuard {
  readonly #limits: FloodLimits;
  readonly #messages: TokenBucket;
  #badTimes: number[] = [];

  constructor(limits: FloodLimits, now: number) {
    this.#limits = limits;
    this.#messages = new TokenBucket(limits.burst, limits.messagesPerSecond, now);
  }

  /** Counts one message; false when the sender has gone over the sustained rate. */
  admit(now: number): boolean {
    return this.#messages.take(now);
  }

  /** Counts one bad message; false when there were too many in the window. */
  admitBad(now: number): boolean {
    const since = now - this.#limits.badWindowMs;
    this.#badTimes = this.#badTimes.filter((time) => time > since);
    this.#badTimes.push(now);
    return this.#badTimes.length <= this.#limits.badMessages;
  }
}
