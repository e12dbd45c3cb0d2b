/**
 * A new INVITE starts a call: the server finds the callee and checks it can ring (404, 480, 486),
 * checks the caller's limits (503), answers 100 and relays the INVITE. Either party may be in other
 * calls already, up to the phone limits. An INVITE carrying a conference (conference.ts) invites
 * someone into it, or links two of its members without ringing. An INVITE for a live dialog is a
 * re-INVITE, relayed within it.
 */
import { admitted, planConference, type ConferencePlan } from '../conference.js';
import { nameKeys, type UserKey } from '../name-key.js';
import type { Connection } from '../router.js';
import type { Board, Handler, RequestOf } from './board.js';
import { ringTimeout } from './endings.js';
import { relayInDialog } from './in-dialog.js';
import { echo, log, nameOf, refuse, reply } from './replies.js';

export const invite: Handler<'INVITE'> = (board, connection, sender, request) => {
  if (board.dialogs.get(request.callId)) relayInDialog(board, connection, sender, withoutConference(request));
  else startCall(board, connection, sender, request);
};

function startCall(board: Board, connection: Connection, caller: UserKey, request: RequestOf<'INVITE'>): void {
  if (request.to === undefined) {
    refuse(board, connection, { ...echo(request), status: 400, reason: 'to: is required' });
    return;
  }
  const callee = board.registry.find(nameKeys(request.to));
  if (callee === caller) {
    refuse(board, connection, { ...echo(request), status: 400, reason: 'You cannot call yourself' });
    return;
  }
  if (callee === undefined) {
    refuseCall(board, connection, caller, request, 404);
    return;
  }
  const { conference, media } = request.body;
  const plan = conference === undefined ? null : planConference(board, caller, callee, conference, media.video);
  if (plan?.kind === 'refused') {
    refuse(board, connection, { ...echo(request), status: plan.status, reason: plan.reason });
    return;
  }
  const unavailable = calleeRefusal(board, callee, plan);
  if (unavailable !== null) {
    refuseCall(board, connection, caller, request, unavailable);
    return;
  }
  const limited = callerRefusal(board, caller, plan);
  if (limited) {
    refuse(board, connection, { ...echo(request), status: 503, reason: limited });
    return;
  }
  const link = plan?.kind === 'introduction' ? { conference: plan.id } : {};
  const opened = { callId: request.callId, caller, callee, cseq: request.cseq, video: media.video, ...link };
  const dialog = board.dialogs.open(opened, (ringing) => ringTimeout(board, ringing));
  reply(board, connection, request, 100);
  board.router.deliver(callee, caller, plan === null ? request : admitted(board, plan, dialog, request));
  log(board, 'info', 'call-start', { callId: dialog.callId, from: nameOf(board, caller), to: nameOf(board, callee), video: media.video, conference: conference?.id });
}

/** A re-INVITE renegotiates its own call: a conference in it means nothing, and is not relayed. */
function withoutConference(request: RequestOf<'INVITE'>): RequestOf<'INVITE'> {
  if (request.body.conference === undefined) return request;
  const { conference: _dropped, ...body } = request.body;
  return { ...request, body };
}

function refuseCall(board: Board, connection: Connection, caller: UserKey, request: RequestOf<'INVITE'>, status: 404 | 480 | 486): void {
  reply(board, connection, request, status);
  log(board, 'info', 'call-refused', { callId: request.callId, from: nameOf(board, caller), to: request.to, status });
}

/**
 * Why a registered callee cannot ring: away or in dnd (480), or its phone full (486): it holds its
 * most answered calls, or its most incoming calls ring already. Null when it can: a phone in a call
 * can be rung (call waiting). A link between two members of a conference rings nowhere: it needs
 * only the callee's socket.
 */
function calleeRefusal(board: Board, callee: UserKey, plan: ConferencePlan | null): 480 | 486 | null {
  if (plan?.kind === 'introduction') return board.router.isConnected(callee) ? null : 480;
  if (!board.router.isConnected(callee) || board.registry.get(callee)?.published === 'dnd') return 480;
  const { confirmed, ringingIn } = board.dialogs.counts(callee);
  const { maxCalls, maxRinging } = board.config.phoneLimits;
  return confirmed >= maxCalls || ringingIn >= maxRinging ? 486 : null;
}

/**
 * Why the caller may not start another call: its phone full, or over the call limits; null when it
 * may (and the call is counted). Inviting someone into its conference adds no call to the caller's
 * phone, so only the call limits apply; a link in its conference is bounded by the conference's size.
 */
function callerRefusal(board: Board, caller: UserKey, plan: ConferencePlan | null): string | null {
  if (plan?.kind === 'introduction') return null;
  const { confirmed, ringingOut } = board.dialogs.counts(caller);
  const { maxCalls } = board.config.phoneLimits;
  if (plan === null && confirmed >= maxCalls) return `Too many calls (at most ${maxCalls} answered at once)`;
  return board.callGuard.refusal(caller, ringingOut, Date.now());
}
