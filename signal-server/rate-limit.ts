/**
 * Per-socket flood limits from the protocol: more than 20 bad messages in 10 s, or more than 100
 * messages a second sustained, and the socket is closed with 1008.
 */
import { TokenBucket } from './token-bucket.js';

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
