/**
 * Conference calls (PROTOCOL.md, Conference): a set of members joined pair by pair by ordinary
 * dialogs, its links, each tagged with the conference id; media never passes through here. Owns
 * which conferences exist, who is in each, the invitations ringing and the introductions: when
 * someone is invited, the other members are told (NOTIFY) and INVITE the newcomer while it rings
 * (early introductions), so that it answers every link at once; when it joins, every member is told.
 * A member with no link left has left; a conference with neither links nor invitations is gone.
 *
 *   A (call X with B) INVITEs C with { id, from: X }:  conference { A, B }, X its first link, B told of X
 *   C's phone rings (180):  B told { ringing: C }; B INVITEs C with { id }: an introduction, held at C
 *   C answers 200:  C joins, every member told { join: C }; C answers B's introduction 200
 *   C declines, or stops ringing:  each introduction to C still unanswered ends (487 to B, CANCEL to C)
 *   a link ends:    a party with no link left leaves, the others told { leave }
 */
import type { ConferenceBody, InviteConference, Request } from '../common/protocol.js';
import { isParty, otherParty, type Dialog } from './dialog.js';
import type { Board } from './handlers/board.js';
import type { UserKey } from './name-key.js';

export interface ConferenceLimits {
  /** The most people (members and people invited) in a conference where any link carries video. */
  video: number;
  /** The most people in a conference with voice only. */
  voice: number;
}

/** A conference as others read it; the table makes every change. */
interface Conference {
  readonly id: string;
  /** In the order they joined. */
  readonly members: ReadonlySet<UserKey>;
  /** Its links, early or answered, by call id. */
  readonly links: ReadonlySet<string>;
  /** People invited to join, by the call id of their invitation. */
  readonly invitations: ReadonlyMap<string, UserKey>;
  /** The invitations whose phone rings (180): the members have been told. */
  readonly ringing: ReadonlySet<string>;
}

interface LiveConference extends Conference {
  readonly members: Set<UserKey>;
  readonly links: Set<string>;
  readonly invitations: Map<string, UserKey>;
  readonly ringing: Set<string>;
}

/** What a new INVITE carrying a conference is, once checked against the conference. */
export type ConferencePlan =
  /** Someone new is invited; `from` is the call a new conference grows from. */
  | { kind: 'invitation'; id: string; from: Dialog | null }
  /** Two members get their link (the server told the caller to make it). */
  | { kind: 'introduction'; id: string }
  | { kind: 'refused'; status: 400 | 403 | 409 | 503; reason: string };

export class ConferenceTable {
  readonly #byId = new Map<string, LiveConference>();
  /** Every link and invitation, by call id. */
  readonly #byCallId = new Map<string, LiveConference>();
  #cseq = 0;

  get(id: string): Conference | undefined {
    return this.#byId.get(id);
  }

  ofCall(callId: string): Conference | undefined {
    return this.#byCallId.get(callId);
  }

  /** A new conference whose first link is `first`, its two parties its first members. */
  create(id: string, first: Dialog, starter: UserKey): Conference {
    const conference: LiveConference = {
      id,
      members: new Set([starter, otherParty(first, starter)]),
      links: new Set([first.callId]),
      invitations: new Map(),
      ringing: new Set(),
    };
    this.#byId.set(id, conference);
    this.#byCallId.set(first.callId, conference);
    return conference;
  }

  invite(conference: Conference, callId: string, invitee: UserKey): void {
    const live = this.#live(conference);
    live?.invitations.set(callId, invitee);
    if (live) this.#byCallId.set(callId, live);
  }

  link(conference: Conference, callId: string): void {
    const live = this.#live(conference);
    live?.links.add(callId);
    if (live) this.#byCallId.set(callId, live);
  }

  /** The invitation `callId` rings: true the first time only. */
  rings(conference: Conference, callId: string): boolean {
    const live = this.#live(conference);
    if (!live?.invitations.has(callId) || live.ringing.has(callId)) return false;
    live.ringing.add(callId);
    return true;
  }

  /** The invitation `callId` was answered: it is a link now, and its invitee a member. Answers the invitee. */
  join(conference: Conference, callId: string): UserKey | undefined {
    const live = this.#live(conference);
    const invitee = live?.invitations.get(callId);
    if (!live || invitee === undefined) return undefined;
    live.invitations.delete(callId);
    live.ringing.delete(callId);
    live.links.add(callId);
    live.members.add(invitee);
    return invitee;
  }

  /** The link or invitation `callId` ended, and `leaving` with it; the conference goes with its last one. */
  forget(conference: Conference, callId: string, leaving: readonly UserKey[]): void {
    const live = this.#live(conference);
    if (!live) return;
    this.#byCallId.delete(callId);
    live.links.delete(callId);
    live.invitations.delete(callId);
    live.ringing.delete(callId);
    for (const member of leaving) live.members.delete(member);
    if (live.links.size === 0 && live.invitations.size === 0) this.#byId.delete(live.id);
  }

  nextCseq(): number {
    this.#cseq = (this.#cseq % (2 ** 31 - 1)) + 1;
    return this.#cseq;
  }

  #live(conference: Conference): LiveConference | undefined {
    const live = this.#byId.get(conference.id);
    return live === conference ? live : undefined;
  }
}

/** Checks a new INVITE from `caller` to `callee` that carries `request`: who may add whom, and how many. */
export function planConference(board: Board, caller: UserKey, callee: UserKey, request: InviteConference, video: boolean): ConferencePlan {
  const existing = board.conferences.get(request.id);
  let members: ReadonlySet<UserKey>;
  let from: Dialog | null = null;
  if (existing) {
    if (!existing.members.has(caller)) return refused(403, 'You are not in that conference');
    members = existing.members;
  } else {
    const starting = startingCall(board, caller, request.from);
    if (starting.kind === 'refused') return starting;
    from = starting.dialog;
    members = new Set([from.caller, from.callee]);
  }
  const calleeName = nameOf(board, callee);
  const invitation = existing && invitationOf(board, existing, callee);
  if (members.has(callee) || invitation) {
    if (!existing || linkBetween(board, existing, caller, callee)) return refused(409, `You have a call with ${calleeName} in this conference already`);
    // The one who invited them has its link in the invitation; anyone else may introduce itself early.
    if (invitation?.caller === caller) return refused(409, `${calleeName} is being invited already`);
    return { kind: 'introduction', id: existing.id };
  }
  const people = members.size + (existing?.invitations.size ?? 0) + 1;
  const withVideo = video || (from?.video ?? false) || (existing !== undefined && hasVideo(board, existing));
  const limit = withVideo ? board.config.conferenceLimits.video : board.config.conferenceLimits.voice;
  if (people > limit) return refused(503, `Conference full (at most ${limit} people${withVideo ? ' with video' : ''})`);
  return { kind: 'invitation', id: request.id, from };
}

/**
 * The INVITE `dialog` was admitted by `plan`: records the invitation (starting the conference
 * first if it is new) or the link, and answers the INVITE as the callee gets it, stamped with
 * the conference and its members.
 */
export function admitted(board: Board, plan: Exclude<ConferencePlan, { kind: 'refused' }>, dialog: Dialog, request: Extract<Request, { method: 'INVITE' }>): Request {
  const table = board.conferences;
  let conference = table.get(plan.id);
  if (plan.kind === 'introduction') {
    if (conference) table.link(conference, dialog.callId);
  } else {
    if (!conference && plan.from) conference = start(board, plan.id, plan.from, dialog.caller);
    if (conference) table.invite(conference, dialog.callId, dialog.callee);
  }
  const members = conference ? namesBut(board, conference, dialog.callee) : [];
  const stamped = plan.kind === 'introduction' ? { id: plan.id, members, introduction: true as const } : { id: plan.id, members };
  return { ...request, body: { sdp: request.body.sdp, media: request.body.media, conference: stamped } };
}

/**
 * Whether `answerer` may answer the first INVITE of `dialog` 200: a link of a conference only once
 * the answerer is a member (an introduction that reached it while it rang waits for its invitation's 200).
 */
export function mayAnswer(board: Board, dialog: Dialog, answerer: UserKey): boolean {
  if (dialog.conference === null) return true;
  return board.conferences.get(dialog.conference)?.members.has(answerer) ?? false;
}

/**
 * The invitee's phone rings (its first 180 to the invitation `dialog`): the other members are told,
 * and introduce themselves while it rings, so that it answers every link at once. Told only then,
 * their work leaves the newcomer's phone free to ring first; and once, however many 180s come.
 */
export function invitationRinging(board: Board, dialog: Dialog): void {
  const conference = board.conferences.ofCall(dialog.callId);
  if (!conference || !board.conferences.rings(conference, dialog.callId)) return;
  tellMembers(board, conference, { ringing: nameOf(board, dialog.callee) }, dialog.caller);
}

/** A first INVITE in `dialog` was answered 200: an invitee joins, and every member hears of it. */
export function linkAnswered(board: Board, dialog: Dialog): void {
  const conference = board.conferences.ofCall(dialog.callId);
  const invitee = conference && board.conferences.join(conference, dialog.callId);
  if (!conference || invitee === undefined) return; // an introduction is a link already
  board.dialogs.tag(dialog, conference.id);
  tellMembers(board, conference, { join: nameOf(board, invitee) });
}

/**
 * `dialog` ended (the table has forgotten it): a party left with no link leaves, and the others hear
 * of it. Answers the introductions it leaves with nothing to join: when an invitation ended
 * unanswered, those still ringing at its invitee, which the caller is to end.
 */
export function linkEnded(board: Board, dialog: Dialog): Dialog[] {
  const conference = board.conferences.ofCall(dialog.callId);
  if (!conference) return [];
  const unanswered = conference.invitations.get(dialog.callId);
  // The table no longer holds the dialog: its parties' other links and invitations decide.
  const leaving = [dialog.caller, dialog.callee].filter((party) => conference.members.has(party) && !inConference(board, conference, party, dialog.callId));
  board.conferences.forget(conference, dialog.callId, leaving);
  for (const party of leaving) tellMembers(board, conference, { leave: nameOf(board, party) });
  return unanswered === undefined ? [] : earlyIntroductions(board, conference, unanswered);
}

/** The introductions to `invitee`, not a member, still awaiting its answer. */
function earlyIntroductions(board: Board, conference: Conference, invitee: UserKey): Dialog[] {
  if (conference.members.has(invitee)) return [];
  return [...conference.links].flatMap((callId) => {
    const dialog = board.dialogs.get(callId);
    return dialog && dialog.callee === invitee && dialog.phase !== 'confirmed' ? [dialog] : [];
  });
}

/** The invitation of `invitee` into `conference` still ringing, if any. */
function invitationOf(board: Board, conference: Conference, invitee: UserKey): Dialog | undefined {
  for (const [callId, invited] of conference.invitations) if (invited === invitee) return board.dialogs.get(callId);
  return undefined;
}

function start(board: Board, id: string, first: Dialog, starter: UserKey): Conference {
  const conference = board.conferences.create(id, first, starter);
  board.dialogs.tag(first, id);
  // The other party learns that its call is now in a conference, so its own additions join it.
  const other = otherParty(first, starter);
  const body: ConferenceBody = { event: 'conference', id, members: namesBut(board, conference, other) };
  board.router.deliverOwn(other, { method: 'NOTIFY', cseq: board.conferences.nextCseq(), callId: first.callId, body });
  return conference;
}

/** The call `from` that `caller` starts a new conference from, or why it cannot. */
function startingCall(board: Board, caller: UserKey, from: string | undefined): { kind: 'call'; dialog: Dialog } | Refused {
  if (from === undefined) return refused(400, 'body.conference.from: is required to start a conference');
  const dialog = board.dialogs.get(from);
  if (!dialog || !isParty(dialog, caller)) return refused(403, 'body.conference.from: not a call of yours');
  if (dialog.phase !== 'confirmed') return refused(400, 'body.conference.from: the call is not answered yet');
  if (dialog.conference !== null) return refused(409, 'body.conference.from: the call is in another conference');
  return { kind: 'call', dialog };
}

function tellMembers(board: Board, conference: Conference, change: { join: string } | { leave: string } | { ringing: string }, except?: UserKey): void {
  for (const member of conference.members) {
    if (member === except) continue;
    const body: ConferenceBody = { event: 'conference', id: conference.id, members: namesBut(board, conference, member), ...change };
    board.router.deliverOwn(member, { method: 'NOTIFY', cseq: board.conferences.nextCseq(), body });
  }
}

/** `user` has a link in `conference` besides `ended`, or an invitation it sent ringing. */
function inConference(board: Board, conference: Conference, user: UserKey, ended: string): boolean {
  for (const callId of conference.links) if (callId !== ended && isPartyTo(board, callId, user)) return true;
  for (const [callId] of conference.invitations) if (callId !== ended && board.dialogs.get(callId)?.caller === user) return true;
  return false;
}

function linkBetween(board: Board, conference: Conference, a: UserKey, b: UserKey): boolean {
  for (const callId of conference.links) if (isPartyTo(board, callId, a) && isPartyTo(board, callId, b)) return true;
  return false;
}

function hasVideo(board: Board, conference: Conference): boolean {
  for (const callId of [...conference.links, ...conference.invitations.keys()]) if (board.dialogs.get(callId)?.video) return true;
  return false;
}

function isPartyTo(board: Board, callId: string, user: UserKey): boolean {
  const dialog = board.dialogs.get(callId);
  return dialog !== undefined && isParty(dialog, user);
}

function namesBut(board: Board, conference: Conference, user: UserKey): string[] {
  return [...conference.members].filter((member) => member !== user).map((member) => nameOf(board, member));
}

const nameOf = (board: Board, key: UserKey): string => board.registry.get(key)?.name ?? key;

type Refused = Extract<ConferencePlan, { kind: 'refused' }>;
const refused = (status: Refused['status'], reason: string): Refused => ({ kind: 'refused', status, reason });
