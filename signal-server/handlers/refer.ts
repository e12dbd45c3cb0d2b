/**
 * Transfer (REFER, reduced from RFC 3515 and 3891): a party of an answered call (the referrer) asks
 * the other (the transferee) to call a third user (the target), in place of the referrer's call with
 * the target when attended. The server checks the call, the target and the call replaced, records
 * the referral, and relays the REFER stamped with who refers; admits the one INVITE it allows
 * (asked by invite.ts), stamped the same way; and relays the transferee's reports (NOTIFY).
 */
import { REASONS, type InviteBody, type Response } from '../../common/protocol.js';
import { isParty, otherParty, requestProblem, type Dialog } from '../dialog.js';
import { nameKeys, type UserKey } from '../name-key.js';
import type { Referral } from '../referrals.js';
import type { Board, Handler, RequestOf } from './board.js';
import { notifyFromClient } from './publish.js';
import { answer, log, nameOf, refuse, reply } from './replies.js';

export const refer: Handler<'REFER'> = (board, connection, sender, request) => {
  const dialog = board.dialogs.get(request.callId);
  if (!dialog || !isParty(dialog, sender)) {
    reply(board, connection, request, 481);
    return;
  }
  const problem = requestProblem(dialog, sender, request);
  if (problem) {
    refuse(board, connection, answer(request, problem.status, problem.reason));
    return;
  }
  const transferee = otherParty(dialog, sender);
  const target = board.registry.find(nameKeys(request.body.target));
  if (target === sender || target === transferee) {
    refuse(board, connection, answer(request, 400, 'target: transfer to someone outside this call'));
    return;
  }
  // One transfer per call: a crossing REFER (both parties at once) is not a fault of its sender.
  if (board.dialogs.referrals.get(dialog.callId)) {
    reply(board, connection, request, 491);
    return;
  }
  if (target === undefined || !board.router.isConnected(target) || board.registry.get(target)?.published === 'dnd') {
    reply(board, connection, request, target === undefined ? 404 : 480);
    return;
  }
  const replaces = request.body.replaces ?? null;
  if (replaces !== null && !consultBetween(board, replaces, sender, target)) {
    // The consult call hanging up as the REFER left is a race, not a forgery.
    if (board.dialogs.endedWith(replaces, sender, Date.now())) reply(board, connection, request, 481);
    else refuse(board, connection, answer(request, 403, `replaces: no answered call between you and ${nameOf(board, target)} has that callId`));
    return;
  }
  board.dialogs.requested(dialog, sender, request);
  board.dialogs.referrals.add(
    { callId: dialog.callId, referrer: sender, transferee, target, replaces, referCseq: request.cseq },
    (lapsed) => lapse(board, lapsed),
  );
  const body = { target: nameOf(board, target) ?? request.body.target, referredBy: nameOf(board, sender) ?? '' };
  board.router.deliver(transferee, sender, { method: 'REFER', cseq: request.cseq, callId: dialog.callId, body });
  log(board, 'info', 'transfer-start', { callId: dialog.callId, attended: replaces !== null });
};

/** The transferee answered the REFER (relayed already): 2xx lets it place the call, anything else ends the referral. */
export function referAnswered(board: Board, dialog: Dialog, response: Response): void {
  const referral = board.dialogs.referrals.get(dialog.callId);
  if (!referral || response.cseq !== referral.referCseq) return;
  if (response.status < 300) board.dialogs.referrals.accept(referral);
  else board.dialogs.referrals.forget(dialog.callId);
}

export type ReferralCheck = { ok: true; referral: Referral; body: InviteBody } | { ok: false; status: 403 | 481; reason: string };

/**
 * Whether `caller`'s new INVITE to `callee` may follow the referral its body names: one the caller
 * accepted, to that callee, not yet followed, whose replaced call (if any) is still up. On success,
 * the body to relay, stamped with who referred and what it replaces.
 */
export function checkReferral(board: Board, caller: UserKey, callee: UserKey, request: RequestOf<'INVITE'>): ReferralCheck {
  const { referral: callId, ...body } = request.body;
  const referral = callId === undefined ? undefined : board.dialogs.referrals.get(callId);
  if (!referral || referral.phase !== 'accepted' || referral.transferee !== caller || referral.target !== callee) {
    return { ok: false, status: 403, reason: `referral: no transfer to ${nameOf(board, callee)} awaits you in that call` };
  }
  if (referral.replaces !== null && !consultBetween(board, referral.replaces, referral.referrer, callee)) {
    return { ok: false, status: 481, reason: REASONS[481] ?? '' };
  }
  const stamped: InviteBody = { ...body, referredBy: nameOf(board, referral.referrer) ?? '' };
  if (referral.replaces !== null) stamped.replaces = referral.replaces;
  return { ok: true, referral, body: stamped };
}

/**
 * NOTIFY from a client: the transferee's report in the call of a referral it accepted is relayed
 * to the referrer (a final one ends the referral); anything else is the server's to send (501).
 */
export const notify: Handler<'NOTIFY'> = (board, connection, sender, request) => {
  const dialog = isReport(request) ? board.dialogs.get(request.callId) : undefined;
  const referral = dialog && board.dialogs.referrals.get(dialog.callId);
  if (!isReport(request) || !dialog || !referral || referral.transferee !== sender || referral.phase === 'offered') {
    notifyFromClient(board, connection, sender, request);
    return;
  }
  const problem = requestProblem(dialog, sender, request);
  if (problem) {
    refuse(board, connection, answer(request, problem.status, problem.reason));
    return;
  }
  board.dialogs.requested(dialog, sender, request);
  board.router.deliver(referral.referrer, sender, request);
  if (request.body.status >= 200) {
    board.dialogs.referrals.forget(dialog.callId);
    log(board, 'info', 'transfer-end', { callId: dialog.callId, status: request.body.status });
  }
};

const isReport = (request: RequestOf<'NOTIFY'>): request is Extract<RequestOf<'NOTIFY'>, { callId: string }> => request.body.event === 'refer';

/** An answered call between `a` and `b` named `callId`, homed here or (in a cluster) elsewhere. */
function consultBetween(board: Board, callId: string, a: UserKey, b: UserKey): boolean {
  const consult = board.dialogs.get(callId);
  if (consult === undefined) return board.callsElsewhere?.between(callId, a, b) ?? false;
  return consult.phase === 'confirmed' && isParty(consult, a) && isParty(consult, b);
}

/**
 * The referral's deadline passed: the server answers for the silent transferee, a 408 to a REFER
 * still unanswered, else a final report with status 408.
 */
function lapse(board: Board, referral: Referral): void {
  const { callId, referrer, transferee, referCseq } = referral;
  const dialog = board.dialogs.get(callId);
  if (!dialog) return;
  const unanswered = dialog.awaiting.find((request) => request.from === referrer && request.method === 'REFER' && request.cseq === referCseq);
  if (unanswered) {
    board.dialogs.settle(dialog, unanswered, 408);
    board.router.deliver(referrer, transferee, { status: 408, reason: REASONS[408] ?? '', method: 'REFER', cseq: referCseq, callId });
  } else {
    const cseq = (dialog.lastCseq.get(transferee) ?? 0) + 1;
    board.router.deliver(referrer, transferee, { method: 'NOTIFY', cseq, callId, body: { event: 'refer', status: 408 } });
  }
  log(board, 'info', 'transfer-lapsed', { callId });
}
