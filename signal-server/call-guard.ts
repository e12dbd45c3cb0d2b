/**
 * Limits on the calls one user starts, against call bombing: a few unanswered at once, and new
 * calls at a sustained rate with a small burst; and the notices its refused calls leave with their
 * callees, at the same rate on a bucket of their own. A user's buckets go when the user unregisters.
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
  readonly #notices = new Map<UserKey, TokenBucket>();

  constructor(limits: CallLimits) {
    this.#limits = limits;
  }

  /** Why `caller`, with `ringing` calls unanswered, may not start another now; null when it may, and the call is counted. */
  refusal(caller: UserKey, ringing: number, now: number): string | null {
    const { maxRinging, perMinute, burst } = this.#limits;
    if (ringing >= maxRinging) return `Too many calls ringing (at most ${maxRinging})`;
    const bucket = this.#bucket(this.#buckets, caller, now);
    if (bucket.take(now)) return null;
    return `Too many new calls: try again in ${Math.ceil(bucket.msUntilToken() / 1000)} s`;
  }

  /** Whether the callee of a call refused for it (dnd, phone full) may be told of one from `caller` now; counted when so. */
  mayTellRefused(caller: UserKey, now: number): boolean {
    return this.#bucket(this.#notices, caller, now).take(now);
  }

  #bucket(buckets: Map<UserKey, TokenBucket>, caller: UserKey, now: number): TokenBucket {
    let bucket = buckets.get(caller);
    if (!bucket) {
      bucket = new TokenBucket(this.#limits.burst, this.#limits.perMinute / 60, now);
      buckets.set(caller, bucket);
    }
    return bucket;
  }

  /** `user` unregistered: a new registration of the name starts with a full bucket. */
  forget(user: UserKey): void {
    this.#buckets.delete(user);
    this.#notices.delete(user);
  }
}
