/**
 * The phone's calls: one dialog machine (machine.ts) per call and the rules between them. Routes
 * every input to the call it belongs to, keeps at most one call off hold, lets a new call ring
 * beside the others (call waiting) unless the phone is full (486), and picks the one tone the
 * phone plays. Pure like the machine: state and input in, state and effects (as data) out.
 *
 *   in a call, a new INVITE:  same peer as a call -> that call's machine (glare, or 486)
 *                             full -> 486          else -> a new ringing call, the 'waiting' tone
 *   answer a ringing call:    hold the active call (re-INVITE), end any unanswered one, answer
 *   resume a held call:       hold the active call, then resume (re-INVITE) the held one
 *   a conference (conference.ts) is one call: hold, resume and hang up take all its links; an
 *                             introduction that comes while our invitation rings waits unseen, and
 *                             is answered with it (its 200 after the invitation's)
 *   transfer (transfer.ts):   its actions and the calls' transfer signals go to the transfer,
 *                             which asks the calls for what comes next; an INVITE replacing one
 *                             of our calls is answered at once and that call ends
 */
import { isResponse, type Message, type Request } from '../../../common/protocol.js';
import { missingCase } from '../lib/missing-case.js';
import {
  invitationTag,
  isConferenceNotify,
  isIn,
  isIntroduction,
  isUnseen,
  joiningCall,
  LINK,
  linkingConference,
  linksOf,
  linkTag,
  offerBody,
  readNotice,
  unitCount,
  unitOf,
  waitingFor,
  type ConferenceEffect,
  type ConferenceInput,
  type ConferenceTag,
} from './conference.js';
import { initialState, reply, sameName, transition } from './machine.js';
import { act, follow, isTransferAction, noTransfer, replacedCall, type Transfer, type TransferAction, type TransferAsk } from './transfer.js';
import type { CallInput, Effect, InCall, LocalEvent, MachineContext, Tone, TransferSignal } from './types.js';

/** The most a phone holds: `calls` answered or being set up, plus `ringing` calls ringing here. */
export const LIMITS = { calls: 2, ringing: 1 } as const;

export interface PhoneCall {
  readonly state: InCall;
  /** This phone put the call on hold (only an answered call can be). */
  readonly held: boolean;
  /** The conference it is a call of; absent for a call of its own. */
  readonly conference?: ConferenceTag;
}

export interface PhoneState {
  /** In the order they began. */
  readonly calls: readonly PhoneCall[];
  /** The tone playing now. */
  readonly tone: Tone;
  /** The transfer under way, if any. */
  readonly transfer: Transfer;
}

export const idlePhone: PhoneState = { calls: [], tone: null, transfer: noTransfer };

export interface PhoneContext extends MachineContext {
  /** A new Call-ID, for a call the phone places by itself (a transferee's call to the target). */
  newCallId(): string;
}

/** What the user does to one call (`reoffer`: mute, camera or an ICE restart changed its media). */
export type CallAction = 'cancel' | 'decline' | 'hangup' | 'hold' | 'resume' | 'reoffer';

/** Results of media work, timers and candidates: each names the call it belongs to. */
export type CallResult = Exclude<Extract<LocalEvent, { callId: string }>, { type: 'dial' }>;

export type PhoneInput =
  | { type: 'message'; message: Message }
  | { type: 'dial'; callId: string; to: string; video: boolean }
  | { type: 'answer'; callId: string; video: boolean }
  | { type: CallAction; callId: string }
  | { type: 'connectionLost' | 'connectionRestored' }
  | ConferenceInput
  | CallResult
  | TransferAction;

export type PhoneEffect =
  | Exclude<Effect, TransferSignal>
  /** The call's local media stops (held: it sends nothing) or flows again; a re-INVITE follows, but for a transferee's quiet hold. */
  | { type: 'holdMedia'; callId: string; held: boolean }
  | ConferenceEffect;

export interface PhoneStep {
  phone: PhoneState;
  effects: PhoneEffect[];
}

/** The calls and the effects so far (the calls' transfer signals among them), while one input is worked through. */
interface Work {
  calls: readonly PhoneCall[];
  effects: (PhoneEffect | TransferSignal)[];
}

/** One step of the phone. Never throws; never mutates `phone`. */
export function step(phone: PhoneState, input: PhoneInput, ctx: PhoneContext): PhoneStep {
  const begun: Work = { calls: phone.calls, effects: [] };
  const acted = isTransferAction(input) ? act(phone.transfer, phone.calls, input) : { transfer: phone.transfer, asks: [] };
  const routed = isTransferAction(input) ? carryOut(begun, acted.asks, ctx) : route(begun, input, ctx);
  const followed = follow(acted.transfer, routed.calls, routed.effects, ctx.newCallId);
  const work = carryOut(routed, followed.asks, ctx);
  // Each machine asks for its own tone; the phone plays one, chosen from all its calls.
  const effects = work.effects.filter((effect): effect is PhoneEffect => effect.type !== 'tone' && !isSignal(effect));
  const tone = toneFor(work.calls);
  if (tone !== phone.tone) effects.push({ type: 'tone', tone });
  const same = work.calls === phone.calls && tone === phone.tone && followed.transfer === phone.transfer;
  return { phone: same ? phone : { calls: work.calls, tone, transfer: followed.transfer }, effects };
}

const isSignal = (effect: PhoneEffect | TransferSignal): effect is TransferSignal =>
  effect.type === 'referred' || effect.type === 'referAnswered' || effect.type === 'referProgress';

export const callIdOf = (call: PhoneCall): string => call.state.dialog.callId;

/** The call a user is talking in: answered, or being set up, and not on hold. */
export function activeCall(calls: readonly PhoneCall[]): PhoneCall | undefined {
  return calls.find((call) => !call.held && call.state.phase !== 'ringing');
}

/** A call ringing while the phone has another call. */
export function waitingCall(calls: readonly PhoneCall[]): PhoneCall | undefined {
  const seen = seenCalls(calls);
  return seen.length > 1 ? seen.find((call) => call.state.phase === 'ringing') : undefined;
}

/** The calls the user sees: all but links waiting unseen for our invitation to be answered. */
export const seenCalls = (calls: readonly PhoneCall[]): PhoneCall[] => calls.filter((call) => !isUnseen(call));

function route(work: Work, input: Exclude<PhoneInput, TransferAction>, ctx: MachineContext): Work {
  switch (input.type) {
    case 'message':
      return receive(work, input.message, ctx);
    case 'dial':
      return dial(work, input, ctx);
    case 'answer':
      return answer(work, input.callId, input.video, ctx);
    case 'hold':
      return hold(work, input.callId, ctx);
    case 'resume':
      return resume(work, input.callId, ctx);
    case 'hangup':
      return hangUp(work, input.callId, ctx);
    case 'cancel':
    case 'decline':
    case 'reoffer':
      return feed(work, input.callId, { type: input.type }, ctx);
    case 'addPerson':
      return addPerson(work, input, ctx);
    case 'introduce':
      return introduce(work, input, ctx);
    case 'offerReady': {
      // The INVITE of a conference call carries its conference.
      const tag = find(work.calls, input.callId)?.conference;
      return feed(work, input.callId, { ...input, body: offerBody(input.body, tag) }, ctx);
    }
    case 'connectionLost':
    case 'connectionRestored':
      return work.calls.reduce((done, call) => feed(done, callIdOf(call), { type: input.type }, ctx), work);
    case 'answerReady':
      return answerReady(work, input, ctx);
    case 'offerFailed':
    case 'answerFailed':
    case 'reofferReady':
    case 'reofferFailed':
    case 'reanswerReady':
    case 'reanswerFailed':
    case 'localCandidate':
    case 'timer':
    case 'mediaFailed':
    case 'mediaEnded':
      return feed(work, input.callId, input, ctx);
    default:
      return missingCase(input);
  }
}

const find = (calls: readonly PhoneCall[], callId: string): PhoneCall | undefined => calls.find((call) => callIdOf(call) === callId);
const warn = (work: Work, message: string): Work => ({ calls: work.calls, effects: [...work.effects, { type: 'warn', message }] });

/** Feeds `input` to the machine of the call `callId`; a call that ends leaves the list. */
function feed(work: Work, callId: string, input: CallInput, ctx: MachineContext): Work {
  const at = work.calls.findIndex((call) => callIdOf(call) === callId);
  const call = work.calls[at];
  if (!call) return unrouted(work, input, ctx);
  const next = transition(call.state, input, ctx);
  const unlinked = call.conference?.link !== undefined && call.state.phase !== 'active' && next.state.phase === 'idle';
  const effects = [...work.effects, ...(unlinked ? next.effects.map(asUnlinked) : next.effects)];
  if (next.state === call.state) return { calls: work.calls, effects };
  const calls = [...work.calls];
  if (next.state.phase === 'idle') calls.splice(at, 1);
  // Glare turns our call into the peer's (another Call-ID): that call was never held, nor in a conference.
  else calls[at] = next.state.dialog.callId === callId ? { ...call, state: next.state } : { state: next.state, held: false };
  return { calls, effects };
}

/** A link that ends before it was answered was no call of its own: its end tells nothing. */
const asUnlinked = (effect: Effect): Effect => (effect.type === 'ended' ? { ...effect, outcome: { kind: 'unlinked' } } : effect);

/** An input for no call of ours: an idle machine answers it (481 to a stray BYE or CANCEL; a late result is dropped). */
function unrouted(work: Work, input: CallInput, ctx: MachineContext): Work {
  return { calls: work.calls, effects: [...work.effects, ...transition(initialState, input, ctx).effects] };
}

function receive(work: Work, message: Message, ctx: MachineContext): Work {
  // Only the server says who is in a conference: a NOTIFY carrying a `from` was relayed from a peer.
  if (!isResponse(message) && isConferenceNotify(message)) return message.from === undefined ? notified(work, message) : work;
  const input: CallInput = { type: 'message', message };
  const call = message.callId === undefined ? undefined : find(work.calls, message.callId);
  if (call) return feed(work, callIdOf(call), input, ctx);
  if (!isResponse(message) && message.method === 'INVITE') return ring(work, message, ctx);
  return unrouted(work, input, ctx);
}

/** A new call to this phone. */
function ring(work: Work, invite: Extract<Request, { method: 'INVITE' }>, ctx: MachineContext): Work {
  const input: CallInput = { type: 'message', message: invite };
  const linking = linkingConference(work.calls, invite);
  if (linking !== null) return linkUp(work, invite, linking, ctx);
  // An introduction rings nowhere: it waits for our invitation into its conference, or is declined.
  if (isIntroduction(invite)) return joiningCall(work.calls, invite.body.conference?.id ?? '') ? holdLink(work, invite, ctx) : declined(work, invite);
  // A call with the same peer decides: glare while ours is unanswered, else busy.
  const samePeer = work.calls.find((call) => sameName(call.state.dialog.peer, invite.from ?? ''));
  if (samePeer) return feed(work, callIdOf(samePeer), input, ctx);
  const replaced = replacedCall(work.calls, invite);
  if (replaced) return takeOver(work, replaced, invite, ctx);
  if (isFull(work.calls)) return busy(work, invite);
  return start(work, input, ctx, invitationTag(invite));
}

const refuse = (status: 486 | 603) => (work: Work, invite: Extract<Request, { method: 'INVITE' }>): Work => ({
  calls: work.calls,
  effects: [...work.effects, { type: 'send', message: reply(invite, status) }],
});
const busy = refuse(486);
/** An introduction into a conference we are neither in nor ringing to join (our invitation ended meanwhile). */
const declined = refuse(603);

/** Attended transfer, the target's side: the call replacing ours is answered at once (no ringing), then ours ends. */
function takeOver(work: Work, replaced: PhoneCall, invite: Extract<Request, { method: 'INVITE' }>, ctx: MachineContext): Work {
  const ringing = start(work, { type: 'message', message: invite }, ctx);
  const video = invite.body.media.video && replaced.state.dialog.video;
  const answered = feed(ringing, invite.callId, { type: 'answer', video }, ctx);
  return feed(answered, callIdOf(replaced), { type: 'replaced' }, ctx);
}

/** Full: its most calls ringing, or its most calls answered or being set up (a conference is one). */
function isFull(calls: readonly PhoneCall[]): boolean {
  const ringing = seenCalls(calls).filter((call) => call.state.phase === 'ringing').length;
  return ringing >= LIMITS.ringing || unitCount(calls.filter((call) => call.state.phase !== 'ringing')) >= LIMITS.calls;
}

/** A call that begins from an idle machine joins the list, as `extra` says (held, in a conference). */
function start(work: Work, input: CallInput, ctx: MachineContext, extra: Partial<Omit<PhoneCall, 'state'>> = {}): Work {
  const next = transition(initialState, input, ctx);
  const calls = next.state.phase === 'idle' ? work.calls : [...work.calls, { held: false, ...extra, state: next.state }];
  return { calls, effects: [...work.effects, ...next.effects] };
}

function dial(work: Work, input: Extract<PhoneInput, { type: 'dial' }>, ctx: MachineContext): Work {
  // Calling someone whose call rings here: the two calls are one, so answer it.
  const theirs = work.calls.find((call) => call.state.phase === 'ringing' && sameName(call.state.dialog.peer, input.to));
  if (theirs) return answer(work, callIdOf(theirs), input.video, ctx);
  if (work.calls.length > 0) return warn(work, `Ignored dial while in ${work.calls.length} call(s)`);
  return start(work, input, ctx);
}

/** Answering a ringing call: the active call goes on hold and an unanswered one ends first. */
function answer(work: Work, callId: string, video: boolean, ctx: MachineContext): Work {
  const target = find(work.calls, callId);
  if (target?.state.phase !== 'ringing') return feed(work, callId, { type: 'answer', video }, ctx);
  const cleared = work.calls.reduce((done, call) => (call === target ? done : makeWay(done, call, ctx)), work);
  const answered = feed(cleared, callId, { type: 'answer', video }, ctx);
  // The links waiting for this invitation are answered with it.
  return waitingFor(answered.calls, callId).reduce((done, link) => feed(done, callIdOf(link), { type: 'answer', video }, ctx), answered);
}

/**
 * An answer made: sent, unless the call is a link still waiting for our invitation (its 200 would
 * be refused before the invitation's), which keeps it. An invitation answered frees its links.
 */
function answerReady(work: Work, input: Extract<CallResult, { type: 'answerReady' }>, ctx: MachineContext): Work {
  const call = find(work.calls, input.callId);
  const link = call?.conference?.link;
  if (call && link && link.joining !== null) {
    const kept: ConferenceTag = { id: call.conference.id, link: { joining: link.joining, answer: input.sdp } };
    return { calls: work.calls.map((other) => (other === call ? { ...call, conference: kept } : other)), effects: work.effects };
  }
  const sent = feed(work, input.callId, input, ctx);
  if (find(sent.calls, input.callId)?.state.phase !== 'active') return sent;
  return waitingFor(sent.calls, input.callId).reduce((done, waiting) => free(done, waiting, ctx), sent);
}

/** A link whose invitation is answered: no longer waiting; the answer it kept goes now. */
function free(work: Work, link: PhoneCall, ctx: MachineContext): Work {
  const kept = link.conference?.link;
  const id = link.conference?.id ?? '';
  const calls = work.calls.map((call) => (call === link ? { ...call, conference: { id, link: LINK } } : call));
  if (!kept || kept.joining === null || kept.answer === null) return { calls, effects: work.effects };
  return feed({ calls, effects: work.effects }, callIdOf(link), { type: 'answerReady', callId: callIdOf(link), sdp: kept.answer }, ctx);
}

/** Another call gives way to one the user takes: hold it if answered, else end it (a conference's calls being set up go on). */
function makeWay(work: Work, call: PhoneCall, ctx: MachineContext): Work {
  if (call.state.phase !== 'active') return call.conference ? work : feed(work, callIdOf(call), { type: 'hangup' }, ctx);
  return call.held ? work : setHold(work, callIdOf(call), true, ctx);
}

/** Hanging up a conference's call leaves the conference: every link of it hangs up. */
function hangUp(work: Work, callId: string, ctx: MachineContext): Work {
  const call = find(work.calls, callId);
  const unit = call ? unitOf(work.calls, call) : [];
  if (unit.length === 0) return feed(work, callId, { type: 'hangup' }, ctx);
  return unit.reduce((done, link) => feed(done, callIdOf(link), { type: 'hangup' }, ctx), work);
}

const isTalking = (call: PhoneCall): boolean => call.state.phase === 'active' && !call.held;

function hold(work: Work, callId: string, ctx: MachineContext): Work {
  const call = find(work.calls, callId);
  if (call?.state.phase !== 'active' || call.held) return warn(work, 'Ignored hold of a call that is not active');
  return unitOf(work.calls, call)
    .filter(isTalking)
    .reduce((done, link) => setHold(done, callIdOf(link), true, ctx), work);
}

/** Resuming a held call (or conference) puts the active one on hold first: one call at a time has the media. */
function resume(work: Work, callId: string, ctx: MachineContext): Work {
  const target = find(work.calls, callId);
  if (target?.state.phase !== 'active' || !target.held) return warn(work, 'Ignored resume of a call that is not on hold');
  const unit = unitOf(work.calls, target);
  const others = work.calls.filter((call) => !unit.includes(call) && isTalking(call));
  const cleared = others.reduce((done, call) => setHold(done, callIdOf(call), true, ctx), work);
  return unit
    .filter((call) => call.state.phase === 'active' && call.held)
    .reduce((done, link) => setHold(done, callIdOf(link), false, ctx), cleared);
}

// ---------------------------------------------------------------------------------------------
// Conferences (conference.ts)

/** Add person: the call in progress joins a conference (a new one if it has none), and a new call invites them. */
function addPerson(work: Work, input: Extract<ConferenceInput, { type: 'addPerson' }>, ctx: MachineContext): Work {
  const from = find(work.calls, input.from);
  if (!from || !isTalking(from)) return warn(work, 'Ignored add person: the call is not in progress');
  if (work.calls.some((call) => sameName(call.state.dialog.peer, input.to))) return warn(work, `Ignored add person: already in a call with ${input.to}`);
  const id = from.conference?.id ?? input.conference;
  const calls = from.conference ? work.calls : work.calls.map((call) => (call === from ? { ...call, conference: { id } } : call));
  const dial: CallInput = { type: 'dial', callId: input.callId, to: input.to, video: input.video };
  return start({ calls, effects: work.effects }, dial, ctx, { conference: { id, from: input.from } });
}

/** Calls a member the server introduced, as the conference is: on hold if it is held. */
function introduce(work: Work, input: Extract<ConferenceInput, { type: 'introduce' }>, ctx: MachineContext): Work {
  const links = linksOf(work.calls, input.conference);
  if (!isIn(work.calls, input.conference) || links.some((call) => sameName(call.state.dialog.peer, input.to))) {
    return warn(work, `Ignored introduction to ${input.to}: not in that conference, or linked already`);
  }
  const dial: CallInput = { type: 'dial', callId: input.callId, to: input.to, video: input.video };
  return start(work, dial, ctx, { conference: { id: input.conference, link: LINK }, held: links.some((call) => call.held) });
}

function notified(work: Work, notify: Parameters<typeof readNotice>[1]): Work {
  const { calls, introduce } = readNotice(work.calls, notify);
  return { calls, effects: introduce ? [...work.effects, introduce] : work.effects };
}

/** A member of a conference we are in links with us: answered at once, no ringing, no alert; held if the conference is. */
function linkUp(work: Work, invite: Extract<Request, { method: 'INVITE' }>, id: string, ctx: MachineContext): Work {
  const links = linksOf(work.calls, id);
  if (links.some((call) => sameName(call.state.dialog.peer, invite.from ?? ''))) return busy(work, invite);
  const quiet = startLink(work, invite, id, ctx, links.some((call) => call.held));
  return feed(quiet, invite.callId, { type: 'answer', video: invite.body.media.video }, ctx);
}

/** A member introduces itself while our invitation into its conference rings: the link waits, unseen, to be answered with it. */
function holdLink(work: Work, invite: Extract<Request, { method: 'INVITE' }>, ctx: MachineContext): Work {
  const id = invite.body.conference?.id ?? '';
  if (work.calls.some((call) => call.conference?.id === id && sameName(call.state.dialog.peer, invite.from ?? ''))) return busy(work, invite);
  return startLink(work, invite, id, ctx, false);
}

/** A link to us begins (its 180 sent), without alert: a link rings nowhere. */
function startLink(work: Work, invite: Extract<Request, { method: 'INVITE' }>, id: string, ctx: MachineContext, held: boolean): Work {
  const rung = start(work, { type: 'message', message: invite }, ctx, { conference: linkTag(work.calls, id), held });
  return { calls: rung.calls, effects: rung.effects.filter((effect) => effect.type !== 'incoming') };
}

/** Holds or resumes an answered call: its media stops or flows, and a re-INVITE tells the far end. */
function setHold(work: Work, callId: string, held: boolean, ctx: MachineContext): Work {
  return feed(markHeld(work, callId, held), callId, { type: 'reoffer' }, ctx);
}

/** Holds or frees a call's media here, telling no one (the far end already holds it). */
function markHeld(work: Work, callId: string, held: boolean): Work {
  const calls = work.calls.map((call) => (callIdOf(call) === callId ? { ...call, held } : call));
  return { calls, effects: [...work.effects, { type: 'holdMedia', callId, held }] };
}

/** Does what the transfer asks of the calls, in order. */
function carryOut(work: Work, asks: readonly TransferAsk[], ctx: MachineContext): Work {
  return asks.reduce((done, ask) => carry(done, ask, ctx), work);
}

function carry(work: Work, ask: TransferAsk, ctx: MachineContext): Work {
  switch (ask.do) {
    case 'hold':
      return hold(work, ask.callId, ctx);
    case 'resume':
      return resume(work, ask.callId, ctx);
    case 'hangup':
      return feed(work, ask.callId, { type: 'hangup' }, ctx);
    case 'quietHold':
      return markHeld(work, ask.callId, ask.held);
    case 'tell':
      return feed(work, ask.callId, ask.event, ctx);
    case 'place': {
      const { callId, to, video, referral } = ask;
      return start(work, { type: 'dial', callId, to, video, ...(referral === null ? {} : { referral }) }, ctx);
    }
    case 'send':
      return { calls: work.calls, effects: [...work.effects, { type: 'send', message: ask.message }] };
    case 'warn':
      return warn(work, ask.message);
    default:
      return missingCase(ask);
  }
}

/** The one tone of the phone: a call ringing (softly when it waits beside another), else ringback. */
function toneFor(all: readonly PhoneCall[]): Tone {
  const calls = seenCalls(all);
  if (calls.some((call) => call.state.phase === 'ringing')) return calls.length > 1 ? 'waiting' : 'ringtone';
  if (calls.some((call) => call.state.phase === 'ringback')) return 'ringback';
  return null;
}
