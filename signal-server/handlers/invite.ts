/**
 * A new INVITE starts a call: the server finds the callee and checks it can ring (404; 480 when
 * away, in dnd, or offline but in the host's directory; 486),
 * checks the caller's limits (503), answers 100 and relays the INVITE. Either party may be in other
 * calls already, up to the phone limits. An INVITE carrying a conference (conference.ts) invites
 * someone into it, or links two of its members without ringing. An INVITE to a ring group forks to
 * every member who can ring (480 when none can). An INVITE following a transfer must name a
 * referral the server recorded (refer.ts). A callee who is no user or group here may be outside,
 * reached through a peer (outside.ts). An INVITE for a live dialog is a re-INVITE, relayed within it.
 */
import { nameProblem } from '../../common/protocol.js';
import { admitted, planConference, type ConferencePlan } from '../conference.js';
import { nameKeys, type NameKeys, type UserKey } from '../name-key.js';
import type { RingGroup } from '../ring-groups.js';
import type { Connection } from '../router.js';
import type { Board, Handler, RequestOf } from './board.js';
import { ringTimeout } from './endings.js';
import { relayInDialog } from './in-dialog.js';
import { checkReferral } from './refer.js';
import { answer, log, nameOf, refuse, reply } from './replies.js';

export const invite: Handler<'INVITE'> = (board, connection, sender, request) => {
  if (!board.dialogs.get(request.callId)) startCall(board, connection, sender, request);
  else if (request.body.referral !== undefined) refuse(board, connection, answer(request, 400, 'body.referral: only a new call follows a referral'));
  else relayInDialog(board, connection, sender, withoutConference(request));
};

function startCall(board: Board, connection: Connection, caller: UserKey, request: RequestOf<'INVITE'>): void {
  if (request.to === undefined) {
    refuse(board, connection, answer(request, 400, 'to: is required'));
    return;
  }
  const notName = board.outside === null ? nameProblem(request.to) : null;
  if (notName !== null) {
    refuse(board, connection, answer(request, 400, `to: ${notName}`)); // a SIP address, without a gateway
    return;
  }
  const keys = nameKeys(request.to);
  const group = board.config.ringGroups.find(keys);
  if (group) {
    // A REFER's target is a registered user, so no referral can name a group.
    if (request.body.referral !== undefined) refuse(board, connection, answer(request, 403, 'body.referral: no transfer goes to a ring group'));
    else if (request.body.conference !== undefined) refuse(board, connection, answer(request, 400, 'body.conference: a ring group joins no conference'));
    else startGroupCall(board, connection, caller, request, group);
    return;
  }
  const callee = board.registry.find(keys) ?? outsidePeer(board, caller, request);
  if (callee === caller) {
    refuse(board, connection, answer(request, 400, 'You cannot call yourself'));
    return;
  }
  if (callee === undefined) {
    const offline = offlineName(board, keys);
    if (offline === undefined) refuseCall(board, connection, caller, request, 404);
    else refuseCall(board, connection, caller, request, 480, `${offline} is offline`);
    return;
  }
  const { conference, media, referral } = request.body;
  if (conference !== undefined && referral !== undefined) {
    refuse(board, connection, answer(request, 400, 'body.referral: a call that follows a referral joins no conference'));
    return;
  }
  const plan = conference === undefined ? null : planConference(board, caller, callee, conference, media.video);
  if (plan?.kind === 'refused') {
    refuse(board, connection, answer(request, plan.status, plan.reason));
    return;
  }
  const referred = referral === undefined ? null : checkReferral(board, caller, callee, request);
  if (referred?.ok === false) {
    if (referred.status === 403) refuse(board, connection, answer(request, 403, referred.reason));
    else refuseCall(board, connection, caller, request, referred.status);
    return;
  }
  const unavailable = calleeRefusal(board, callee, plan);
  if (unavailable !== null) {
    refuseCall(board, connection, caller, request, unavailable);
    if (plan === null) tellRefused(board, caller, callee, unavailable, media.video);
    return;
  }
  const limited = callerRefusal(board, caller, plan);
  if (limited) {
    refuse(board, connection, answer(request, 503, limited));
    return;
  }
  const link = plan?.kind === 'introduction' ? { conference: plan.id } : {};
  const opened = { callId: request.callId, caller, callee, cseq: request.cseq, video: media.video, ...link };
  const dialog = board.dialogs.open(opened, (ringing) => ringTimeout(board, ringing));
  reply(board, connection, request, 100);
  if (plan !== null) board.router.deliver(callee, caller, admitted(board, plan, dialog, request));
  else board.router.deliver(callee, caller, referred ? { ...request, body: referred.body } : request);
  if (referred) board.dialogs.referrals.placed(referred.referral);
  log(board, 'info', 'call-start', { callId: dialog.callId, from: nameOf(board, caller), to: nameOf(board, callee), video: media.video, conference: conference?.id });
}

/** A re-INVITE renegotiates its own call: a conference in it means nothing, and is not relayed. */
function withoutConference(request: RequestOf<'INVITE'>): RequestOf<'INVITE'> {
  if (request.body.conference === undefined) return request;
  const { conference: _dropped, ...body } = request.body;
  return { ...request, body };
}

/** The name of a callee the host's directory knows but who is not registered now (480, not 404). */
function offlineName(board: Board, keys: NameKeys): string | undefined {
  const key = board.records?.directory.find(keys);
  return key === undefined ? undefined : board.records?.directory.nameOf(key);
}

/** A peer for a callee outside (through the SIP gateway), unless the call follows a referral or joins a conference (only users here do). */
function outsidePeer(board: Board, caller: UserKey, request: RequestOf<'INVITE'>): UserKey | undefined {
  if (request.to === undefined || request.body.referral !== undefined || request.body.conference !== undefined) return undefined;
  return board.outside?.dial(request.to, caller) ?? undefined;
}

/** Rings every member of `group` who can ring (the caller excepted) with the same INVITE, naming the group. */
function startGroupCall(board: Board, connection: Connection, caller: UserKey, request: RequestOf<'INVITE'>, group: RingGroup): void {
  const members = freeMembers(board, group, caller);
  if (members.length === 0) {
    refuseCall(board, connection, caller, request, 480);
    return;
  }
  const limited = callerRefusal(board, caller, null);
  if (limited) {
    refuse(board, connection, answer(request, 503, limited));
    return;
  }
  const { callId, cseq } = request;
  board.dialogs.open({ callId, caller, callee: group.key, cseq, video: request.body.media.video, fork: { group: group.name, members } }, (ringing) => ringTimeout(board, ringing));
  reply(board, connection, request, 100);
  const forked = { ...request, group: group.name };
  for (const member of members) board.router.deliver(member, caller, forked);
  log(board, 'info', 'call-start', { callId, from: nameOf(board, caller), to: group.name, members: members.length, video: request.body.media.video });
}

/** The members of `group` registered and able to ring now, other than `caller`. */
function freeMembers(board: Board, group: RingGroup, caller: UserKey): UserKey[] {
  const free: UserKey[] = [];
  for (const member of group.members) {
    const key = board.registry.find(member.keys);
    if (key !== undefined && key !== caller && !free.includes(key) && calleeRefusal(board, key, null) === null) free.push(key);
  }
  return free;
}

function refuseCall(board: Board, connection: Connection, caller: UserKey, request: RequestOf<'INVITE'>, status: 404 | 480 | 481 | 486, reason?: string): void {
  if (reason === undefined) reply(board, connection, request, status);
  else board.router.reply(connection, answer(request, status, reason));
  log(board, 'info', 'call-refused', { callId: request.callId, from: nameOf(board, caller), to: request.to, status });
}

/**
 * Tells a callee in dnd (480) or with a full phone (486) of the call refused for it, so its phone
 * keeps a record; not one that is merely away. At most at the caller's new-call rate.
 */
function tellRefused(board: Board, caller: UserKey, callee: UserKey, status: 480 | 486, video: boolean): void {
  const why = status === 486 ? 'busy' : board.registry.get(callee)?.published === 'dnd' ? 'dnd' : null;
  const name = nameOf(board, caller);
  if (why === null || name === undefined || !board.callGuard.mayTellRefused(caller, Date.now())) return;
  board.router.deliverOwn(callee, { method: 'NOTIFY', cseq: board.conferences.nextCseq(), body: { event: 'refused', caller: name, why, video } });
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
