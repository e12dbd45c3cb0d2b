/**
 * Transfers under way (REFER): at most one per dialog, from the REFER until the transferee's final
 * report, the end of the dialog, or its deadline (when its lapse listener runs). Plain records and
 * their timers; the DialogTable owns them and the REFER handler makes every change.
 *
 *   offered -(202 from the transferee)-> accepted -(its INVITE to the target)-> calling
 *   the deadline: one ring timeout for offered and accepted, then one ring timeout plus the
 *   late-message window for the call's outcome to be reported.
 */
import type { UserKey } from './name-key.js';

export interface Referral {
  /** The dialog the REFER came in, between referrer and transferee. */
  readonly callId: string;
  readonly referrer: UserKey;
  readonly transferee: UserKey;
  readonly target: UserKey;
  /** Attended: the referrer's call with the target that the new call replaces. */
  readonly replaces: string | null;
  readonly referCseq: number;
  readonly phase: 'offered' | 'accepted' | 'calling';
}

export type NewReferral = Omit<Referral, 'phase'>;

export interface ReferralTimes {
  ringTimeoutMs: number;
  lateMessageMs: number;
}

interface LiveReferral extends Referral {
  phase: Referral['phase'];
  timer: NodeJS.Timeout | null;
  readonly onLapse: (referral: Referral) => void;
}

export class Referrals {
  readonly #times: ReferralTimes;
  readonly #byCallId = new Map<string, LiveReferral>();

  constructor(times: ReferralTimes) {
    this.#times = times;
  }

  get size(): number {
    return this.#byCallId.size;
  }

  get(callId: string): Referral | undefined {
    return this.#byCallId.get(callId);
  }

  /** Records a REFER relayed to the transferee; `onLapse` runs, once it is forgotten, if its deadline passes. */
  add(referral: NewReferral, onLapse: (referral: Referral) => void): Referral {
    this.forget(referral.callId);
    const live: LiveReferral = { ...referral, phase: 'offered', timer: null, onLapse };
    this.#byCallId.set(live.callId, live);
    this.#deadline(live, this.#times.ringTimeoutMs);
    return live;
  }

  /** The transferee answered the REFER 202: it may place the call. */
  accept(referral: Referral): void {
    const live = this.#live(referral);
    if (live?.phase === 'offered') live.phase = 'accepted';
  }

  /** The transferee placed the call: the referral allows no other, and waits for its outcome. */
  placed(referral: Referral): void {
    const live = this.#live(referral);
    if (live?.phase !== 'accepted') return;
    live.phase = 'calling';
    this.#deadline(live, this.#times.ringTimeoutMs + this.#times.lateMessageMs);
  }

  forget(callId: string): void {
    const live = this.#byCallId.get(callId);
    if (!live) return;
    stopTimer(live);
    this.#byCallId.delete(callId);
  }

  /** Stops every timer and forgets every referral, telling no one. */
  stop(): void {
    for (const live of this.#byCallId.values()) stopTimer(live);
    this.#byCallId.clear();
  }

  #live(referral: Referral): LiveReferral | undefined {
    const live = this.#byCallId.get(referral.callId);
    return live === referral ? live : undefined;
  }

  #deadline(live: LiveReferral, ms: number): void {
    stopTimer(live);
    live.timer = setTimeout(() => {
      live.timer = null;
      if (this.#byCallId.get(live.callId) !== live) return;
      this.#byCallId.delete(live.callId);
      live.onLapse(live);
    }, ms);
  }
}

function stopTimer(live: LiveReferral): void {
  if (live.timer) clearTimeout(live.timer);
  live.timer = null;
}
