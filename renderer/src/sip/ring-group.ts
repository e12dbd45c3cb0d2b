/**
 * What a ring group changes in one call (PROTOCOL.md, "Ring groups"): a call to a group is answered
 * 200 by the member who takes it, named in `from` beside the group in `group`, and that member is
 * the peer from then on; a member's call ends with CANCEL "Answered elsewhere" when another took it.
 */
import { ANSWERED_ELSEWHERE, nameKey, type Request, type Response } from '../../../common/protocol.js';
import type { Dialog } from './types.js';

/** True for the 200 a member of the ring group this phone called sent (the server names the group). */
export function answersForGroup(dialog: Dialog, response: Response): boolean {
  return dialog.owner && response.group !== undefined && response.from !== undefined && nameKey(response.group) === nameKey(dialog.peer);
}

/** The dialog as answered by `response`: with the member who took the call as its peer, when it called a group. */
export function answeredBy(dialog: Dialog, response: Response): Dialog {
  if (!answersForGroup(dialog, response) || response.from === undefined) return dialog;
  return { ...dialog, peer: response.from, group: dialog.peer };
}

/** True for the CANCEL the server sends a member when another member took the call. */
export const answeredElsewhere = (request: Request): boolean => request.method === 'CANCEL' && request.body?.reason === ANSWERED_ELSEWHERE;
