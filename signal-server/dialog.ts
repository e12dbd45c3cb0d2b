/**
 * The switchboard's model (users, their sockets, dialogs) and the rules a request must meet within
 * its dialog. Plain data and pure functions; the switchboard owns every change to them.
 */
import type { PublishedState, Request, Response } from '../common/protocol.js';
import type { HeldFrames } from './held-frames.js';
import type { FloodGuard } from './rate-limit.js';

/** What the switchboard needs of a socket. */
export interface Link {
  send(frame: string | Buffer): void;
  close(code: number, reason: string): void;
}

export interface User {
  readonly name: string;
  /** The name as a JSON string, made once for stamping `from` and `to`. */
  readonly nameJson: string;
  readonly key: string;
  /** The UTS #39 skeleton of the name as written (see name-key.ts). */
  readonly skeleton: string;
  /** Single-use: replaced on every resume. */
  resume: string;
  published: PublishedState;
  /** null while the socket is lost and the grace period runs. */
  connection: Connection | null;
  graceTimer: NodeJS.Timeout | null;
  readonly held: HeldFrames;
  readonly dialogs: Set<Dialog>;
}

/**
 * early: the INVITE was accepted (100) and awaits a final answer; confirmed: answered 200.
 * A dialog leaves the table on a final answer >= 300, the answer to a BYE, or when the server ends it.
 */
export interface Dialog {
  readonly callId: string;
  readonly caller: User;
  readonly callee: User;
  readonly inviteCseq: number;
  phase: 'early' | 'confirmed';
  ringTimer: NodeJS.Timeout | null;
  /** Highest request cseq seen from each party. */
  readonly lastCseq: Map<User, number>;
  /** Relayed requests still awaiting a final answer from the other party: at most one per sender and method. */
  readonly awaiting: Awaiting[];
}

/** The requests that are answered; ACK, INFO and NOTIFY are not. */
export type AnsweredMethod = 'INVITE' | 'CANCEL' | 'BYE';

export interface Awaiting {
  readonly from: User;
  readonly method: AnsweredMethod;
  cseq: number;
}

export interface Connection {
  readonly link: Link;
  readonly remote: string;
  readonly flood: FloodGuard;
  user: User | null;
  registerTimer: NodeJS.Timeout | null;
}

export const isParty = (dialog: Dialog, user: User): boolean => dialog.caller === user || dialog.callee === user;
export const otherParty = (dialog: Dialog, user: User): User => (dialog.caller === user ? dialog.callee : dialog.caller);

/** Calls `user` has placed that are not answered yet. */
export function ringingFrom(user: User): number {
  let ringing = 0;
  for (const dialog of user.dialogs) if (dialog.caller === user && dialog.phase === 'early') ringing += 1;
  return ringing;
}

/** The request awaiting an answer that `response` from `sender` answers, or undefined when it answers nothing. */
export function answered(dialog: Dialog, sender: User, response: Response): Awaiting | undefined {
  return dialog.awaiting.find(
    (request) => request.from !== sender && request.method === response.method && request.cseq === response.cseq,
  );
}

export type DialogProblem = { status: 400 | 491; reason: string };

/** Why an in-dialog request does not fit its dialog's state, or null when it does. */
export function requestProblem(dialog: Dialog, sender: User, request: Request): DialogProblem | null {
  const isCaller = sender === dialog.caller;
  switch (request.method) {
    case 'INVITE':
      return dialog.phase === 'confirmed' ? cseqProblem(dialog, sender, request.cseq) : { status: 491, reason: 'Request Pending' };
    case 'ACK':
      return isCaller ? null : { status: 400, reason: 'Only the caller sends ACK' };
    case 'CANCEL':
      return isCaller ? null : { status: 400, reason: 'Only the caller can cancel' };
    case 'BYE':
      return dialog.phase === 'confirmed'
        ? cseqProblem(dialog, sender, request.cseq)
        : { status: 400, reason: isCaller ? 'The call is not answered yet: send CANCEL' : 'The call is not answered yet: answer it 603' };
    case 'INFO':
      return cseqProblem(dialog, sender, request.cseq);
    default:
      return { status: 400, reason: `${request.method} does not belong in a dialog` };
  }
}

function cseqProblem(dialog: Dialog, sender: User, cseq: number): DialogProblem | null {
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
  readonly #ended = new Map<string, { parties: readonly [User, User]; endedAt: number }>();

  constructor(keepMs: number, max: number) {
    this.#keepMs = keepMs;
    this.#max = max;
  }

  get size(): number {
    return this.#ended.size;
  }

  add(dialog: Dialog, now: number): void {
    // Deleted first so that a reused call id moves to the end: the map stays in order of ending.
    this.#ended.delete(dialog.callId);
    this.#ended.set(dialog.callId, { parties: [dialog.caller, dialog.callee], endedAt: now });
    for (const [callId, ended] of this.#ended) {
      if (this.#ended.size <= this.#max && now - ended.endedAt < this.#keepMs) break;
      this.#ended.delete(callId);
    }
  }

  had(callId: string, user: User, now: number): boolean {
    const ended = this.#ended.get(callId);
    return ended !== undefined && now - ended.endedAt < this.#keepMs && ended.parties.includes(user);
  }
}
