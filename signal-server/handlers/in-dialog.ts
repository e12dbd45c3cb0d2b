/**
 * Requests within a dialog (ACK, CANCEL, BYE, INFO and re-INVITE): relayed to the other party only,
 * once they fit the dialog's state (while a ring group call forks, see forks.ts); from anyone else, 481.
 */
import { isParty, otherParty, requestProblem, type DialogRequest } from '../dialog.js';
import type { UserKey } from '../name-key.js';
import type { Connection } from '../router.js';
import type { Board } from './board.js';
import { relayWhileForking } from './forks.js';
import { answer, refuse, reply } from './replies.js';

export function relayInDialog(board: Board, connection: Connection, sender: UserKey, request: DialogRequest): void {
  const dialog = board.dialogs.get(request.callId);
  if (!dialog || !isParty(dialog, sender)) {
    const late = (request.method === 'ACK' || request.method === 'INFO') && board.dialogs.endedWith(request.callId, sender, Date.now());
    if (!late) reply(board, connection, request, 481);
    return;
  }
  const problem = requestProblem(dialog, sender, request);
  if (problem) {
    refuse(board, connection, answer(request, problem.status, problem.reason));
    return;
  }
  board.dialogs.requested(dialog, sender, request);
  if (dialog.phase === 'forking') relayWhileForking(board, connection, dialog, sender, request);
  else board.router.deliver(otherParty(dialog, sender), sender, request);
}
