/**
 * How dialogs end when the server ends them (no answer in time, a party gone, every member of a
 * ring group gone or declined) and what ending any dialog involves: the table forgets it (presence
 * follows), so does its conference, and the log says why.
 */
import { REASONS } from '../../common/protocol.js';
import { linkEnded } from '../conference.js';
import { otherParty, ringing, type Dialog } from '../dialog.js';
import type { UserKey } from '../name-key.js';
import type { LeaveReason } from '../registry.js';
import type { Board } from './board.js';
import { log } from './replies.js';


export function endDialog(board: Board, dialog: Dialog, why: string): void {
  board.dialogs.end(dialog, Date.now());
  const orphaned = linkEnded(board, dialog);
  log(board, 'info', 'call-end', { callId: dialog.callId, why });
  for (const introduction of orphaned) endIntroduction(board, introduction);
}

/** An introduction to someone whose invitation ended unanswered: the member gets 487, the invitee a CANCEL. */
function endIntroduction(board: Board, dialog: Dialog): void {
  const { caller, callee, callId, inviteCseq } = dialog;
  board.router.deliver(caller, callee, { status: 487, reason: REASONS[487] ?? '', method: 'INVITE', cseq: inviteCseq, callId });
  cancelRinging(board, dialog);
  endDialog(board, dialog, 'the invitation it followed ended');
}

/** No final answer in time: the caller gets 408 (from the server when a ring group was called), each callee ringing a CANCEL. */
export function ringTimeout(board: Board, dialog: Dialog): void {
  const { caller, callee, callId, inviteCseq } = dialog;
  const timeout = { status: 408, reason: REASONS[408] ?? '', method: 'INVITE', cseq: inviteCseq, callId };
  if (dialog.phase === 'forking') board.router.deliverOwn(caller, timeout);
  else board.router.deliver(caller, callee, timeout);
  cancelRinging(board, dialog);
  endDialog(board, dialog, 'ring timeout');
}

/**
 * `lost` is gone: the other party gets BYE in a confirmed call, 480 as a waiting caller, CANCEL as a
 * ringing callee (every member a ring group rings). A lost member of a ring group only stops ringing.
 */
export function endForLostParty(board: Board, dialog: Dialog, lost: UserKey, reason: LeaveReason): void {
  const other = otherParty(dialog, lost);
  const { callId, inviteCseq } = dialog;
  if (dialog.phase === 'confirmed') {
    const cseq = (dialog.lastCseq.get(lost) ?? 0) + 1;
    board.router.deliver(other, lost, { method: 'BYE', cseq, callId, body: { reason } });
  } else if (lost === dialog.caller) {
    cancelRinging(board, dialog);
  } else if (dialog.phase === 'forking') {
    forkGone(board, dialog, lost, reason);
    return;
  } else {
    board.router.deliver(other, lost, { status: 480, reason: REASONS[480] ?? '', method: 'INVITE', cseq: inviteCseq, callId });
  }
  endDialog(board, dialog, reason);
}

/** A CANCEL from the caller to each callee the call still rings at. */
export function cancelRinging(board: Board, dialog: Dialog): void {
  const { caller, callId, inviteCseq } = dialog;
  for (const callee of ringing(dialog)) board.router.deliver(callee, caller, { method: 'CANCEL', cseq: inviteCseq, callId });
}

/** A ring group's `member` stopped ringing (declined, busy, gone): the others ring on; when none is left the caller gets 486. */
export function forkGone(board: Board, dialog: Dialog, member: UserKey, why: string): void {
  if (board.dialogs.dropFork(dialog, member) > 0) return;
  const { callId, inviteCseq } = dialog;
  board.router.deliverOwn(dialog.caller, { status: 486, reason: REASONS[486] ?? '', method: 'INVITE', cseq: inviteCseq, callId });
  endDialog(board, dialog, `no member answered (the last: ${why})`);
}
