/**
 * How dialogs end when the server ends them (no answer in time, a party gone) and what ending any
 * dialog involves: the table forgets it (presence follows), so does its conference, and the log says why.
 */
import { REASONS } from '../../common/protocol.js';
import { linkEnded } from '../conference.js';
import { otherParty, type Dialog } from '../dialog.js';
import type { UserKey } from '../name-key.js';
import type { Board } from './board.js';
import { log } from './replies.js';

export type LeaveReason = 'Peer left' | 'Peer lost';

export function endDialog(board: Board, dialog: Dialog, why: string): void {
  board.dialogs.end(dialog, Date.now());
  linkEnded(board, dialog);
  log(board, 'info', 'call-end', { callId: dialog.callId, why });
}

/** No final answer in time: the caller gets 408, the callee a CANCEL. */
export function ringTimeout(board: Board, dialog: Dialog): void {
  const { caller, callee, callId, inviteCseq } = dialog;
  board.router.deliver(caller, callee, { status: 408, reason: REASONS[408] ?? '', method: 'INVITE', cseq: inviteCseq, callId });
  board.router.deliver(callee, caller, { method: 'CANCEL', cseq: inviteCseq, callId });
  endDialog(board, dialog, 'ring timeout');
}

/** `lost` is gone: the other party gets BYE in a confirmed call, 480 as a waiting caller, CANCEL as a ringing callee. */
export function endForLostParty(board: Board, dialog: Dialog, lost: UserKey, reason: LeaveReason): void {
  const other = otherParty(dialog, lost);
  const { callId, inviteCseq } = dialog;
  if (dialog.phase === 'confirmed') {
    const cseq = (dialog.lastCseq.get(lost) ?? 0) + 1;
    board.router.deliver(other, lost, { method: 'BYE', cseq, callId, body: { reason } });
  } else if (lost === dialog.callee) {
    board.router.deliver(other, lost, { status: 480, reason: REASONS[480] ?? '', method: 'INVITE', cseq: inviteCseq, callId });
  } else {
    board.router.deliver(other, lost, { method: 'CANCEL', cseq: inviteCseq, callId });
  }
  endDialog(board, dialog, reason);
}
