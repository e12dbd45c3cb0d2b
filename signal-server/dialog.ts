/**
 * The switchboard's model (users, their sockets, dialogs) and the rules a request must meet within
 * its dialog. Plain data and pure functions; the switchboard owns every change to them.
 */
import type { PublishedState, Request } from '../common/protocol.js';
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
  /** Single-use: replaced on every resume. */
  resume: string;
  published: PublishedState;
  /** null while the socket is lost and the grace period runs. */
  connection: Connection | null;
  graceTimer: NodeJS.Timeout | null;
  held: string[];
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
  /** A BYE awaiting its answer: who sent it, with which cseq. */
  bye: { from: User; cseq: number } | null;
}

export interface Connection {
  readonly link: Link;
  readonly remote: string;
  readonly flood: FloodGuard;
  user: User | null;
  missedPongs: number;
  registerTimer: NodeJS.Timeout | null;
}

export const isParty = (dialog: Dialog, user: User): boolean => dialog.caller === user || dialog.callee === user;
export const otherParty = (dialog: Dialog, user: User): User => (dialog.caller === user ? dialog.callee : dialog.caller);

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

/** Dialogs that ended lately: late answers from their parties are dropped, not refused. */
export class RecentlyEnded {
  static readonly KEEP_MS = 32_000;
  readonly #ended = new Map<string, { parties: readonly [User, User]; endedAt: number }>();

  add(dialog: Dialog, now: number): void {
    for (const [callId, ended] of this.#ended) {
      if (now - ended.endedAt < RecentlyEnded.KEEP_MS) break;
      this.#ended.delete(callId);
    }
    this.#ended.set(dialog.callId, { parties: [dialog.caller, dialog.callee], endedAt: now });
  }

  had(callId: string, user: User): boolean {
    return this.#ended.get(callId)?.parties.includes(user) ?? false;
  }
}
