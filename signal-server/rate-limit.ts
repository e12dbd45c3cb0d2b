/**
 * Per-socket flood limits from the protocol: more than 20 bad messages in 10 s, or more than 100
 * messages a second sustained, and the socket is closed with 1008.
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

export class FloodGuard {
  readonly #limits: FloodLimits;
  #tokens: number;
  #refilledAt: number;
  #badTimes: number[] = [];

  constructor(limits: FloodLimits, now: number) {
    this.#limits = limits;
    this.#tokens = limits.burst;
    this.#refilledAt = now;
  }

  /** Counts one message; false when the sender has gone over the sustained rate. */
  admit(now: number): boolean {
    const { messagesPerSecond, burst } = this.#limits;
    this.#tokens = Math.min(burst, this.#tokens + ((now - this.#refilledAt) / 1000) * messagesPerSecond);
    this.#refilledAt = now;
    this.#tokens -= 1;
    return this.#tokens >= 0;
  }

  /** Counts one bad message; false when there were too many in the window. */
  admitBad(now: number): boolean {
    const since = now - this.#limits.badWindowMs;
    this.#badTimes = this.#badTimes.filter((time) => time > since);
    this.#badTimes.push(now);
    return this.#badTimes.length <= this.#limits.badMessages;
  }
}
