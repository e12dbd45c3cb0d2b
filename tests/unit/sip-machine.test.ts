/**
 * Every transition of the reduced-SIP dialog state machine: caller, callee, glare, CANCEL
 * crossing 200, re-INVITEs crossing (491 and the RFC 3261 14.1 retry), timeouts, and events
 * that are illegal in a phase (no change, a warning).
 */
import { describe, expect, it } from 'vitest';
import type { Message, Request, Response } from '../../common/protocol.js';
import { initialState, retryDelay, TIMERS, transition } from '../../renderer/src/sip/machine.js';
import type { CallInput, CallState, Effect, LocalEvent, Step } from '../../renderer/src/sip/types.js';

const ctx = { random: () => 0.5 };
const CALL = 'call-0001';
const OFFER = { type: 'offer' as const, sdp: 'v=0 offer' };
const ANSWER = { type: 'answer' as const, sdp: 'v=0 answer' };
const media = { audio: true, video: true };

function run(state: CallState, ...inputs: CallInput[]): Step {
  let step: Step = { state, effects: [] };
  for (const input of inputs) step = transition(step.state, input, ctx);
  return step;
}
const msg = (message: Message): CallInput => ({ type: 'message', message });
const res = (status: number, method: string, cseq: number, extra: Partial<Response> = {}): CallInput =>
  msg({ status, reason: 'r', method, cseq, callId: CALL, ...extra });
const req = (request: Record<string, unknown>): CallInput => msg(request as unknown as Request);
const invite = (callId = CALL, from = 'Ada', cseq = 1, video = true): CallInput =>
  req({ method: 'INVITE', cseq, callId, from, to: 'Me', body: { sdp: OFFER, media: { audio: true, video } } });
const sent = (effects: Effect[]): Message[] => effects.flatMap((e) => (e.type === 'send' ? [e.message] : []));
const kinds = (effects: Effect[]): string[] => effects.map((e) => e.type);
const endedWith = (effects: Effect[]) => effects.find((e) => e.type === 'ended');
const local = (event: LocalEvent): CallInput => event;

/** Caller states reached the normal way. */
const preparing = run(initialState, local({ type: 'dial', callId: CALL, to: 'Ada', video: true })).state;
const inviting = run(preparing, local({ type: 'offerReady', callId: CALL, body: { sdp: OFFER, media } })).state;
const trying = run(inviting, res(100, 'INVITE', 1)).state;
const ringback = run(trying, res(180, 'INVITE', 1)).state;
const callerActive = run(ringback, res(200, 'INVITE', 1, { body: { sdp: ANSWER } })).state;
/** Callee states. */
const ringing = run(initialState, invite()).state;
const answering = run(ringing, local({ type: 'answer', video: false })).state;
const calleeActive = run(answering, local({ type: 'answerReady', callId: CALL, sdp: ANSWER })).state;

describe('caller', () => {
  it('dial asks for an offer and sends nothing yet', () => {
    const step = run(initialState, local({ type: 'dial', callId: CALL, to: 'Ada', video: true }));
    expect(step.state.phase).toBe('preparing');
    expect(step.effects).toEqual([{ type: 'createOffer', callId: CALL, video: true }]);
  });

  it('the offer goes out in an INVITE with cseq 1, then trickle starts', () => {
    const step = run(preparing, local({ type: 'offerReady', callId: CALL, body: { sdp: OFFER, media } }));
    expect(step.state).toMatchObject({ phase: 'inviting', trying: false });
    expect(sent(step.effects)).toEqual([{ method: 'INVITE', cseq: 1, callId: CALL, to: 'Ada', body: { sdp: OFFER, media } }]);
    expect(step.effects).toContainEqual({ type: 'startTimer', callId: CALL, timer: 'invite', ms: TIMERS.invite });
    expect(step.effects).toContainEqual({ type: 'startTrickle', callId: CALL });
  });

  it('a failed offer ends the call with a media failure', () => {
    const step = run(preparing, local({ type: 'offerFailed', callId: CALL, reason: 'no microphone' }));
    expect(step.state.phase).toBe('idle');
    expect(endedWith(step.effects)).toMatchObject({ outcome: { kind: 'failed', cause: 'media', detail: 'no microphone' } });
  });

  it('cancel before the INVITE left ends quietly', () => {
    const step = run(preparing, local({ type: 'cancel' }));
    expect(step.state.phase).toBe('idle');
    expect(sent(step.effects)).toEqual([]);
    expect(endedWith(step.effects)).toMatchObject({ outcome: { kind: 'cancelled' }, outgoing: true });
  });

  it('100 marks trying, 180 plays ringback', () => {
    expect(trying).toMatchObject({ phase: 'inviting', trying: true });
    const step = run(trying, res(180, 'INVITE', 1));
    expect(step.state.phase).toBe('ringback');
    expect(step.effects).toEqual([{ type: 'tone', tone: 'ringback' }]);
    expect(run(ringback, res(180, 'INVITE', 1)).effects).toEqual([]);
  });

  it('200 with an answer: ACK, apply it, connected', () => {
    const step = run(ringback, res(200, 'INVITE', 1, { body: { sdp: ANSWER } }));
    expect(step.state.phase).toBe('active');
    expect(sent(step.effects)).toEqual([{ method: 'ACK', cseq: 1, callId: CALL }]);
    expect(step.effects).toContainEqual({ type: 'applyAnswer', callId: CALL, answer: ANSWER });
    expect(step.effects).toContainEqual({ type: 'tone', tone: null });
    expect(step.effects).toContainEqual({ type: 'connected', callId: CALL, peer: 'Ada' });
  });

  it('200 without an answer is confirmed and hung up at once', () => {
    const step = run(inviting, res(200, 'INVITE', 1));
    expect(step.state.phase).toBe('idle');
    expect(sent(step.effects).map((m) => ('method' in m && !('status' in m) ? m.method : ''))).toEqual(['ACK', 'BYE']);
  });

  it.each([
    [486, 'Busy Here'],
    [603, 'Decline'],
    [480, 'Temporarily Unavailable'],
    [404, 'Not Found'],
    [408, 'Request Timeout'],
    [499, 'Visit evil.example for help'],
  ])('a final %i ends the call as rejected, keeping the status and not the words', (status, reason) => {
    for (const from of [inviting, trying, ringback]) {
      const step = run(from, res(status, 'INVITE', 1, { reason }));
      expect(step.state.phase).toBe('idle');
      expect(endedWith(step.effects)?.outcome).toEqual({ kind: 'rejected', status });
      expect(step.effects).toContainEqual({ type: 'tone', tone: null });
      expect(step.effects).toContainEqual({ type: 'stopTimer', callId: CALL, timer: 'invite' });
    }
  });

  it('responses to another cseq or method warn and change nothing', () => {
    const step = run(ringback, res(200, 'INVITE', 7, { body: { sdp: ANSWER } }));
    expect(step.state).toBe(ringback);
    expect(kinds(step.effects)).toEqual(['warn']);
  });

  it('cancel sends CANCEL with the INVITE cseq; 487 ends it as cancelled', () => {
    const cancelling = run(ringback, local({ type: 'cancel' }));
    expect(cancelling.state.phase).toBe('cancelling');
    expect(sent(cancelling.effects)).toEqual([{ method: 'CANCEL', cseq: 1, callId: CALL }]);
    expect(cancelling.effects).toContainEqual({ type: 'startTimer', callId: CALL, timer: 'cancel', ms: TIMERS.cancel });
    const ok = run(cancelling.state, res(200, 'CANCEL', 1));
    expect(ok.state).toBe(cancelling.state);
    const done = run(cancelling.state, res(487, 'INVITE', 1));
    expect(done.state.phase).toBe('idle');
    expect(endedWith(done.effects)).toMatchObject({ outcome: { kind: 'cancelled' } });
  });

  it('a CANCEL crossing the 200: ACK then BYE, and the call ends', () => {
    const cancelling = run(ringback, local({ type: 'cancel' })).state;
    const step = run(cancelling, res(200, 'INVITE', 1, { body: { sdp: ANSWER } }));
    expect(step.state.phase).toBe('idle');
    expect(sent(step.effects)).toEqual([
      { method: 'ACK', cseq: 1, callId: CALL },
      { method: 'BYE', cseq: 2, callId: CALL, body: { reason: 'Cancelled' } },
    ]);
    expect(endedWith(step.effects)).toMatchObject({ outcome: { kind: 'cancelled' } });
  });

  it('no answer to the CANCEL: gives up after the cancel timer', () => {
    const cancelling = run(inviting, local({ type: 'cancel' })).state;
    const step = run(cancelling, local({ type: 'timer', callId: CALL, timer: 'cancel' }));
    expect(step.state.phase).toBe('idle');
    expect(endedWith(step.effects)).toMatchObject({ outcome: { kind: 'cancelled' } });
  });

  it('the invite guard timer cancels and reports no answer', () => {
    const step = run(ringback, local({ type: 'timer', callId: CALL, timer: 'invite' }));
    expect(step.state.phase).toBe('idle');
    expect(sent(step.effects)).toEqual([{ method: 'CANCEL', cseq: 1, callId: CALL }]);
    expect(endedWith(step.effects)).toMatchObject({ outcome: { kind: 'rejected', status: 408 } });
  });

  it('signalling lost while calling: a network timer, stopped when it is back, else a network failure', () => {
    const lost = run(ringback, local({ type: 'connectionLost' }));
    expect(lost.effects).toEqual([{ type: 'startTimer', callId: CALL, timer: 'network', ms: TIMERS.network }]);
    expect(run(lost.state, local({ type: 'connectionRestored' })).effects).toEqual([{ type: 'stopTimer', callId: CALL, timer: 'network' }]);
    const failed = run(lost.state, local({ type: 'timer', callId: CALL, timer: 'network' }));
    expect(failed.state.phase).toBe('idle');
    expect(endedWith(failed.effects)).toMatchObject({ outcome: { kind: 'failed', cause: 'network' } });
  });

  it('trickles local candidates as INFO with rising cseq, and the end-of-candidates null', () => {
    const one = run(inviting, local({ type: 'localCandidate', callId: CALL, candidate: { candidate: 'c1', sdpMid: '0' } }));
    const two = run(one.state, local({ type: 'localCandidate', callId: CALL, candidate: null }));
    expect(sent(one.effects)).toEqual([{ method: 'INFO', cseq: 2, callId: CALL, body: { candidate: { candidate: 'c1', sdpMid: '0' } } }]);
    expect(sent(two.effects)).toEqual([{ method: 'INFO', cseq: 3, callId: CALL, body: { candidate: null } }]);
  });
});

describe('callee', () => {
  it('an INVITE rings: 180, ringtone, an alert', () => {
    const step = run(initialState, invite());
    expect(step.state).toMatchObject({ phase: 'ringing', dialog: { peer: 'Ada', owner: false, inviteCseq: 1 } });
    expect(sent(step.effects)).toEqual([{ status: 180, reason: 'Ringing', method: 'INVITE', cseq: 1, callId: CALL }]);
    expect(step.effects).toContainEqual({ type: 'tone', tone: 'ringtone' });
    expect(step.effects).toContainEqual({ type: 'incoming', callId: CALL, from: 'Ada', video: true });
    expect(step.effects, 'the offer may be applied while it rings').toContainEqual({ type: 'takeOffer', callId: CALL, offer: OFFER });
  });

  it('answer stops the ringtone and asks for an answer with the chosen media', () => {
    const step = run(ringing, local({ type: 'answer', video: true }));
    expect(step.state).toMatchObject({ phase: 'answering', video: true });
    expect(step.effects).toEqual([
      { type: 'tone', tone: null },
      { type: 'createAnswer', callId: CALL, offer: OFFER, video: true },
    ]);
  });

  it('the answer goes out in a 200, then trickle starts', () => {
    const step = run(answering, local({ type: 'answerReady', callId: CALL, sdp: ANSWER }));
    expect(step.state.phase).toBe('active');
    expect(sent(step.effects)).toEqual([{ status: 200, reason: 'OK', method: 'INVITE', cseq: 1, callId: CALL, body: { sdp: ANSWER } }]);
    expect(step.effects).toContainEqual({ type: 'startTrickle', callId: CALL });
    expect(step.effects).toContainEqual({ type: 'connected', callId: CALL, peer: 'Ada' });
  });

  it('an answer that cannot be made is refused 488', () => {
    const step = run(answering, local({ type: 'answerFailed', callId: CALL, reason: 'bad sdp' }));
    expect(step.state.phase).toBe('idle');
    expect(sent(step.effects)).toEqual([{ status: 488, reason: 'Not Acceptable Here', method: 'INVITE', cseq: 1, callId: CALL }]);
  });

  it('decline answers 603', () => {
    for (const from of [ringing, answering]) {
      const step = run(from, local({ type: 'decline' }));
      expect(step.state.phase).toBe('idle');
      expect(sent(step.effects)).toEqual([{ status: 603, reason: 'Decline', method: 'INVITE', cseq: 1, callId: CALL }]);
      expect(endedWith(step.effects)).toMatchObject({ outcome: { kind: 'declined' }, outgoing: false });
    }
  });

  it('CANCEL while ringing: 200 to it, 487 to the INVITE, a missed call', () => {
    for (const from of [ringing, answering]) {
      const step = run(from, req({ method: 'CANCEL', cseq: 1, callId: CALL, from: 'Ada' }));
      expect(step.state.phase).toBe('idle');
      expect(sent(step.effects)).toEqual([
        { status: 200, reason: 'OK', method: 'CANCEL', cseq: 1, callId: CALL },
        { status: 487, reason: 'Request Terminated', method: 'INVITE', cseq: 1, callId: CALL },
      ]);
      expect(endedWith(step.effects)).toMatchObject({ outcome: { kind: 'missed' } });
    }
  });

  it('a late answer after the caller cancelled is ignored quietly', () => {
    const cancelled = run(answering, req({ method: 'CANCEL', cseq: 1, callId: CALL })).state;
    const step = run(cancelled, local({ type: 'answerReady', callId: CALL, sdp: ANSWER }));
    expect(step.state).toBe(cancelled);
    expect(step.effects).toEqual([]);
  });

  it('remote candidates before the answer are passed on', () => {
    const step = run(ringing, req({ method: 'INFO', cseq: 2, callId: CALL, body: { candidate: { candidate: 'c' } } }));
    expect(step.effects).toEqual([{ type: 'remoteCandidate', callId: CALL, candidate: { candidate: 'c' } }]);
  });
});

describe('a second call', () => {
  it.each([
    ['inviting with 100', trying],
    ['ringback', ringback],
    ['ringing', ringing],
    ['answering', answering],
    ['active', callerActive],
  ])('is answered 486 Busy Here while %s', (_label, state) => {
    const step = run(state, invite('other-call-1', 'Bob'));
    expect(step.state).toBe(state);
    expect(sent(step.effects)).toEqual([{ status: 486, reason: 'Busy Here', method: 'INVITE', cseq: 1, callId: 'other-call-1' }]);
  });

  it('an in-dialog request for an unknown call gets 481; stray ACK, INFO and responses are dropped', () => {
    const bye = run(callerActive, req({ method: 'BYE', cseq: 9, callId: 'unknown-call' }));
    expect(sent(bye.effects)).toEqual([{ status: 481, reason: 'Call/Transaction Does Not Exist', method: 'BYE', cseq: 9, callId: 'unknown-call' }]);
    expect(run(initialState, req({ method: 'INFO', cseq: 2, callId: 'unknown-call', body: { candidate: null } })).effects).toEqual([]);
    expect(run(initialState, res(200, 'BYE', 3)).effects).toEqual([]);
  });
});

describe('glare: two users calling each other at once', () => {
  it('our INVITE had no 100 yet: it gives way and the peer call is answered at once with our media', () => {
    const step = run(inviting, invite('their-call-1', 'Ada'));
    expect(step.state).toMatchObject({ phase: 'answering', video: true, dialog: { callId: 'their-call-1', owner: false } });
    expect(endedWith(step.effects)).toMatchObject({ callId: CALL, outcome: { kind: 'superseded' } });
    expect(sent(step.effects)).toEqual([{ status: 180, reason: 'Ringing', method: 'INVITE', cseq: 1, callId: 'their-call-1' }]);
    expect(step.effects).toContainEqual({ type: 'createAnswer', callId: 'their-call-1', offer: OFFER, video: true });
  });

  it('the same while still making our offer (matching names case-insensitively)', () => {
    const step = run(preparing, invite('their-call-1', 'ADA'));
    expect(step.state.phase).toBe('answering');
  });

  it('our INVITE was accepted first (100 or 180): theirs gets 486, ours goes on', () => {
    for (const state of [trying, ringback]) {
      const step = run(state, invite('their-call-1', 'Ada'));
      expect(step.state).toBe(state);
      expect(sent(step.effects)).toMatchObject([{ status: 486, callId: 'their-call-1' }]);
    }
  });

  it('a late answer to our superseded INVITE is ignored', () => {
    const yielded = run(inviting, invite('their-call-1', 'Ada')).state;
    const step = run(yielded, res(486, 'INVITE', 1));
    expect(step.state).toBe(yielded);
    expect(step.effects).toEqual([]);
  });
});

describe('in a call', () => {
  it('hang up sends BYE with the next cseq', () => {
    const step = run(callerActive, local({ type: 'hangup' }));
    expect(step.state.phase).toBe('idle');
    expect(sent(step.effects)).toEqual([{ method: 'BYE', cseq: 2, callId: CALL, body: { reason: 'Hang up' } }]);
    expect(endedWith(step.effects)).toMatchObject({ outcome: { kind: 'hangup', by: 'local' } });
  });

  it('the callee hangs up with its own cseq', () => {
    const step = run(calleeActive, local({ type: 'hangup' }));
    expect(sent(step.effects)).toEqual([{ method: 'BYE', cseq: 1, callId: CALL, body: { reason: 'Hang up' } }]);
  });

  it('a BYE is answered 200 and ends the call; Peer lost reads as a network failure', () => {
    const bye = run(calleeActive, req({ method: 'BYE', cseq: 4, callId: CALL, body: { reason: 'Hang up' } }));
    expect(bye.state.phase).toBe('idle');
    expect(sent(bye.effects)).toEqual([{ status: 200, reason: 'OK', method: 'BYE', cseq: 4, callId: CALL }]);
    expect(endedWith(bye.effects)).toMatchObject({ outcome: { kind: 'hangup', by: 'remote' } });
    const lost = run(calleeActive, req({ method: 'BYE', cseq: 4, callId: CALL, body: { reason: 'Peer lost' } }));
    expect(endedWith(lost.effects)).toMatchObject({ outcome: { kind: 'failed', cause: 'network' } });
  });

  it('ACK and a CANCEL after the answer change nothing', () => {
    expect(run(calleeActive, req({ method: 'ACK', cseq: 1, callId: CALL })).effects).toEqual([]);
    const cancel = run(calleeActive, req({ method: 'CANCEL', cseq: 1, callId: CALL }));
    expect(cancel.state).toBe(calleeActive);
    expect(sent(cancel.effects)).toMatchObject([{ status: 200, method: 'CANCEL' }]);
  });

  it('media that cannot recover ends the call with BYE and a network failure', () => {
    const step = run(callerActive, local({ type: 'mediaFailed', callId: CALL }));
    expect(step.state.phase).toBe('idle');
    expect(sent(step.effects)).toMatchObject([{ method: 'BYE' }]);
    expect(endedWith(step.effects)).toMatchObject({ outcome: { kind: 'failed', cause: 'network' } });
  });
});

describe('re-INVITE (hold, resume, camera, ICE restart)', () => {
  const wanting = run(callerActive, local({ type: 'reoffer' }));
  const sentReoffer = run(wanting.state, local({ type: 'reofferReady', callId: CALL, body: { sdp: OFFER, media } }));

  it('a wanted re-offer is made, then sent with the next cseq and no `to`', () => {
    expect(wanting.effects).toEqual([{ type: 'createReoffer', callId: CALL }]);
    expect(sent(sentReoffer.effects)).toEqual([{ method: 'INVITE', cseq: 2, callId: CALL, body: { sdp: OFFER, media } }]);
    expect(sentReoffer.state).toMatchObject({ reoffer: { kind: 'sent', cseq: 2 } });
  });

  it('200 to it: ACK with its cseq and apply the answer', () => {
    const step = run(sentReoffer.state, res(200, 'INVITE', 2, { body: { sdp: ANSWER } }));
    expect(sent(step.effects)).toEqual([{ method: 'ACK', cseq: 2, callId: CALL }]);
    expect(step.effects).toContainEqual({ type: 'applyAnswer', callId: CALL, answer: ANSWER });
    expect(step.state).toMatchObject({ phase: 'active', reoffer: { kind: 'none' } });
  });

  it('a second wish while one is in flight is sent after it completes', () => {
    const again = run(sentReoffer.state, local({ type: 'reoffer' }));
    expect(again.effects).toEqual([]);
    const done = run(again.state, res(200, 'INVITE', 2, { body: { sdp: ANSWER } }));
    expect(done.effects).toContainEqual({ type: 'createReoffer', callId: CALL });
    expect(done.state).toMatchObject({ reoffer: { kind: 'preparing' }, pending: false });
  });

  it('their re-INVITE is applied and answered 200 with its cseq', () => {
    const step = run(calleeActive, invite(CALL, 'Ada', 5));
    expect(step.effects).toEqual([{ type: 'applyReoffer', callId: CALL, offer: OFFER, media }]);
    const answered = run(step.state, local({ type: 'reanswerReady', callId: CALL, sdp: ANSWER }));
    expect(sent(answered.effects)).toEqual([{ status: 200, reason: 'OK', method: 'INVITE', cseq: 5, callId: CALL, body: { sdp: ANSWER } }]);
    expect(answered.state).toMatchObject({ reoffer: { kind: 'none' } });
  });

  it('a re-offer that cannot be answered gets 488 and the call goes on', () => {
    const step = run(calleeActive, invite(CALL, 'Ada', 5), local({ type: 'reanswerFailed', callId: CALL }));
    expect(sent(step.effects)).toMatchObject([{ status: 488, cseq: 5 }]);
    expect(step.state.phase).toBe('active');
  });

  it('crossing re-INVITEs: theirs gets 491, ours gets 491, we roll back and retry after the 14.1 delay', () => {
    const crossing = run(sentReoffer.state, invite(CALL, 'Ada', 3));
    expect(sent(crossing.effects)).toEqual([{ status: 491, reason: 'Request Pending', method: 'INVITE', cseq: 3, callId: CALL }]);
    expect(crossing.state).toBe(sentReoffer.state);
    const refused = run(crossing.state, res(491, 'INVITE', 2));
    expect(refused.effects).toContainEqual({ type: 'rollback', callId: CALL });
    // The caller owns the Call-ID: 2.1 s + 0.5 * 1.9 s.
    expect(refused.effects).toContainEqual({ type: 'startTimer', callId: CALL, timer: 'retry', ms: 3050 });
    expect(refused.state).toMatchObject({ pending: true, backingOff: true });
    // Their retry arrives first and is answered normally; ours waits for the timer.
    const theirs = run(refused.state, invite(CALL, 'Ada', 4), local({ type: 'reanswerReady', callId: CALL, sdp: ANSWER }));
    expect(kinds(theirs.effects)).toEqual(['send']);
    const retry = run(theirs.state, local({ type: 'timer', callId: CALL, timer: 'retry' }));
    expect(retry.effects).toEqual([{ type: 'createReoffer', callId: CALL }]);
  });

  it('while our offer is still being made, their re-INVITE gets 491 too', () => {
    const step = run(wanting.state, invite(CALL, 'Ada', 3));
    expect(sent(step.effects)).toMatchObject([{ status: 491 }]);
  });

  it('the non-owner retries within 0-2 s', () => {
    expect(retryDelay(false, 0)).toBe(0);
    expect(retryDelay(false, 0.999)).toBe(2000);
    expect(retryDelay(true, 0)).toBe(2100);
    expect(retryDelay(true, 0.999)).toBe(4000);
    const calleeRefused = run(
      calleeActive,
      local({ type: 'reoffer' }),
      local({ type: 'reofferReady', callId: CALL, body: { sdp: OFFER, media } }),
      res(491, 'INVITE', 1),
    );
    expect(calleeRefused.effects).toContainEqual({ type: 'startTimer', callId: CALL, timer: 'retry', ms: 1000 });
  });

  it('no answer to our re-INVITE: roll back and keep the call', () => {
    const step = run(sentReoffer.state, local({ type: 'timer', callId: CALL, timer: 'reinvite' }));
    expect(step.effects).toEqual([{ type: 'rollback', callId: CALL }]);
    expect(step.state.phase).toBe('active');
  });

  it('488 to our re-INVITE rolls back; 481 means the server lost the call: hang up', () => {
    const refused = run(sentReoffer.state, res(488, 'INVITE', 2));
    expect(refused.effects).toContainEqual({ type: 'rollback', callId: CALL });
    expect(refused.state.phase).toBe('active');
    const gone = run(sentReoffer.state, res(481, 'INVITE', 2));
    expect(gone.state.phase).toBe('idle');
    expect(endedWith(gone.effects)).toMatchObject({ outcome: { kind: 'failed', cause: 'network' } });
  });
});

describe('illegal events', () => {
  it.each([
    ['idle', initialState, local({ type: 'answer', video: false })],
    ['idle', initialState, local({ type: 'cancel' })],
    ['ringing', ringing, local({ type: 'dial', callId: 'x-call-0001', to: 'Bob', video: false })],
    ['ringing', ringing, local({ type: 'reoffer' })],
    ['ringback', ringback, local({ type: 'answer', video: true })],
    ['active', callerActive, local({ type: 'answer', video: true })],
    ['active', callerActive, local({ type: 'dial', callId: 'x-call-0001', to: 'Bob', video: false })],
    ['inviting', inviting, req({ method: 'BYE', cseq: 2, callId: CALL })],
    ['preparing', preparing, local({ type: 'answer', video: false })],
  ])('in %s: no change and a warning', (_label, state, input) => {
    const step = run(state, input);
    expect(step.state).toBe(state);
    expect(kinds(step.effects)).toEqual(['warn']);
  });

  it('results for a call that is gone are dropped without a warning', () => {
    const step = run(initialState, local({ type: 'offerReady', callId: CALL, body: { sdp: OFFER, media } }));
    expect(step).toEqual({ state: initialState, effects: [] });
  });
});

describe('after the server forgot the call', () => {
  it('media that stops means the peer hung up: a best-effort BYE and "ended by remote"', () => {
    const step = run(callerActive, local({ type: 'mediaEnded', callId: CALL }));
    expect(step.state.phase).toBe('idle');
    expect(sent(step.effects)).toMatchObject([{ method: 'BYE', cseq: 2 }]);
    expect(endedWith(step.effects)).toMatchObject({ outcome: { kind: 'hangup', by: 'remote' } });
  });

  it('is meaningless outside a call', () => {
    const step = run(ringing, local({ type: 'mediaEnded', callId: CALL }));
    expect(step.state).toBe(ringing);
    expect(kinds(step.effects)).toEqual(['warn']);
  });
});

describe('the rest of the table', () => {
  const cancelling = run(ringback, local({ type: 'cancel' })).state;

  it.each([
    ['idle', initialState, local({ type: 'connectionLost' })],
    ['idle', initialState, local({ type: 'connectionRestored' })],
    ['idle', initialState, local({ type: 'hangup' })],
    ['preparing', preparing, local({ type: 'connectionLost' })],
    ['cancelling', cancelling, local({ type: 'cancel' })],
    ['cancelling', cancelling, local({ type: 'hangup' })],
    ['cancelling', cancelling, local({ type: 'localCandidate', callId: CALL, candidate: null })],
    ['cancelling', cancelling, req({ method: 'INFO', cseq: 2, callId: CALL, body: { candidate: null } })],
    ['cancelling', cancelling, res(180, 'INVITE', 1)],
    ['active', callerActive, local({ type: 'connectionLost' })],
    ['active', callerActive, local({ type: 'reofferFailed', callId: CALL })],
    ['ringback', ringback, local({ type: 'timer', callId: CALL, timer: 'cancel' })],
  ])('in %s, an expected no-op changes nothing and does not warn', (_label, state, input) => {
    expect(run(state, input)).toEqual({ state, effects: [] });
  });

  it('hang up means cancel before the answer and decline while ringing', () => {
    expect(run(preparing, local({ type: 'hangup' })).effects).toEqual(run(preparing, local({ type: 'cancel' })).effects);
    expect(run(inviting, local({ type: 'hangup' })).state.phase).toBe('cancelling');
    expect(sent(run(ringing, local({ type: 'hangup' })).effects)).toMatchObject([{ status: 603 }]);
    expect(sent(run(answering, local({ type: 'hangup' })).effects)).toMatchObject([{ status: 603 }]);
  });

  it('another caller gets 486 while we prepare or cancel', () => {
    expect(sent(run(preparing, invite('other-call-1', 'Bob')).effects)).toMatchObject([{ status: 486, callId: 'other-call-1' }]);
    expect(sent(run(cancelling, invite('other-call-1', 'Bob')).effects)).toMatchObject([{ status: 486, callId: 'other-call-1' }]);
  });

  it('remote candidates reach the media layer while calling, answering and in the call', () => {
    const info = req({ method: 'INFO', cseq: 3, callId: CALL, body: { candidate: { candidate: 'c' } } });
    for (const state of [inviting, ringback, answering, callerActive]) {
      expect(run(state, info).effects).toEqual([{ type: 'remoteCandidate', callId: CALL, candidate: { candidate: 'c' } }]);
    }
  });

  it('the callee: signalling lost while ringing starts the network timer; its end is a network failure', () => {
    for (const state of [ringing, answering]) {
      const lost = run(state, local({ type: 'connectionLost' }));
      expect(lost.effects).toEqual([{ type: 'startTimer', callId: CALL, timer: 'network', ms: TIMERS.network }]);
      expect(run(lost.state, local({ type: 'connectionRestored' })).effects).toEqual([{ type: 'stopTimer', callId: CALL, timer: 'network' }]);
      const failed = run(lost.state, local({ type: 'timer', callId: CALL, timer: 'network' }));
      expect(failed.state.phase).toBe('idle');
      expect(endedWith(failed.effects)).toMatchObject({ outcome: { kind: 'failed', cause: 'network' } });
    }
  });

  it('the callee trickles its own candidates after the answer', () => {
    const step = run(calleeActive, local({ type: 'localCandidate', callId: CALL, candidate: null }));
    expect(sent(step.effects)).toEqual([{ method: 'INFO', cseq: 1, callId: CALL, body: { candidate: null } }]);
  });

  it('a re-offer result when none is being made warns and changes nothing', () => {
    const step = run(callerActive, local({ type: 'reofferReady', callId: CALL, body: { sdp: OFFER, media } }));
    expect(step.state).toBe(callerActive);
    expect(kinds(step.effects)).toEqual(['warn']);
    const noAnswer = run(callerActive, local({ type: 'reanswerReady', callId: CALL, sdp: ANSWER }));
    expect(kinds(noAnswer.effects)).toEqual(['warn']);
  });

  it('a failed re-offer is not retried (it would fail again), and the call goes on', () => {
    const making = run(callerActive, local({ type: 'reoffer' }), local({ type: 'reoffer' }));
    expect(making.state).toMatchObject({ reoffer: { kind: 'preparing' }, pending: true });
    const failed = run(making.state, local({ type: 'reofferFailed', callId: CALL }));
    expect(failed.state).toMatchObject({ phase: 'active', reoffer: { kind: 'none' }, pending: false });
    expect(kinds(failed.effects)).toEqual(['warn']);
  });

  it('a stray CANCEL for an unknown call gets 481', () => {
    const step = run(initialState, req({ method: 'CANCEL', cseq: 1, callId: 'gone-call-1' }));
    expect(sent(step.effects)).toMatchObject([{ status: 481, method: 'CANCEL', callId: 'gone-call-1' }]);
  });
});

describe('a response must answer a request this phone has outstanding', () => {
  const cancelling = run(ringback, local({ type: 'cancel' })).state;
  const reofferSent = run(run(callerActive, local({ type: 'reoffer' })).state, local({ type: 'reofferReady', callId: CALL, body: { sdp: OFFER, media } })).state;
  const withAnswer = { body: { sdp: ANSWER } };

  it.each([
    ['ringback', 486, 'BYE', 1, {}, ringback],
    ['ringback', 401, 'REGISTER', 1, {}, ringback],
    ['ringback', 200, 'INFO', 2, {}, ringback],
    ['inviting', 200, 'INVITE', 7, withAnswer, inviting],
    ['ringback', 486, 'INVITE', 1, { from: 'Mallory' }, ringback],
    ['inviting', 200, 'INVITE', 1, { from: 'Mallory', ...withAnswer }, inviting],
    ['cancelling', 486, 'BYE', 1, {}, cancelling],
    ['cancelling', 200, 'INVITE', 5, withAnswer, cancelling],
    ['cancelling', 200, 'CANCEL', 9, {}, cancelling],
    ['cancelling', 487, 'INVITE', 1, { from: 'Mallory' }, cancelling],
    ['ringing', 200, 'INVITE', 1, withAnswer, ringing],
    ['ringing', 401, 'REGISTER', 1, {}, ringing],
    ['answering', 486, 'INVITE', 1, {}, answering],
    ['active (caller)', 200, 'INVITE', 1, withAnswer, callerActive],
    ['active (caller)', 486, 'BYE', 2, {}, callerActive],
    ['active (callee)', 401, 'REGISTER', 1, {}, calleeActive],
    ['active, re-INVITE 2 sent', 200, 'INVITE', 1, withAnswer, reofferSent],
    ['active, re-INVITE 2 sent', 481, 'BYE', 2, {}, reofferSent],
    ['active, re-INVITE 2 sent', 481, 'INVITE', 2, { from: 'Mallory' }, reofferSent],
  ] as const)('in %s: %i to %s %i %o is ignored with a warning', (_label, status, method, cseq, extra, state) => {
    const step = run(state, res(status, method, cseq, extra));
    expect(step.state).toBe(state);
    expect(kinds(step.effects)).toEqual(['warn']);
  });

  it("answers from the server (no `from`) and from the peer (named in any case) are taken", () => {
    expect(run(ringback, res(486, 'INVITE', 1)).state.phase).toBe('idle');
    expect(run(ringback, res(486, 'INVITE', 1, { from: 'ADA' })).state.phase).toBe('idle');
    expect(run(cancelling, res(487, 'INVITE', 1, { from: 'Ada' })).state.phase).toBe('idle');
    expect(run(cancelling, res(200, 'CANCEL', 1, { from: 'Ada' })).effects).toEqual([]);
    expect(run(reofferSent, res(481, 'INVITE', 2)).state.phase).toBe('idle');
  });
});

describe('transfer in a call (the messages; what they mean is the coordinator\'s)', () => {
  it('refer sends REFER with the next cseq (and the call it replaces); its final answer is signalled once', () => {
    const blind = run(callerActive, local({ type: 'refer', target: 'Cy' }));
    expect(sent(blind.effects)).toEqual([{ method: 'REFER', cseq: 2, callId: CALL, body: { target: 'Cy' } }]);
    expect(blind.state).toMatchObject({ phase: 'active', refer: 2 });
    const attended = run(callerActive, local({ type: 'refer', target: 'Cy', replaces: 'consult-0001' }));
    expect(sent(attended.effects)).toEqual([{ method: 'REFER', cseq: 2, callId: CALL, body: { target: 'Cy', replaces: 'consult-0001' } }]);

    const accepted = run(blind.state, res(202, 'REFER', 2, { from: 'Ada' }));
    expect(accepted.effects).toEqual([{ type: 'referAnswered', callId: CALL, status: 202 }]);
    expect(accepted.state).toMatchObject({ refer: null });
    // Answered already: a second answer, or one to another cseq, is a stray warning.
    expect(kinds(run(accepted.state, res(603, 'REFER', 2)).effects)).toEqual(['warn']);
    expect(kinds(run(blind.state, res(202, 'REFER', 3)).effects)).toEqual(['warn']);
    expect(run(blind.state, res(603, 'REFER', 2)).effects).toEqual([{ type: 'referAnswered', callId: CALL, status: 603 }]);
  });

  it('a second refer while one awaits its answer is refused with a warning', () => {
    const once = run(callerActive, local({ type: 'refer', target: 'Cy' }));
    const twice = run(once.state, local({ type: 'refer', target: 'Dee' }));
    expect(twice.state).toBe(once.state);
    expect(kinds(twice.effects)).toEqual(['warn']);
  });

  it('a REFER and a transfer report from the peer are signalled, with who referred as the server stamped it', () => {
    const refer = run(calleeActive, req({ method: 'REFER', cseq: 3, callId: CALL, from: 'Ada', body: { target: 'Cy', referredBy: 'Ada' } }));
    expect(refer).toEqual({ state: calleeActive, effects: [{ type: 'referred', callId: CALL, cseq: 3, target: 'Cy', referredBy: 'Ada' }] });
    const report = run(callerActive, req({ method: 'NOTIFY', cseq: 2, callId: CALL, from: 'Ada', body: { event: 'refer', status: 180 } }));
    expect(report).toEqual({ state: callerActive, effects: [{ type: 'referProgress', callId: CALL, status: 180 }] });
  });

  it('notifyRefer reports with the next cseq', () => {
    const step = run(calleeActive, local({ type: 'notifyRefer', status: 100 }), local({ type: 'notifyRefer', status: 200 }));
    expect(sent(step.effects)).toEqual([{ method: 'NOTIFY', cseq: 2, callId: CALL, body: { event: 'refer', status: 200 } }]);
    expect(step.state).toMatchObject({ phase: 'active', dialog: { localCseq: 2 } });
  });

  it('handOff and replaced leave the call with BYE, Transferred or Replaced; such a BYE from the peer tells nothing', () => {
    const handOff = run(callerActive, local({ type: 'handOff', to: 'Cy' }));
    expect(sent(handOff.effects)).toEqual([{ method: 'BYE', cseq: 2, callId: CALL, body: { reason: 'Transferred' } }]);
    expect(endedWith(handOff.effects)).toMatchObject({ outcome: { kind: 'transferred', to: 'Cy' } });
    const replaced = run(calleeActive, local({ type: 'replaced' }));
    expect(sent(replaced.effects)).toEqual([{ method: 'BYE', cseq: 1, callId: CALL, body: { reason: 'Replaced' } }]);
    expect(endedWith(replaced.effects)).toMatchObject({ outcome: { kind: 'replaced' } });
    for (const reason of ['Transferred', 'Replaced']) {
      const bye = run(calleeActive, req({ method: 'BYE', cseq: 4, callId: CALL, body: { reason } }));
      expect(endedWith(bye.effects)).toMatchObject({ outcome: { kind: 'replaced' } });
    }
  });

  it('a REFER before the call is answered is declined 603; one for another call gets 481; a report in no call is dropped', () => {
    const early = run(ringing, req({ method: 'REFER', cseq: 2, callId: CALL, body: { target: 'Cy', referredBy: 'Ada' } }));
    expect(early.state).toBe(ringing);
    expect(sent(early.effects)).toEqual([{ status: 603, reason: 'Decline', method: 'REFER', cseq: 2, callId: CALL }]);
    const stray = run(callerActive, req({ method: 'REFER', cseq: 2, callId: 'other-call-01', body: { target: 'Cy', referredBy: 'Ada' } }));
    expect(sent(stray.effects)).toEqual([{ status: 481, reason: 'Call/Transaction Does Not Exist', method: 'REFER', cseq: 2, callId: 'other-call-01' }]);
    expect(run(initialState, req({ method: 'NOTIFY', cseq: 2, callId: CALL, body: { event: 'refer', status: 200 } })).effects).toEqual([]);
  });

  it('a call placed for a referral names it in its INVITE; an INVITE stamped with who referred keeps it', () => {
    const referred = run(initialState, local({ type: 'dial', callId: CALL, to: 'Cy', video: true, referral: 'transferred-1' }), local({ type: 'offerReady', callId: CALL, body: { sdp: OFFER, media } }));
    expect(sent(referred.effects)).toEqual([{ method: 'INVITE', cseq: 1, callId: CALL, to: 'Cy', body: { sdp: OFFER, media, referral: 'transferred-1' } }]);
    const rung = run(initialState, req({ method: 'INVITE', cseq: 1, callId: CALL, from: 'Bob', body: { sdp: OFFER, media, referredBy: 'Ada' } }));
    expect(rung.state).toMatchObject({ phase: 'ringing', dialog: { peer: 'Bob', referredBy: 'Ada' } });
  });
});
