/**
 * The calls as the UI sees them, and the interpreter of the phone's effects: every input goes
 * through the pure coordinator (sip/coordinator.ts) and this carries out what it asks: messages,
 * the tone, timers, media work (rtc/media-session.ts), alerts and history (call-recorder.ts).
 * Components render `calls` (one snapshot per call) and call the methods here. A conference's
 * calls act as one: mute, camera and hold take them all, and a call joining it starts as it is.
 */
import type { Message } from '../../../common/protocol.js';
import { afterPaint } from '../lib/after-paint.js';
import { missingCase } from '../lib/missing-case.js';
import { bundlePolicyFor, isDtmf, takesDtmf } from '../lib/sip-party.js';
import { browserMedia, MediaSession, NO_MEDIA, type CallMediaView, type CallStart, type MediaBoundary, type Network } from '../rtc/media-session.js';
import type { Tones } from '../rtc/tones.js';
import { conferenceLimit, conferenceText, linksOf, unitOf } from '../sip/conference.js';
import { activeCall, callIdOf, idlePhone, seenCalls, step, waitingCall, type PhoneCall, type PhoneEffect, type PhoneInput, type PhoneState } from '../sip/coordinator.js';
import { sameName } from '../sip/machine.js';
import { outcomeText, phaseText, transferText } from '../sip/messages.js';
import type { Transfer } from '../sip/transfer.js';
import type { InCall, Outcome, TimerName } from '../sip/types.js';
import { CallRecorder, type CallAlerts, type HistorySink } from './call-recorder.js';
import type { DeviceKind, DeviceStore } from './devices.svelte.js';

export interface CallDeps {
  send(message: Message): void;
  /** Whether the server can be reached now: a call is placed only then. */
  connected(): boolean;
  /** The phone's last call is over. */
  idle?(): void;
  alerts: CallAlerts;
  history: HistorySink;
  devices: Pick<DeviceStore, 'current' | 'refresh' | 'onChange'>;
  tones: Pick<Tones, 'play' | 'unlock'>;
  /** The STUN/TURN servers for a new call, and whether it may use relays only. */
  network(): Network;
  /** Where peer connections and devices come from; the browser's unless a test says otherwise. */
  media?: MediaBoundary;
  /** A number in [0, 1) for the 491 retry delay. */
  random?: () => number;
  /** Whether the phone book shows `peer` offline: a call to them then ends "offline". */
  offline?: (peer: string) => boolean;
  /** A call ended (after history has it): the phone may offer voicemail. */
  ended?: (peer: string, outgoing: boolean, outcome: Outcome) => void;
  /** Runs work that must not delay what the user sees; after the next paint unless a test says otherwise. */
  later?: (work: () => void) => void;
}

/** One call as the UI shows it. */
export interface CallView extends CallMediaView {
  readonly callId: string;
  readonly peer: string;
  readonly state: InCall;
  /** This phone holds the call. */
  readonly held: boolean;
  readonly connectedAt: number | null;
  /** The conference it is a call of, or null. */
  readonly conference: string | null;
}

/** Whether Add person can add someone now, and if not because the conference is full, its limit. */
export type AddPersonState = { can: false; full: null } | { can: true; full: null } | { can: false; full: number };

/** How long an end message ("Call ended", "Ada declined the call") stays on the status line. */
export const NOTICE_MS = 6000;
export const NOT_CONNECTED = 'Not connected to the server';

export function newCallId(): string {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export class CallStore {
  readonly #deps: CallDeps;
  readonly #media: MediaSession;
  readonly #recorder: CallRecorder;
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>();
  readonly #random: () => number;
  #noticeTimer: ReturnType<typeof setTimeout> | undefined;
  phone = $state.raw<PhoneState>(idlePhone);
  /** Every call, in the order they began. */
  calls = $state.raw<readonly CallView[]>([]);
  /** How the last call ended, shown while there is no call, for NOTICE_MS or until the next call. */
  notice = $state('');
  /** A device problem worth telling (camera refused, microphone missing). */
  mediaNote = $state('');
  /** The shared camera, for the local preview. */
  camera = $state.raw<MediaStreamTrack | null>(null);
  now = $state(Date.now());

  constructor(deps: CallDeps) {
    this.#deps = deps;
    this.#random = deps.random ?? Math.random;
    this.#recorder = new CallRecorder(deps.alerts, deps.history);
    this.#media = new MediaSession({
      boundary: deps.media ?? browserMedia,
      network: () => deps.network(),
      device: (kind) => deps.devices.current(kind),
      devicesSeen: () => void deps.devices.refresh().catch(() => undefined),
      hooks: {
        candidate: (callId, candidate) => this.#dispatch({ type: 'localCandidate', callId, candidate }),
        reoffer: (callId) => this.#dispatch({ type: 'reoffer', callId }),
        failed: (callId) => this.#dispatch({ type: 'mediaFailed', callId }),
        ended: (callId) => this.#dispatch({ type: 'mediaEnded', callId }),
        changed: () => this.#refresh(),
      },
    });
    deps.devices.onChange(() => void this.#media.checkDevices());
  }

  /** The call shown large: the one not on hold, else the last held one, else a lone ringing call. */
  get main(): CallView | null {
    const active = activeCall(this.phone.calls);
    if (active) return this.#view(callIdOf(active));
    const waiting = this.waiting;
    return this.calls.filter((call) => call !== waiting).at(-1) ?? null;
  }

  /** A call ringing beside another call. */
  get waiting(): CallView | null {
    const waiting = waitingCall(this.phone.calls);
    return waiting ? this.#view(callIdOf(waiting)) : null;
  }

  /** Held calls besides the one shown large; a conference shows as its first call. */
  get onHold(): CallView[] {
    const main = this.main;
    const shown = new Set([main?.callId, this.waiting?.callId]);
    if (main) for (const link of this.#unitOf(main.callId)) shown.add(callIdOf(link));
    return this.calls.filter((call) => {
      if (shown.has(call.callId)) return false;
      for (const link of this.#unitOf(call.callId)) shown.add(callIdOf(link));
      return true;
    });
  }

  /** The calls of the conference shown large, when it has two or more: each one person in it. */
  get participants(): CallView[] {
    const main = this.main;
    if (main?.conference == null) return [];
    const links = linksOf(this.phone.calls, main.conference).map((link) => this.#view(callIdOf(link)));
    return links.length > 1 ? links.filter((view): view is CallView => view !== null) : [];
  }

  /** The transfer under way, if any. */
  get transfer(): Transfer {
    return this.phone.transfer;
  }

  /**
   * The status line (a live region): the shown call's phase (a transfer's words for the call being
   * transferred, before the others' otherwise) and a waiting caller, or how the last call ended.
   */
  get statusText(): string {
    const call = this.main;
    if (!call) return this.notice;
    const participants = this.participants;
    const transfer = this.phone.transfer;
    const said = transferText(transfer);
    const own = participants.length > 0 ? conferenceLine(call, participants) : lineText(call);
    const line = !said ? own : transfer.kind !== 'none' && transfer.call === call.callId ? said : `${said} · ${own}`;
    const waiting = this.waiting;
    return waiting ? `${line} · ${phaseText(waiting.state)}` : line;
  }

  /** Whether Add person may add `peer` to the call shown large now. */
  addPersonState(peer: string): AddPersonState {
    const main = this.main;
    if (main?.state.phase !== 'active' || main.held) return { can: false, full: null };
    const people = this.participants.length > 0 ? this.participants : [main];
    const limit = conferenceLimit(people.some((line) => line.cameraOn || line.remote.video));
    if (people.length + 1 >= limit) return { can: false, full: limit };
    return this.calls.some((call) => sameName(call.peer, peer)) ? { can: false, full: null } : { can: true, full: null };
  }

  elapsedSeconds(call: CallView): number {
    return call.connectedAt === null ? 0 : Math.max(0, Math.floor((this.now - call.connectedAt) / 1000));
  }

  // -------------------------------------------------------------------------------------------
  // What the user does

  /** Whether calling `peer` now means something (no call, or answering that peer's ringing call). */
  canDial(peer: string): boolean {
    if (!this.#deps.connected()) return false;
    return this.calls.length === 0 || this.calls.some((call) => call.state.phase === 'ringing' && sameName(call.peer, peer));
  }

  dial(peer: string, video: boolean): void {
    // Said at once: a call queued until the server is back would ring long after the user gave up.
    if (!this.#deps.connected()) this.#tell(NOT_CONNECTED);
    if (!this.canDial(peer)) return;
    this.#deps.tones.unlock();
    this.#dispatch({ type: 'dial', callId: newCallId(), to: peer, video });
  }

  /** Answers a ringing call; a call in progress goes on hold first. */
  answer(callId: string, video: boolean): void {
    this.#dispatch({ type: 'answer', callId, video });
  }

  decline(callId: string): void {
    this.#dispatch({ type: 'decline', callId });
  }

  cancel(callId: string): void {
    this.#dispatch({ type: 'cancel', callId });
  }

  /** Hangs up the call; in a conference, leaves it (every call of it). */
  hangup(callId: string): void {
    this.#dispatch({ type: 'hangup', callId });
  }

  /** Add person: invites `peer` into the conference of the call shown large (which becomes one). */
  addPerson(peer: string): void {
    const main = this.main;
    if (!main || !this.addPersonState(peer).can) return;
    this.#dispatch({ type: 'addPerson', from: main.callId, callId: newCallId(), to: peer, conference: newCallId(), video: main.cameraOn });
  }

  /** Whether the call can be transferred now: answered, in no conference, and no other transfer under way. */
  canTransfer(callId: string): boolean {
    const kind = this.phone.transfer.kind;
    const view = this.#view(callId);
    return view?.state.phase === 'active' && view.conference == null && (kind === 'none' || kind === 'failed');
  }

  /** Whether asking `peer` first is possible: the call can be transferred and is the phone's only call. */
  canAskFirst(callId: string): boolean {
    return this.canTransfer(callId) && this.calls.length === 1;
  }

  /** Blind transfer: the call goes on hold and its far end is put through to `to`. */
  transferTo(callId: string, to: string): void {
    this.#dispatch({ type: 'transfer', callId, to });
  }

  /** Attended transfer: the call goes on hold while this phone calls `to` first. */
  askFirst(callId: string, to: string, video: boolean): void {
    this.#dispatch({ type: 'consult', callId, consultId: newCallId(), to, video });
  }

  completeTransfer(): void {
    this.#dispatch({ type: 'completeTransfer' });
  }

  cancelTransfer(): void {
    this.#dispatch({ type: 'cancelTransfer' });
  }

  /** Holds the call, or takes it back off hold (holding the one in progress). */
  toggleHold(callId: string): void {
    const call = this.#view(callId);
    if (call?.state.phase !== 'active') return;
    this.#dispatch({ type: call.held ? 'resume' : 'hold', callId });
  }

  /** Keypad digits into an answered call with a SIP phone or extension; false when none went. */
  sendDtmf(callId: string, tones: string): boolean {
    const call = this.#view(callId);
    if (call?.state.phase !== 'active' || !isDtmf(tones) || !takesDtmf(call.peer)) return false;
    return this.#media.sendDtmf(callId, tones);
  }

  /** Mutes or unmutes the call, and every call of its conference with it. */
  toggleMute(callId: string): void {
    const call = this.#view(callId);
    if (call?.state.phase !== 'active') return;
    for (const link of this.#mediaOf(callId)) if (link.muted === call.muted) this.#media.toggleMute(link.callId);
  }

  /** Turns the camera on or off in the call, and in every call of its conference with it. */
  async toggleCamera(callId: string): Promise<void> {
    const call = this.#view(callId);
    if (call?.state.phase !== 'active') return;
    for (const link of this.#mediaOf(callId)) if (link.cameraOn === call.cameraOn) await this.#media.toggleCamera(link.callId);
  }

  /** The user picked another microphone or camera: swap it in during a call. */
  async switchDevice(kind: DeviceKind): Promise<void> {
    if (kind === 'speaker') return;
    await this.#media.reacquire(kind === 'microphone' ? 'mic' : 'camera');
  }

  // -------------------------------------------------------------------------------------------
  // What arrives

  receive(message: Message): void {
    this.#dispatch({ type: 'message', message });
  }

  /** The signalling connection went down or came back; `resumed` when the server still knew us. */
  connectionChanged(up: boolean, resumed = true): void {
    if (up && !resumed) this.#media.orphan();
    this.#dispatch({ type: up ? 'connectionRestored' : 'connectionLost' });
  }

  /** The page is going away or the user signs out: end every call, and say nothing of how. */
  shutdown(): void {
    for (const call of this.phone.calls) this.hangup(callIdOf(call));
    this.#tell('');
  }

  // -------------------------------------------------------------------------------------------
  // The coordinator and its effects

  #view(callId: string): CallView | null {
    return this.calls.find((call) => call.callId === callId) ?? null;
  }

  #call(callId: string): PhoneCall | undefined {
    return this.phone.calls.find((call) => callIdOf(call) === callId);
  }

  /** The calls that act as one with `callId`: its conference's, or itself. */
  #unitOf(callId: string): PhoneCall[] {
    const call = this.#call(callId);
    return call ? unitOf(this.phone.calls, call) : [];
  }

  /** The media of the calls acting as one with `callId`, as they are now. */
  #mediaOf(callId: string): { callId: string; muted: boolean; cameraOn: boolean }[] {
    return this.#unitOf(callId).flatMap((link) => {
      const view = this.#media.view(callIdOf(link));
      return view ? [{ callId: callIdOf(link), muted: view.muted, cameraOn: view.cameraOn }] : [];
    });
  }

  /** How a new call's media starts: a call of a conference as the conference's other calls are. */
  #start(callId: string, video: boolean): { video: boolean } & CallStart {
    const call = this.#call(callId);
    const bundlePolicy = call ? bundlePolicyFor(call.state.dialog.peer) : undefined;
    const like = this.#mediaOf(callId).find((link) => link.callId !== callId);
    if (!call?.conference || !like) return { video, bundlePolicy };
    return { video: like.cameraOn, muted: like.muted, held: call.held, bundlePolicy };
  }

  #dispatch(input: PhoneInput): void {
    const next = step(this.phone, input, { random: this.#random, newCallId });
    this.phone = next.phone;
    for (const effect of next.effects) this.#run(effect);
    this.#refresh();
  }

  #refresh(): void {
    const media = this.#media;
    const had = this.calls.length;
    this.calls = seenCalls(this.phone.calls).map((call) => {
      const callId = callIdOf(call);
      return {
        ...(media.view(callId) ?? NO_MEDIA),
        callId,
        peer: call.state.dialog.peer,
        state: call.state,
        held: call.held,
        connectedAt: this.#recorder.connectedAt(callId),
        conference: call.conference?.id ?? null,
      };
    });
    this.mediaNote = media.note;
    this.camera = media.camera;
    this.now = Date.now();
    if (had > 0 && this.calls.length === 0) this.#deps.idle?.();
  }

  #run(effect: PhoneEffect): void {
    const media = this.#media;
    switch (effect.type) {
      case 'send':
        this.#deps.send(effect.message);
        return;
      case 'tone':
        this.#deps.tones.play(effect.tone);
        return;
      case 'startTimer':
        this.#startTimer(effect.callId, effect.timer, effect.ms);
        return;
      case 'stopTimer':
        this.#stopTimer(effect.callId, effect.timer);
        return;
      case 'createOffer': {
        const { callId } = effect;
        const { video, ...start } = this.#start(callId, effect.video);
        const tag = this.#call(callId)?.conference;
        this.#tell('');
        // A link the server introduced is part of the conference, not a call of its own in the history.
        if (!tag || tag.from !== undefined) this.#recorder.placed(callId, video);
        media.offer(callId, video, start).then(
          (body) => this.#dispatch({ type: 'offerReady', callId, body }),
          (error: unknown) => this.#dispatch({ type: 'offerFailed', callId, reason: errorText(error) }),
        );
        return;
      }
      case 'createAnswer': {
        const { callId } = effect;
        const { video, ...start } = this.#start(callId, effect.video);
        media.answer(callId, effect.offer, video, start).then(
          (sdp) => this.#dispatch({ type: 'answerReady', callId, sdp }),
          (error: unknown) => this.#dispatch({ type: 'answerFailed', callId, reason: errorText(error) }),
        );
        return;
      }
      case 'applyAnswer':
        media.applyAnswer(effect.callId, effect.answer);
        return;
      case 'createReoffer': {
        const { callId } = effect;
        media.reoffer(callId).then(
          (body) => this.#dispatch({ type: 'reofferReady', callId, body }),
          (error: unknown) => {
            console.warn('LeanPhone: re-offer failed', error);
            this.#dispatch({ type: 'reofferFailed', callId });
          },
        );
        return;
      }
      case 'applyReoffer': {
        const { callId } = effect;
        media.reanswer(callId, effect.offer).then(
          (sdp) => this.#dispatch({ type: 'reanswerReady', callId, sdp }),
          (error: unknown) => {
            console.warn('LeanPhone: re-offer could not be answered', error);
            this.#dispatch({ type: 'reanswerFailed', callId });
          },
        );
        return;
      }
      case 'rollback':
        media.rollback(effect.callId);
        return;
      case 'remoteCandidate':
        media.remoteCandidate(effect.callId, effect.candidate);
        return;
      case 'startTrickle':
        media.startTrickle(effect.callId);
        return;
      case 'holdMedia':
        media.setHeld(effect.callId, effect.held);
        return;
      case 'takeOffer': {
        // Waking the devices costs the page nothing; the answer may come before the paint.
        media.wake();
        // Making the peer connection takes a while: the call is shown ringing first.
        const { callId, offer } = effect;
        (this.#deps.later ?? afterPaint)(() => {
          if (this.#call(callId)?.state.phase === 'ringing') media.takeOffer(callId, offer, this.#start(callId, false).bundlePolicy);
        });
        return;
      }
      case 'incoming':
        this.#tell('');
        this.#recorder.incoming(effect.callId, effect.from, effect.video);
        return;
      case 'connected':
        this.#recorder.connected(effect.callId);
        media.connected(effect.callId);
        return;
      case 'ended': {
        const { callId, peer, outcome } = effect;
        this.#stopTimers(callId);
        media.close(callId);
        this.#recorder.ended(callId, peer, effect.outgoing, outcome);
        this.#deps.ended?.(peer, effect.outgoing, outcome);
        // Nothing to tell when the peer's call to us took its place (glare), or a transfer ended it.
        const text = outcomeText(peer, outcome, this.#deps.offline?.(peer) ?? false);
        if (text === null) return;
        this.#tell(text);
        if (outcome.kind === 'failed') console.warn(`LeanPhone call: failed (${outcome.cause}): ${outcome.detail}`);
        return;
      }
      case 'introduce': {
        const { conference, to } = effect;
        const video = linksOf(this.phone.calls, conference).some((link) => this.#media.view(callIdOf(link))?.cameraOn === true);
        // Dispatched once this step's effects have run: the introduction is a step of its own.
        queueMicrotask(() => this.#dispatch({ type: 'introduce', callId: newCallId(), to, conference, video }));
        return;
      }
      case 'warn':
        console.warn(`LeanPhone call: ${effect.message}`);
        return;
      default:
        missingCase(effect);
    }
  }

  /** Shows `text` as the end message until NOTICE_MS have passed ('' clears it now). */
  #tell(text: string): void {
    clearTimeout(this.#noticeTimer);
    this.notice = text;
    this.#noticeTimer = text === '' ? undefined : setTimeout(() => (this.notice = ''), NOTICE_MS);
  }

  #startTimer(callId: string, timer: TimerName, ms: number): void {
    this.#stopTimer(callId, timer);
    const key = `${callId}:${timer}`;
    this.#timers.set(
      key,
      setTimeout(() => {
        this.#timers.delete(key);
        this.#dispatch({ type: 'timer', callId, timer });
      }, ms),
    );
  }

  #stopTimer(callId: string, timer: TimerName): void {
    const key = `${callId}:${timer}`;
    const handle = this.#timers.get(key);
    if (handle !== undefined) clearTimeout(handle);
    this.#timers.delete(key);
  }

  #stopTimers(callId: string): void {
    for (const [key, handle] of this.#timers) {
      if (!key.startsWith(`${callId}:`)) continue;
      clearTimeout(handle);
      this.#timers.delete(key);
    }
  }
}

function conferenceLine(main: CallView, participants: readonly CallView[]): string {
  return main.held ? 'Conference on hold' : conferenceText(participants.map((line) => line.peer));
}

function lineText(call: CallView): string {
  if (call.state.phase === 'active') {
    if (call.held) return 'On hold';
    if (call.remote.holding) return `${call.peer} put you on hold`;
  }
  return phaseText(call.state);
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
