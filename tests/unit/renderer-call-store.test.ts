/**
 * The call store as the interpreter of the coordinator's effects, with WebRTC and the devices
 * replaced at their boundary only (a fake Peer, fake tracks): messages sent, tones, the peer
 * connections made, held and closed, the shared microphone, ICE restarts, history and alerts.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { IceCandidate, Message, Request, Response, SessionDescription } from '../../common/protocol.js';
import type { HistoryEntry } from '../../renderer/src/lib/history.js';
import type { Acquired } from '../../renderer/src/rtc/media.js';
import type { MediaPeer, Network } from '../../renderer/src/rtc/media-session.js';
import type { LocalTracks, PeerCallbacks } from '../../renderer/src/rtc/peer.js';
import type { LocalIntent } from '../../renderer/src/rtc/sdp.js';
import type { Tone } from '../../renderer/src/sip/types.js';
import { CallStore, NOTICE_MS } from '../../renderer/src/stores/call.svelte.js';

const ANSWER: SessionDescription = { type: 'answer', sdp: 'v=0 far answer' };
const OFFER: SessionDescription = { type: 'offer', sdp: 'v=0 far offer' };

class FakeTrack {
  readyState: MediaStreamTrackState = 'live';
  readonly #listeners: (() => void)[] = [];
  constructor(readonly kind: 'audio' | 'video') {}
  stop(): void {
    this.readyState = 'ended';
  }
  addEventListener(_type: 'ended', listener: () => void): void {
    this.#listeners.push(listener);
  }
  /** The device went away. */
  end(): void {
    this.readyState = 'ended';
    for (const listener of this.#listeners) listener();
  }
}

/** The WebRTC boundary: records what the phone asks of its peer connection. */
class FakePeer implements MediaPeer {
  readonly remoteStream = {} as MediaStream;
  connectionState: RTCPeerConnectionState = 'new';
  readonly locals: { tracks: LocalTracks; intent: LocalIntent }[] = [];
  readonly offers: { iceRestart?: boolean }[] = [];
  readonly offersAccepted: SessionDescription[] = [];
  readonly answersApplied: SessionDescription[] = [];
  readonly remoteCandidates: (IceCandidate | null)[] = [];
  readonly tonesSent: string[] = [];
  trickling = false;
  closed = false;
  constructor(
    readonly callbacks: PeerCallbacks,
    readonly network: Network,
  ) {}
  get intent(): LocalIntent | undefined {
    return this.locals.at(-1)?.intent;
  }
  get tracks(): LocalTracks | undefined {
    return this.locals.at(-1)?.tracks;
  }
  setLocal(tracks: LocalTracks, intent: LocalIntent): void {
    this.locals.push({ tracks, intent });
  }
  async createOffer(options: { iceRestart?: boolean } = {}): Promise<SessionDescription> {
    this.offers.push(options);
    return { type: 'offer', sdp: `v=0 our offer ${this.offers.length}` };
  }
  readonly offersTaken: SessionDescription[] = [];
  async takeOffer(offer: SessionDescription): Promise<void> {
    this.offersTaken.push(offer);
  }
  async acceptOffer(offer: SessionDescription): Promise<SessionDescription> {
    this.offersAccepted.push(offer);
    return { type: 'answer', sdp: `v=0 our answer ${this.offersAccepted.length}` };
  }
  async acceptAnswer(answer: SessionDescription): Promise<void> {
    this.answersApplied.push(answer);
  }
  async rollback(): Promise<void> {}
  async addRemoteCandidate(candidate: IceCandidate | null): Promise<void> {
    this.remoteCandidates.push(candidate);
  }
  startTrickle(): void {
    this.trickling = true;
  }
  async quality() {
    return { rttMs: 12, lossPercent: 0, kbps: 900, framesDecoded: 5 };
  }
  sendDtmf(tones: string): boolean {
    this.tonesSent.push(tones);
    return true;
  }
  close(): void {
    this.closed = true;
  }
  /** The far end closed its peer connection (DTLS close_notify). */
  farEndClosed(): void {
    this.callbacks.onFarEndClosed();
  }
  /** The ICE/DTLS path changes state. */
  path(state: RTCPeerConnectionState): void {
    this.connectionState = state;
    this.callbacks.onConnectionState(state);
  }
}

/** Lets every promise chain the store started run to its end (no time passes). */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i += 1) await Promise.resolve();
}

function setup(options: { camera?: () => Acquired; connected?: () => boolean; later?: (work: () => void) => void } = {}) {
  const sent: Message[] = [];
  const tones: Tone[] = [];
  const alerts: string[] = [];
  const history: Omit<HistoryEntry, 'unseen'>[] = [];
  const peers: FakePeer[] = [];
  const mics: FakeTrack[] = [];
  const cameras: FakeTrack[] = [];
  /** Each time the devices were woken, how many microphones and cameras had been opened. */
  const wakes: string[] = [];
  const idle: number[] = [];
  const store = new CallStore({
    send: (message) => sent.push(message),
    connected: options.connected ?? (() => true),
    idle: () => idle.push(sent.length),
    alerts: {
      alertIncomingCall: (alert) => alerts.push(`alert ${alert.from}`),
      clearIncomingCall: (callId) => alerts.push(`clear ${callId}`),
    },
    history: { add: (entry) => history.push(entry) },
    devices: { current: () => null, refresh: async () => undefined, onChange: () => () => undefined },
    tones: { play: (tone) => tones.push(tone), unlock: () => undefined },
    network: () => ({ iceServers: [], relayOnly: false }),
    media: {
      peer: (network, callbacks) => {
        const peer = new FakePeer(callbacks, network);
        peers.push(peer);
        return peer;
      },
      microphone: async () => {
        const track = new FakeTrack('audio');
        mics.push(track);
        return { track: track as unknown as MediaStreamTrack, problem: null };
      },
      camera: async () => {
        if (options.camera) return options.camera();
        const track = new FakeTrack('video');
        cameras.push(track);
        return { track: track as unknown as MediaStreamTrack, problem: null };
      },
      wake: () => wakes.push(`woken with ${mics.length} microphones and ${cameras.length} cameras opened`),
    },
    random: () => 0.5,
    later: options.later ?? ((work) => work()),
  });
  const requests = (method: string) => sent.filter((m): m is Request & { callId: string } => !('status' in m) && m.method === method);
  const responses = (status: number) => sent.filter((m): m is Response => 'status' in m && m.status === status);
  return { store, sent, tones, alerts, history, peers, mics, cameras, wakes, requests, responses, idle };
}

const invite = (callId: string, from: string, video = false): Message =>
  ({ method: 'INVITE', cseq: 1, callId, from, to: 'Me', body: { sdp: OFFER, media: { audio: true, video } } }) as Request;
const ok = (callId: string, cseq: number, from: string): Message => ({
  status: 200,
  reason: 'OK',
  method: 'INVITE',
  cseq,
  callId,
  from,
  body: { sdp: ANSWER },
});

/** An incoming call from Ada, answered: the store is in one call on peers[0]. */
async function inCallWithAda(phone: ReturnType<typeof setup>, video = false): Promise<void> {
  phone.store.receive(invite('ada-call', 'Ada', video));
  phone.store.answer('ada-call', video);
  await settle();
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(1_000_000);
});
afterEach(() => {
  vi.useRealTimers();
});

describe('one call', () => {
  it('a placed call: the offer of a new peer goes out, ringback plays, the answer is applied, hang up closes and records it', async () => {
    const phone = setup();
    phone.store.dial('Ada', false);
    await settle();
    expect(phone.peers).toHaveLength(1);
    const [inviteSent] = phone.requests('INVITE');
    expect(inviteSent).toMatchObject({ cseq: 1, to: 'Ada', body: { sdp: { type: 'offer', sdp: 'v=0 our offer 1' }, media: { audio: true, video: false } } });
    const callId = inviteSent!.callId;
    expect(phone.peers[0]!.trickling).toBe(true);

    phone.store.receive({ status: 180, reason: 'Ringing', method: 'INVITE', cseq: 1, callId, from: 'Ada' });
    expect(phone.tones).toEqual(['ringback']);
    expect(phone.store.statusText).toBe('Calling Ada… Ringing…');
    phone.store.receive(ok(callId, 1, 'Ada'));
    expect(phone.peers[0]!.answersApplied).toEqual([ANSWER]);
    expect(phone.tones).toEqual(['ringback', null]);
    expect(phone.store.statusText).toBe('In call with Ada');
    expect(phone.peers[0]!.tracks?.mic).toBe(phone.mics[0]);

    await vi.advanceTimersByTimeAsync(5_000);
    expect(phone.store.main?.quality).toMatchObject({ rttMs: 12 });
    phone.store.hangup(callId);
    expect(phone.requests('BYE')).toEqual([{ method: 'BYE', cseq: 2, callId, body: { reason: 'Hang up' } }]);
    expect(phone.peers[0]!.closed).toBe(true);
    expect(phone.mics[0]!.readyState).toBe('ended');
    expect(phone.history).toEqual([{ id: callId, peer: 'Ada', direction: 'outgoing', outcome: 'answered', endedBy: 'me', video: false, at: 1_000_000, seconds: 5 }]);
    expect(phone.store.calls).toEqual([]);
    expect(phone.store.statusText).toBe('Call ended');
  });

  it('the end message fades after a few seconds, and a new call clears it at once', async () => {
    const phone = setup();
    await inCallWithAda(phone);
    phone.store.hangup('ada-call');
    expect(phone.store.statusText).toBe('Call ended');
    await vi.advanceTimersByTimeAsync(NOTICE_MS - 1);
    expect(phone.store.statusText).toBe('Call ended');
    await vi.advanceTimersByTimeAsync(1);
    expect(phone.store.statusText).toBe('');

    phone.store.receive(invite('cy-call', 'Cy'));
    phone.store.decline('cy-call');
    expect(phone.store.statusText).toBe('Call declined');
    phone.store.dial('Ada', false);
    expect(phone.store.statusText).toBe('Calling Ada…');
  });

  it('calling while the server cannot be reached is refused at once, saying so; nothing is sent later', async () => {
    let connected = false;
    const phone = setup({ connected: () => connected });
    expect(phone.store.canDial('Ada')).toBe(false);
    phone.store.dial('Ada', false);
    await settle();
    expect(phone.store.statusText).toBe('Not connected to the server');
    expect(phone.sent).toEqual([]);
    expect(phone.peers).toEqual([]);
    connected = true;
    expect(phone.store.canDial('Ada')).toBe(true);
    phone.store.dial('Ada', false);
    await settle();
    expect(phone.requests('INVITE')).toHaveLength(1);
  });

  it.each([
    ['the far end hangs up', 'answered', 'peer', { method: 'BYE', cseq: 2, body: { reason: 'Hang up' } }],
    ['the far end declines', 'declined', null, { status: 603, reason: 'Decline', method: 'INVITE', cseq: 1 }],
    ['the far end is busy', 'busy', null, { status: 486, reason: 'Busy Here', method: 'INVITE', cseq: 1 }],
    ['the far end is unavailable', 'unavailable', null, { status: 480, reason: 'Temporarily Unavailable', method: 'INVITE', cseq: 1 }],
    ['nobody is there by that name', 'unavailable', null, { status: 404, reason: 'Not Found', method: 'INVITE', cseq: 1 }],
    ['nobody answers', 'noAnswer', null, { status: 408, reason: 'Request Timeout', method: 'INVITE', cseq: 1 }],
    ['the server fails', 'failed', null, { status: 500, reason: 'Server Error', method: 'INVITE', cseq: 1 }],
  ] as const)('an outgoing call where %s is recorded %s', async (_what, outcome, endedBy, last) => {
    const phone = setup();
    phone.store.dial('Ada', false);
    await settle();
    const callId = phone.requests('INVITE')[0]!.callId;
    if (outcome === 'answered') phone.store.receive(ok(callId, 1, 'Ada'));
    phone.store.receive({ ...last, callId, from: 'Ada' } as Message);
    expect(phone.history).toMatchObject([{ id: callId, peer: 'Ada', direction: 'outgoing', outcome, endedBy }]);
  });

  it('an incoming call declined here, and an outgoing one cancelled, say so', async () => {
    const phone = setup();
    phone.store.receive(invite('cy-call', 'Cy'));
    phone.store.decline('cy-call');
    phone.store.dial('Ada', false);
    await settle();
    phone.store.cancel(phone.requests('INVITE')[0]!.callId);
    phone.store.receive({ status: 487, reason: 'Request Terminated', method: 'INVITE', cseq: 1, callId: phone.requests('INVITE')[0]!.callId, from: 'Ada' });
    expect(phone.history.map((entry) => [entry.peer, entry.direction, entry.outcome])).toEqual([
      ['Cy', 'incoming', 'declined'],
      ['Ada', 'outgoing', 'cancelled'],
    ]);
  });

  it('tells when the last call is over, once', async () => {
    const phone = setup();
    await inCallWithAda(phone);
    phone.store.receive(invite('cy-call', 'Cy'));
    phone.store.decline('cy-call');
    expect(phone.idle).toEqual([]);
    phone.store.hangup('ada-call');
    expect(phone.idle).toHaveLength(1);
  });

  it('an incoming call rings and alerts; remote candidates that came first reach its peer', async () => {
    const phone = setup();
    phone.store.receive(invite('ada-call', 'Ada'));
    phone.store.receive({ method: 'INFO', cseq: 2, callId: 'ada-call', from: 'Ada', body: { candidate: { candidate: 'c1' } } } as Request);
    expect(phone.tones).toEqual(['ringtone']);
    expect(phone.alerts).toEqual(['alert Ada']);
    expect(phone.responses(180)).toHaveLength(1);
    phone.store.answer('ada-call', false);
    await settle();
    expect(phone.peers[0]!.remoteCandidates).toEqual([{ candidate: 'c1' }]);
    expect(phone.peers[0]!.offersAccepted).toEqual([OFFER]);
    expect(phone.responses(200)).toEqual([
      { status: 200, reason: 'OK', method: 'INVITE', cseq: 1, callId: 'ada-call', body: { sdp: { type: 'answer', sdp: 'v=0 our answer 1' } } },
    ]);
    expect(phone.alerts).toEqual(['alert Ada', 'clear ada-call']);
    expect(phone.tones).toEqual(['ringtone', null]);
  });
});

describe('call waiting', () => {
  it('a second caller gets the soft tone and an alert; the call goes on', async () => {
    const phone = setup();
    await inCallWithAda(phone);
    phone.store.receive(invite('cy-call', 'Cy'));
    expect(phone.tones.at(-1)).toBe('waiting');
    expect(phone.alerts).toContain('alert Cy');
    expect(phone.store.waiting?.peer).toBe('Cy');
    expect(phone.store.main?.peer).toBe('Ada');
    expect(phone.store.statusText, 'the live status line tells of the waiting caller').toBe('In call with Ada · Cy is calling…');
    // Cy's offer is applied while it rings, on a peer of its own, with no device opened for it.
    expect(phone.peers).toHaveLength(2);
    expect(phone.peers[1]!.offersTaken).toEqual([OFFER]);
    expect(phone.mics).toHaveLength(1);
  });

  it('a second caller while the microphone and camera are open wakes no device', async () => {
    const phone = setup();
    await inCallWithAda(phone, true);
    phone.store.receive(invite('cy-call', 'Cy', true));
    expect(phone.wakes, 'only for the first call').toEqual(['woken with 0 microphones and 0 cameras opened']);
  });

  it('a ringing call is shown before its offer is taken, and an offer is taken only while its call still rings', () => {
    const queued: (() => void)[] = [];
    const phone = setup({ later: (work) => queued.push(work) });
    phone.store.receive(invite('ada-call', 'Ada'));
    expect(phone.store.main?.state.phase).toBe('ringing');
    expect(phone.peers).toEqual([]);
    expect(phone.wakes, 'the devices are woken at once, before the paint').toHaveLength(1);
    queued.shift()!();
    expect(phone.peers[0]!.offersTaken).toEqual([OFFER]);

    phone.store.decline('ada-call');
    phone.store.receive(invite('cy-call', 'Cy'));
    phone.store.decline('cy-call');
    queued.shift()!();
    expect(phone.peers, 'no peer for a call declined before its offer was taken').toHaveLength(1);
    expect(phone.peers[0]!.closed).toBe(true);
  });

  it('a ringing call\'s offer is applied on its peer while it rings: answering answers on that peer; declining closes it', async () => {
    const phone = setup();
    phone.store.receive(invite('ada-call', 'Ada'));
    const [rung] = phone.peers;
    expect(rung!.offersTaken).toEqual([OFFER]);
    expect(phone.mics, 'no device opens before the user answers').toHaveLength(0);
    expect(phone.wakes, 'but the devices are woken for it').toEqual(['woken with 0 microphones and 0 cameras opened']);
    phone.store.answer('ada-call', false);
    await settle();
    expect(phone.peers).toEqual([rung]);
    expect(rung!.offersAccepted).toEqual([OFFER]);
    expect(phone.responses(200).map((r) => r.callId)).toEqual(['ada-call']);

    phone.store.receive(invite('cy-call', 'Cy'));
    const cy = phone.peers[1]!;
    phone.store.decline('cy-call');
    expect(cy.closed).toBe(true);
    expect(rung!.closed).toBe(false);
  });

  it('joining a conference: an introduction that came while the invitation rang is not shown, and answering takes both on one microphone and camera, the invitation\'s 200 first', async () => {
    const phone = setup();
    const conference = (introduction: boolean) => ({ id: 'conf-1', members: ['Ada', 'Bob'], ...(introduction ? { introduction: true } : {}) });
    const into = (callId: string, from: string, introduction: boolean): Message =>
      ({ method: 'INVITE', cseq: 1, callId, from, to: 'Me', body: { sdp: OFFER, media: { audio: true, video: true }, conference: conference(introduction) } }) as Request;
    phone.store.receive(into('ada-call', 'Ada', false));
    phone.store.receive(into('bob-call', 'Bob', true));
    expect(phone.store.calls.map((call) => call.peer)).toEqual(['Ada']);
    expect(phone.alerts).toEqual(['alert Ada']);
    phone.store.answer('ada-call', true);
    await settle();
    expect(phone.responses(200).map((r) => r.callId)).toEqual(['ada-call', 'bob-call']);
    expect(phone.mics).toHaveLength(1);
    expect(phone.cameras).toHaveLength(1);
    for (const peer of phone.peers) expect(peer.tracks).toEqual({ mic: phone.mics[0], camera: phone.cameras[0] });
    expect(phone.store.participants.map((call) => call.peer)).toEqual(['Ada', 'Bob']);
  });

  it('Answer holds the call (its media stops, a re-INVITE goes out), then answers on a new peer sharing the microphone', async () => {
    const phone = setup();
    await inCallWithAda(phone);
    phone.store.receive(invite('cy-call', 'Cy'));
    phone.store.answer('cy-call', false);
    await settle();
    const [ada, cy] = phone.peers;
    expect(ada!.intent).toMatchObject({ hold: true });
    expect(phone.requests('INVITE')).toEqual([{ method: 'INVITE', cseq: 1, callId: 'ada-call', body: { sdp: { type: 'offer', sdp: 'v=0 our offer 1' }, media: { audio: true, video: false } } }]);
    expect(cy!.intent).toMatchObject({ hold: false });
    expect(phone.responses(200).map((r) => r.callId)).toEqual(['ada-call', 'cy-call']);
    expect(phone.mics).toHaveLength(1);
    expect(cy!.tracks?.mic).toBe(phone.mics[0]);
    expect(phone.store.main?.peer).toBe('Cy');
    expect(phone.store.onHold.map((call) => [call.peer, call.held])).toEqual([['Ada', true]]);
    expect(phone.store.waiting).toBeNull();
  });

  it('Resume holds the active call first, then lets the held one send again; hanging up the held call closes only it', async () => {
    const phone = setup();
    await inCallWithAda(phone);
    phone.store.receive(invite('cy-call', 'Cy'));
    phone.store.answer('cy-call', false);
    await settle();
    phone.store.receive(ok('ada-call', 1, 'Ada'));
    const [ada, cy] = phone.peers;

    phone.store.toggleHold('ada-call');
    await settle();
    expect(cy!.intent).toMatchObject({ hold: true });
    expect(ada!.intent).toMatchObject({ hold: false });
    expect(phone.requests('INVITE').map((r) => [r.callId, r.cseq])).toEqual([
      ['ada-call', 1],
      ['cy-call', 1],
      ['ada-call', 2],
    ]);
    expect(phone.store.main?.peer).toBe('Ada');
    expect(phone.store.onHold.map((call) => call.peer)).toEqual(['Cy']);

    phone.store.hangup('cy-call');
    expect(cy!.closed).toBe(true);
    expect(ada!.closed).toBe(false);
    expect(phone.mics[0]!.readyState).toBe('live');
    expect(phone.history).toMatchObject([{ id: 'cy-call', peer: 'Cy', direction: 'incoming', outcome: 'answered', endedBy: 'me' }]);
    expect(phone.store.onHold).toEqual([]);
    expect(phone.store.statusText).toBe('In call with Ada');
  });

  it('a waiting caller who gives up is a missed call, and the soft tone stops', async () => {
    const phone = setup();
    await inCallWithAda(phone);
    phone.store.receive(invite('cy-call', 'Cy'));
    phone.store.receive({ method: 'CANCEL', cseq: 1, callId: 'cy-call', from: 'Cy' } as Request);
    expect(phone.tones.slice(-2)).toEqual(['waiting', null]);
    expect(phone.history).toMatchObject([{ id: 'cy-call', peer: 'Cy', direction: 'incoming', outcome: 'missed' }]);
    expect(phone.store.calls.map((call) => call.peer)).toEqual(['Ada']);
  });
});

describe('media recovery', () => {
  it('the caller restarts ICE at once when the path fails, and ends the call when none comes back in 30 s', async () => {
    const phone = setup();
    phone.store.dial('Ada', false);
    await settle();
    const callId = phone.requests('INVITE')[0]!.callId;
    phone.store.receive(ok(callId, 1, 'Ada'));
    const peer = phone.peers[0]!;

    peer.path('failed');
    expect(phone.store.main?.reconnecting).toBe(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(peer.offers.at(-1)).toEqual({ iceRestart: true });
    expect(phone.requests('INVITE').map((r) => r.cseq)).toEqual([1, 2]);

    await vi.advanceTimersByTimeAsync(30_000);
    expect(phone.requests('BYE')).toMatchObject([{ callId, body: { reason: 'Network failure' } }]);
    expect(phone.store.statusText).toBe('Call failed: network');
  });

  it('a path that comes back in time keeps the call', async () => {
    const phone = setup();
    await inCallWithAda(phone);
    const peer = phone.peers[0]!;
    peer.path('disconnected');
    await vi.advanceTimersByTimeAsync(1_000);
    peer.path('connected');
    expect(phone.store.main?.reconnecting).toBe(false);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(phone.requests('BYE')).toEqual([]);
    // The callee waits for the owner while the path is only disconnected: no restart of its own.
    expect(peer.offers).toEqual([]);
  });

  it('after the server restarted, media that stops means the far end hung up', async () => {
    const phone = setup();
    await inCallWithAda(phone);
    phone.store.connectionChanged(false);
    phone.store.connectionChanged(true, false);
    phone.peers[0]!.path('disconnected');
    expect(phone.requests('BYE')).toMatchObject([{ callId: 'ada-call', body: { reason: 'Media ended' } }]);
    expect(phone.store.statusText).toBe('Call ended');
  });

  it('after the server restarted, a far end that closes its connection has hung up: the call ends at once', async () => {
    const phone = setup();
    await inCallWithAda(phone);
    phone.peers[0]!.farEndClosed();
    expect(phone.requests('BYE'), 'a server that knows the call brings the BYE').toEqual([]);
    phone.store.connectionChanged(false);
    phone.store.connectionChanged(true, false);
    phone.peers[0]!.farEndClosed();
    expect(phone.requests('BYE')).toMatchObject([{ callId: 'ada-call', body: { reason: 'Media ended' } }]);
    expect(phone.store.statusText).toBe('Call ended');
  });

  it('a camera refused on a video answer: a note, voice only, and a re-offer saying so once the call is up', async () => {
    const phone = setup({ camera: () => ({ track: null, problem: 'Camera permission was denied' }) });
    await inCallWithAda(phone, true);
    expect(phone.store.mediaNote).toBe('Camera permission was denied: the call goes on with voice only');
    expect(phone.store.main?.cameraOn).toBe(false);
    expect(phone.requests('INVITE')).toMatchObject([{ callId: 'ada-call', body: { media: { audio: true, video: false } } }]);
  });

  it('a microphone that goes away is replaced by a new one for every call', async () => {
    const phone = setup();
    await inCallWithAda(phone);
    phone.mics[0]!.end();
    await settle();
    expect(phone.mics).toHaveLength(2);
    expect(phone.peers[0]!.tracks?.mic).toBe(phone.mics[1]);
    expect(phone.requests('INVITE')).toEqual([]);
  });
});

describe('conference', () => {
  const conferenceNotify = (id: string, members: string[], join: string): Message =>
    ({ method: 'NOTIFY', cseq: 3, to: 'Me', body: { event: 'conference', id, members, join } }) as Request;

  /** In a call with Ada, we add Cy, who answers: a conference of three. Answers its id. */
  async function withAdaAndCy(phone: ReturnType<typeof setup>): Promise<string> {
    await inCallWithAda(phone);
    phone.store.addPerson('Cy');
    await settle();
    const [toCy] = phone.requests('INVITE');
    phone.store.receive(ok(toCy!.callId, 1, 'Cy'));
    return (toCy!.body as { conference: { id: string } }).conference.id;
  }

  it('Add person invites them into the conference with the call it grows from; the two calls show as its participants', async () => {
    const phone = setup();
    const id = await withAdaAndCy(phone);
    const [toCy] = phone.requests('INVITE');
    expect(toCy).toMatchObject({ to: 'Cy', body: { media: { audio: true, video: false }, conference: { id, from: 'ada-call' } } });
    expect(phone.store.participants.map((line) => [line.peer, line.state.phase])).toEqual([
      ['Ada', 'active'],
      ['Cy', 'active'],
    ]);
    expect(phone.store.statusText).toBe('In conference with Ada and Cy');
    expect(phone.store.addPersonState('Dee')).toEqual({ can: true, full: null });
    expect(phone.store.addPersonState('Cy'), 'Cy is in it already').toEqual({ can: false, full: null });
  });

  it('mute and camera take every call of the conference, and a newcomer the server introduces is called as the conference is', async () => {
    const phone = setup();
    const id = await withAdaAndCy(phone);
    phone.store.toggleMute(phone.store.participants[1]!.callId);
    await settle();
    expect(phone.peers.map((peer) => peer.intent?.muted)).toEqual([true, true]);
    await phone.store.toggleCamera('ada-call');
    await settle();
    expect(phone.peers.map((peer) => peer.intent?.cameraOn)).toEqual([true, true]);
    expect(phone.cameras).toHaveLength(1);

    phone.store.receive(conferenceNotify(id, ['Ada', 'Cy', 'Dee'], 'Dee'));
    await settle();
    const toDee = phone.requests('INVITE').find((invite) => invite.to === 'Dee');
    expect(toDee).toMatchObject({ body: { media: { audio: true, video: true }, conference: { id } } });
    expect(phone.peers[2]!.intent).toMatchObject({ muted: true, cameraOn: true, hold: false });
  });

  it('a link from a member is answered without ringing or alert, and leaves no history; Leave hangs up every call', async () => {
    const phone = setup();
    const id = await withAdaAndCy(phone);
    phone.store.receive({ method: 'INVITE', cseq: 1, callId: 'dee-call', from: 'Dee', to: 'Me', body: { sdp: OFFER, media: { audio: true, video: false }, conference: { id, members: ['Ada', 'Cy'] } } } as Request);
    await settle();
    expect(phone.alerts).not.toContain('alert Dee');
    expect(phone.tones.at(-1)).not.toBe('ringtone');
    expect(phone.responses(200).map((r) => r.callId)).toContain('dee-call');
    expect(phone.store.participants.map((line) => line.peer)).toEqual(['Ada', 'Cy', 'Dee']);
    expect(phone.store.addPersonState('Eve'), 'four with video is full, three with voice is not').toEqual({ can: true, full: null });

    const toCy = phone.requests('INVITE')[0]!.callId;
    phone.store.hangup('ada-call');
    expect(phone.requests('BYE').map((bye) => bye.callId)).toEqual(['ada-call', toCy, 'dee-call']);
    expect(phone.peers.every((peer) => peer.closed)).toBe(true);
    expect(phone.history.map((entry) => [entry.peer, entry.direction, entry.outcome])).toEqual([
      ['Ada', 'incoming', 'answered'],
      ['Cy', 'outgoing', 'answered'],
    ]);
  });

  it('hold takes the whole conference, and the calls on hold list it once', async () => {
    const phone = setup();
    await withAdaAndCy(phone);
    phone.store.receive(invite('eve-call', 'Eve'));
    phone.store.answer('eve-call', false);
    await settle();
    expect(phone.peers.slice(0, 2).map((peer) => peer.intent?.hold)).toEqual([true, true]);
    expect(phone.store.main?.peer).toBe('Eve');
    expect(phone.store.onHold.map((line) => line.peer)).toEqual(['Ada']);
  });
});

describe('transfer', () => {
  it('transferee: 202, the held call sends nothing without a re-INVITE, the target is called on its own peer sharing the microphone', async () => {
    const phone = setup();
    await inCallWithAda(phone);
    phone.store.receive({ method: 'REFER', cseq: 3, callId: 'ada-call', from: 'Ada', body: { target: 'Cy', referredBy: 'Ada' } } as Request);
    await settle();
    const [ada, cy] = phone.peers;
    expect(phone.responses(202)).toEqual([{ status: 202, reason: 'Accepted', method: 'REFER', cseq: 3, callId: 'ada-call' }]);
    expect(ada!.intent).toMatchObject({ hold: true });
    expect(ada!.offers, 'no re-INVITE for the quiet hold').toEqual([]);
    expect(phone.requests('INVITE')).toMatchObject([{ to: 'Cy', body: { referral: 'ada-call' } }]);
    expect(cy!.tracks?.mic).toBe(phone.mics[0]);
    expect(phone.store.main?.peer).toBe('Cy');
    expect(phone.store.statusText).toBe('Calling Cy…');
    expect(phone.requests('NOTIFY')).toEqual([{ method: 'NOTIFY', cseq: 1, callId: 'ada-call', body: { event: 'refer', status: 100 } }]);

    // Cy declines: the report goes back, and the call with Ada sends again (Ada will resume it).
    const callId = phone.requests('INVITE')[0]!.callId;
    phone.store.receive({ status: 603, reason: 'Decline', method: 'INVITE', cseq: 1, callId, from: 'Cy' });
    expect(phone.requests('NOTIFY').at(-1)).toEqual({ method: 'NOTIFY', cseq: 2, callId: 'ada-call', body: { event: 'refer', status: 603 } });
    expect(cy!.closed).toBe(true);
    expect(ada!.intent).toMatchObject({ hold: false });
    expect(ada!.closed).toBe(false);
    expect(phone.store.main?.peer).toBe('Ada');
    expect(phone.mics[0]!.readyState).toBe('live');
  });

  it('transferrer: the status line follows the transfer, and "was transferred" stays once the call is left', async () => {
    const phone = setup();
    await inCallWithAda(phone);
    phone.store.transferTo('ada-call', 'Cy');
    await settle();
    expect(phone.requests('REFER')).toEqual([{ method: 'REFER', cseq: 1, callId: 'ada-call', body: { target: 'Cy' } }]);
    expect(phone.store.statusText).toBe('Transferring Ada to Cy…');
    expect(phone.store.canTransfer('ada-call')).toBe(false);
    phone.store.receive({ method: 'NOTIFY', cseq: 3, callId: 'ada-call', from: 'Ada', body: { event: 'refer', status: 200 } } as Request);
    expect(phone.requests('BYE')).toEqual([{ method: 'BYE', cseq: 3, callId: 'ada-call', body: { reason: 'Transferred' } }]);
    expect(phone.peers[0]!.closed).toBe(true);
    expect(phone.store.statusText).toBe('Ada was transferred to Cy');
  });

  it('target: the replacing call is answered at once on a new peer and the replaced one closes, sharing the devices throughout', async () => {
    const phone = setup();
    await inCallWithAda(phone, true);
    phone.store.receive({
      method: 'INVITE',
      cseq: 1,
      callId: 'bob-call',
      from: 'Bob',
      body: { sdp: OFFER, media: { audio: true, video: true }, referredBy: 'Ada', replaces: 'ada-call' },
    } as Request);
    await settle();
    const [ada, bob] = phone.peers;
    expect(ada!.closed).toBe(true);
    expect(phone.requests('BYE')).toEqual([{ method: 'BYE', cseq: 1, callId: 'ada-call', body: { reason: 'Replaced' } }]);
    expect(phone.responses(200).at(-1)).toMatchObject({ method: 'INVITE', callId: 'bob-call' });
    expect(bob!.tracks?.camera).toBe(phone.cameras[0]);
    expect(phone.mics).toHaveLength(1);
    expect(phone.cameras).toHaveLength(1);
    expect(phone.tones).not.toContain('waiting');
    expect(phone.store.statusText).toBe('In call with Bob');
  });
});

describe('calls to SIP phones', () => {
  const sipCaller = '"Alice Desk" <sip:alice@pbx.example>';

  it('a call to a SIP address or an extension uses a balanced bundle policy; a call to a user keeps max-bundle', async () => {
    const policy = async (act: (phone: ReturnType<typeof setup>) => void) => {
      const phone = setup();
      act(phone);
      await settle();
      return phone.peers[0]!.network.bundlePolicy;
    };
    expect(await policy((phone) => phone.store.dial('sip:1001@pbx.example', false))).toBe('balanced');
    expect(await policy((phone) => phone.store.dial('1001', false))).toBe('balanced');
    expect(await policy((phone) => (phone.store.receive(invite('alice-call', sipCaller)), phone.store.answer('alice-call', false)))).toBe('balanced');
    expect(await policy((phone) => phone.store.dial('Ada', false))).toBe('max-bundle');
    expect(await policy((phone) => (phone.store.receive(invite('ada-call', 'Ada')), phone.store.answer('ada-call', false)))).toBe('max-bundle');
  });

  it('an incoming SIP call is shown and alerted with the display name and address', () => {
    const phone = setup();
    phone.store.receive(invite('alice-call', sipCaller));
    expect(phone.alerts).toEqual(['alert Alice Desk (sip:alice@pbx.example)']);
    expect(phone.store.statusText).toBe('Alice Desk (sip:alice@pbx.example) is calling…');
  });

  it('keypad digits go into the media of an answered SIP call; a call to a user or one not answered sends none', async () => {
    const phone = setup();
    phone.store.receive(invite('alice-call', sipCaller));
    expect(phone.store.sendDtmf('alice-call', '1')).toBe(false);
    phone.store.answer('alice-call', false);
    await settle();
    expect(phone.store.sendDtmf('alice-call', '1')).toBe(true);
    expect(phone.store.sendDtmf('alice-call', '#')).toBe(true);
    expect(phone.store.sendDtmf('alice-call', 'x')).toBe(false);
    expect(phone.peers[0]!.tonesSent).toEqual(['1', '#']);
    phone.store.hangup('alice-call');
    await inCallWithAda(phone);
    expect(phone.store.sendDtmf('ada-call', '1')).toBe(false);
    expect(phone.peers[1]!.tonesSent).toEqual([]);
  });
});
