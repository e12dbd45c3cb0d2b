/**
 * Conference calls as this phone sees them (PROTOCOL.md, Conference): which of its calls are links
 * of which conference, what a server NOTIFY about a conference asks of it, and which INVITEs link
 * it in without ringing. The coordinator treats a conference's links as one call. Pure.
 *
 *   Add person in a call:   the call joins conference `id`; a new call INVITEs them with { id, from }
 *   NOTIFY { ringing: N } or { join: N }:   in the conference and no link with N -> call N with { id } (introduce)
 *   INVITE with { id } while in conference id:   answered at once, no ringing (the server vouches)
 *   an introduction while our invitation into it rings:   held unseen; answered with the invitation,
 *                                                          its 200 only after the invitation's
 */
import type { ConferenceBody, InviteBody, Request, SessionDescription } from '../../../common/protocol.js';
import { CONFERENCE_LIMITS } from '../../../common/protocol.js';
import type { PhoneCall } from './coordinator.js';
import { sameName } from './machine.js';

/** How a call belongs to a conference. */
export type ConferenceTag =
  /** The call it grew from, or an invitation: ours (`from`: the conference's call it was asked from, sent as `from`), or to us. */
  | { readonly id: string; readonly from?: string; readonly link?: undefined }
  /** A link an introduction made, ours or a member's: it never rings. */
  | { readonly id: string; readonly from?: undefined; readonly link: Link };

/**
 * A link to us, and whether it waits for our invitation into its conference (`joining`, its call
 * id): the server takes our 200 to a link only once we are a member, so an early one keeps its
 * answer (`answer`, once made) until the invitation's 200 has gone.
 */
export type Link = { readonly joining: null } | { readonly joining: string; readonly answer: SessionDescription | null };

export const LINK: Link = { joining: null };

/** What the user and the phone ask of conferences; each names the new call it makes. */
export type ConferenceInput =
  /** Add person: `to` is invited into the conference of the call `from` (conference `conference` if it has none yet). */
  | { type: 'addPerson'; from: string; callId: string; to: string; conference: string; video: boolean }
  /** Calls a member the server introduced (the answer to an `introduce` effect). */
  | { type: 'introduce'; callId: string; to: string; conference: string; video: boolean };

/** Someone joined conference `conference`: call them (the interpreter makes the call id). */
export type ConferenceEffect = { type: 'introduce'; conference: string; to: string };

type Invite = Extract<Request, { method: 'INVITE' }>;
type Notify = Extract<Request, { method: 'NOTIFY' }> & { body: ConferenceBody };

const isRinging = (call: PhoneCall): boolean => call.state.phase === 'ringing';

/** The links of conference `id`: its calls, but for an invitation to it still ringing here. */
export function linksOf(calls: readonly PhoneCall[], id: string): PhoneCall[] {
  return calls.filter((call) => call.conference?.id === id && !isRinging(call));
}

/** The calls that act as one with `call` (hold, resume, hang up): its conference's links, or itself. */
export function unitOf(calls: readonly PhoneCall[], call: PhoneCall): PhoneCall[] {
  return call.conference && !isRinging(call) ? linksOf(calls, call.conference.id) : [call];
}

/** This phone is in conference `id`: a link of it is answered, or being answered. */
export function isIn(calls: readonly PhoneCall[], id: string): boolean {
  return linksOf(calls, id).some((call) => call.state.phase === 'active' || call.state.phase === 'answering');
}

/** How many calls `calls` are for the phone's limits: a conference is one. */
export function unitCount(calls: readonly PhoneCall[]): number {
  const conferences = new Set<string>();
  let count = 0;
  for (const call of calls) {
    if (!call.conference) count += 1;
    else conferences.add(call.conference.id);
  }
  return count + conferences.size;
}

export const isConferenceNotify = (request: Request): request is Notify => request.method === 'NOTIFY' && request.body.event === 'conference';

/**
 * What a conference NOTIFY from the server asks: the call it names (the one the conference grew
 * from) becomes a link, and a newcomer we have no link with is to be called.
 */
export function readNotice(calls: readonly PhoneCall[], notify: Notify): { calls: readonly PhoneCall[]; introduce: ConferenceEffect | null } {
  const { id, join, ringing, members } = notify.body;
  const named = notify.callId;
  const tagged = named === undefined ? calls : calls.map((call) => (call.state.dialog.callId === named && call.conference?.id !== id ? { ...call, conference: { id } } : call));
  // Someone who joined is a member; someone ringing to join is not one yet.
  const newcomer = join !== undefined && members.some((member) => sameName(member, join)) ? join : ringing;
  const wanted = newcomer !== undefined && isIn(tagged, id) && !linksOf(tagged, id).some((call) => sameName(call.state.dialog.peer, newcomer));
  return { calls: tagged, introduce: wanted ? { type: 'introduce', conference: id, to: newcomer } : null };
}

/** The conference an incoming INVITE links this phone into without ringing: one it is in. Else null. */
export function linkingConference(calls: readonly PhoneCall[], invite: Invite): string | null {
  const id = invite.body.conference?.id;
  return id !== undefined && isIn(calls, id) ? id : null;
}

/** The server marked the INVITE as an introduction: a link, never a call that rings. */
export const isIntroduction = (invite: Invite): boolean => invite.body.conference?.introduction === true;

/**
 * The call by which this phone is joining conference `id` and whose 200 has not gone yet: our
 * invitation into it, ringing or being answered, while no link of it is answered. Else undefined.
 */
export function joiningCall(calls: readonly PhoneCall[], id: string): PhoneCall | undefined {
  const mine = calls.filter((call) => call.conference?.id === id);
  if (mine.some((call) => call.state.phase === 'active')) return undefined;
  return mine.find((call) => call.conference?.link === undefined && !call.state.dialog.owner && (call.state.phase === 'ringing' || call.state.phase === 'answering'));
}

/** The tag of a link to us in conference `id`: it waits for our invitation when we are still joining. */
export function linkTag(calls: readonly PhoneCall[], id: string): ConferenceTag {
  const joining = joiningCall(calls, id);
  return { id, link: joining ? { joining: joining.state.dialog.callId, answer: null } : LINK };
}

/** The links waiting for our invitation `callId` to be answered. */
export const waitingFor = (calls: readonly PhoneCall[], callId: string): PhoneCall[] => calls.filter((call) => call.conference?.link?.joining === callId);

/** A link that came while our invitation into its conference rang, not answered yet: the user does not see it. */
export const isUnseen = (call: PhoneCall): boolean => call.state.phase === 'ringing' && typeof call.conference?.link?.joining === 'string';

/** The conference tag of a new incoming call: an invitation into a conference rings like any call. */
export function invitationTag(invite: Invite): { conference?: ConferenceTag } {
  const id = invite.body.conference?.id;
  return id === undefined ? {} : { conference: { id } };
}

/** The INVITE of a conference call carries its conference. */
export function offerBody(body: InviteBody, tag: ConferenceTag | undefined): InviteBody {
  if (!tag) return body;
  return { ...body, conference: tag.from === undefined ? { id: tag.id } : { id: tag.id, from: tag.from } };
}

/** The most people a conference may hold, this phone included. */
export const conferenceLimit = (video: boolean): number => (video ? CONFERENCE_LIMITS.video : CONFERENCE_LIMITS.voice);

/** The status line of a conference, from the names of the others in it (sorted: links come up in any order). */
export function conferenceText(peers: readonly string[]): string {
  const names = [...peers].sort((a, b) => a.localeCompare(b, undefined, { sensitivity: 'base' }));
  if (names.length <= 1) return `In call with ${names[0] ?? ''}`;
  return `In conference with ${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}
