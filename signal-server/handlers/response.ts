/**
 * Responses: relayed only when they answer a request the other party sent in that dialog and that
 * still awaits its answer. The answer to the first INVITE confirms or ends the dialog (a ring group
 * member's, see forks.ts); the answer to a BYE ends it.
 */
import type { Response } from '../../common/protocol.js';
import { invitationRinging, linkAnswered, mayAnswer } from '../conference.js';
import { answered, isParty, otherParty } from '../dialog.js';
import type { UserKey } from '../name-key.js';
import type { Connection } from '../router.js';
import type { Board } from './board.js';
import { endDialog } from './endings.js';
import { forkAnswered } from './forks.js';
import { referAnswered } from './refer.js';
import { answer, log, refuse, reply } from './replies.js';

export function relayResponse(board: Board, connection: Connection, sender: UserKey, response: Response): void {
  const callId = response.callId;
  const dialog = callId === undefined ? undefined : board.dialogs.get(callId);
  if (!dialog || !isParty(dialog, sender)) {
    if (callId === undefined || !board.dialogs.endedWith(callId, sender, Date.now())) reply(board, connection, response, 481);
    return;
  }
  const request = answered(dialog, sender, response);
  if (!request) {
    const reason = `Nothing to answer: no ${response.method} ${response.cseq} awaits your answer`;
    refuse(board, connection, answer(response, 400, reason));
    return;
  }
  const answersFirstInvite = request.method === 'INVITE' && request.cseq === dialog.inviteCseq && dialog.phase !== 'confirmed';
  if (answersFirstInvite && response.status === 100) return; // 100 is the server's to send
  if (response.method === 'INVITE' && response.status === 200 && !response.body) {
    refuse(board, connection, answer(response, 400, 'body.sdp: a 200 to INVITE carries the answer'));
    return;
  }
  if (answersFirstInvite && response.status >= 200 && response.status < 300 && !mayAnswer(board, dialog, sender)) {
    refuse(board, connection, answer(response, 403, 'You have not joined that conference: answer its invitation first'));
    return;
  }
  if (dialog.phase === 'forking') {
    forkAnswered(board, dialog, sender, response, request);
    return;
  }
  board.router.deliver(otherParty(dialog, sender), sender, response);
  if (response.status >= 200) board.dialogs.settle(dialog, request, response.status);

  if (answersFirstInvite && response.status === 180) {
    invitationRinging(board, dialog);
  } else if (answersFirstInvite && response.status >= 200 && response.status < 300) {
    board.dialogs.confirm(dialog, sender);
    linkAnswered(board, dialog);
    log(board, 'info', 'call-answered', { callId: dialog.callId });
  } else if (answersFirstInvite && response.status >= 300) {
    endDialog(board, dialog, `answered ${response.status}`);
  } else if (request.method === 'BYE' && response.status >= 200) {
    endDialog(board, dialog, 'bye');
  } else if (request.method === 'REFER' && response.status >= 200) {
    referAnswered(board, dialog, response);
  }
}
