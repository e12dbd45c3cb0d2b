/**
 * A dialog (one call between two users, named by key) and the rules a request or a response must
 * meet within it. Plain data and pure functions; the DialogTable makes every change to a dialog.
 */
import type { Request, Response } from '../common/protocol.js';
import { missingCase } from './missing-case.js';
import type { UserKey } from './name-key.js';

/**
 * early: the INVITE was accepted (100) and awaits a final answer; forking: the same, for a call to
 * a ring group that rings at several members (`forks`) until one answers 200 and becomes the callee;
 * confirmed: answered 200. A dialog leaves the table on a final answer >= 300 (from the last fork,
 * when forking), the answer to a BYE, or when the server ends it.
 */
export interface Dialog {
  readonly callId: string;
  readonly caller: UserKey;
  /** While forking, the ring group's key, which no user holds: nothing is delivered to it. */
  readonly callee: UserKey;
  readonly inviteCseq: number;
  readonly phase: 'early' | 'forking' | 'confirmed';
  /** While forking, the members still ringing; empty otherwise. */
  readonly forks: ReadonlySet<UserKey>;
  /** The ring group's name when the call was made to one, else null. */
  readonly group: string | null;
  /** Highest request cseq seen from each party. */
  readonly lastCseq: ReadonlyMap<UserKey, number>;
  /** Relayed requests still awaiting a final answer from the other party: at most one per sender and method. */
  readonly awaiting: readonly Awaiting[];
  /** Each party's latest INVITE or re-INVITE answered 2xx and not acknowledged yet (its cseq): its sender owes the ACK. */
  readonly unacked: ReadonlyMap<UserKey, number>;
  /** Whether the latest offer in it (the INVITE or a re-INVITE) carried video. */
  readonly video: boolean;
  /** The conference (conference.ts) it is a link of, or null for a call of its own. */
  readonly conference: string | null;
}

/** The requests that are answered; ACK, INFO and NOTIFY are not. */
export type AnsweredMethod = 'INVITE' | 'CANCEL' | 'BYE' | 'REFER';

export interface Awaiting {
  readonly from: UserKey;
  readonly method: AnsweredMethod;
  readonly cseq: number;
}

/** The requests that travel within a dialog (a new INVITE starts one, a re-INVITE is in one; NOTIFY reports a transfer). */
export type DialogRequest = Extract<Request, { method: 'INVITE' | 'ACK' | 'CANCEL' | 'BYE' | 'INFO' | 'REFER' } | { method: 'NOTIFY'; callId: string }>;

export const isParty = (dialog: Dialog, user: UserKey): boolean => dialog.caller === user || dialog.callee === user || dialog.forks.has(user);
export const otherParty = (dialog: Dialog, user: UserKey): UserKey => (dialog.caller === user ? dialog.callee : dialog.caller);

/** Whom the call rings at: the callee while early, every fork while forking, no one once answered. */
export function ringing(dialog: Dialog): UserKey[] {
  switch (dialog.phase) {
    case 'early':
      return [dialog.callee];
    case 'forking':
      return [...dialog.forks];
    case 'confirmed':
      return [];
    default:
      return missingCase(dialog.phase);
  }
}

/** The request awaiting an answer that `response` from `sender` answers, or undefined when it answers nothing. */
export function answered(dialog: Dialog, sender: UserKey, response: Response): Awaiting | undefined {
  return dialog.awaiting.find(
    (request) => request.from !== sender && request.method === response.method && request.cseq === response.cseq,
  );
}

export type DialogProblem = { status: 400 | 491; reason: string };

/** Why an in-dialog request does not fit its dialog's state, or null when it does. */
export function requestProblem(dialog: Dialog, sender: UserKey, request: DialogRequest): DialogProblem | null {
  const isCaller = sender === dialog.caller;
  switch (request.method) {
    case 'INVITE':
      return dialog.phase === 'confirmed' ? cseqProblem(dialog, sender, request.cseq) : { status: 491, reason: 'Request Pending' };
    case 'ACK':
      // RFC 3261: the sender of an INVITE acknowledges its 2xx: the caller the first (however it was answered), either party a re-INVITE.
      return (isCaller && request.cseq === dialog.inviteCseq) || dialog.unacked.get(sender) === request.cseq
        ? null
        : { status: 400, reason: `No INVITE ${request.cseq} of yours awaits ACK` };
    case 'CANCEL':
      return isCaller ? null : { status: 400, reason: 'Only the caller can cancel' };
    case 'BYE':
      return dialog.phase === 'confirmed'
        ? cseqProblem(dialog, sender, request.cseq)
        : { status: 400, reason: isCaller ? 'The call is not answered yet: send CANCEL' : 'The call is not answered yet: answer it 603' };
    case 'INFO':
    case 'NOTIFY':
      return cseqProblem(dialog, sender, request.cseq);
    case 'REFER':
      return dialog.phase === 'confirmed' ? cseqProblem(dialog, sender, request.cseq) : { status: 400, reason: 'The call is not answered yet' };
    default:
      return missingCase(request);
  }
}

function cseqProblem(dialog: Dialog, sender: UserKey, cseq: number): DialogProblem | null {
  const last = dialog.lastCseq.get(sender) ?? 0;
  return cseq > last ? null : { status: 400, reason: `cseq must increase within a dialog (last was ${last})` };
}

/**
 * Dialogs that ended lately, in the order they ended: late messages from their parties are dropped,
 * not refused. Bounded by age and by count; past either, an ended dialog is forgotten.
 */
export class RecentlyEnded {
  readonly #keepMs: number;
  readonly #max: number;
  readonly #ended = new Map<string, { parties: readonly UserKey[]; endedAt: number }>();

  constructor(keepMs: number, max: number) {
    this.#keepMs = keepMs;
    this.#max = max;
  }

  get size(): number {
    return this.#ended.size;
  }

  /** `alsoRung`: a ring group's members that were rung, whose late messages are dropped too. */
  add(dialog: Pick<Dialog, 'callId' | 'caller' | 'callee'>, now: number, alsoRung: readonly UserKey[] = []): void {
    // Deleted first so that a reused call id moves to the end: the map stays in order of ending.
    this.#ended.delete(dialog.callId);
    this.#ended.set(dialog.callId, { parties: [dialog.caller, dialog.callee, ...alsoRung], endedAt: now });
    for (const [callId, ended] of this.#ended) {
      if (this.#ended.size <= this.#max && now - ended.endedAt < this.#keepMs) break;
      this.#ended.delete(callId);
    }
  }

  had(callId: string, user: UserKey, now: number): boolean {
    const ended = this.#ended.get(callId);
    return ended !== undefined && now - ended.endedAt < this.#keepMs && ended.parties.includes(user);
  }
}
