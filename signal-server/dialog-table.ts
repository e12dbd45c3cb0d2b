/**
 * Every live dialog, by call id and by user key, with its ring timer and the requests awaiting an
 * answer in it; the dialogs ended lately; and what each user has (calls ringing out, ringing in,
 * confirmed; a conference's links count as one call). A ring group's members are in its dialog while
 * they ring. Tells its listener when a user gets a first dialog or loses its last one.
 */
import { RecentlyEnded, type AnsweredMethod, type Awaiting, type Dialog, type DialogRequest } from './dialog.js';
import type { UserKey } from './name-key.js';
import { Referrals } from './referrals.js';

export interface DialogTableConfig {
  ringTimeoutMs: number;
  lateMessageMs: number;
  maxEndedDialogs: number;
}

/** One user's calls, by what they are to it. */
export interface CallCounts {
  /** Calls it placed that are not answered yet. */
  ringingOut: number;
  /** Calls to it that it has not answered yet. */
  ringingIn: number;
  /** Answered calls, active or held: a conference counts once, however many links it has. */
  confirmed: number;
}

/** A dialog as the table keeps it: the same object it hands out as a read-only Dialog. */
interface LiveDialog extends Dialog {
  phase: Dialog['phase'];
  video: boolean;
  conference: string | null;
  callee: UserKey;
  readonly forks: Set<UserKey>;
  /** Members that were rung and stopped (declined, gone, or another answered): their late messages are dropped. */
  readonly stoppedForks: Set<UserKey>;
  /** A fork's 180 reached the caller: one is enough. */
  callerAlerted: boolean;
  readonly lastCseq: Map<UserKey, number>;
  readonly awaiting: { from: UserKey; method: AnsweredMethod; cseq: number }[];
  readonly unacked: Map<UserKey, number>;
  ringTimer: NodeJS.Timeout | null;
}

export class DialogTable {
  readonly #config: DialogTableConfig;
  readonly #byCallId = new Map<string, LiveDialog>();
  readonly #byUser = new Map<UserKey, Set<LiveDialog>>();
  readonly #recentlyEnded: RecentlyEnded;
  readonly #onBusy: (user: UserKey, busy: boolean) => void;
  /** The transfers under way, at most one per live dialog; each goes with its dialog. */
  readonly referrals: Referrals;

  /** `onBusy` hears of each user that gets its first dialog (true) or ends its last (false). */
  constructor(config: DialogTableConfig, onBusy: (user: UserKey, busy: boolean) => void) {
    this.#config = config;
    this.#recentlyEnded = new RecentlyEnded(config.lateMessageMs, config.maxEndedDialogs);
    this.#onBusy = onBusy;
    this.referrals = new Referrals(config);
  }

  get size(): number {
    return this.#byCallId.size;
  }

  get(callId: string): Dialog | undefined {
    return this.#byCallId.get(callId);
  }

  /** The dialogs `user` is a party to, as a copy: ending them while going through it is safe. */
  of(user: UserKey): Dialog[] {
    return [...(this.#byUser.get(user) ?? [])];
  }

  counts(user: UserKey): CallCounts {
    const counts: CallCounts = { ringingOut: 0, ringingIn: 0, confirmed: 0 };
    const conferences = new Set<string>();
    for (const dialog of this.#byUser.get(user) ?? []) {
      if (dialog.conference !== null) {
        // A conference is one call; its links being set up ring nowhere.
        if (dialog.phase === 'confirmed') conferences.add(dialog.conference);
      } else if (dialog.phase === 'confirmed') counts.confirmed += 1;
      else if (dialog.caller === user) counts.ringingOut += 1;
      else counts.ringingIn += 1;
    }
    counts.confirmed += conferences.size;
    return counts;
  }

  /**
   * A new call, awaiting the answer to its INVITE; `onRingTimeout` runs if none comes in time.
   * `conference` makes it a link of that conference from the start. With `fork`, a call to a ring
   * group (`callee` is its key) that forks: it rings at each of `members`.
   */
  open(
    invite: {
      callId: string;
      caller: UserKey;
      callee: UserKey;
      cseq: number;
      video: boolean;
      conference?: string;
      fork?: { group: string; members: readonly UserKey[] };
    },
    onRingTimeout: (dialog: Dialog) => void,
  ): Dialog {
    const { callId, caller, callee, cseq, video, fork } = invite;
    const dialog: LiveDialog = {
      callId,
      caller,
      callee,
      inviteCseq: cseq,
      phase: fork ? 'forking' : 'early',
      forks: new Set(fork?.members),
      stoppedForks: new Set(),
      group: fork?.group ?? null,
      callerAlerted: false,
      lastCseq: new Map([[caller, cseq]]),
      awaiting: [{ from: caller, method: 'INVITE', cseq }],
      unacked: new Map(),
      video,
      conference: invite.conference ?? null,
      ringTimer: null,
    };
    dialog.ringTimer = setTimeout(() => {
      dialog.ringTimer = null;
      if (this.#byCallId.get(callId) === dialog && dialog.phase !== 'confirmed') onRingTimeout(dialog);
    }, this.#config.ringTimeoutMs);
    this.#byCallId.set(callId, dialog);
    for (const user of [caller, ...(fork ? dialog.forks : [callee])]) this.#join(user, dialog);
    return dialog;
  }

  /**
   * An answered call whose home (another cluster node) died, taken over here with its parties' last
   * request cseqs as the node that knew it last saw them.
   */
  adopt(call: { callId: string; caller: UserKey; callee: UserKey; lastCseq: ReadonlyMap<UserKey, number> }): Dialog {
    const dialog: LiveDialog = {
      callId: call.callId,
      caller: call.caller,
      callee: call.callee,
      inviteCseq: call.lastCseq.get(call.caller) ?? 0,
      phase: 'confirmed',
      forks: new Set(),
      stoppedForks: new Set(),
      group: null,
      callerAlerted: true,
      lastCseq: new Map(call.lastCseq),
      awaiting: [],
      unacked: new Map(),
      video: false,
      conference: null,
      ringTimer: null,
    };
    this.#byCallId.set(call.callId, dialog);
    for (const user of [call.caller, call.callee]) this.#join(user, dialog);
    return dialog;
  }

  /**
   * The first INVITE was answered 200 by `answerer`. When forking, the answerer becomes the callee
   * and every other fork stops ringing; answers those.
   */
  confirm(dialog: Dialog, answerer: UserKey): UserKey[] {
    const live = this.#live(dialog);
    if (!live) return [];
    const others = [...live.forks].filter((member) => member !== answerer);
    if (live.phase === 'forking') {
      live.callee = answerer;
      live.forks.delete(answerer);
      for (const member of others) this.#stopFork(live, member);
    }
    live.phase = 'confirmed';
    stopRinging(live);
    return others;
  }

  /** `member` stopped ringing in a forking dialog (it declined, or is gone); answers how many still ring. */
  dropFork(dialog: Dialog, member: UserKey): number {
    const live = this.#live(dialog);
    if (!live) return 0;
    if (live.forks.has(member)) this.#stopFork(live, member);
    return live.forks.size;
  }

  /** Records that a fork's provisional answer reached the caller; true only the first time. */
  alertCaller(dialog: Dialog): boolean {
    const live = this.#live(dialog);
    if (!live || live.callerAlerted) return false;
    live.callerAlerted = true;
    return true;
  }

  /** Makes `dialog` a link of conference `id`: from now on it counts as part of that one call. */
  tag(dialog: Dialog, id: string): void {
    const live = this.#live(dialog);
    if (live) live.conference = id;
  }

  /** Records a request relayed in `dialog`: its cseq, and, if it is answered, that it awaits its answer. */
  requested(dialog: Dialog, sender: UserKey, request: DialogRequest): void {
    const live = this.#live(dialog);
    if (!live) return;
    if (request.method === 'INVITE') live.video = request.body.media.video;
    if (request.method !== 'ACK' && request.method !== 'CANCEL') live.lastCseq.set(sender, request.cseq);
    if (request.method === 'ACK' && live.unacked.get(sender) === request.cseq) live.unacked.delete(sender);
    if (request.method === 'INVITE' || request.method === 'CANCEL' || request.method === 'BYE' || request.method === 'REFER') {
      // At most one awaiting request per sender and method: a newer one replaces the older.
      const method = request.method;
      const older = live.awaiting.find((awaiting) => awaiting.from === sender && awaiting.method === method);
      if (older) older.cseq = request.cseq;
      else live.awaiting.push({ from: sender, method, cseq: request.cseq });
    }
  }

  /** `request` had its final answer `status`: it awaits nothing more; an INVITE's 2xx awaits its sender's ACK. */
  settle(dialog: Dialog, request: Awaiting, status: number): void {
    const live = this.#live(dialog);
    if (!live) return;
    const index = live.awaiting.indexOf(request);
    if (index >= 0) live.awaiting.splice(index, 1);
    if (request.method === 'INVITE' && status >= 200 && status < 300) live.unacked.set(request.from, request.cseq);
  }

  end(dialog: Dialog, now: number): void {
    const live = this.#live(dialog);
    if (!live) return;
    stopRinging(live);
    this.#byCallId.delete(live.callId);
    this.referrals.forget(live.callId);
    for (const user of [live.caller, live.callee, ...live.forks]) this.#leave(user, live);
    this.#recentlyEnded.add(live, now, [...live.forks, ...live.stoppedForks]);
  }

  /** True when `user` was a party to the dialog `callId` that ended lately, or a member it rang that stopped ringing. */
  endedWith(callId: string, user: UserKey, now: number): boolean {
    return this.#byCallId.get(callId)?.stoppedForks.has(user) === true || this.#recentlyEnded.had(callId, user, now);
  }

  /** Stops every ring timer and forgets every dialog, telling no one. */
  stop(): void {
    for (const dialog of this.#byCallId.values()) stopRinging(dialog);
    this.#byCallId.clear();
    this.referrals.stop();
    this.#byUser.clear();
  }

  #live(dialog: Dialog): LiveDialog | undefined {
    const live = this.#byCallId.get(dialog.callId);
    return live === dialog ? live : undefined;
  }

  #stopFork(dialog: LiveDialog, member: UserKey): void {
    dialog.forks.delete(member);
    dialog.stoppedForks.add(member);
    this.#leave(member, dialog);
  }

  #join(user: UserKey, dialog: LiveDialog): void {
    const dialogs = this.#byUser.get(user);
    if (dialogs) {
      dialogs.add(dialog);
      return;
    }
    this.#byUser.set(user, new Set([dialog]));
    this.#onBusy(user, true);
  }

  #leave(user: UserKey, dialog: LiveDialog): void {
    const dialogs = this.#byUser.get(user);
    if (!dialogs?.delete(dialog) || dialogs.size > 0) return;
    this.#byUser.delete(user);
    this.#onBusy(user, false);
  }
}

function stopRinging(dialog: LiveDialog): void {
  if (dialog.ringTimer) clearTimeout(dialog.ringTimer);
  dialog.ringTimer = null;
}
