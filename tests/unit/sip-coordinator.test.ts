/**
 * The phone coordinator over many calls: call waiting (a second caller rings softly beside the
 * call), answering it (the active call is held first), resuming a held call (the active one is
 * held first), hanging up or declining either, 486 when the phone is full, and glare as before.
 */
import { describe, expect, it } from 'vitest';
import type { Message, Request, Response } from '../../common/protocol.js';
import { activeCall, idlePhone, waitingCall, type PhoneEffect, type PhoneInput, type PhoneState } from '../../renderer/src/sip/coordinator.js';
import { ANSWER, media, msg, OFFER, runPhone, type Run } from './phone-steps.js';

const ctx = { random: () => 0.5, newCallId: () => 'new-call' };
const run = (phone: PhoneState, ...inputs: PhoneInput[]): Run => runPhone(ctx, phone, inputs, 'last');
const invite = (callId: string, from: string, cseq = 1): PhoneInput =>
  msg({ method: 'INVITE', cseq, callId, from, to: 'Me', body: { sdp: OFFER, media } } as Request);
const res = (callId: string, status: number, method: string, cseq: number, extra: Partial<Response> = {}): PhoneInput =>
  msg({ status, reason: 'r', method, cseq, callId, ...extra });
const bye = (callId: string, cseq: number): PhoneInput => msg({ method: 'BYE', cseq, callId, body: { reason: 'Hang up' } } as Request);
const sent = (effects: PhoneEffect[]): Message[] => effects.flatMap((e) => (e.type === 'send' ? [e.message] : []));
const tones = (effects: PhoneEffect[]) => effects.flatMap((e) => (e.type === 'tone' ? [e.tone] : []));
const phases = (phone: PhoneState) => phone.calls.map((c) => [c.state.dialog.callId, c.state.phase, c.held ? 'held' : 'free']);

/** Ada's call to us, answered: the phone is in one call. */
const withAda = run(idlePhone, invite('ada-call', 'Ada'), { type: 'answer', callId: 'ada-call', video: true }, {
  type: 'answerReady',
  callId: 'ada-call',
  sdp: ANSWER,
}).phone;
/** Cy calls while we talk with Ada. */
const cyWaits = run(withAda, invite('cy-call', 'Cy'));
/** We answered Cy: Ada on hold, Cy in the call. */
const talkingToCy = run(
  cyWaits.phone,
  { type: 'answer', callId: 'cy-call', video: true },
  { type: 'reofferReady', callId: 'ada-call', body: { sdp: OFFER, media } },
  res('ada-call', 200, 'INVITE', 1, { body: { sdp: ANSWER } }),
  { type: 'answerReady', callId: 'cy-call', sdp: ANSWER },
).phone;

describe('one call', () => {
  it('rings with the full ringtone when the phone is free', () => {
    const { phone, effects } = run(idlePhone, invite('ada-call', 'Ada'));
    expect(phases(phone)).toEqual([['ada-call', 'ringing', 'free']]);
    expect(tones(effects)).toEqual(['ringtone']);
    expect(sent(effects)).toMatchObject([{ status: 180, callId: 'ada-call' }]);
  });

  it('dials from idle, plays ringback on 180, and stops it when answered', () => {
    const dialled = run(idlePhone, { type: 'dial', callId: 'out-call', to: 'Bob', video: false });
    expect(dialled.effects).toEqual([{ type: 'createOffer', callId: 'out-call', video: false }]);
    const ringing = run(dialled.phone, { type: 'offerReady', callId: 'out-call', body: { sdp: OFFER, media } }, res('out-call', 180, 'INVITE', 1));
    expect(ringing.phone.tone).toBe('ringback');
    const answered = run(ringing.phone, res('out-call', 200, 'INVITE', 1, { body: { sdp: ANSWER } }));
    expect(tones(answered.effects)).toEqual([null]);
    expect(phases(answered.phone)).toEqual([['out-call', 'active', 'free']]);
  });

  it('hold and resume of the only call re-offer it with its media stopped, then flowing', () => {
    const held = run(withAda, { type: 'hold', callId: 'ada-call' });
    expect(held.effects).toEqual([
      { type: 'holdMedia', callId: 'ada-call', held: true },
      { type: 'createReoffer', callId: 'ada-call' },
    ]);
    expect(phases(held.phone)).toEqual([['ada-call', 'active', 'held']]);
    const settled = run(held.phone, { type: 'reofferReady', callId: 'ada-call', body: { sdp: OFFER, media } }, res('ada-call', 200, 'INVITE', 1, { body: { sdp: ANSWER } }));
    const resumed = run(settled.phone, { type: 'resume', callId: 'ada-call' });
    expect(resumed.effects).toEqual([
      { type: 'holdMedia', callId: 'ada-call', held: false },
      { type: 'createReoffer', callId: 'ada-call' },
    ]);
    expect(phases(resumed.phone)).toEqual([['ada-call', 'active', 'free']]);
  });
});

describe('call waiting', () => {
  it('a second caller while in a call rings as a waiting call with the soft tone, the call untouched', () => {
    expect(phases(cyWaits.phone)).toEqual([
      ['ada-call', 'active', 'free'],
      ['cy-call', 'ringing', 'free'],
    ]);
    expect(tones(cyWaits.effects)).toEqual(['waiting']);
    expect(sent(cyWaits.effects)).toEqual([{ status: 180, reason: 'Ringing', method: 'INVITE', cseq: 1, callId: 'cy-call' }]);
    expect(cyWaits.effects).toContainEqual({ type: 'incoming', callId: 'cy-call', from: 'Cy', video: true });
    expect(waitingCall(cyWaits.phone.calls)?.state.dialog.callId).toBe('cy-call');
    expect(activeCall(cyWaits.phone.calls)?.state.dialog.callId).toBe('ada-call');
  });

  it('answering the waiting call holds the active call first (re-INVITE), then answers', () => {
    const { phone, effects } = run(cyWaits.phone, { type: 'answer', callId: 'cy-call', video: true });
    expect(effects).toEqual([
      { type: 'holdMedia', callId: 'ada-call', held: true },
      { type: 'createReoffer', callId: 'ada-call' },
      { type: 'createAnswer', callId: 'cy-call', offer: OFFER, video: true },
      { type: 'tone', tone: null },
    ]);
    expect(phases(phone)).toEqual([
      ['ada-call', 'active', 'held'],
      ['cy-call', 'answering', 'free'],
    ]);
    const holdInvite = run(phone, { type: 'reofferReady', callId: 'ada-call', body: { sdp: OFFER, media } });
    expect(sent(holdInvite.effects)).toEqual([{ method: 'INVITE', cseq: 1, callId: 'ada-call', body: { sdp: OFFER, media } }]);
    const answered = run(holdInvite.phone, { type: 'answerReady', callId: 'cy-call', sdp: ANSWER });
    expect(sent(answered.effects)).toMatchObject([{ status: 200, method: 'INVITE', callId: 'cy-call', body: { sdp: ANSWER } }]);
    expect(activeCall(answered.phone.calls)?.state.dialog.callId).toBe('cy-call');
  });

  it('resuming the held call holds the active one first, then resumes', () => {
    const { phone, effects } = run(talkingToCy, { type: 'resume', callId: 'ada-call' });
    expect(effects).toEqual([
      { type: 'holdMedia', callId: 'cy-call', held: true },
      { type: 'createReoffer', callId: 'cy-call' },
      { type: 'holdMedia', callId: 'ada-call', held: false },
      { type: 'createReoffer', callId: 'ada-call' },
    ]);
    expect(phases(phone)).toEqual([
      ['ada-call', 'active', 'free'],
      ['cy-call', 'active', 'held'],
    ]);
  });

  it('hanging up the held call ends only that call', () => {
    const { phone, effects } = run(talkingToCy, { type: 'hangup', callId: 'ada-call' });
    expect(sent(effects)).toEqual([{ method: 'BYE', cseq: 2, callId: 'ada-call', body: { reason: 'Hang up' } }]);
    expect(effects).toContainEqual(expect.objectContaining({ type: 'ended', callId: 'ada-call', outcome: { kind: 'hangup', by: 'local' } }));
    expect(phases(phone)).toEqual([['cy-call', 'active', 'free']]);
  });

  it("a BYE reaches the call it names, whichever is active", () => {
    const { phone, effects } = run(talkingToCy, bye('ada-call', 5));
    expect(sent(effects)).toEqual([{ status: 200, reason: 'OK', method: 'BYE', cseq: 5, callId: 'ada-call' }]);
    expect(phases(phone)).toEqual([['cy-call', 'active', 'free']]);
  });

  it('declining the waiting call answers it 603 and stops the soft tone; the call goes on', () => {
    const { phone, effects } = run(cyWaits.phone, { type: 'decline', callId: 'cy-call' });
    expect(sent(effects)).toEqual([{ status: 603, reason: 'Decline', method: 'INVITE', cseq: 1, callId: 'cy-call' }]);
    expect(tones(effects)).toEqual([null]);
    expect(phases(phone)).toEqual([['ada-call', 'active', 'free']]);
  });

  it('when the call ends under a waiting call, it rings on with the full ringtone', () => {
    const { phone, effects } = run(cyWaits.phone, bye('ada-call', 3));
    expect(tones(effects)).toEqual(['ringtone']);
    expect(phases(phone)).toEqual([['cy-call', 'ringing', 'free']]);
  });

  it('answering while our own call still rings out cancels that call first', () => {
    const calling = run(
      idlePhone,
      { type: 'dial', callId: 'out-call', to: 'Bob', video: false },
      { type: 'offerReady', callId: 'out-call', body: { sdp: OFFER, media } },
      res('out-call', 100, 'INVITE', 1),
      res('out-call', 180, 'INVITE', 1),
      invite('cy-call', 'Cy'),
    );
    expect(calling.phone.tone).toBe('waiting');
    const { phone, effects } = run(calling.phone, { type: 'answer', callId: 'cy-call', video: false });
    expect(sent(effects)).toEqual([{ method: 'CANCEL', cseq: 1, callId: 'out-call' }]);
    expect(phases(phone)).toEqual([
      ['out-call', 'cancelling', 'free'],
      ['cy-call', 'answering', 'free'],
    ]);
  });

  it('a call with the same peer as a call in progress is busy', () => {
    const { phone, effects } = run(withAda, invite('ada-again', 'ADA'));
    expect(phone).toBe(withAda);
    expect(sent(effects)).toEqual([{ status: 486, reason: 'Busy Here', method: 'INVITE', cseq: 1, callId: 'ada-again' }]);
  });
});

describe('a full phone answers 486', () => {
  it.each([
    ['a call ringing', run(idlePhone, invite('ada-call', 'Ada')).phone],
    ['a call and a waiting call', cyWaits.phone],
    ['two answered calls, one held', talkingToCy],
  ])('with %s', (_label, phone) => {
    const { phone: after, effects } = run(phone, invite('dee-call', 'Dee'));
    expect(after).toBe(phone);
    expect(effects).toEqual([{ type: 'send', message: { status: 486, reason: 'Busy Here', method: 'INVITE', cseq: 1, callId: 'dee-call' } }]);
  });

  it('and rings again once a call ended', () => {
    const freed = run(talkingToCy, { type: 'hangup', callId: 'ada-call' }, invite('dee-call', 'Dee'));
    expect(phases(freed.phone)).toEqual([
      ['cy-call', 'active', 'free'],
      ['dee-call', 'ringing', 'free'],
    ]);
  });
});

describe('glare, unchanged', () => {
  const inviting = run(idlePhone, { type: 'dial', callId: 'out-call', to: 'Ada', video: true }, { type: 'offerReady', callId: 'out-call', body: { sdp: OFFER, media } }).phone;

  it('our INVITE had no 100 yet: ours gives way and the peer call is answered with our media', () => {
    const { phone, effects } = run(inviting, invite('their-call', 'Ada'));
    expect(phases(phone)).toEqual([['their-call', 'answering', 'free']]);
    expect(effects).toContainEqual(expect.objectContaining({ type: 'ended', callId: 'out-call', outcome: { kind: 'superseded' } }));
    expect(effects).toContainEqual({ type: 'createAnswer', callId: 'their-call', offer: OFFER, video: true });
    expect(sent(effects)).toMatchObject([{ status: 180, callId: 'their-call' }]);
  });

  it('our INVITE was accepted first: theirs gets 486 and ours goes on', () => {
    const trying = run(inviting, res('out-call', 100, 'INVITE', 1)).phone;
    const { phone, effects } = run(trying, invite('their-call', 'Ada'));
    expect(phone).toBe(trying);
    expect(sent(effects)).toMatchObject([{ status: 486, callId: 'their-call' }]);
  });
});

describe('routing', () => {
  it('losing the signalling starts the network timer of every unanswered call', () => {
    const { effects } = run(cyWaits.phone, { type: 'connectionLost' });
    expect(effects).toEqual([{ type: 'startTimer', callId: 'cy-call', timer: 'network', ms: 25_000 }]);
  });

  it('a stray BYE gets 481; a late result for a call that is gone is dropped', () => {
    expect(sent(run(withAda, bye('gone-call', 2)).effects)).toMatchObject([{ status: 481, callId: 'gone-call' }]);
    expect(run(withAda, { type: 'answerReady', callId: 'gone-call', sdp: ANSWER }).effects).toEqual([]);
  });

  it('a response carrying one call id never moves another call', () => {
    const { phone, effects } = run(talkingToCy, res('cy-call', 200, 'INVITE', 1, { body: { sdp: ANSWER } }));
    expect(phone.calls).toEqual(talkingToCy.calls);
    expect(effects.map((e) => e.type)).toEqual(['warn']);
  });

  it('dialling while in a call is ignored; dialling the peer whose call rings here answers it', () => {
    expect(run(withAda, { type: 'dial', callId: 'x-call', to: 'Bob', video: false }).effects.map((e) => e.type)).toEqual(['warn']);
    const ringing = run(idlePhone, invite('ada-call', 'Ada')).phone;
    const { phone } = run(ringing, { type: 'dial', callId: 'x-call', to: 'ada', video: false });
    expect(phases(phone)).toEqual([['ada-call', 'answering', 'free']]);
  });

  it.each([
    ['hold a ringing call', cyWaits.phone, { type: 'hold', callId: 'cy-call' }],
    ['hold a held call', talkingToCy, { type: 'hold', callId: 'ada-call' }],
    ['resume a call that is not held', talkingToCy, { type: 'resume', callId: 'cy-call' }],
    ['resume a call that is gone', talkingToCy, { type: 'resume', callId: 'gone-call' }],
  ] as const)('%s: no change and a warning', (_label, phone, input) => {
    const result = run(phone, input);
    expect(result.phone).toEqual(phone);
    expect(result.effects.map((e) => e.type)).toEqual(['warn']);
  });
});
