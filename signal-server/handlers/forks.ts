/**
 * A call to a ring group while it forks (rings at several members): the members' answers, where
 * the first 200 wins and the others get CANCEL "Answered elsewhere", and the caller's requests,
 * which reach every member still ringing. See dialog.ts for the phases, invite.ts for the start.
 */
import { ANSWERED_ELSEWHERE, REASONS, type Response } from '../../common/protocol.js';
import type { Awaiting, Dialog, DialogRequest } from '../dialog.js';
import type { UserKey } from '../name-key.js';
import type { Connection } from '../router.js';
import type { Board } from './board.js';
import { cancelRinging, endDialog, forkGone } from './endings.js';
import { log, nameOf, reply } from './replies.js';

/** `member`'s answer to the forked INVITE: a 1xx rings the caller (the first one only), a 200 wins, anything else drops the member. */
export function forkAnswered(board: Board, dialog: Dialog, member: UserKey, response: Response, invite: Awaiting): void {
  const { caller, callId, inviteCseq } = dialog;
  if (response.status < 200) {
    if (board.dialogs.alertCaller(dialog)) {
      board.router.deliverOwn(caller, { status: 180, reason: REASONS[180] ?? '', method: 'INVITE', cseq: inviteCseq, callId });
    }
  } else if (response.status < 300) {
    board.dialogs.settle(dialog, invite, response.status);
    const others = board.dialogs.confirm(dialog, member);
    board.router.deliver(caller, member, { ...response, ...(dialog.group === null ? {} : { group: dialog.group }) });
    for (const other of others) {
      board.router.deliver(other, caller, { method: 'CANCEL', cseq: inviteCseq, callId, body: { reason: ANSWERED_ELSEWHERE } });
    }
    log(board, 'info', 'call-answered', { callId, by: nameOf(board, member), group: dialog.group ?? undefined });
  } else {
    forkGone(board, dialog, member, `answered ${response.status}`);
  }
}

/**
 * A request that fits a forking dialog. The caller's CANCEL ends the call at every member (the
 * server answers it 200 and the INVITE 487 itself); its other requests (INFO) reach every member.
 * A member's INFO before it wins goes nowhere: the caller's one peer connection is for the winner.
 */
export function relayWhileForking(board: Board, connection: Connection, dialog: Dialog, sender: UserKey, request: DialogRequest): void {
  if (sender !== dialog.caller) return;
  if (request.method !== 'CANCEL') {
    for (const member of dialog.forks) board.router.deliver(member, sender, request);
    return;
  }
  reply(board, connection, request, 200);
  board.router.reply(connection, { status: 487, reason: REASONS[487] ?? '', method: 'INVITE', cseq: dialog.inviteCseq, callId: dialog.callId });
  cancelRinging(board, dialog);
  endDialog(board, dialog, 'cancelled');
}
