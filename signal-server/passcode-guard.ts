/**
 * Slows down passcode guessing: after a few wrong passcodes from one address (an IPv6 /64 counts
 * as one), every attempt from it is refused unchecked for a while that doubles with each further
 * failure (up to a minute). Once the hold has passed, the next attempt is checked again. A right
 * passcode forgives nothing (else a guesser sharing the address would get fresh guesses from every
 * honest login); 15 quiet minutes do.
 */
import { addressGroup } from './remote-address.js';

export interface PasscodeGuardLimits {
  /** Wrong passcodes checked before the address is held off: the attempt after the last of them is held. */
  freeFailures: number;
  firstHoldMs: number;
  maxHoldMs: number;
  /** A quiet address is forgiven after this long. */
  forgetMs: number;
}

export const DEFAULT_PASSCODE_LIMITS: PasscodeGuardLimits = { freeFailures: 5, firstHoldMs: 1_000, maxHoldMs: 60_000, forgetMs: 15 * 60_000 };

const MAX_TRACKED = 10_000;

export class PasscodeGuard {
  readonly #limits: PasscodeGuardLimits;
  readonly #failures = new Map<string, { count: number; lastAt: number; heldUntil: number }>();

  constructor(limits: PasscodeGuardLimits = DEFAULT_PASSCODE_LIMITS) {
    this.#limits = limits;
  }

  /** Milliseconds `address` must still wait before its passcode is checked; 0 when it may try. */
  holdFor(address: string, now: number): number {
    const group = addressGroup(address);
    const entry = this.#failures.get(group);
    if (!entry) return 0;
    if (now - entry.lastAt > this.#limits.forgetMs) {
      this.#failures.delete(group);
      return 0;
    }
    return Math.max(0, entry.heldUntil - now);
  }

  failed(address: string, now: number): void {
    const group = addressGroup(address);
    const previous = this.#failures.get(group);
    const count = (previous && now - previous.lastAt <= this.#limits.forgetMs ? previous.count : 0) + 1;
    const over = count - this.#limits.freeFailures;
    const hold = over >= 0 ? Math.min(this.#limits.maxHoldMs, this.#limits.firstHoldMs * 2 ** over) : 0;
    this.#failures.delete(group);
    this.#failures.set(group, { count, lastAt: now, heldUntil: now + hold });
    if (this.#failures.size > MAX_TRACKED) {
      const oldest = this.#failures.keys().next();
      if (!oldest.done) this.#failures.delete(oldest.value);
    }
  }
}
