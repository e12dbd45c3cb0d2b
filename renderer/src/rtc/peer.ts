/**
 * One RTCPeerConnection for one call: always an audio and a video transceiver (so the camera can
 * be turned on later by a re-offer), offers and answers as plain {type, sdp}, trickle ICE in
 * both directions with buffering until each side is ready, hold/mute/camera as directions,
 * ICE restart, and quality from getStats. It sends nothing itself: callbacks do.
 */
import type { IceCandidate, IceServer, SessionDescription } from '../../../common/protocol.js';
import { measure, type Quality, type Sample } from './quality.js';
import { localDirections, remoteFromAnswer, remoteFromOffer, type LocalIntent, type RemoteMedia } from './sdp.js';

/**
 * How long each DTMF tone lasts. Chromium counts a tone's length in the audio codec's clock (48 kHz
 * for Opus) but sets it in telephone-event's, which is 8 kHz when the far end offers only that (as
 * SIP phones do): a tone under 120 ms then ends on its first packet, with no start packets, and a
 * receiver that waits for a start (baresip) hears only the first digit of a call. 200 ms sends starts.
 */
const DTMF_TONE_MS = 200;
/** The silence between tones (the WebRTC default). */
const DTMF_GAP_MS = 70;

export interface PeerCallbacks {
  onCandidate(candidate: IceCandidate | null): void;
  onConnectionState(state: RTCPeerConnectionState): void;
  onRemoteMedia(media: RemoteMedia): void;
  /** The far end closed its connection (its DTLS close_notify): it hung up, whether or not a BYE can reach us. */
  onFarEndClosed(): void;
}

export interface LocalTracks {
  mic: MediaStreamTrack | null;
  camera: MediaStreamTrack | null;
}

export class Peer {
  readonly remoteStream = new MediaStream();
  readonly #pc: RTCPeerConnection;
  readonly #callbacks: PeerCallbacks;
  #audio: RTCRtpTransceiver | null = null;
  #video: RTCRtpTransceiver | null = null;
  #tracks: LocalTracks = { mic: null, camera: null };
  #intent: LocalIntent = { hold: false, muted: false, hasMic: false, cameraOn: false };
  #remote: RemoteMedia = { holding: false, audio: false, video: false };
  #trickling = false;
  #localQueue: (IceCandidate | null)[] = [];
  #remoteQueue: (IceCandidate | null)[] = [];
  #sample: Sample | null = null;
  /** An offer applied while the call rang (takeOffer), until it is answered. */
  #taken: { sdp: string; applied: Promise<void> } | null = null;
  #closed = false;
  #watched: RTCDtlsTransport | null = null;

  constructor(network: { iceServers: readonly IceServer[]; relayOnly: boolean; bundlePolicy?: RTCBundlePolicy | undefined }, callbacks: PeerCallbacks) {
    this.#callbacks = callbacks;
    this.#pc = new RTCPeerConnection({
      iceServers: network.iceServers.map((s) => ({ ...s })),
      iceTransportPolicy: network.relayOnly ? 'relay' : 'all',
      bundlePolicy: network.bundlePolicy ?? 'balanced',
    });
    this.#pc.onicecandidate = (event) => {
      const candidate = event.candidate ? (event.candidate.toJSON() as IceCandidate) : null;
      if (candidate && !candidate.candidate) return; // Chrome's empty end-of-generation marker
      if (this.#trickling) callbacks.onCandidate(candidate);
      else this.#localQueue.push(candidate);
    };
    this.#pc.onconnectionstatechange = () => callbacks.onConnectionState(this.#pc.connectionState);
  }

  get connectionState(): RTCPeerConnectionState {
    return this.#pc.connectionState;
  }

  get remoteMedia(): RemoteMedia {
    return this.#remote;
  }

  /**
   * Sets what this phone sends: the tracks change at once (no renegotiation), the directions at
   * the next offer or answer. Tracks may arrive after the offer: the transceivers exist already.
   * The tracks may be shared with other calls, so they are attached or not, never changed.
   */
  setLocal(tracks: LocalTracks, intent: LocalIntent): void {
    this.#tracks = tracks;
    this.#intent = intent;
    void this.#attachTracks();
  }

  /** Caller side, and every re-offer: a new offer set as local description. */
  async createOffer(options: { iceRestart?: boolean } = {}): Promise<SessionDescription> {
    if (!this.#audio || !this.#video) {
      this.#audio = this.#pc.addTransceiver('audio', { direction: 'sendrecv' });
      this.#video = this.#pc.addTransceiver('video', { direction: 'sendrecv' });
      this.#collectRemoteTracks();
    }
    this.#applyDirections();
    await this.#attachTracks();
    const offer = await this.#pc.createOffer(options.iceRestart ? { iceRestart: true } : {});
    await this.#pc.setLocalDescription(offer);
    return { type: 'offer', sdp: this.#pc.localDescription?.sdp ?? offer.sdp ?? '' };
  }

  /** Callee side, while the call rings: applies the offer, so that answering it only makes the answer. */
  takeOffer(offer: SessionDescription): Promise<void> {
    const applied = this.#applyOffer(offer);
    this.#taken = { sdp: offer.sdp, applied };
    return applied;
  }

  /** Callee side, and every re-offer received: applies the offer (unless it was taken already) and answers it. */
  async acceptOffer(offer: SessionDescription): Promise<SessionDescription> {
    const taken = this.#taken?.sdp === offer.sdp ? this.#taken.applied : null;
    this.#taken = null;
    await (taken ?? this.#applyOffer(offer));
    this.#applyDirections();
    await this.#attachTracks();
    await this.#flushRemoteCandidates();
    const answer = await this.#pc.createAnswer();
    await this.#pc.setLocalDescription(answer);
    this.#watchTransport();
    this.#setRemote(remoteFromOffer(offer.sdp));
    return { type: 'answer', sdp: this.#pc.localDescription?.sdp ?? answer.sdp ?? '' };
  }

  async #applyOffer(offer: SessionDescription): Promise<void> {
    await this.#pc.setRemoteDescription({ type: 'offer', sdp: offer.sdp });
    if (!this.#audio || !this.#video) {
      const transceivers = this.#pc.getTransceivers();
      this.#audio = transceivers.find((t) => t.receiver.track.kind === 'audio') ?? this.#pc.addTransceiver('audio');
      this.#video = transceivers.find((t) => t.receiver.track.kind === 'video') ?? this.#pc.addTransceiver('video');
      this.#collectRemoteTracks();
    }
  }

  async acceptAnswer(answer: SessionDescription): Promise<void> {
    await this.#pc.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
    this.#watchTransport();
    await this.#flushRemoteCandidates();
    this.#setRemote(remoteFromAnswer(answer.sdp, this.#remote.holding));
  }

  /** Our re-offer was refused (491 and the like): back to the last agreed session. */
  async rollback(): Promise<void> {
    if (this.#pc.signalingState === 'have-local-offer') await this.#pc.setLocalDescription({ type: 'rollback' });
  }

  /** Buffers candidates until a remote description exists; null marks the end of candidates. */
  async addRemoteCandidate(candidate: IceCandidate | null): Promise<void> {
    if (!this.#pc.remoteDescription) {
      this.#remoteQueue.push(candidate);
      return;
    }
    await this.#addCandidate(candidate);
  }

  /** From now on local candidates go out; those gathered before go first. */
  startTrickle(): void {
    this.#trickling = true;
    const queued = this.#localQueue;
    this.#localQueue = [];
    for (const candidate of queued) this.#callbacks.onCandidate(candidate);
  }

  /** Queues DTMF tones (RFC 4733) on the audio sender; false when it has none to carry them. */
  sendDtmf(tones: string): boolean {
    const dtmf = this.#audio?.sender.dtmf;
    if (!dtmf?.canInsertDTMF) return false;
    // A new call replaces the buffer: keep what still plays. See DTMF_TONE_MS for the length.
    dtmf.insertDTMF(dtmf.toneBuffer + tones, DTMF_TONE_MS, DTMF_GAP_MS);
    return true;
  }

  async quality(): Promise<Quality> {
    const report = await this.#pc.getStats();
    const values: (Record<string, unknown> & { type: string; id: string })[] = [];
    report.forEach((value: Record<string, unknown> & { type: string; id: string }) => values.push(value));
    const { quality, sample } = measure(values, performance.now(), this.#sample);
    this.#sample = sample;
    return quality;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#pc.onicecandidate = null;
    this.#pc.onconnectionstatechange = null;
    if (this.#watched) this.#watched.onstatechange = null;
    this.#pc.close();
  }

  /**
   * Watches the (bundled) DTLS transport once it exists. A far end that closes sends close_notify
   * at once, while the connection state only turns 'disconnected' seconds later.
   */
  #watchTransport(): void {
    const transport = this.#audio?.receiver.transport ?? null;
    if (!transport || transport === this.#watched) return;
    if (this.#watched) this.#watched.onstatechange = null;
    this.#watched = transport;
    transport.onstatechange = () => {
      if (transport.state === 'closed' && !this.#closed) this.#callbacks.onFarEndClosed();
    };
  }

  #collectRemoteTracks(): void {
    for (const transceiver of [this.#audio, this.#video]) {
      const track = transceiver?.receiver.track;
      if (track && !this.remoteStream.getTracks().includes(track)) this.remoteStream.addTrack(track);
    }
  }

  #applyDirections(): void {
    const wanted = localDirections(this.#intent);
    if (live(this.#audio) && this.#audio.direction !== wanted.audio) this.#audio.direction = wanted.audio;
    if (live(this.#video) && this.#video.direction !== wanted.video) this.#video.direction = wanted.video;
  }

  async #attachTracks(): Promise<void> {
    const { hold, muted, cameraOn } = this.#intent;
    const mic = hold || muted ? null : this.#tracks.mic;
    const camera = hold || !cameraOn ? null : this.#tracks.camera;
    const jobs: Promise<void>[] = [];
    if (live(this.#audio) && this.#audio.sender.track !== mic) jobs.push(this.#audio.sender.replaceTrack(mic));
    if (live(this.#video) && this.#video.sender.track !== camera) jobs.push(this.#video.sender.replaceTrack(camera));
    await Promise.all(jobs);
  }

  async #flushRemoteCandidates(): Promise<void> {
    const queued = this.#remoteQueue;
    this.#remoteQueue = [];
    for (const candidate of queued) await this.#addCandidate(candidate);
  }

  async #addCandidate(candidate: IceCandidate | null): Promise<void> {
    if (candidate === null) return; // end of candidates: nothing to add
    try {
      await this.#pc.addIceCandidate(candidate);
    } catch (error) {
      // A candidate from before an ICE restart, or an end marker: harmless.
      console.debug('LeanPhone: candidate not added', error);
    }
  }

  #setRemote(media: RemoteMedia): void {
    this.#remote = media;
    this.#callbacks.onRemoteMedia(media);
  }
}

/**
 * A transceiver the far end has not rejected. A SIP phone without video answers the video section
 * with port 0, which stops ours for good: setting its direction or track would throw.
 */
function live(transceiver: RTCRtpTransceiver | null): transceiver is RTCRtpTransceiver {
  return transceiver !== null && transceiver.direction !== 'stopped';
}
