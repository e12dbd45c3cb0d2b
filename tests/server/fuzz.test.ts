/**
 * Property-based fuzz of the signalling server. While Ada calls Bob (INVITE, 180, 200, ACK, 50 INFOs
 * each way, a re-INVITE, BYE), three registered attackers and one unregistered stranger send frames
 * from tests/support/hostile-frames.ts. Every run checks what the protocol promises the honest pair.
 * Replay a failure with FUZZ_SEED and FUZZ_PATH from its report; FUZZ_SHRINK=1 shrinks it.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode } from '../../common/protocol.js';
import type { Logger } from '../../signal-server/log.js';
import type { SignalServerOptions } from '../../signal-server/options.js';
import { hostileFrame, registerAttempt, type HostileFrame } from '../support/hostile-frames.js';
import type { Frame, TestClient } from './client.js';
import { answer, offer, useServer } from './harness.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20_261_126);
const CALL_ID = 'honest-call-0001-abcdef';
const ATTACKER_NAMES = ['Mallory', 'Trudy', 'Eve'] as const;
/** Attackers 0 to 2 are registered; the last one is a stranger that never registered (unless a REGISTER it sends succeeds). */
const STRANGER = ATTACKER_NAMES.length;
const INFOS = 50;
/** The honest script's steps; hostile frames are sent before each one, and after the last. */
const STEP = { ringing: 0, confirm: 1, firstInfo: 2, reInvite: 2 + INFOS, bye: 3 + INFOS, afterCall: 4 + INFOS } as const;
/** A server refuses a socket with one of these, and only these. */
const REFUSAL_CODES: readonly number[] = [CloseCode.unsupportedData, CloseCode.policyViolation, CloseCode.tooBig];

/**
 * The server for every run, in one place. Future per-address caps (sockets, registrations) would
 * count all six sockets of a run, and each reconnect, against 127.0.0.1: raise them here.
 */
/**
 * Every client here shares 127.0.0.1, and attackers come back after each close: the per-address and
 * per-caller limits (tested in attacks-*.test.ts) are raised so that every frame reaches the dialog logic.
 */
const ROOMY = { registrationsPerMinute: 100_000, registrationBurst: 100_000, callsPerMinute: 100_000, callBurst: 100_000 } as const;

const SERVER_OPTIONS = {
  /** The protocol's flood limits: attackers get closed with 1008 and come back with their resume token. */
  defaults: ROOMY,
  /** Bad messages never close a socket, so every generated frame reaches the parser and the switchboard. */
  raised: { ...ROOMY, floodLimits: { badMessages: 1_000_000 } },
} satisfies Record<string, SignalServerOptions>;

interface Action {
  attacker: number;
  step: number;
  frame: HostileFrame;
}

const TARGETS = { callIds: [CALL_ID, 'hostile-call-0001', 'hostile-call-0002'], names: ['Ada', 'Bob'] };
/** One frame in five is sent after the call, when an INVITE may ring the idle phones. */
const step = fc.oneof({ weight: 4, arbitrary: fc.nat({ max: STEP.afterCall }) }, fc.constant(STEP.afterCall));
const actions = fc.array(
  fc.oneof(
    { weight: 3, arbitrary: fc.record({ attacker: fc.nat({ max: STRANGER - 1 }), step, frame: hostileFrame(TARGETS) }) },
    fc.record({ attacker: fc.constant(STRANGER), step, frame: fc.oneof(hostileFrame(TARGETS), registerAttempt(TARGETS)) }),
  ),
  { minLength: 40, maxLength: 240, size: 'max' },
);

/** What identifies a relayed message: who sent which request or response, and its payload's kind. */
function signature(frame: Frame): string {
  const detail = frame.body?.candidate?.candidate ?? frame.body?.sdp?.type ?? '';
  return `${frame.status ?? ''} ${frame.method} ${frame.cseq} ${frame.callId} ${detail}`.trim();
}

/** Answers 486 to every INVITE request the client did not expect, as a phone already busy does. */
function answerStrayInvites(client: TestClient, expected: (invite: Frame) => boolean): void {
  client.ws.on('message', (data, isBinary) => {
    if (isBinary) return;
    const frame = JSON.parse(data.toString()) as Frame;
    if (frame.method !== 'INVITE' || frame.status !== undefined || expected(frame)) return;
    client.send({ status: 486, reason: 'Busy Here', method: 'INVITE', cseq: frame.cseq, callId: frame.callId });
  });
}

let drainCseq = 2_000_000_000;
/** A PUBLISH round trip: every frame the client sent before it has been handled by the server. */
async function roundTrip(client: TestClient): Promise<void> {
  drainCseq += 1;
  const reply = await client.request({ method: 'PUBLISH', cseq: drainCseq, body: { state: 'online' } });
  if (reply.status !== 200 && reply.status !== 403) throw new Error(`drain PUBLISH answered ${reply.status} ${reply.reason}`);
}

/** fast-check's report, with its counterexample (up to megabytes of generated text) cut short. */
function briefly(error: unknown): Error {
  if (!(error instanceof Error)) return new Error(String(error));
  const [head = '', rest = ''] = error.message.split('\nCounterexample: ');
  const cause = error.cause instanceof Error ? error.cause.message : '';
  return new Error(`${head}\nCounterexample (cut to 3,000 characters): ${rest.slice(0, 3_000)}\n\nFailed with: ${cause}`, { cause: error.cause });
}

describe('fuzz: hostile clients beside an honest call', () => {
  const harness = useServer();
  const faults: unknown[] = [];
  const onFault = (error: unknown): void => {
    faults.push(error);
  };
  const logger: Logger = {
    log(level, event, fields) {
      if (level === 'error') faults.push(new Error(`server logged error ${event} ${JSON.stringify(fields)}`));
    },
  };
  beforeAll(() => {
    process.on('uncaughtException', onFault);
    process.on('unhandledRejection', onFault);
  });
  afterAll(() => {
    process.off('uncaughtException', onFault);
    process.off('unhandledRejection', onFault);
  });

  /** One attacker: its current socket, and the ones the server closed on it. */
  class Attacker {
    client: TestClient;
    readonly closeCodes: number[] = [];
    readonly sockets: TestClient[] = [];

    private constructor(
      readonly url: string,
      readonly name: string | null,
      /** Single-use: each resume answers the next one. */
      private resume: string | null,
      client: TestClient,
    ) {
      this.client = this.#adopt(client);
    }

    static async join(url: string, name: string | null): Promise<Attacker> {
      if (name === null) return new Attacker(url, null, null, await harness.connect(url));
      const client = await harness.register(url, name);
      return new Attacker(url, name, client.resume, client);
    }

    /** The open socket, after reconnecting (with the resume token, when registered) if the server closed the last. */
    async open(): Promise<TestClient> {
      if (this.client.ws.readyState === this.client.ws.OPEN) return this.client;
      this.closeCodes.push((await this.client.closed).code);
      if (this.name === null || this.resume === null) {
        this.client = this.#adopt(await harness.connect(this.url));
        return this.client;
      }
      const resumed = await harness.register(this.url, this.name, { resume: this.resume });
      this.resume = resumed.resume;
      this.client = this.#adopt(resumed);
      return resumed;
    }

    send(frame: HostileFrame): void {
      if (frame.kind === 'binary') this.client.ws.send(frame.bytes);
      else this.client.send(frame.text);
    }

    /** A round trip on an open socket, reconnecting if the server closes this one meanwhile. */
    async drain(): Promise<void> {
      for (let attempt = 0; ; attempt += 1) {
        try {
          await roundTrip(await this.open());
          return;
        } catch (error) {
          if (attempt >= 3 || this.client.ws.readyState === this.client.ws.OPEN) throw error;
        }
      }
    }

    /** The stranger's REGISTERs that succeeded: each made a user the server now counts. */
    get registrations(): number {
      return this.sockets.reduce((n, s) => n + s.received.filter((f) => f.status === 200 && f.method === 'REGISTER').length, 0);
    }

    #adopt(client: TestClient): TestClient {
      this.sockets.push(client);
      answerStrayInvites(client, () => false);
      return client;
    }
  }

  /** Both honest phones: each one's sent messages, in order, are what the other must see. */
  class Phone {
    readonly sent: string[] = [];

    constructor(
      readonly name: 'Ada' | 'Bob',
      readonly client: TestClient,
    ) {}

    send(frame: Frame): void {
      this.sent.push(signature(frame));
      this.client.send(frame);
    }

    next(match: (frame: Frame) => boolean): Promise<Frame> {
      return this.client.next((f) => f.callId === CALL_ID && match(f));
    }
  }

  /**
   * What the protocol promises a phone, read from everything it received: every message of the
   * other phone exactly once and in order; inside the call only that phone's messages and the
   * server's 100; from anyone else only messages in a dialog that they opened with an INVITE to this
   * phone (which it answered 486); from the server only presence, notices of calls it refused for
   * this phone (busy), and answers to its own requests.
   */
  function expectPromisesKept(phone: Phone, peer: Phone, callEnd: (frame: Frame) => boolean): void {
    const received = phone.client.received;
    expect(received.filter((f) => f.from === peer.name).map(signature), `${phone.name} got ${peer.name}'s messages`).toEqual(peer.sent);
    const end = received.findIndex((f) => f.from === peer.name && callEnd(f));
    expect(end, `${phone.name} saw the call end`).toBeGreaterThan(0);
    const opened = new Set<string>();
    received.forEach((frame, index) => {
      const what = `${phone.name} got ${JSON.stringify(frame).slice(0, 300)}`;
      if (frame.from === peer.name) return;
      if (frame.from === undefined) {
        const presence = frame.method === 'NOTIFY' && frame.status === undefined && frame.body?.event === 'presence';
        const ownAnswer = frame.status === 200 && (frame.method === 'REGISTER' || frame.method === 'PUBLISH');
        const trying = frame.status === 100 && frame.method === 'INVITE' && frame.callId === CALL_ID && phone.name === 'Ada';
        const refused = frame.method === 'NOTIFY' && frame.status === undefined && frame.body?.event === 'refused' && frame.body.caller !== peer.name;
        expect(presence || ownAnswer || trying || refused, what).toBe(true);
        return;
      }
      expect(frame.callId === CALL_ID && index <= end, `${what}: inside the call`).toBe(false);
      const dialog = `${frame.from}\n${frame.callId}`;
      if (frame.method === 'INVITE' && frame.status === undefined) opened.add(dialog);
      else expect(opened.has(dialog), `${what}: outside any dialog opened with it`).toBe(true);
    });
  }

  interface Tally {
    runs: number;
    frames: number;
    closes: Record<number, number>;
    strangerRegistrations: number;
    strayInvitesAnswered: number;
  }

  async function run(plan: readonly Action[], options: SignalServerOptions, tally: Tally): Promise<void> {
    faults.length = 0;
    const server = await harness.start({ ...options, logger });
    try {
      const ada = new Phone('Ada', await harness.register(server.url, 'Ada'));
      const bob = new Phone('Bob', await harness.register(server.url, 'Bob'));
      answerStrayInvites(ada.client, () => false);
      answerStrayInvites(bob.client, (invite) => invite.callId === CALL_ID && invite.from === 'Ada');
      const attackers = await Promise.all([...ATTACKER_NAMES.map((name) => Attacker.join(server.url, name)), Attacker.join(server.url, null)]);

      const sendHostile = async (step: number): Promise<void> => {
        for (const action of plan) {
          if (action.step !== step) continue;
          const attacker = attackers[action.attacker];
          if (!attacker) throw new Error(`no attacker ${action.attacker}`);
          await attacker.open();
          attacker.send(action.frame);
        }
      };
      const settle = async (): Promise<void> => {
        // Three rounds: the frames sent so far are handled; INVITEs they caused have arrived and been
        // answered 486; those answers are handled.
        for (let round = 0; round < 3; round += 1) {
          await Promise.all([roundTrip(ada.client), roundTrip(bob.client), ...attackers.map((a) => a.drain())]);
        }
      };

      // The call is set up before any attacker speaks: no one can know a callId before its INVITE.
      ada.send({ method: 'INVITE', cseq: 1, callId: CALL_ID, to: 'Bob', body: offer });
      await ada.client.next((f) => f.status === 100 && f.callId === CALL_ID);
      await sendHostile(STEP.ringing);
      await bob.next((f) => f.method === 'INVITE' && f.status === undefined && f.cseq === 1);
      bob.send({ status: 180, reason: 'Ringing', method: 'INVITE', cseq: 1, callId: CALL_ID });
      bob.send({ status: 200, reason: 'OK', method: 'INVITE', cseq: 1, callId: CALL_ID, body: answer });
      await sendHostile(STEP.confirm);
      await ada.next((f) => f.status === 200 && f.method === 'INVITE' && f.cseq === 1);
      ada.send({ method: 'ACK', cseq: 1, callId: CALL_ID });
      for (let i = 0; i < INFOS; i += 1) {
        await sendHostile(STEP.firstInfo + i);
        ada.send({ method: 'INFO', cseq: 2 + i, callId: CALL_ID, body: { candidate: { candidate: `candidate:a${i} 1 udp 1 10.0.0.1 ${5000 + i} typ host`, sdpMid: '0' } } });
        bob.send({ method: 'INFO', cseq: 1 + i, callId: CALL_ID, body: { candidate: i === INFOS - 1 ? null : { candidate: `candidate:b${i} 1 udp 1 10.0.0.2 ${6000 + i} typ host`, sdpMLineIndex: 0 } } });
      }
      await sendHostile(STEP.reInvite);
      const reInvite = 2 + INFOS;
      ada.send({ method: 'INVITE', cseq: reInvite, callId: CALL_ID, body: { ...offer, media: { audio: true, video: false } } });
      await bob.next((f) => f.method === 'INVITE' && f.status === undefined && f.cseq === reInvite);
      bob.send({ status: 200, reason: 'OK', method: 'INVITE', cseq: reInvite, callId: CALL_ID, body: answer });
      await ada.next((f) => f.status === 200 && f.method === 'INVITE' && f.cseq === reInvite);
      ada.send({ method: 'ACK', cseq: reInvite, callId: CALL_ID });
      await sendHostile(STEP.bye);
      ada.send({ method: 'BYE', cseq: reInvite + 1, callId: CALL_ID });
      await bob.next((f) => f.method === 'BYE' && f.status === undefined);
      bob.send({ status: 200, reason: 'OK', method: 'BYE', cseq: reInvite + 1, callId: CALL_ID });
      await ada.next((f) => f.status === 200 && f.method === 'BYE');
      await sendHostile(STEP.afterCall);
      await settle();

      // Positive control: an INVITE from anyone is deliverable to an idle phone, which answers it 486.
      for (const [index, attacker] of attackers.slice(0, STRANGER).entries()) {
        const callee = index % 2 === 0 ? 'Ada' : 'Bob';
        const callId = `after-call-${index}-abcdef`;
        const client = await attacker.open();
        client.send({ method: 'INVITE', cseq: 1, callId, to: callee, body: offer });
        expect(await client.next((f) => f.callId === callId && f.status >= 200)).toMatchObject({ status: 486, from: callee, to: attacker.name });
      }
      await settle();

      expect(faults, 'uncaught exceptions, unhandled rejections or error logs in the server').toEqual([]);
      expect(Object.keys(Object.prototype), 'Object.prototype untouched').toEqual([]);
      expectPromisesKept(ada, bob, (f) => f.status === 200 && f.method === 'BYE');
      expectPromisesKept(bob, ada, (f) => f.method === 'BYE' && f.status === undefined);
      for (const phone of [ada, bob]) expect(phone.client.ws.readyState, `${phone.name}'s socket`).toBe(phone.client.ws.OPEN);
      const closes = attackers.flatMap((a) => a.closeCodes);
      for (const code of closes) expect(REFUSAL_CODES, `close code ${code}`).toContain(code);
      // Every attacker is back on its name; a stranger's successful REGISTER added a user, kept for
      // its grace period if the server closed that socket afterwards.
      const strangers = attackers[STRANGER]?.registrations ?? 0;
      const health = await (await fetch(server.url.replace(/^ws/, 'http').replace('/signal', '/healthz'))).json();
      expect(health, 'healthz').toMatchObject({ users: 2 + STRANGER + strangers, calls: 0 });

      tally.runs += 1;
      tally.frames += plan.length;
      tally.strangerRegistrations += strangers;
      for (const code of closes) tally.closes[code] = (tally.closes[code] ?? 0) + 1;
      tally.strayInvitesAnswered += [ada, bob].reduce((n, p) => n + p.client.received.filter((f) => f.method === 'INVITE' && f.status === undefined && f.from !== 'Ada').length, 0);
    } catch (error) {
      // A server that threw mid-frame usually shows first as a reply that never came: say why.
      expect(faults, 'uncaught exceptions, unhandled rejections or error logs in the server').toEqual([]);
      throw error;
    } finally {
      await server.close();
    }
  }

  async function fuzz(options: SignalServerOptions, numRuns: number): Promise<Tally> {
    const tally: Tally = { runs: 0, frames: 0, closes: {}, strangerRegistrations: 0, strayInvitesAnswered: 0 };
    try {
      await fc.assert(fc.asyncProperty(actions, (plan) => run(plan, options, tally)), {
        seed: SEED,
        numRuns: Number(process.env.FUZZ_RUNS ?? numRuns),
        endOnFailure: !process.env.FUZZ_SHRINK,
        ...(process.env.FUZZ_PATH ? { path: process.env.FUZZ_PATH } : {}),
      });
    } catch (error) {
      throw briefly(error);
    }
    console.log(`fuzz (seed ${SEED}, ${JSON.stringify(options)}): ${JSON.stringify(tally)}`);
    return tally;
  }

  it('keeps every promise to the honest pair, with bad messages never closing a socket', async () => {
    const tally = await fuzz(SERVER_OPTIONS.raised, 30);
    expect(tally.closes[CloseCode.policyViolation] ?? 0, 'no 1008 for bad messages').toBe(0);
  }, 120_000);

  it('keeps every promise to the honest pair under the default flood limits', async () => {
    const tally = await fuzz(SERVER_OPTIONS.defaults, 15);
    expect(tally.closes[CloseCode.policyViolation] ?? 0, 'attackers were closed with 1008 and came back').toBeGreaterThan(0);
  }, 120_000);
});
