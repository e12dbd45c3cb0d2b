/**
 * The vocabulary of the call dialog state machine: its states (a closed union of phases), the
 * events it accepts and the effects it asks for, all plain data. No DOM, no WebRTC, no timers.
 */
import type { IceCandidate, InviteBody, MediaKinds, Message, Request, Response, SessionDescription } from '../../../common/protocol.js';

/** One call between this phone and a peer, identified by its Call-ID. */
export interface Dialog {
  readonly callId: string;
  readonly peer: string;
  /** True when this phone made the Call-ID (it placed the call): RFC 3261 14.1 "owner". */
  readonly owner: boolean;
  /** Whether this phone asked for (caller) or was offered (callee) video when the call began. */
  readonly video: boolean;
  /** The CSeq of the initial INVITE (ours when owner, theirs otherwise); ACK and CANCEL reuse it. */
  readonly inviteCseq: number;
  /** Our last CSeq in this dialog; each new request takes the next one. */
  readonly localCseq: number;
  /** The ring group the call came through: the one that rang this phone, or the one it called that a member (the peer) answered for. */
  readonly group?: string;
  /** Transferee: the call whose REFER this call follows (sent in the INVITE as `referral`). */
  readonly referral?: string;
  /** Callee: who transferred the caller to us, as the server stamped it. */
  readonly referredBy?: string;
}

/** A re-INVITE transaction inside a confirmed call. */
export type Reoffer =
  | { kind: 'none' }
  | { kind: 'preparing' }
  | { kind: 'sent'; cseq: number }
  | { kind: 'received'; cseq: number };

export type CallState =
  | { phase: 'idle' }
  /** Caller: making the offer; nothing sent yet. */
  | { phase: 'preparing'; dialog: Dialog }
  /** Caller: INVITE sent; `trying` once the server answered 100. */
  | { phase: 'inviting'; dialog: Dialog; trying: boolean }
  /** Caller: the callee's phone rings (180). */
  | { phase: 'ringback'; dialog: Dialog }
  /** Caller: CANCEL sent, awaiting the INVITE's final answer. */
  | { phase: 'cancelling'; dialog: Dialog }
  /** Callee: the phone rings. */
  | { phase: 'ringing'; dialog: Dialog; offer: SessionDescription; media: MediaKinds }
  /** Callee: the user answered; the answer is being made. */
  | { phase: 'answering'; dialog: Dialog; offer: SessionDescription; media: MediaKinds; video: boolean }
  /**
   * A confirmed call; `pending` wants another re-offer, `backingOff` while a 491 retry timer runs;
   * `refer` is the cseq of our REFER while it awaits its answer.
   */
  | { phase: 'active'; dialog: Dialog; reoffer: Reoffer; pending: boolean; backingOff: boolean; refer: number | null };

export type Phase = CallState['phase'];

/** A call that exists: every phase but idle. */
export type InCall = Exclude<CallState, { phase: 'idle' }>;

export type TimerName = 'invite' | 'cancel' | 'reinvite' | 'retry' | 'network';

/** Events made by the user or by the phone itself (the WebRTC layer, timers, the connection). */
export type LocalEvent =
  /** `referral`: the call whose REFER this call follows (the phone places it itself). */
  | { type: 'dial'; callId: string; to: string; video: boolean; referral?: string }
  | { type: 'offerReady'; callId: string; body: InviteBody }
  | { type: 'offerFailed'; callId: string; reason: string }
  | { type: 'cancel' }
  | { type: 'answer'; video: boolean }
  | { type: 'answerReady'; callId: string; sdp: SessionDescription }
  | { type: 'answerFailed'; callId: string; reason: string }
  | { type: 'decline' }
  | { type: 'hangup' }
  | { type: 'reoffer' }
  | { type: 'reofferReady'; callId: string; body: InviteBody }
  | { type: 'reofferFailed'; callId: string }
  | { type: 'reanswerReady'; callId: string; sdp: SessionDescription }
  | { type: 'reanswerFailed'; callId: string }
  | { type: 'localCandidate'; callId: string; candidate: IceCandidate | null }
  | { type: 'timer'; callId: string; timer: TimerName }
  | { type: 'connectionLost' }
  | { type: 'connectionRestored' }
  | { type: 'mediaFailed'; callId: string }
  /** The media stopped while the server no longer knows the call (it restarted): the peer is gone. */
  | { type: 'mediaEnded'; callId: string }
  /** Transfer (the coordinator's, see transfer.ts): refer the peer to `target`, in place of our call `replaces`. */
  | { type: 'refer'; target: string; replaces?: string }
  /** Transferee: report the status of the call a REFER asked for. */
  | { type: 'notifyRefer'; status: number }
  /** Transferrer: the peer was put through to `to`; leave the call. */
  | { type: 'handOff'; to: string }
  /** Target: a call from the one we were transferred to takes this call's place; leave it. */
  | { type: 'replaced' };

/** Everything the machine accepts: local events and messages from the server. */
export type CallInput = LocalEvent | { type: 'message'; message: Message };

type InviteRequest = Extract<Request, { method: 'INVITE' }>;
type InDialogRequest = Extract<Request, { method: 'ACK' | 'CANCEL' | 'BYE' | 'INFO' }>;
export type ReferRequest = Extract<Request, { method: 'REFER' }>;
export type ReferReport = Extract<Request, { method: 'NOTIFY'; callId: string }>;

/**
 * Inputs after classification against the current dialog: a new INVITE versus a re-INVITE, a
 * request of this dialog versus a stray one, a response to a request we have outstanding versus
 * one in this dialog that answers nothing we sent (`unrequested`: only ever warned about), and
 * local results for an old call.
 */
export type KeyedEvent =
  | LocalEvent
  | { type: 'INVITE'; request: InviteRequest }
  | { type: 'reINVITE'; request: InviteRequest }
  | { type: 'ACK'; request: InDialogRequest }
  | { type: 'CANCEL'; request: InDialogRequest }
  | { type: 'BYE'; request: InDialogRequest }
  | { type: 'INFO'; request: InDialogRequest }
  | { type: 'REFER'; request: ReferRequest }
  | { type: 'NOTIFY'; request: ReferReport }
  | { type: 'response'; response: Response }
  | { type: 'unrequested'; response: Response }
  | { type: 'stray'; message: Message }
  | { type: 'stale'; event: LocalEvent };

export type EventKey = KeyedEvent['type'];

/** How a call ended, from this phone's point of view. */
export type Outcome =
  | { kind: 'hangup'; by: 'local' | 'remote' }
  | { kind: 'cancelled' }
  | { kind: 'missed' }
  | { kind: 'declined' }
  /** No reason phrase: the far end chooses it, so it is never shown. */
  | { kind: 'rejected'; status: number }
  /** `detail` is for the log only: a media error may quote the far end's SDP. */
  | { kind: 'failed'; cause: 'network' | 'media'; detail: string }
  /** Glare: this outgoing call gave way to the peer's call to us. */
  | { kind: 'superseded' }
  /** A ring group rang this phone and another member took the call. */
  | { kind: 'answeredElsewhere' }
  /** Transferrer: the peer was put through to `to` and we left. */
  | { kind: 'transferred'; to: string }
  /** A transfer ended the call (the far end handed it on, or a call replaced it): nothing to tell. */
  | { kind: 'replaced' }
  /** A conference link ended before it was answered (the invitation it came with ended): no call of its own, nothing to tell. */
  | { kind: 'unlinked' };

/** `waiting`: a short soft beep for a call ringing while the phone is already in a call. */
export type Tone = 'ringtone' | 'ringback' | 'waiting' | null;

export type Effect =
  | { type: 'send'; message: Message }
  | { type: 'tone'; tone: Tone }
  | { type: 'startTimer'; callId: string; timer: TimerName; ms: number }
  | { type: 'stopTimer'; callId: string; timer: TimerName }
  | { type: 'createOffer'; callId: string; video: boolean }
  | { type: 'createAnswer'; callId: string; offer: SessionDescription; video: boolean }
  | { type: 'applyAnswer'; callId: string; answer: SessionDescription }
  | { type: 'createReoffer'; callId: string }
  | { type: 'applyReoffer'; callId: string; offer: SessionDescription; media: MediaKinds }
  | { type: 'rollback'; callId: string }
  | { type: 'remoteCandidate'; callId: string; candidate: IceCandidate | null }
  /** Local candidates may be sent from now on. */
  | { type: 'startTrickle'; callId: string }
  /** A call rings here: its offer may be applied now (no device opens, nothing is sent), so that answering only makes the answer. */
  | { type: 'takeOffer'; callId: string; offer: SessionDescription }
  | { type: 'incoming'; callId: string; from: string; video: boolean }
  | { type: 'connected'; callId: string; peer: string }
  | { type: 'ended'; callId: string; peer: string; outgoing: boolean; outcome: Outcome }
  | { type: 'warn'; message: string }
  | TransferSignal;

/** What a call tells the phone about a transfer in it; the coordinator hands them to transfer.ts. */
export type TransferSignal =
  /** The peer asks us to call `target`; to be answered 202 or 603 (the REFER's cseq). */
  | { type: 'referred'; callId: string; cseq: number; target: string; referredBy: string }
  /** The final answer to our REFER. */
  | { type: 'referAnswered'; callId: string; status: number }
  /** The peer's report on the call our REFER asked for. */
  | { type: 'referProgress'; callId: string; status: number };

export interface Step {
  state: CallState;
  effects: Effect[];
}

export interface MachineContext {
  /** A number in [0, 1): the 491 retry delay is drawn from it. */
  random(): number;
}
