/**
 * The reduced-SIP dialog state machine of ONE call: an explicit transition table (phase x event),
 * effects returned as data. An event a phase does not list leaves the state unchanged and yields
 * a `warn` effect, as does a response that answers no request we have outstanding. A new INVITE
 * reaching a call is glare or busy here; the coordinator (coordinator.ts) decides which call, if
 * any, sees each input. Pure: no DOM, WebRTC, clock or I/O.
 *
 *   caller: idle -> preparing -> inviting -(180)-> ringback -(200: ACK)-> active -(BYE)-> idle
 *                                    \------ CANCEL ------> cancelling -(487 | 200: ACK+BYE)-> idle
 *   callee: idle -(INVITE: 180)-> ringing -(answer)-> answering -(200)-> active
 *   active: re-INVITE out: preparing -> sent -(200: ACK | 491: rollback, retry later)-> none
 *           re-INVITE in:  received -(200)-> none; a re-INVITE crossing ours is answered 491.
 *           transfer: REFER out -(final answer)-> none; REFER and NOTIFY in, handed to the phone;
 *           handOff and replaced leave the call with BYE.
 */
import { isResponse, REASONS, type InviteBody, type Message, type Request, type Response } from '../../../common/protocol.js';
import { missingCase } from '../lib/missing-case.js';
import { answeredBy, answeredElsewhere, answersForGroup } from './ring-group.js';
import type { CallInput, CallState, Dialog, Effect, EventKey, InCall, KeyedEvent, MachineContext, Outcome, Phase, ReferReport, Step, TimerName } from './types.js';

/** How long each guard timer runs, in milliseconds. */
export const TIMERS = {
  /** No final answer to our INVITE (the server itself answers 408 after 60 s). */
  invite: 75_000,
  /** No final answer after our CANCEL. */
  cancel: 5_000,
  /** No answer to our re-INVITE. */
  reinvite: 10_000,
  /** The signalling socket stayed lost while a call was being set up (server grace is 20 s). */
  network: 25_000,
} as const;

/** RFC 3261 14.1: after a 491 the Call-ID owner waits 2.1-4 s, the other side 0-2 s (10 ms units). */
export function retryDelay(owner: boolean, random: number): number {
  const r = Math.min(Math.max(random, 0), 0.999_999);
  return owner ? 2100 + Math.floor(r * 191) * 10 : Math.floor(r * 201) * 10;
}

type StateIn<P extends Phase> = Extract<CallState, { phase: P }>;
type EventIn<K extends EventKey> = Extract<KeyedEvent, { type: K }>;
type Handler<P extends Phase, K extends EventKey> = (state: StateIn<P>, event: EventIn<K>, ctx: MachineContext) => Step;
type Row<P extends Phase> = { [K in EventKey]?: Handler<P, K> };

/** Sorts an input against this call's dialog (new INVITE or re-INVITE, ours or stray, fresh or stale). */
export function classify(state: CallState, input: CallInput): KeyedEvent {
  const current = state.phase === 'idle' ? null : state.dialog.callId;
  if (input.type !== 'message') {
    if (input.type !== 'dial' && 'callId' in input && input.callId !== current) return { type: 'stale', event: input };
    return input;
  }
  const message = input.message;
  if (isResponse(message)) {
    if (state.phase === 'idle' || message.callId !== state.dialog.callId) return { type: 'stray', message };
    return answersOurRequest(state, message) ? { type: 'response', response: message } : { type: 'unrequested', response: message };
  }
  switch (message.method) {
    case 'INVITE':
      return message.callId === current ? { type: 'reINVITE', request: message } : { type: 'INVITE', request: message };
    case 'ACK':
    case 'CANCEL':
    case 'BYE':
    case 'INFO':
      return message.callId === current ? { type: message.method, request: message } : { type: 'stray', message };
    case 'REFER':
      return message.callId === current ? { type: 'REFER', request: message } : { type: 'stray', message };
    case 'NOTIFY':
      return isReferReport(message) && message.callId === current ? { type: 'NOTIFY', request: message } : { type: 'stray', message };
    case 'REGISTER':
    case 'PUBLISH':
    case 'MESSAGE':
    case 'VOICEMAIL':
    case 'HISTORY':
    case 'SEARCH':
      return { type: 'stray', message };
    default:
      return missingCase(message);
  }
}

const isReferReport = (notify: Extract<Request, { method: 'NOTIFY' }>): notify is ReferReport => notify.body.event === 'refer';

/** Our requests in `state` still waiting for a final answer (INFO, ACK, NOTIFY and BYE wait for none here). */
function awaiting(state: InCall): { method: 'INVITE' | 'CANCEL' | 'REFER'; cseq: number }[] {
  switch (state.phase) {
    case 'preparing':
    case 'ringing':
    case 'answering':
      return [];
    case 'inviting':
    case 'ringback':
      return [{ method: 'INVITE', cseq: state.dialog.inviteCseq }];
    case 'cancelling':
      return [
        { method: 'INVITE', cseq: state.dialog.inviteCseq },
        { method: 'CANCEL', cseq: state.dialog.inviteCseq },
      ];
    case 'active':
      return [
        ...(state.reoffer.kind === 'sent' ? [{ method: 'INVITE' as const, cseq: state.reoffer.cseq }] : []),
        ...(state.refer !== null ? [{ method: 'REFER' as const, cseq: state.refer }] : []),
      ];
    default:
      return missingCase(state);
  }
}

/**
 * A response counts only if it answers a request we have outstanding (method and cseq) and comes
 * from the server itself (no `from`), from the peer of this dialog, or from the member of the ring
 * group we called that the server says answered for it: a peer can send any frame with our callId,
 * and nothing else may move the call.
 */
function answersOurRequest(state: InCall, response: Response): boolean {
  if (response.from !== undefined && !sameName(response.from, state.dialog.peer) && !answersForGroup(state.dialog, response)) return false;
  return awaiting(state).some((request) => request.method === response.method && request.cseq === response.cseq);
}

/** One step of the machine. Never throws; never mutates `state`. */
export function transition(state: CallState, input: CallInput, ctx: MachineContext): Step {
  const event = classify(state, input);
  const handler = (TABLE[state.phase] as Record<string, Handler<Phase, EventKey> | undefined>)[event.type];
  if (!handler) {
    return { state, effects: [{ type: 'warn', message: `Ignored ${describeEvent(event)} in phase ${state.phase}` }] };
  }
  return (handler as (s: CallState, e: KeyedEvent, c: MachineContext) => Step)(state, event, ctx);
}

export const initialState: CallState = { phase: 'idle' };

// ---------------------------------------------------------------------------------------------
// Message builders

function request(dialog: Dialog, method: 'INVITE' | 'ACK' | 'CANCEL' | 'BYE' | 'INFO' | 'REFER' | 'NOTIFY', cseq: number, extra: Partial<Request> = {}): Message {
  return { method, cseq, callId: dialog.callId, ...extra } as Message;
}

/** A response to `to` with the fixed reason phrase of `status`. */
export function reply(to: { method: string; cseq: number; callId?: string }, status: number, body?: Response['body']): Message {
  const response: Response = { status, reason: REASONS[status] ?? 'Unknown', method: to.method, cseq: to.cseq };
  if (to.callId !== undefined) response.callId = to.callId;
  if (body !== undefined) response.body = body;
  return response;
}

const send = (message: Message): Effect => ({ type: 'send', message });
const next = (dialog: Dialog): Dialog => ({ ...dialog, localCseq: dialog.localCseq + 1 });
const startTimer = (dialog: Dialog, timer: TimerName, ms: number = TIMERS[timer as keyof typeof TIMERS]): Effect => ({
  type: 'startTimer',
  callId: dialog.callId,
  timer,
  ms,
});
const stopTimer = (dialog: Dialog, timer: TimerName): Effect => ({ type: 'stopTimer', callId: dialog.callId, timer });
const ended = (dialog: Dialog, outcome: Outcome): Effect => ({
  type: 'ended',
  callId: dialog.callId,
  peer: dialog.peer,
  outgoing: dialog.owner,
  outcome,
});
const idle: CallState = { phase: 'idle' };
export const sameName = (a: string, b: string): boolean => a.toLocaleLowerCase('und') === b.toLocaleLowerCase('und');
const stay = (state: CallState): Step => ({ state, effects: [] });

// ---------------------------------------------------------------------------------------------
// Handlers shared by several phases

/** A request for a dialog we do not have: 481 where RFC 3261 answers, silence for ACK/INFO/NOTIFY. */
function stray(state: CallState, event: EventIn<'stray'>): Step {
  const message = event.message;
  if (isResponse(message)) return stay(state);
  if (message.method === 'BYE' || message.method === 'CANCEL' || message.method === 'REFER') return { state, effects: [send(reply(message, 481))] };
  return stay(state);
}

/** A REFER in a call not answered yet: nothing to transfer. */
function declineRefer(state: CallState, event: EventIn<'REFER'>): Step {
  return { state, effects: [send(reply(event.request, 603))] };
}

const quiet = (state: CallState): Step => stay(state);

/** A second call while this one is busy: 486 Busy Here. */
function busy(state: CallState, event: EventIn<'INVITE'>): Step {
  return { state, effects: [send(reply(event.request, 486))] };
}

function remoteCandidate(state: InCall, event: EventIn<'INFO'>): Step {
  const body = event.request.method === 'INFO' ? event.request.body : undefined;
  if (!body) return { state, effects: [{ type: 'warn', message: 'INFO without a candidate' }] };
  return { state, effects: [{ type: 'remoteCandidate', callId: state.dialog.callId, candidate: body.candidate }] };
}

function localCandidate(state: Extract<CallState, { phase: 'inviting' | 'ringback' | 'active' }>, event: EventIn<'localCandidate'>): Step {
  const dialog = next(state.dialog);
  return {
    state: { ...state, dialog },
    effects: [send(request(dialog, 'INFO', dialog.localCseq, { body: { candidate: event.candidate } } as Partial<Request>))],
  };
}

/** Callee side: a ringing INVITE. */
function incoming(event: EventIn<'INVITE'>): Step {
  const invite = event.request;
  const dialog: Dialog = {
    callId: invite.callId,
    peer: invite.from ?? 'Unknown',
    owner: false,
    video: invite.body.media.video,
    inviteCseq: invite.cseq,
    localCseq: 0,
    ...(invite.group === undefined ? {} : { group: invite.group }),
    ...(invite.body.referredBy === undefined ? {} : { referredBy: invite.body.referredBy }),
  };
  return {
    state: { phase: 'ringing', dialog, offer: invite.body.sdp, media: invite.body.media },
    effects: [
      send(reply(invite, 180)),
      { type: 'tone', tone: 'ringtone' },
      { type: 'takeOffer', callId: dialog.callId, offer: invite.body.sdp },
      { type: 'incoming', callId: dialog.callId, from: dialog.peer, video: dialog.video },
    ],
  };
}

/**
 * Glare: the peer we are calling calls us at the same time. The server accepts only the INVITE
 * it sees first and answers 100 to it before relaying the other; so if our INVITE has no 100 yet,
 * ours lost: give it up and take the peer's call at once with the media we meant to use.
 */
function glareOrBusy(state: StateIn<'preparing' | 'inviting' | 'ringback'>, event: EventIn<'INVITE'>): Step {
  const samePeer = sameName(event.request.from ?? '', state.dialog.peer);
  const ourInviteAccepted = state.phase === 'ringback' || (state.phase === 'inviting' && state.trying);
  if (!samePeer || ourInviteAccepted) return busy(state, event);
  const taken = incoming(event);
  if (taken.state.phase !== 'ringing') return taken;
  const { dialog, offer, media } = taken.state;
  const timers: Effect[] = state.phase === 'preparing' ? [] : [stopTimer(state.dialog, 'invite'), stopTimer(state.dialog, 'network')];
  return {
    state: { phase: 'answering', dialog, offer, media, video: state.dialog.video },
    effects: [
      ...timers,
      { type: 'tone', tone: null },
      ended(state.dialog, { kind: 'superseded' }),
      send(reply(event.request, 180)),
      { type: 'createAnswer', callId: dialog.callId, offer, video: state.dialog.video },
    ],
  };
}

function networkLost(state: InCall): Step {
  return { state, effects: [startTimer(state.dialog, 'network')] };
}
function networkBack(state: InCall): Step {
  return { state, effects: [stopTimer(state.dialog, 'network')] };
}

// ---------------------------------------------------------------------------------------------
// Caller

function dial(_state: StateIn<'idle'>, event: EventIn<'dial'>): Step {
  const dialog: Dialog = {
    callId: event.callId,
    peer: event.to,
    owner: true,
    video: event.video,
    inviteCseq: 1,
    localCseq: 0,
    ...(event.referral === undefined ? {} : { referral: event.referral }),
  };
  return {
    state: { phase: 'preparing', dialog },
    effects: [{ type: 'createOffer', callId: dialog.callId, video: event.video }],
  };
}

function offerReady(state: StateIn<'preparing'>, event: EventIn<'offerReady'>): Step {
  const dialog = next(state.dialog);
  const body: InviteBody = dialog.referral === undefined ? event.body : { ...event.body, referral: dialog.referral };
  const invite = request(dialog, 'INVITE', dialog.localCseq, { to: dialog.peer, body } as Partial<Request>);
  return {
    state: { phase: 'inviting', dialog: { ...dialog, inviteCseq: dialog.localCseq }, trying: false },
    effects: [send(invite), startTimer(dialog, 'invite'), { type: 'startTrickle', callId: dialog.callId }],
  };
}

function offerFailed(state: StateIn<'preparing'>, event: EventIn<'offerFailed'>): Step {
  return { state: idle, effects: [ended(state.dialog, { kind: 'failed', cause: 'media', detail: event.reason })] };
}

function giveUpBeforeSending(state: StateIn<'preparing'>): Step {
  return { state: idle, effects: [ended(state.dialog, { kind: 'cancelled' })] };
}

function cancelInvite(state: StateIn<'inviting' | 'ringback'>): Step {
  const { dialog } = state;
  return {
    state: { phase: 'cancelling', dialog },
    effects: [
      send(request(dialog, 'CANCEL', dialog.inviteCseq)),
      { type: 'tone', tone: null },
      stopTimer(dialog, 'invite'),
      stopTimer(dialog, 'network'),
      startTimer(dialog, 'cancel'),
    ],
  };
}

/** Ends an outgoing call that has not been answered, cancelling it at the far end. */
function abandonInvite(state: StateIn<'inviting' | 'ringback'>, outcome: Outcome): Step {
  const { dialog } = state;
  return {
    state: idle,
    effects: [
      send(request(dialog, 'CANCEL', dialog.inviteCseq)),
      { type: 'tone', tone: null },
      stopTimer(dialog, 'invite'),
      stopTimer(dialog, 'network'),
      ended(dialog, outcome),
    ],
  };
}

/** An answer to our INVITE (classify lets through no other response here). */
function inviteResponse(state: StateIn<'inviting' | 'ringback'>, event: EventIn<'response'>): Step {
  const { response } = event;
  const dialog = answeredBy(state.dialog, response);
  if (response.status < 200) {
    if (response.status === 180 || response.status === 183) {
      if (state.phase === 'ringback') return stay(state);
      return { state: { phase: 'ringback', dialog }, effects: [{ type: 'tone', tone: 'ringback' }] };
    }
    if (response.status === 100 && state.phase === 'inviting') return { state: { ...state, trying: true }, effects: [] };
    return stay(state);
  }
  const timers = [stopTimer(dialog, 'invite'), stopTimer(dialog, 'network')];
  if (response.status < 300) {
    const ack = send(request(dialog, 'ACK', dialog.inviteCseq));
    const answer = response.body && 'sdp' in response.body ? response.body.sdp : undefined;
    if (!answer || answer.type !== 'answer') {
      const bye = next(dialog);
      return {
        state: idle,
        effects: [
          ack,
          send(request(bye, 'BYE', bye.localCseq, { body: { reason: 'No answer SDP' } } as Partial<Request>)),
          { type: 'tone', tone: null },
          ...timers,
          ended(dialog, { kind: 'failed', cause: 'media', detail: 'the answer carried no session description' }),
        ],
      };
    }
    return {
      state: { phase: 'active', dialog, reoffer: { kind: 'none' }, pending: false, backingOff: false, refer: null },
      effects: [
        ack,
        { type: 'applyAnswer', callId: dialog.callId, answer },
        { type: 'tone', tone: null },
        ...timers,
        { type: 'connected', callId: dialog.callId, peer: dialog.peer },
      ],
    };
  }
  return {
    state: idle,
    effects: [
      { type: 'tone', tone: null },
      ...timers,
      ended(dialog, { kind: 'rejected', status: response.status }),
    ],
  };
}

function callerTimer(state: StateIn<'inviting' | 'ringback'>, event: EventIn<'timer'>): Step {
  switch (event.timer) {
    case 'invite':
      return abandonInvite(state, { kind: 'rejected', status: 408 });
    case 'network':
      return abandonInvite(state, { kind: 'failed', cause: 'network', detail: 'the server could not be reached' });
    case 'cancel':
    case 'reinvite':
    case 'retry':
      return stay(state);
    default:
      return missingCase(event.timer);
  }
}

function cancellingResponse(state: StateIn<'cancelling'>, event: EventIn<'response'>): Step {
  const { response } = event;
  const { dialog } = state;
  // The CANCEL's own 200 and provisional answers change nothing: the INVITE's final answer decides.
  if (response.method !== 'INVITE' || response.status < 200) return stay(state);
  const done = [stopTimer(dialog, 'cancel'), ended(dialog, { kind: 'cancelled' })];
  if (response.status >= 300) return { state: idle, effects: done };
  // The CANCEL crossed the callee's 200: the call was answered, so confirm it and hang up at once.
  const bye = next(dialog);
  return {
    state: idle,
    effects: [
      send(request(dialog, 'ACK', dialog.inviteCseq)),
      send(request(bye, 'BYE', bye.localCseq, { body: { reason: 'Cancelled' } } as Partial<Request>)),
      ...done,
    ],
  };
}

function cancellingTimer(state: StateIn<'cancelling'>, event: EventIn<'timer'>): Step {
  if (event.timer !== 'cancel') return stay(state);
  return { state: idle, effects: [ended(state.dialog, { kind: 'cancelled' })] };
}

// ---------------------------------------------------------------------------------------------
// Callee

function answer(state: StateIn<'ringing'>, event: EventIn<'answer'>): Step {
  const { dialog, offer, media } = state;
  return {
    state: { phase: 'answering', dialog, offer, media, video: event.video },
    effects: [{ type: 'tone', tone: null }, { type: 'createAnswer', callId: dialog.callId, offer, video: event.video }],
  };
}

function decline(state: StateIn<'ringing' | 'answering'>): Step {
  const { dialog } = state;
  return {
    state: idle,
    effects: [
      send(reply({ method: 'INVITE', cseq: dialog.inviteCseq, callId: dialog.callId }, 603)),
      { type: 'tone', tone: null },
      stopTimer(dialog, 'network'),
      ended(dialog, { kind: 'declined' }),
    ],
  };
}

function cancelledByCaller(state: StateIn<'ringing' | 'answering'>, event: EventIn<'CANCEL'>): Step {
  const { dialog } = state;
  return {
    state: idle,
    effects: [
      send(reply(event.request, 200)),
      send(reply({ method: 'INVITE', cseq: dialog.inviteCseq, callId: dialog.callId }, 487)),
      { type: 'tone', tone: null },
      stopTimer(dialog, 'network'),
      ended(dialog, answeredElsewhere(event.request) ? { kind: 'answeredElsewhere' } : { kind: 'missed' }),
    ],
  };
}

/** A CANCEL in a call: nothing, unless it tells a ring group's member whose 200 crossed the winner's that it lost. */
function cancelInCall(state: Active, event: EventIn<'CANCEL'>): Step {
  const ok = send(reply(event.request, 200));
  if (state.dialog.owner || !answeredElsewhere(event.request)) return { state, effects: [ok] };
  return {
    state: idle,
    effects: [ok, stopTimer(state.dialog, 'reinvite'), stopTimer(state.dialog, 'retry'), ended(state.dialog, { kind: 'answeredElsewhere' })],
  };
}

function answerReady(state: StateIn<'answering'>, event: EventIn<'answerReady'>): Step {
  const { dialog } = state;
  return {
    state: { phase: 'active', dialog, reoffer: { kind: 'none' }, pending: false, backingOff: false, refer: null },
    effects: [
      send(reply({ method: 'INVITE', cseq: dialog.inviteCseq, callId: dialog.callId }, 200, { sdp: event.sdp })),
      { type: 'startTrickle', callId: dialog.callId },
      stopTimer(dialog, 'network'),
      { type: 'connected', callId: dialog.callId, peer: dialog.peer },
    ],
  };
}

function answerFailed(state: StateIn<'answering'>, event: EventIn<'answerFailed'>): Step {
  const { dialog } = state;
  return {
    state: idle,
    effects: [
      send(reply({ method: 'INVITE', cseq: dialog.inviteCseq, callId: dialog.callId }, 488)),
      stopTimer(dialog, 'network'),
      ended(dialog, { kind: 'failed', cause: 'media', detail: event.reason }),
    ],
  };
}

function calleeTimer(state: StateIn<'ringing' | 'answering'>, event: EventIn<'timer'>): Step {
  if (event.timer !== 'network') return stay(state);
  return {
    state: idle,
    effects: [{ type: 'tone', tone: null }, ended(state.dialog, { kind: 'failed', cause: 'network', detail: 'the server could not be reached' })],
  };
}

// ---------------------------------------------------------------------------------------------
// In a call

type Active = StateIn<'active'>;

/** Ends a call from this side: BYE with `reason`, and the call ends as `outcome`. */
function leave(state: Active, reason: string, outcome: Outcome): Step {
  const dialog = next(state.dialog);
  return {
    state: idle,
    effects: [
      send(request(dialog, 'BYE', dialog.localCseq, { body: { reason } } as Partial<Request>)),
      stopTimer(dialog, 'reinvite'),
      stopTimer(dialog, 'retry'),
      ended(dialog, outcome),
    ],
  };
}

const hangup = (state: Active): Step => leave(state, 'Hang up', { kind: 'hangup', by: 'local' });

function remoteBye(state: Active, event: EventIn<'BYE'>): Step {
  const reason = event.request.method === 'BYE' ? event.request.body?.reason : undefined;
  const outcome: Outcome =
    reason === 'Peer lost'
      ? { kind: 'failed', cause: 'network', detail: `${state.dialog.peer} lost the connection` }
      : reason === 'Transferred' || reason === 'Replaced'
        ? { kind: 'replaced' }
        : { kind: 'hangup', by: 'remote' };
  return {
    state: idle,
    effects: [
      send(reply(event.request, 200)),
      stopTimer(state.dialog, 'reinvite'),
      stopTimer(state.dialog, 'retry'),
      ended(state.dialog, outcome),
    ],
  };
}

const endOnNetwork = (state: Active, detail: string): Step => leave(state, 'Network failure', { kind: 'failed', cause: 'network', detail });

/** The far end's media stopped and no BYE can reach us (the server forgot the call): it hung up. */
const mediaEnded = (state: Active): Step => leave(state, 'Media ended', { kind: 'hangup', by: 'remote' });

/** After a re-INVITE transaction ends: start the next re-offer if one is wanted and allowed. */
function settle(state: Active, effects: Effect[]): Step {
  if (state.pending && !state.backingOff && state.reoffer.kind === 'none') {
    return {
      state: { ...state, pending: false, reoffer: { kind: 'preparing' } },
      effects: [...effects, { type: 'createReoffer', callId: state.dialog.callId }],
    };
  }
  return { state, effects };
}

function wantReoffer(state: Active): Step {
  return settle({ ...state, pending: true }, []);
}

function reofferReady(state: Active, event: EventIn<'reofferReady'>): Step {
  if (state.reoffer.kind !== 'preparing') {
    return { state, effects: [{ type: 'warn', message: `A re-offer arrived while the re-INVITE was ${state.reoffer.kind}` }] };
  }
  const dialog = next(state.dialog);
  const invite = request(dialog, 'INVITE', dialog.localCseq, { body: event.body as InviteBody } as Partial<Request>);
  return {
    state: { ...state, dialog, reoffer: { kind: 'sent', cseq: dialog.localCseq } },
    effects: [send(invite), startTimer(dialog, 'reinvite')],
  };
}

function reofferFailed(state: Active): Step {
  if (state.reoffer.kind !== 'preparing') return stay(state);
  // Not retried: a media layer that cannot make an offer would fail the same way again.
  return { state: { ...state, reoffer: { kind: 'none' }, pending: false }, effects: [{ type: 'warn', message: 'Could not make a re-offer' }] };
}

function remoteReinvite(state: Active, event: EventIn<'reINVITE'>): Step {
  const invite = event.request;
  if (state.reoffer.kind !== 'none') {
    // Crossing re-INVITEs (or one while we answer another): RFC 3261 14.2, 491 Request Pending.
    return { state, effects: [send(reply(invite, 491))] };
  }
  return {
    state: { ...state, reoffer: { kind: 'received', cseq: invite.cseq } },
    effects: [{ type: 'applyReoffer', callId: state.dialog.callId, offer: invite.body.sdp, media: invite.body.media }],
  };
}

function reanswerReady(state: Active, event: EventIn<'reanswerReady'>): Step {
  if (state.reoffer.kind !== 'received') return { state, effects: [{ type: 'warn', message: 'No re-INVITE to answer' }] };
  const response = reply({ method: 'INVITE', cseq: state.reoffer.cseq, callId: state.dialog.callId }, 200, { sdp: event.sdp });
  return settle({ ...state, reoffer: { kind: 'none' } }, [send(response)]);
}

function reanswerFailed(state: Active): Step {
  if (state.reoffer.kind !== 'received') return stay(state);
  const response = reply({ method: 'INVITE', cseq: state.reoffer.cseq, callId: state.dialog.callId }, 488);
  return settle({ ...state, reoffer: { kind: 'none' } }, [send(response)]);
}

function activeResponse(state: Active, event: EventIn<'response'>, ctx: MachineContext): Step {
  const { response } = event;
  const { dialog, reoffer } = state;
  if (response.method === 'REFER') return referAnswered(state, response);
  // classify lets through only answers to our re-INVITE; a provisional one changes nothing.
  if (reoffer.kind !== 'sent' || response.status < 200) return stay(state);
  const callId = dialog.callId;
  const done: Effect[] = [stopTimer(dialog, 'reinvite')];
  if (response.status < 300) {
    const answer = response.body && 'sdp' in response.body ? response.body.sdp : undefined;
    const ack = send(request(dialog, 'ACK', reoffer.cseq));
    if (!answer || answer.type !== 'answer') {
      return settle({ ...state, reoffer: { kind: 'none' } }, [ack, ...done, { type: 'rollback', callId }]);
    }
    return settle({ ...state, reoffer: { kind: 'none' } }, [ack, ...done, { type: 'applyAnswer', callId, answer }]);
  }
  switch (response.status) {
    case 491:
      return {
        state: { ...state, reoffer: { kind: 'none' }, pending: true, backingOff: true },
        effects: [...done, { type: 'rollback', callId }, { type: 'startTimer', callId, timer: 'retry', ms: retryDelay(dialog.owner, ctx.random()) }],
      };
    case 408:
    case 481:
      return endOnNetwork(state, 'the server no longer knows this call');
    default:
      return settle({ ...state, reoffer: { kind: 'none' } }, [...done, { type: 'rollback', callId }]);
  }
}

// ---------------------------------------------------------------------------------------------
// Transfer within a call: the messages only; what they mean for the phone is transfer.ts's.

function sendRefer(state: Active, event: EventIn<'refer'>): Step {
  if (state.refer !== null) return { state, effects: [{ type: 'warn', message: 'A REFER is already awaiting its answer' }] };
  const dialog = next(state.dialog);
  const body = event.replaces === undefined ? { target: event.target } : { target: event.target, replaces: event.replaces };
  return {
    state: { ...state, dialog, refer: dialog.localCseq },
    effects: [send(request(dialog, 'REFER', dialog.localCseq, { body } as Partial<Request>))],
  };
}

function referAnswered(state: Active, response: Response): Step {
  if (response.status < 200) return stay(state);
  return { state: { ...state, refer: null }, effects: [{ type: 'referAnswered', callId: state.dialog.callId, status: response.status }] };
}

function referred(state: Active, event: EventIn<'REFER'>): Step {
  const { cseq, body } = event.request;
  const referredBy = body.referredBy ?? state.dialog.peer;
  return { state, effects: [{ type: 'referred', callId: state.dialog.callId, cseq, target: body.target, referredBy }] };
}

function referProgress(state: Active, event: EventIn<'NOTIFY'>): Step {
  return { state, effects: [{ type: 'referProgress', callId: state.dialog.callId, status: event.request.body.status }] };
}

function notifyRefer(state: Active, event: EventIn<'notifyRefer'>): Step {
  const dialog = next(state.dialog);
  const body = { event: 'refer', status: event.status };
  return { state: { ...state, dialog }, effects: [send(request(dialog, 'NOTIFY', dialog.localCseq, { body } as Partial<Request>))] };
}

function activeTimer(state: Active, event: EventIn<'timer'>): Step {
  switch (event.timer) {
    case 'reinvite':
      if (state.reoffer.kind !== 'sent') return stay(state);
      return settle({ ...state, reoffer: { kind: 'none' } }, [{ type: 'rollback', callId: state.dialog.callId }]);
    case 'retry':
      return settle({ ...state, backingOff: false }, []);
    case 'invite':
    case 'cancel':
    case 'network':
      return stay(state);
    default:
      return missingCase(event.timer);
  }
}

// ---------------------------------------------------------------------------------------------
// The table: every (phase, event) pair that means something. Anything else: warn, no change.

const everywhere = { stale: quiet, stray, REFER: declineRefer, NOTIFY: quiet } as const;

const TABLE: { [P in Phase]: Row<P> } = {
  idle: {
    ...everywhere,
    dial,
    INVITE: (_state, event) => incoming(event),
    connectionLost: quiet,
    connectionRestored: quiet,
    hangup: quiet,
  },
  preparing: {
    ...everywhere,
    offerReady,
    offerFailed,
    cancel: giveUpBeforeSending,
    hangup: giveUpBeforeSending,
    INVITE: glareOrBusy,
    connectionLost: quiet,
    connectionRestored: quiet,
  },
  inviting: {
    ...everywhere,
    response: inviteResponse,
    cancel: cancelInvite,
    hangup: cancelInvite,
    INVITE: glareOrBusy,
    INFO: remoteCandidate,
    localCandidate,
    timer: callerTimer,
    connectionLost: networkLost,
    connectionRestored: networkBack,
  },
  ringback: {
    ...everywhere,
    response: inviteResponse,
    cancel: cancelInvite,
    hangup: cancelInvite,
    INVITE: glareOrBusy,
    INFO: remoteCandidate,
    localCandidate,
    timer: callerTimer,
    connectionLost: networkLost,
    connectionRestored: networkBack,
  },
  cancelling: {
    ...everywhere,
    response: cancellingResponse,
    timer: cancellingTimer,
    cancel: quiet,
    hangup: quiet,
    INVITE: busy,
    INFO: quiet,
    localCandidate: quiet,
    connectionLost: quiet,
    connectionRestored: quiet,
  },
  ringing: {
    ...everywhere,
    answer,
    decline,
    hangup: decline,
    CANCEL: cancelledByCaller,
    INVITE: busy,
    INFO: remoteCandidate,
    timer: calleeTimer,
    connectionLost: networkLost,
    connectionRestored: networkBack,
  },
  answering: {
    ...everywhere,
    answerReady,
    answerFailed,
    decline,
    hangup: decline,
    CANCEL: cancelledByCaller,
    INVITE: busy,
    INFO: remoteCandidate,
    timer: calleeTimer,
    connectionLost: networkLost,
    connectionRestored: networkBack,
  },
  active: {
    ...everywhere,
    hangup,
    BYE: remoteBye,
    ACK: quiet,
    CANCEL: cancelInCall,
    INFO: remoteCandidate,
    localCandidate,
    reoffer: wantReoffer,
    reofferReady,
    reofferFailed,
    reINVITE: remoteReinvite,
    reanswerReady,
    reanswerFailed,
    response: activeResponse,
    timer: activeTimer,
    INVITE: busy,
    mediaFailed: (state) => endOnNetwork(state, 'the media connection could not be restored'),
    mediaEnded,
    refer: sendRefer,
    REFER: referred,
    NOTIFY: referProgress,
    notifyRefer,
    handOff: (state, event) => leave(state, 'Transferred', { kind: 'transferred', to: event.to }),
    replaced: (state) => leave(state, 'Replaced', { kind: 'replaced' }),
    connectionLost: quiet,
    connectionRestored: quiet,
  },
};

function describeEvent(event: KeyedEvent): string {
  switch (event.type) {
    case 'response':
      return `${event.response.status} to ${event.response.method}`;
    case 'unrequested': {
      const { status, method, cseq, from } = event.response;
      return `${status} to ${method} ${cseq}${from === undefined ? '' : ` from ${from}`}, which answers no request of ours`;
    }
    case 'stray':
      return 'a stray message';
    case 'stale':
      return `stale ${event.event.type}`;
    default:
      return event.type;
  }
}
