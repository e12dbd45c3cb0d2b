/**
 * The media of all calls: one peer connection per call, one microphone and one camera shared by
 * them (a held call sends nothing), device loss and recovery, ICE restarts (ice-recovery.ts) and
 * quality sampling. WebRTC and getUserMedia come through a MediaBoundary, which tests replace.
 */
import type { IceCandidate, IceServer, InviteBody, SessionDescription } from '../../../common/protocol.js';
import { IceRecovery } from './ice-recovery.js';
import { getCamera, getMicrophone, wakeDevices, type Acquired } from './media.js';
import { Peer, type LocalTracks, type PeerCallbacks } from './peer.js';
import type { Quality } from './quality.js';
import type { LocalIntent, RemoteMedia } from './sdp.js';

export interface Network {
  iceServers: IceServer[];
  relayOnly: boolean;
  /** Per call (lib/sip-party.ts): a call that may reach SIP must not demand bundling. */
  bundlePolicy?: RTCBundlePolicy | undefined;
}

/** What a call needs of its peer connection (rtc/peer.ts). */
export type MediaPeer = Pick<
  Peer,
  | 'remoteStream'
  | 'connectionState'
  | 'setLocal'
  | 'createOffer'
  | 'takeOffer'
  | 'acceptOffer'
  | 'acceptAnswer'
  | 'rollback'
  | 'addRemoteCandidate'
  | 'startTrickle'
  | 'sendDtmf'
  | 'quality'
  | 'close'
>;

/** Where the media comes from: the browser's WebRTC and devices, or a test's stand-ins. */
export interface MediaBoundary {
  peer(network: Network, callbacks: PeerCallbacks): MediaPeer;
  microphone(deviceId: string | null): Promise<Acquired>;
  camera(deviceId: string | null): Promise<Acquired>;
  /** Readies the devices for opening, opening none (media.ts). */
  wake(): void;
}

export const browserMedia: MediaBoundary = {
  peer: (network, callbacks) => new Peer(network, callbacks),
  microphone: getMicrophone,
  camera: getCamera,
  wake: wakeDevices,
};

/** What the media tells the calls. */
export interface MediaHooks {
  candidate(callId: string, candidate: IceCandidate | null): void;
  /** The call's media changed (mute, camera, a lost device, an ICE restart): tell the far end. */
  reoffer(callId: string): void;
  /** The media path stayed broken: the call cannot go on. */
  failed(callId: string): void;
  /** The media stopped while the server no longer knows the call: the far end is gone. */
  ended(callId: string): void;
  /** Something shown changed (or a second passed). */
  changed(): void;
}

export interface MediaDeps {
  boundary: MediaBoundary;
  network(): Network;
  /** The chosen device, null for the system default. */
  device(kind: 'microphone' | 'camera'): string | null;
  /** Permission was just granted: device labels can be read now. */
  devicesSeen(): void;
  hooks: MediaHooks;
}

/** One call's media as the UI shows it. */
export interface CallMediaView {
  muted: boolean;
  cameraOn: boolean;
  remote: RemoteMedia;
  remoteStream: MediaStream | null;
  quality: Quality | null;
  /** The path broke and is being restored. */
  reconnecting: boolean;
}

/** How a new call's local media starts: a call joining a conference starts as the conference is. */
export interface CallStart {
  muted?: boolean;
  held?: boolean;
  bundlePolicy?: RTCBundlePolicy | undefined;
}

export const NO_MEDIA: CallMediaView = {
  muted: false,
  cameraOn: false,
  remote: { holding: false, audio: true, video: false },
  remoteStream: null,
  quality: null,
  reconnecting: false,
};

interface CallMedia {
  readonly callId: string;
  /** This phone placed the call: it restarts ICE first. */
  readonly owner: boolean;
  readonly peer: MediaPeer;
  held: boolean;
  muted: boolean;
  cameraOn: boolean;
  remote: RemoteMedia;
  quality: Quality | null;
  reconnecting: boolean;
  /** The call is answered: ICE failures count, and re-offers can go out. */
  confirmed: boolean;
  /** The media we got differs from what was offered: re-offer once the call is up. */
  fixup: boolean;
  /** The server restarted during this call: it cannot carry our BYE, nor the peer's. */
  orphaned: boolean;
  /** The next re-offer restarts ICE. */
  iceRestart: boolean;
  readonly ice: IceRecovery;
}

const NOTHING: Acquired = { track: null, problem: null };

/** Where a peer connection made before its call's media existed tells what happens: nowhere until `to` is set. */
interface Relay {
  to: PeerCallbacks | null;
}

function relayed(relay: Relay): PeerCallbacks {
  return {
    onCandidate: (candidate) => relay.to?.onCandidate(candidate),
    onConnectionState: (state) => relay.to?.onConnectionState(state),
    onRemoteMedia: (media) => relay.to?.onRemoteMedia(media),
    onFarEndClosed: () => relay.to?.onFarEndClosed(),
  };
}

export class MediaSession {
  /** A device problem worth telling (camera refused, microphone missing); '' when none. */
  note = '';
  readonly #deps: MediaDeps;
  readonly #calls = new Map<string, CallMedia>();
  /** Remote candidates that came before the call's peer connection. */
  readonly #early = new Map<string, (IceCandidate | null)[]>();
  /** Peer connections of calls ringing here, their offers applied; what they tell goes to `to` once answered. */
  readonly #ringing = new Map<string, { peer: MediaPeer; relay: Relay }>();
  #tracks: LocalTracks = { mic: null, camera: null };
  /** Devices being opened: calls that need one meanwhile wait for the same (a conference's links answered at once). */
  readonly #opening: { [kind in keyof LocalTracks]: Promise<Acquired> | null } = { mic: null, camera: null };
  #hasMic = true;
  #ticker: ReturnType<typeof setInterval> | null = null;

  constructor(deps: MediaDeps) {
    this.#deps = deps;
  }

  /** The shared camera track, for the local preview. */
  get camera(): MediaStreamTrack | null {
    return this.#tracks.camera;
  }

  view(callId: string): CallMediaView | null {
    const call = this.#calls.get(callId);
    if (!call) return null;
    const { muted, cameraOn, remote, quality, reconnecting } = call;
    return { muted, cameraOn, remote, remoteStream: call.peer.remoteStream, quality, reconnecting };
  }

  // -------------------------------------------------------------------------------------------
  // Offers and answers

  /** Caller: a new peer connection and its offer; the devices open while the INVITE goes out. */
  async offer(callId: string, video: boolean, start: CallStart = {}): Promise<InviteBody> {
    const call = this.#begin(callId, true, video, start);
    void this.#acquire(call, video);
    const sdp = await call.peer.createOffer();
    return { sdp, media: { audio: true, video } };
  }

  /** A call rings: readies the devices it may open, unless they are open already. Opens none. */
  wake(): void {
    if (this.#tracks.mic === null || this.#tracks.camera === null) this.#deps.boundary.wake();
  }

  /**
   * Callee, while the call rings: a peer connection with `offer` applied, so that answering only
   * makes the answer. No device opens and nothing is sent before the user answers.
   */
  takeOffer(callId: string, offer: SessionDescription, bundlePolicy: RTCBundlePolicy | undefined): void {
    if (this.#calls.has(callId) || this.#ringing.has(callId)) return;
    const relay: Relay = { to: null };
    const peer = this.#deps.boundary.peer({ ...this.#deps.network(), bundlePolicy }, relayed(relay));
    this.#ringing.set(callId, { peer, relay });
    peer.takeOffer(offer).catch((error: unknown) => console.debug('LeanPhone: the offer is applied again on answering', error));
  }

  /** Callee: a peer connection (the one made while it rang, or a new one) answering `offer`. */
  async answer(callId: string, offer: SessionDescription, video: boolean, start: CallStart = {}): Promise<SessionDescription> {
    const call = this.#begin(callId, false, video, start);
    for (const candidate of this.#early.get(callId) ?? []) void call.peer.addRemoteCandidate(candidate);
    this.#early.delete(callId);
    void this.#acquire(call, video);
    return call.peer.acceptOffer(offer);
  }

  applyAnswer(callId: string, answer: SessionDescription): void {
    this.#calls
      .get(callId)
      ?.peer.acceptAnswer(answer)
      .catch((error: unknown) => console.warn('LeanPhone: the answer could not be applied', error));
  }

  /** A re-offer saying what this call now sends (and restarting ICE when that is due). */
  async reoffer(callId: string): Promise<InviteBody> {
    const call = this.#open(callId);
    const iceRestart = call.iceRestart;
    const sdp = await call.peer.createOffer({ iceRestart });
    if (iceRestart) call.iceRestart = false;
    return { sdp, media: { audio: this.#hasMic && !call.muted, video: call.cameraOn } };
  }

  reanswer(callId: string, offer: SessionDescription): Promise<SessionDescription> {
    return this.#open(callId).peer.acceptOffer(offer);
  }

  rollback(callId: string): void {
    void this.#calls.get(callId)?.peer.rollback().catch(() => undefined);
  }

  remoteCandidate(callId: string, candidate: IceCandidate | null): void {
    const call = this.#calls.get(callId);
    if (call) void call.peer.addRemoteCandidate(candidate);
    else this.#early.set(callId, [...(this.#early.get(callId) ?? []), candidate]);
  }

  startTrickle(callId: string): void {
    this.#calls.get(callId)?.peer.startTrickle();
  }

  /** Keypad digits as RFC 4733 events in the call's audio; false when it cannot carry them. */
  sendDtmf(callId: string, tones: string): boolean {
    return this.#calls.get(callId)?.peer.sendDtmf(tones) ?? false;
  }

  /** The call is answered: quality sampling runs, and a pending media fix-up goes out. */
  connected(callId: string): void {
    const call = this.#calls.get(callId);
    if (!call) return;
    call.confirmed = true;
    if (call.fixup) {
      call.fixup = false;
      queueMicrotask(() => this.#deps.hooks.reoffer(callId));
    }
    this.#ticker ??= setInterval(() => this.#sample(), 1000);
  }

  /** The call is over: its connection closes; devices no call needs any more are released. */
  close(callId: string): void {
    const call = this.#calls.get(callId);
    this.#early.delete(callId);
    this.#ringing.get(callId)?.peer.close();
    this.#ringing.delete(callId);
    if (!call) return;
    call.ice.stop();
    call.peer.close();
    this.#calls.delete(callId);
    const left = [...this.#calls.values()];
    if (!left.some((other) => other.cameraOn)) this.#replace('camera', null);
    if (left.length === 0) this.#replace('mic', null);
    if (!left.some((other) => other.confirmed) && this.#ticker) {
      clearInterval(this.#ticker);
      this.#ticker = null;
    }
    this.#deps.hooks.changed();
  }

  /** The server restarted and forgot our calls: a BYE can no longer reach the far ends. */
  orphan(): void {
    for (const call of this.#calls.values()) if (call.confirmed) call.orphaned = true;
  }

  // -------------------------------------------------------------------------------------------
  // What the user changes

  setHeld(callId: string, held: boolean): void {
    const call = this.#calls.get(callId);
    if (!call) return;
    call.held = held;
    this.#applyLocal(call);
    this.#deps.hooks.changed();
  }

  toggleMute(callId: string): void {
    const call = this.#calls.get(callId);
    if (!call) return;
    call.muted = !call.muted;
    this.#applyLocal(call);
    this.#deps.hooks.reoffer(callId);
    this.#deps.hooks.changed();
  }

  async toggleCamera(callId: string): Promise<void> {
    const call = this.#calls.get(callId);
    if (!call) return;
    if (call.cameraOn) {
      call.cameraOn = false;
      if (![...this.#calls.values()].some((other) => other.cameraOn)) this.#replace('camera', null);
    } else {
      if (!this.#tracks.camera) {
        const camera = await this.#deps.boundary.camera(this.#deps.device('camera'));
        if (!this.#isOpen(call)) {
          camera.track?.stop();
          return;
        }
        if (!camera.track) {
          this.note = `${camera.problem ?? 'No camera'}: the call goes on with voice only`;
          this.#deps.hooks.changed();
          return;
        }
        this.#replace('camera', camera.track);
      }
      this.note = '';
      call.cameraOn = true;
    }
    this.#applyAll();
    this.#deps.hooks.reoffer(callId);
    this.#deps.hooks.changed();
  }

  /** Another microphone or camera was picked, or the one in use went away: swap it in. */
  async reacquire(kind: 'mic' | 'camera'): Promise<void> {
    if (this.#calls.size === 0) return;
    if (kind === 'camera' && ![...this.#calls.values()].some((call) => call.cameraOn)) return;
    const deps = this.#deps;
    const got = kind === 'mic' ? await deps.boundary.microphone(deps.device('microphone')) : await deps.boundary.camera(deps.device('camera'));
    if (this.#calls.size === 0) {
      got.track?.stop();
      return;
    }
    this.#replace(kind, got.track);
    if (!got.track) {
      // Nothing left to use: carry on without it and tell the far ends.
      if (kind === 'camera') for (const call of this.#calls.values()) call.cameraOn = false;
      else this.#hasMic = false;
      this.note = `${got.problem ?? 'Device lost'}: the call goes on without it`;
    }
    this.#applyAll();
    if (!got.track) for (const call of this.#calls.values()) if (call.confirmed) deps.hooks.reoffer(call.callId);
    deps.hooks.changed();
  }

  /** The set of devices changed: replace a track whose device disappeared. */
  async checkDevices(): Promise<void> {
    for (const kind of ['mic', 'camera'] as const) {
      if (this.#tracks[kind]?.readyState === 'ended') await this.reacquire(kind);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Inside

  #open(callId: string): CallMedia {
    const call = this.#calls.get(callId);
    if (!call) throw new Error('no media session');
    return call;
  }

  #isOpen(call: CallMedia): boolean {
    return this.#calls.get(call.callId) === call;
  }

  #begin(callId: string, owner: boolean, video: boolean, start: CallStart): CallMedia {
    if (this.#calls.size === 0) {
      // A first call starts afresh: new devices, no old problem.
      this.#replace('mic', null);
      this.#replace('camera', null);
      this.#hasMic = true;
      this.note = '';
    }
    const callbacks: PeerCallbacks = {
      onCandidate: (candidate) => this.#deps.hooks.candidate(callId, candidate),
      onConnectionState: (state) => this.#mediaState(call, state),
      onRemoteMedia: (media) => {
        call.remote = media;
        this.#deps.hooks.changed();
      },
      onFarEndClosed: () => {
        // Its BYE tells the rest, unless the server that would carry it forgot the call.
        if (this.#isOpen(call) && call.orphaned) this.#deps.hooks.ended(callId);
      },
    };
    const ringing = this.#ringing.get(callId);
    this.#ringing.delete(callId);
    if (ringing) ringing.relay.to = callbacks;
    const call: CallMedia = {
      callId,
      owner,
      peer: ringing?.peer ?? this.#deps.boundary.peer({ ...this.#deps.network(), bundlePolicy: start.bundlePolicy }, callbacks),
      held: start.held ?? false,
      muted: start.muted ?? false,
      cameraOn: video,
      remote: NO_MEDIA.remote,
      quality: null,
      reconnecting: false,
      confirmed: false,
      fixup: false,
      orphaned: false,
      iceRestart: false,
      ice: new IceRecovery(owner, {
        restart: () => {
          call.iceRestart = true;
          this.#deps.hooks.reoffer(callId);
        },
        giveUp: () => this.#deps.hooks.failed(callId),
        connected: () => call.peer.connectionState === 'connected',
      }),
    };
    this.#calls.set(callId, call);
    this.#applyLocal(call);
    return call;
  }

  /**
   * Opens what the call needs and no other call opened yet (the microphone, and the camera for
   * video), while its offer or answer is already on its way: the tracks slot in without
   * renegotiation. Never throws.
   */
  async #acquire(call: CallMedia, video: boolean): Promise<void> {
    const deps = this.#deps;
    const needMic = this.#tracks.mic === null;
    const needCamera = video && this.#tracks.camera === null;
    const [mic, camera] = await Promise.all([needMic ? this.#openDevice('mic') : NOTHING, needCamera ? this.#openDevice('camera') : NOTHING]);
    if (!this.#isOpen(call)) {
      // Another call waiting for the same device puts it in place; else nobody will.
      if (!this.#waitsFor('mic')) mic.track?.stop();
      if (!this.#waitsFor('camera')) camera.track?.stop();
      return;
    }
    const notes: string[] = [];
    if (needMic && !mic.track) notes.push(`${mic.problem ?? 'No microphone'}: the other side cannot hear you`);
    if (needCamera && !camera.track) notes.push(`${camera.problem ?? 'No camera'}: the call goes on with voice only`);
    if (needMic || needCamera) this.note = notes.join('. ');
    if (needMic) {
      this.#hasMic = mic.track !== null;
      this.#replace('mic', mic.track);
    }
    if (needCamera) this.#replace('camera', camera.track);
    const lostCamera = video && this.#tracks.camera === null;
    if (lostCamera) call.cameraOn = false;
    this.#applyAll();
    deps.devicesSeen();
    // What was offered no longer matches what we have: tell the far end once the call is up.
    if (lostCamera || !this.#hasMic) {
      if (call.confirmed) deps.hooks.reoffer(call.callId);
      else call.fixup = true;
    }
    deps.hooks.changed();
  }

  /** Opens the device of `kind`, or joins the opening under way. */
  #openDevice(kind: keyof LocalTracks): Promise<Acquired> {
    const { boundary, device } = this.#deps;
    this.#opening[kind] ??= (kind === 'mic' ? boundary.microphone(device('microphone')) : boundary.camera(device('camera'))).finally(() => {
      this.#opening[kind] = null;
    });
    return this.#opening[kind];
  }

  /** Some open call still lacks the shared device of `kind`: it waits for the one being opened. */
  #waitsFor(kind: keyof LocalTracks): boolean {
    if (this.#tracks[kind] !== null) return false;
    const calls = [...this.#calls.values()];
    return kind === 'mic' ? calls.length > 0 : calls.some((call) => call.cameraOn);
  }

  /** Puts `track` in place of the shared one of its kind, stopping the one it replaces. */
  #replace(kind: keyof LocalTracks, track: MediaStreamTrack | null): void {
    const old = this.#tracks[kind];
    if (old === track) return;
    old?.stop();
    track?.addEventListener('ended', () => {
      if (this.#tracks[kind] === track) void this.reacquire(kind);
    });
    this.#tracks = { ...this.#tracks, [kind]: track };
  }

  #intent(call: CallMedia): LocalIntent {
    return { hold: call.held, muted: call.muted, hasMic: this.#hasMic, cameraOn: call.cameraOn };
  }

  #applyLocal(call: CallMedia): void {
    call.peer.setLocal(this.#tracks, this.#intent(call));
  }

  #applyAll(): void {
    for (const call of this.#calls.values()) this.#applyLocal(call);
  }

  #sample(): void {
    for (const call of this.#calls.values()) {
      if (!call.confirmed) continue;
      call.peer
        .quality()
        .then((quality) => {
          if (!this.#isOpen(call)) return;
          call.quality = quality;
          this.#deps.hooks.changed();
        })
        .catch(() => undefined);
    }
    this.#deps.hooks.changed();
  }

  #mediaState(call: CallMedia, state: RTCPeerConnectionState): void {
    if (!this.#isOpen(call) || !call.confirmed) return;
    if (call.orphaned && (state === 'disconnected' || state === 'failed')) {
      this.#deps.hooks.ended(call.callId);
      return;
    }
    const broken = call.ice.pathChanged(state);
    if (broken === null || broken === call.reconnecting) return;
    call.reconnecting = broken;
    this.#deps.hooks.changed();
  }
}
