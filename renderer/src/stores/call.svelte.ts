/**
 * The call as the UI sees it. Feeds every input to the dialog state machine and carries out the
 * effects it returns (messages, tones, timers, WebRTC work, alerts, history); the components
 * only render this state and call its methods. One call at a time, one Peer per call.
 */
import type { LeanPhoneBridge } from '../../../common/bridge.js';
import type { IceCandidate, IceServer, InviteBody, Message, SessionDescription } from '../../../common/protocol.js';
import { getCamera, getMicrophone } from '../rtc/media.js';
import { Peer, type LocalTracks } from '../rtc/peer.js';
import type { Quality } from '../rtc/quality.js';
import type { LocalIntent, RemoteMedia } from '../rtc/sdp.js';
import type { Tones } from '../rtc/tones.js';
import { initialState, transition } from '../sip/machine.js';
import { outcomeText, phaseText } from '../sip/messages.js';
import type { CallInput, CallState, Effect, Outcome, TimerName } from '../sip/types.js';
import type { DeviceKind, DeviceStore } from './devices.svelte.js';
import type { HistoryStore } from './history.svelte.js';

export interface CallDeps {
  send(message: Message): void;
  bridge: LeanPhoneBridge;
  history: HistoryStore;
  devices: DeviceStore;
  tones: Tones;
  /** The STUN/TURN servers for a new call, and whether it may use relays only. */
  network(): { iceServers: IceServer[]; relayOnly: boolean };
  onChange(): void;
}

interface CallMeta {
  peer: string;
  outgoing: boolean;
  video: boolean;
  at: number;
  connectedAt: number | null;
}

/** Seconds without a working media path before the call is given up. */
const ICE_GIVE_UP_MS = 30_000;

export function newCallId(): string {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export class CallStore {
  readonly #deps: CallDeps;
  state = $state.raw<CallState>(initialState);
  /** The last call's ending, shown until the next call. */
  notice = $state('');
  /** A device problem worth telling (camera refused, microphone missing). */
  mediaNote = $state('');
  muted = $state(false);
  held = $state(false);
  cameraOn = $state(false);
  remote = $state.raw<RemoteMedia>({ holding: false, audio: true, video: false });
  quality = $state.raw<Quality | null>(null);
  connectedAt = $state<number | null>(null);
  now = $state(Date.now());
  localStream = $state.raw<MediaStream | null>(null);
  remoteStream = $state.raw<MediaStream | null>(null);
  reconnectingMedia = $state(false);

  readonly #peers = new Map<string, Peer>();
  readonly #early = new Map<string, (IceCandidate | null)[]>();
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>();
  readonly #meta = new Map<string, CallMeta>();
  #tracks: LocalTracks = { mic: null, camera: null };
  #hasMic = true;
  /** The media we got differs from what was offered: re-offer once the call is up. */
  #fixup = false;
  /** The server restarted during this call: it cannot carry our BYE, nor the peer's. */
  #orphaned = false;
  #iceRestart = false;
  #iceTimer: ReturnType<typeof setTimeout> | null = null;
  #iceGiveUp: ReturnType<typeof setTimeout> | null = null;
  #ticker: ReturnType<typeof setInterval> | null = null;

  constructor(deps: CallDeps) {
    this.#deps = deps;
    deps.devices.onChange(() => void this.#checkDevices());
  }

  get peer(): string | null {
    return this.state.phase === 'idle' ? null : this.state.dialog.peer;
  }

  get callId(): string | null {
    return this.state.phase === 'idle' ? null : this.state.dialog.callId;
  }

  /** The status line: the call's phase, or how the last call ended. */
  get statusText(): string {
    const state = this.state;
    if (state.phase === 'active') {
      if (this.held) return 'On hold';
      if (this.remote.holding) return `${state.dialog.peer} put you on hold`;
    }
    return state.phase === 'idle' ? this.notice : phaseText(state);
  }

  get elapsedSeconds(): number {
    return this.connectedAt === null ? 0 : Math.max(0, Math.floor((this.now - this.connectedAt) / 1000));
  }

  // -------------------------------------------------------------------------------------------
  // What the user does

  /** Whether calling `peer` now means something (idle, or answering that peer's ringing call). */
  canDial(peer: string): boolean {
    const state = this.state;
    return state.phase === 'idle' || (state.phase === 'ringing' && sameName(state.dialog.peer, peer));
  }

  dial(peer: string, video: boolean): void {
    const state = this.state;
    // Calling someone whose call is ringing here: the two calls are one, so answer it.
    if (state.phase === 'ringing' && sameName(state.dialog.peer, peer)) {
      this.answer(video);
      return;
    }
    if (state.phase !== 'idle') return;
    this.#deps.tones.unlock();
    const callId = newCallId();
    this.#meta.set(callId, { peer, outgoing: true, video, at: Date.now(), connectedAt: null });
    this.notice = '';
    this.#dispatch({ type: 'dial', callId, to: peer, video });
  }

  answer(video: boolean): void {
    this.#dispatch({ type: 'answer', video });
  }

  decline(): void {
    this.#dispatch({ type: 'decline' });
  }

  cancel(): void {
    this.#dispatch({ type: 'cancel' });
  }

  hangup(): void {
    this.#dispatch({ type: 'hangup' });
  }

  toggleMute(): void {
    if (this.state.phase !== 'active') return;
    this.muted = !this.muted;
    this.#applyLocal();
    this.#dispatch({ type: 'reoffer' });
  }

  toggleHold(): void {
    if (this.state.phase !== 'active') return;
    this.held = !this.held;
    this.#applyLocal();
    this.#dispatch({ type: 'reoffer' });
  }

  async toggleCamera(): Promise<void> {
    const callId = this.callId;
    if (this.state.phase !== 'active' || callId === null) return;
    if (this.cameraOn) {
      this.cameraOn = false;
      this.#tracks.camera?.stop();
      this.#setTracks({ ...this.#tracks, camera: null });
    } else {
      const camera = await getCamera(this.#deps.devices.current('camera'));
      if (!this.#isCurrent(callId)) {
        camera.track?.stop();
        return;
      }
      if (!camera.track) {
        this.mediaNote = `${camera.problem ?? 'No camera'}: the call goes on with voice only`;
        return;
      }
      this.mediaNote = '';
      this.cameraOn = true;
      this.#setTracks({ ...this.#tracks, camera: camera.track });
    }
    this.#applyLocal();
    this.#dispatch({ type: 'reoffer' });
  }

  /** The user picked another microphone or camera: swap it in during a call. */
  async switchDevice(kind: DeviceKind): Promise<void> {
    if (kind === 'speaker' || this.state.phase === 'idle') return;
    await this.#reacquire(kind === 'microphone' ? 'mic' : 'camera');
  }

  // -------------------------------------------------------------------------------------------
  // What arrives

  receive(message: Message): void {
    this.#dispatch({ type: 'message', message });
  }

  /** The signalling connection went down or came back; `resumed` when the server still knew us. */
  connectionChanged(up: boolean, resumed = true): void {
    if (up && !resumed && this.state.phase === 'active') this.#orphaned = true;
    this.#dispatch({ type: up ? 'connectionRestored' : 'connectionLost' });
  }

  /** The page is going away: hang up whatever is going on, as well as the page can. */
  shutdown(): void {
    switch (this.state.phase) {
      case 'ringing':
      case 'answering':
        this.decline();
        break;
      case 'idle':
        break;
      default:
        this.hangup();
    }
  }

  // -------------------------------------------------------------------------------------------
  // The machine and its effects

  #dispatch(input: CallInput): void {
    const step = transition(this.state, input, { random: Math.random });
    this.state = step.state;
    for (const effect of step.effects) this.#run(effect);
    this.#deps.onChange();
  }

  #run(effect: Effect): void {
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
      case 'createOffer':
        void this.#makeOffer(effect.callId, effect.video);
        return;
      case 'createAnswer':
        void this.#makeAnswer(effect.callId, effect.offer, effect.video);
        return;
      case 'applyAnswer':
        this.#peers
          .get(effect.callId)
          ?.acceptAnswer(effect.answer)
          .catch((error: unknown) => console.warn('LeanPhone: the answer could not be applied', error));
        return;
      case 'createReoffer':
        void this.#makeReoffer(effect.callId);
        return;
      case 'applyReoffer':
        void this.#answerReoffer(effect.callId, effect.offer);
        return;
      case 'rollback':
        void this.#peers.get(effect.callId)?.rollback().catch(() => undefined);
        return;
      case 'remoteCandidate': {
        const peer = this.#peers.get(effect.callId);
        if (peer) void peer.addRemoteCandidate(effect.candidate);
        else this.#early.set(effect.callId, [...(this.#early.get(effect.callId) ?? []), effect.candidate]);
        return;
      }
      case 'startTrickle':
        this.#peers.get(effect.callId)?.startTrickle();
        return;
      case 'incoming':
        this.#meta.set(effect.callId, { peer: effect.from, outgoing: false, video: effect.video, at: Date.now(), connectedAt: null });
        this.notice = '';
        this.#deps.bridge.alertIncomingCall({ callId: effect.callId, from: effect.from, video: effect.video });
        return;
      case 'connected':
        this.#connected(effect.callId);
        return;
      case 'ended':
        this.#ended(effect.callId, effect.peer, effect.outgoing, effect.outcome);
        return;
      case 'warn':
        console.warn(`LeanPhone call: ${effect.message}`);
        return;
      default:
        missingCase(effect);
    }
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

  #isCurrent(callId: string): boolean {
    return this.callId === callId;
  }

  #intent(): LocalIntent {
    return { hold: this.held, muted: this.muted, hasMic: this.#hasMic, cameraOn: this.cameraOn };
  }

  #newPeer(callId: string): Peer {
    const peer = new Peer(this.#deps.network(), {
      onCandidate: (candidate) => this.#dispatch({ type: 'localCandidate', callId, candidate }),
      onConnectionState: (state) => this.#mediaState(callId, state),
      onRemoteMedia: (media) => {
        if (this.#isCurrent(callId)) this.remote = media;
      },
    });
    this.#peers.set(callId, peer);
    this.remoteStream = peer.remoteStream;
    return peer;
  }

  #startCallMedia(video: boolean): void {
    this.#tracks.mic?.stop();
    this.#tracks.camera?.stop();
    this.#setTracks({ mic: null, camera: null });
    this.#fixup = false;
    this.muted = false;
    this.held = false;
    this.cameraOn = video;
    this.#hasMic = true;
    this.mediaNote = '';
    this.remote = { holding: false, audio: true, video: false };
  }

  /**
   * Opens the microphone (and the camera for video) while the offer or answer is already on its
   * way: the transceivers exist, so the tracks slot in without renegotiation.
   */
  async #openMedia(callId: string, video: boolean): Promise<void> {
    const [mic, camera] = await Promise.all([
      getMicrophone(this.#deps.devices.current('microphone')),
      video ? getCamera(this.#deps.devices.current('camera')) : Promise.resolve({ track: null, problem: null }),
    ]);
    if (!this.#isCurrent(callId)) {
      mic.track?.stop();
      camera.track?.stop();
      return;
    }
    const notes: string[] = [];
    if (!mic.track) notes.push(`${mic.problem ?? 'No microphone'}: the other side cannot hear you`);
    if (video && !camera.track) notes.push(`${camera.problem ?? 'No camera'}: the call goes on with voice only`);
    this.mediaNote = notes.join('. ');
    this.#hasMic = mic.track !== null;
    const lostCamera = video && !camera.track;
    if (lostCamera) this.cameraOn = false;
    this.#setTracks({ mic: mic.track, camera: camera.track });
    this.#applyLocal();
    void this.#deps.devices.refresh();
    // What was offered no longer matches what we have: tell the far end once the call is up.
    if (lostCamera || !mic.track) {
      if (this.state.phase === 'active') this.#dispatch({ type: 'reoffer' });
      else this.#fixup = true;
    }
  }

  #setTracks(tracks: LocalTracks): void {
    for (const [kind, track] of [['mic', tracks.mic], ['camera', tracks.camera]] as const) {
      if (track && track !== this.#tracks[kind]) {
        track.addEventListener('ended', () => {
          if (this.#tracks[kind] === track) void this.#reacquire(kind);
        });
      }
    }
    this.#tracks = tracks;
    this.localStream = tracks.camera ? new MediaStream([tracks.camera]) : null;
  }

  #applyLocal(): void {
    const callId = this.callId;
    if (callId === null) return;
    this.#peers.get(callId)?.setLocal(this.#tracks, this.#intent());
  }

  async #makeOffer(callId: string, video: boolean): Promise<void> {
    try {
      this.#startCallMedia(video);
      const peer = this.#newPeer(callId);
      peer.setLocal(this.#tracks, this.#intent());
      const media = this.#openMedia(callId, video);
      const sdp = await peer.createOffer();
      const body: InviteBody = { sdp, media: { audio: true, video } };
      this.#dispatch({ type: 'offerReady', callId, body });
      await media;
    } catch (error) {
      this.#dispatch({ type: 'offerFailed', callId, reason: errorText(error) });
    }
  }

  async #makeAnswer(callId: string, offer: SessionDescription, video: boolean): Promise<void> {
    try {
      this.#startCallMedia(video);
      const peer = this.#newPeer(callId);
      peer.setLocal(this.#tracks, this.#intent());
      for (const candidate of this.#early.get(callId) ?? []) void peer.addRemoteCandidate(candidate);
      this.#early.delete(callId);
      const media = this.#openMedia(callId, video);
      const sdp = await peer.acceptOffer(offer);
      this.#dispatch({ type: 'answerReady', callId, sdp });
      await media;
    } catch (error) {
      this.#dispatch({ type: 'answerFailed', callId, reason: errorText(error) });
    }
  }

  async #makeReoffer(callId: string): Promise<void> {
    const peer = this.#peers.get(callId);
    try {
      if (!peer) throw new Error('no media session');
      const iceRestart = this.#iceRestart;
      const sdp = await peer.createOffer({ iceRestart });
      if (iceRestart) this.#iceRestart = false;
      const body: InviteBody = { sdp, media: { audio: this.#hasMic && !this.muted, video: this.cameraOn } };
      this.#dispatch({ type: 'reofferReady', callId, body });
    } catch (error) {
      console.warn('LeanPhone: re-offer failed', error);
      this.#dispatch({ type: 'reofferFailed', callId });
    }
  }

  async #answerReoffer(callId: string, offer: SessionDescription): Promise<void> {
    const peer = this.#peers.get(callId);
    try {
      if (!peer) throw new Error('no media session');
      const sdp = await peer.acceptOffer(offer);
      this.#dispatch({ type: 'reanswerReady', callId, sdp });
    } catch (error) {
      console.warn('LeanPhone: re-offer could not be answered', error);
      this.#dispatch({ type: 'reanswerFailed', callId });
    }
  }

  async #reacquire(kind: 'mic' | 'camera'): Promise<void> {
    const callId = this.callId;
    if (callId === null) return;
    if (kind === 'camera' && !this.cameraOn) return;
    const got = kind === 'mic' ? await getMicrophone(this.#deps.devices.current('microphone')) : await getCamera(this.#deps.devices.current('camera'));
    if (!this.#isCurrent(callId)) {
      got.track?.stop();
      return;
    }
    const old = this.#tracks[kind];
    if (got.track) {
      this.#setTracks({ ...this.#tracks, [kind]: got.track });
      old?.stop();
      this.#applyLocal();
      return;
    }
    // Nothing left to use: carry on without it and tell the far end.
    old?.stop();
    this.#setTracks({ ...this.#tracks, [kind]: null });
    if (kind === 'camera') this.cameraOn = false;
    else this.#hasMic = false;
    this.mediaNote = `${got.problem ?? 'Device lost'}: the call goes on without it`;
    this.#applyLocal();
    if (this.state.phase === 'active') this.#dispatch({ type: 'reoffer' });
  }

  /** A device came or went: replace a track whose device disappeared. */
  async #checkDevices(): Promise<void> {
    for (const kind of ['mic', 'camera'] as const) {
      const track = this.#tracks[kind];
      if (track && track.readyState === 'ended') await this.#reacquire(kind);
    }
  }

  #connected(callId: string): void {
    const meta = this.#meta.get(callId);
    const now = Date.now();
    if (meta) meta.connectedAt = now;
    this.connectedAt = now;
    this.now = now;
    this.#deps.bridge.clearIncomingCall(callId);
    if (this.#fixup) {
      this.#fixup = false;
      queueMicrotask(() => this.#dispatch({ type: 'reoffer' }));
    }
    this.#ticker ??= setInterval(() => {
      this.now = Date.now();
      const peer = this.callId === null ? undefined : this.#peers.get(this.callId);
      if (peer) {
        peer
          .quality()
          .then((quality) => {
            if (this.state.phase === 'active') this.quality = quality;
          })
          .catch(() => undefined);
      }
    }, 1000);
  }

  #mediaState(callId: string, state: RTCPeerConnectionState): void {
    if (!this.#isCurrent(callId) || this.state.phase !== 'active') return;
    const owner = this.state.dialog.owner;
    switch (state) {
      case 'connected':
        this.reconnectingMedia = false;
        this.#clearIceTimers();
        return;
      case 'disconnected':
      case 'failed': {
        if (this.#orphaned) {
          this.#dispatch({ type: 'mediaEnded', callId });
          return;
        }
        this.reconnectingMedia = true;
        this.#iceGiveUp ??= setTimeout(() => {
          this.#iceGiveUp = null;
          if (this.#isCurrent(callId)) this.#dispatch({ type: 'mediaFailed', callId });
        }, ICE_GIVE_UP_MS);
        // The Call-ID owner restarts ICE first; the other side only if the path stays failed.
        const wait = state === 'failed' ? (owner ? 0 : 1500) : owner ? 2000 : null;
        if (wait === null || this.#iceTimer) return;
        this.#iceTimer = setTimeout(() => {
          this.#iceTimer = null;
          const peer = this.#peers.get(callId);
          if (!this.#isCurrent(callId) || !peer || peer.connectionState === 'connected') return;
          this.#iceRestart = true;
          this.#dispatch({ type: 'reoffer' });
        }, wait);
        return;
      }
      case 'new':
      case 'connecting':
      case 'closed':
        return;
      default:
        missingCase(state);
    }
  }

  #clearIceTimers(): void {
    if (this.#iceTimer) clearTimeout(this.#iceTimer);
    if (this.#iceGiveUp) clearTimeout(this.#iceGiveUp);
    this.#iceTimer = null;
    this.#iceGiveUp = null;
  }

  #ended(callId: string, peer: string, outgoing: boolean, outcome: Outcome): void {
    for (const key of [...this.#timers.keys()]) {
      if (key.startsWith(`${callId}:`)) this.#stopTimer(callId, key.slice(callId.length + 1) as TimerName);
    }
    this.#peers.get(callId)?.close();
    this.#peers.delete(callId);
    this.#early.delete(callId);
    this.#deps.bridge.clearIncomingCall(callId);
    const meta = this.#meta.get(callId);
    this.#meta.delete(callId);
    if (outcome.kind === 'superseded') return; // the peer's call to us took its place
    this.#clearIceTimers();
    this.#orphaned = false;
    if (this.#ticker) clearInterval(this.#ticker);
    this.#ticker = null;
    this.#tracks.mic?.stop();
    this.#tracks.camera?.stop();
    this.#tracks = { mic: null, camera: null };
    this.localStream = null;
    this.remoteStream = null;
    this.quality = null;
    this.connectedAt = null;
    this.reconnectingMedia = false;
    this.muted = false;
    this.held = false;
    this.cameraOn = false;
    this.notice = outcomeText(peer, outcome) ?? '';
    if (outcome.kind === 'failed') console.warn(`LeanPhone call: failed (${outcome.cause}): ${outcome.detail}`);
    if (meta) {
      const answered = meta.connectedAt !== null;
      const kind = outgoing ? 'outgoing' : answered || outcome.kind === 'declined' ? 'incoming' : 'missed';
      this.#deps.history.add({
        id: callId,
        peer,
        kind,
        video: meta.video,
        at: meta.at,
        seconds: answered && meta.connectedAt !== null ? Math.round((Date.now() - meta.connectedAt) / 1000) : 0,
      });
    }
  }
}

const sameName = (a: string, b: string): boolean => a.toLocaleLowerCase('und') === b.toLocaleLowerCase('und');

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function missingCase(value: never): never {
  throw new Error(`Unhandled case: ${JSON.stringify(value)}`);
}
