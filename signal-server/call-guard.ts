/**
 * Limits on the calls one user starts, against call bombing: a few unanswered at once, and new
 * calls at a sustained rate with a small burst. A user's bucket goes when the user unregisters.
 */
import type { UserKey } from './name-key.js';
import { TokenBucket } from './token-bucket.js';

export interface CallLimits {
  /** Calls a user may have ringing (not yet answered) at once. */
  maxRinging: number;
  /** New calls a user may start a minute, sustained. */
  perMinute: number;
  /** New calls a user may start at once before `perMinute` applies. */
  burst: number;
}

export class CallGuard {
  readonly #limits: CallLimits;
  readonly #buckets = new Map<UserKey, TokenBucket>();

  constructor(limits: CallLimits) {
    this.#limits = limits;
  }

  /** Why `caller`, with `ringing` calls unanswered, may not start another now; null when it may, and the call is counted. */
  refusal(caller: UserKey, ringing: number, now: number): string | null {
    const { maxRinging, perMinute, burst } = this.#limits;
    if (ringing >= maxRinging) return `Too many calls ringing (at most ${maxRinging})`;
    let bucket = this.#buckets.get(caller);
    if (!bucket) {
      bucket = new TokenBucket(burst, perMinute / 60, now);
      this.#buckets.set(caller, bucket);
    }
    if (bucket.take(now)) return null;
    return `Too many new calls: try again in ${Math.ceil(bucket.msUntilToken() / 1000)} s`;
  }

  /** `user` unregistered: a new registration of the name starts with a full bucket. */
  forget(user: UserKey): void {
    this.#buckets.delete(user);
  }
}
