/**
 * Media forced through TURN: a real coturn on loopback (`use-auth-secret`), the real signalling
 * server handing each user its own credentials at REGISTER, and two browser pages whose
 * RTCPeerConnections may only use relay candidates. An expired credential gets no relay at all.
 */
import type { Page } from '@playwright/test';
import type { IceServer } from '../../common/protocol.js';
import { turnCredentials } from '../../signal-server/turn.js';
import { startCoturn, type Coturn } from '../support/coturn.js';
import { expect, test as phoneTest } from './fixtures.js';

/** One coturn per worker; each test's signalling server hands out credentials for it (10 minutes). */
const test = phoneTest.extend<object, { coturn: Coturn }>({
  coturn: [
    // Playwright requires the destructuring pattern, even when a fixture needs no other fixture.
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const coturn = await startCoturn();
      await use(coturn);
      await coturn.stop();
    },
    { scope: 'worker' },
  ],
  serverOptions: async ({ coturn }, use) => {
    await use({ turn: { secret: coturn.secret, urls: [coturn.url], ttlSeconds: 600 } });
  },
});

interface CandidateSeen {
  candidateType: string;
  address: string;
  port: number;
}
interface SelectedPair {
  state: string;
  local: CandidateSeen;
  remote: CandidateSeen;
}
interface Gathered {
  /** candidate: lines, in the order they came. */
  candidates: string[];
  /** What the ICE servers answered with, from icecandidateerror. */
  errors: { errorCode: number; errorText: string; url: string }[];
}

/** The page side of the test, installed as window.lab: signalling by hand and one relay-only peer. */
interface Lab {
  register(name: string): Promise<IceServer[]>;
  build(iceServers: IceServer[]): Promise<void>;
  offer(): Promise<RTCSessionDescriptionInit>;
  answer(offer: RTCSessionDescriptionInit): Promise<RTCSessionDescriptionInit>;
  accept(answer: RTCSessionDescriptionInit): Promise<void>;
  gathered(): Promise<Gathered>;
  addRemoteCandidates(lines: string[], sdpMid: string): Promise<void>;
  iceState(): RTCIceConnectionState;
  selectedPair(): Promise<SelectedPair | null>;
  framesDecoded(): Promise<number>;
}

function LAB_SCRIPT(): void {
  let peer: { pc: RTCPeerConnection; candidates: string[]; errors: Gathered['errors']; done: Promise<void> } | null = null;
  const current = () => {
    if (peer === null) throw new Error('lab.build() first');
    return peer;
  };
  const lab: Lab = {
    // REGISTER over a WebSocket to the server the page came from; the socket stays open (registered).
    async register(name) {
      const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/signal`;
      const socket = new WebSocket(url, 'leanphone.1');
      await new Promise((open, fail) => {
        socket.onopen = open;
        socket.onerror = () => fail(new Error(`WebSocket to ${url} failed`));
      });
      const reply = new Promise<{ status: number; reason: string; body?: { iceServers: IceServer[] } }>((done) => {
        socket.onmessage = (event) => done(JSON.parse(String(event.data)));
      });
      socket.send(JSON.stringify({ method: 'REGISTER', cseq: 1, body: { name } }));
      const answer = await reply;
      socket.onmessage = null; // presence NOTIFYs that follow are not this test's business
      if (answer.status !== 200 || !answer.body) throw new Error(`REGISTER answered ${answer.status} ${answer.reason}`);
      return answer.body.iceServers;
    },
    // A relay-only peer sending the fake camera and microphone; replaces any earlier one.
    async build(iceServers) {
      peer?.pc.close();
      const pc = new RTCPeerConnection({ iceServers, iceTransportPolicy: 'relay' });
      const candidates: string[] = [];
      const errors: Gathered['errors'] = [];
      const done = new Promise<void>((finished) => {
        pc.addEventListener('icecandidate', (event) => {
          if (event.candidate) candidates.push(event.candidate.candidate);
          else finished();
        });
      });
      pc.addEventListener('icecandidateerror', (event) => {
        const error = event as RTCPeerConnectionIceErrorEvent;
        errors.push({ errorCode: error.errorCode, errorText: error.errorText, url: error.url });
      });
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
      for (const track of stream.getTracks()) pc.addTrack(track, stream);
      peer = { pc, candidates, errors, done };
    },
    async offer() {
      const { pc } = current();
      await pc.setLocalDescription(await pc.createOffer());
      return pc.localDescription!.toJSON() as RTCSessionDescriptionInit;
    },
    async answer(offer) {
      const { pc } = current();
      await pc.setRemoteDescription(offer);
      await pc.setLocalDescription(await pc.createAnswer());
      return pc.localDescription!.toJSON() as RTCSessionDescriptionInit;
    },
    async accept(answer) {
      await current().pc.setRemoteDescription(answer);
    },
    async gathered() {
      const { candidates, errors, done } = current();
      await done;
      return { candidates: [...candidates], errors: [...errors] };
    },
    async addRemoteCandidates(lines, sdpMid) {
      const { pc } = current();
      for (const candidate of lines) await pc.addIceCandidate({ candidate, sdpMid });
      await pc.addIceCandidate();
    },
    iceState() {
      return current().pc.iceConnectionState;
    },
    async selectedPair() {
      const stats = await current().pc.getStats();
      let pairId: string | undefined;
      stats.forEach((report: { type: string; selectedCandidatePairId?: string }) => {
        if (report.type === 'transport' && report.selectedCandidatePairId) pairId = report.selectedCandidatePairId;
      });
      if (pairId === undefined) {
        stats.forEach((report: { type: string; id: string; nominated?: boolean; state?: string }) => {
          if (report.type === 'candidate-pair' && report.nominated && report.state === 'succeeded') pairId = report.id;
        });
      }
      const pair = pairId === undefined ? undefined : stats.get(pairId);
      if (!pair) return null;
      const candidate = (id: string): CandidateSeen => {
        const seen = stats.get(id) as CandidateSeen;
        return { candidateType: seen.candidateType, address: seen.address, port: seen.port };
      };
      return { state: String(pair.state), local: candidate(pair.localCandidateId), remote: candidate(pair.remoteCandidateId) };
    },
    async framesDecoded() {
      const stats = await current().pc.getStats();
      let frames = 0;
      stats.forEach((report: { type: string; kind?: string; framesDecoded?: number }) => {
        if (report.type === 'inbound-rtp' && report.kind === 'video') frames += report.framesDecoded ?? 0;
      });
      return frames;
    },
  };
  Object.defineProperty(window, 'lab', { value: lab });
}

/** Calls window.lab[method](...args) in the page. */
function call<M extends keyof Lab>(page: Page, method: M, ...args: Parameters<Lab[M]>): Promise<Awaited<ReturnType<Lab[M]>>> {
  return page.evaluate(
    ([name, values]) => {
      const target = (window as unknown as { lab: Record<string, (...a: unknown[]) => unknown> }).lab;
      return target[name]!(...values);
    },
    [method, args] as const,
  ) as Promise<Awaited<ReturnType<Lab[M]>>>;
}

/** A page of the browser phone's origin with the lab installed. */
async function labPage(openPhone: (name: string) => Promise<{ page: Page }>, name: string): Promise<Page> {
  const { page } = await openPhone(name);
  await page.evaluate(LAB_SCRIPT);
  return page;
}

const relayLines = (candidates: string[]): string[] => candidates.filter((line) => / typ relay( |$)/.test(line));

test('a call forced through coturn selects a relay pair on both sides and video flows', async ({ openPhone, coturn }) => {
  const ada = await labPage(openPhone, 'Ada');
  const bob = await labPage(openPhone, 'Bob');
  const adaIce = await call(ada, 'register', 'Ada');
  const bobIce = await call(bob, 'register', 'Bob');
  for (const [name, ice] of [['Ada', adaIce], ['Bob', bobIce]] as const) {
    expect(ice, `${name}'s REGISTER 200 carries TURN REST credentials`).toEqual([
      { urls: [coturn.url], username: expect.stringMatching(/^\d+:/), credential: expect.any(String) },
    ]);
  }
  expect(adaIce[0]?.username, 'each user gets its own').not.toBe(bobIce[0]?.username);

  await call(ada, 'build', adaIce);
  await call(bob, 'build', bobIce);
  const offer = await call(ada, 'offer');
  await call(ada, 'accept', await call(bob, 'answer', offer));
  const [adaGathered, bobGathered] = await Promise.all([call(ada, 'gathered'), call(bob, 'gathered')]);
  for (const gathered of [adaGathered, bobGathered]) {
    expect(gathered.candidates.length, 'relay candidates gathered').toBeGreaterThan(0);
    expect(relayLines(gathered.candidates), 'nothing but relay candidates').toEqual(gathered.candidates);
  }
  const mid = offer.sdp?.match(/^a=mid:(\S+)/m)?.[1] ?? '0';
  await call(bob, 'addRemoteCandidates', adaGathered.candidates, mid);
  await call(ada, 'addRemoteCandidates', bobGathered.candidates, mid);

  for (const page of [ada, bob]) {
    await expect.poll(() => call(page, 'iceState'), { timeout: 15_000 }).toMatch(/^(connected|completed)$/);
    // "connected" can come a moment before the chosen pair's own stats say "succeeded".
    await expect.poll(() => call(page, 'selectedPair'), { message: 'the selected candidate pair', timeout: 10_000 }).toMatchObject({
      state: 'succeeded',
      local: { candidateType: 'relay', address: '127.0.0.1' },
      remote: { candidateType: 'relay', address: '127.0.0.1' },
    });
  }
  for (const page of [ada, bob]) {
    const before = await call(page, 'framesDecoded');
    await expect.poll(() => call(page, 'framesDecoded'), { message: 'remote video frames decoded rise', timeout: 15_000 }).toBeGreaterThan(before + 15);
    const later = await call(page, 'framesDecoded');
    await expect.poll(() => call(page, 'framesDecoded'), { message: 'and keep rising', timeout: 10_000 }).toBeGreaterThan(later + 15);
  }
});

test('an expired TURN credential gathers no relay candidate, while a fresh one does', async ({ openPhone, coturn }) => {
  const ada = await labPage(openPhone, 'Ada');
  await call(ada, 'build', await call(ada, 'register', 'Ada'));
  await call(ada, 'offer');
  const control = await call(ada, 'gathered');
  expect(relayLines(control.candidates).length, 'the fresh credential from REGISTER gets a relay').toBeGreaterThan(0);

  const twoDaysAgo = Date.now() - 2 * 24 * 60 * 60 * 1000;
  const expired = turnCredentials({ secret: coturn.secret, urls: [coturn.url], ttlSeconds: 60 }, 'Ada', twoDaysAgo);
  await call(ada, 'build', [expired]);
  await call(ada, 'offer');
  const refused = await call(ada, 'gathered');
  expect(refused.candidates, 'no candidate at all: relay was the only kind allowed').toEqual([]);
  expect(refused.errors, 'the TURN server refused the credential').toContainEqual(expect.objectContaining({ errorCode: 401 }));
});
