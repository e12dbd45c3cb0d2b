/**
 * The coordinator with conferences (sip/conference.ts): Add person grows the call into a
 * conference, the server's NOTIFYs tag the call it grew from and ask for introductions, a link
 * INVITE in a conference this phone is in is answered without ringing, and the conference acts as
 * one call: hold, resume, hang up (leave), the phone's limits and call waiting.
 */
import { describe, expect, it } from 'vitest';
import type { ConferenceBody, Message, Request, Response } from '../../common/protocol.js';
import { idlePhone, seenCalls, waitingCall, type PhoneEffect, type PhoneInput, type PhoneState } from '../../renderer/src/sip/coordinator.js';
import { ANSWER, media, msg, OFFER, runPhone, type Run } from './phone-steps.js';
import { conferenceText } from '../../renderer/src/sip/conference.js';

const ctx = { random: () => 0.5, newCallId: () => 'new-call' };
const run = (phone: PhoneState, ...inputs: PhoneInput[]): Run => runPhone(ctx, phone, inputs, 'all');
const invite = (callId: string, from: string, conference?: { id: string; members: string[]; introduction?: true }): PhoneInput =>
  msg({ method: 'INVITE', cseq: 1, callId, from, to: 'Me', body: { sdp: OFFER, media, ...(conference ? { conference } : {}) } } as Request);
const res = (callId: string, status: number, method: string, cseq: number, extra: Partial<Response> = {}): PhoneInput =>
  msg({ status, reason: 'r', method, cseq, callId, ...extra });
const notify = (body: Omit<ConferenceBody, 'event'>, extra: Partial<Request> = {}): PhoneInput =>
  msg({ method: 'NOTIFY', cseq: 7, to: 'Me', body: { event: 'conference', ...body }, ...extra } as Request);
const bye = (callId: string, cseq: number): PhoneInput => msg({ method: 'BYE', cseq, callId, body: { reason: 'Hang up' } } as Request);
const sent = (effects: PhoneEffect[]): Message[] => effects.flatMap((e) => (e.type === 'send' ? [e.message] : []));
const types = (effects: PhoneEffect[]) => effects.map((e) => e.type);
/** Each call: its id, phase, whether held, and its conference. */
const calls = (phone: PhoneState) =>
  phone.calls.map((c) => [c.state.dialog.callId, c.state.phase, c.held ? 'held' : 'free', c.conference?.id ?? '-']);

/** Ada called us and we answered: one call. */
const withAda = run(idlePhone, invite('ada-call', 'Ada'), { type: 'answer', callId: 'ada-call', video: true }, {
  type: 'answerReady',
  callId: 'ada-call',
  sdp: ANSWER,
}).phone;
const addCy: PhoneInput = { type: 'addPerson', from: 'ada-call', callId: 'cy-call', to: 'Cy', conference: 'conf-1', video: true };
/** We added Cy, who answered: a conference of Ada, Cy and us. */
const withAdaAndCy = run(
  withAda,
  addCy,
  { type: 'offerReady', callId: 'cy-call', body: { sdp: OFFER, media } },
  res('cy-call', 100, 'INVITE', 1),
  res('cy-call', 200, 'INVITE', 1, { from: 'Cy', body: { sdp: ANSWER } }),
  notify({ id: 'conf-1', members: ['Ada', 'Cy'], join: 'Cy' }),
).phone;
/** Ada then added Dee; we were told and linked with Dee: three links. */
const withThree = run(
  withAdaAndCy,
  notify({ id: 'conf-1', members: ['Ada', 'Cy', 'Dee'], join: 'Dee' }),
  { type: 'introduce', callId: 'dee-call', to: 'Dee', conference: 'conf-1', video: true },
  { type: 'offerReady', callId: 'dee-call', body: { sdp: OFFER, media } },
  res('dee-call', 200, 'INVITE', 1, { from: 'Dee', body: { sdp: ANSWER } }),
).phone;

describe('add person', () => {
  it('grows the call into a conference: the call is tagged, and a new call invites them with { id, from }', () => {
    const added = run(withAda, addCy);
    expect(calls(added.phone)).toEqual([
      ['ada-call', 'active', 'free', 'conf-1'],
      ['cy-call', 'preparing', 'free', 'conf-1'],
    ]);
    expect(added.effects).toEqual([{ type: 'createOffer', callId: 'cy-call', video: true }]);
    const offered = run(added.phone, { type: 'offerReady', callId: 'cy-call', body: { sdp: OFFER, media } });
    expect(sent(offered.effects)).toEqual([
      { method: 'INVITE', cseq: 1, callId: 'cy-call', to: 'Cy', body: { sdp: OFFER, media, conference: { id: 'conf-1', from: 'ada-call' } } },
    ]);
  });

  it('in a conference already, the new person joins that one, whatever id the input brings', () => {
    const added = run(withAdaAndCy, { type: 'addPerson', from: 'cy-call', callId: 'eve-call', to: 'Eve', conference: 'other-id', video: false });
    expect(calls(added.phone).at(-1)).toEqual(['eve-call', 'preparing', 'free', 'conf-1']);
  });

  it.each([
    ['from a held call', run(withAda, { type: 'hold', callId: 'ada-call' }).phone, addCy],
    ['from a call that is not answered', run(idlePhone, invite('ada-call', 'Ada')).phone, addCy],
    ['of someone in a call with us', withAdaAndCy, { ...addCy, from: 'ada-call', callId: 'x-call', to: 'cy' }],
  ] as const)('is ignored %s', (_label, phone, input) => {
    const result = run(phone, input);
    expect(result.phone).toBe(phone);
    expect(types(result.effects)).toEqual(['warn']);
  });

  it('an invitation declined ends only its call: the call goes on', () => {
    const declined = run(withAda, addCy, { type: 'offerReady', callId: 'cy-call', body: { sdp: OFFER, media } }, res('cy-call', 603, 'INVITE', 1, { from: 'Cy' }));
    expect(calls(declined.phone)).toEqual([['ada-call', 'active', 'free', 'conf-1']]);
    expect(declined.effects).toContainEqual(expect.objectContaining({ type: 'ended', callId: 'cy-call', outcome: { kind: 'rejected', status: 603 } }));
  });
});

describe('what the server tells', () => {
  it('a NOTIFY naming our call tags it: the other party grew it into a conference', () => {
    const told = run(withAda, notify({ id: 'conf-9', members: ['Ada'] }, { callId: 'ada-call' }));
    expect(calls(told.phone)).toEqual([['ada-call', 'active', 'free', 'conf-9']]);
    expect(told.effects).toEqual([]);
  });

  it('someone joined that we have no link with: introduce them; the introduction INVITEs them with { id } only', () => {
    const told = run(withAdaAndCy, notify({ id: 'conf-1', members: ['Ada', 'Cy', 'Dee'], join: 'Dee' }));
    expect(told.effects).toEqual([{ type: 'introduce', conference: 'conf-1', to: 'Dee' }]);
    const introduced = run(told.phone, { type: 'introduce', callId: 'dee-call', to: 'Dee', conference: 'conf-1', video: true }, {
      type: 'offerReady',
      callId: 'dee-call',
      body: { sdp: OFFER, media },
    });
    expect(sent(introduced.effects)).toEqual([{ method: 'INVITE', cseq: 1, callId: 'dee-call', to: 'Dee', body: { sdp: OFFER, media, conference: { id: 'conf-1' } } }]);
    expect(calls(introduced.phone).at(-1)).toEqual(['dee-call', 'inviting', 'free', 'conf-1']);
  });

  it.each([
    ['we invited the newcomer (we have its link)', notify({ id: 'conf-1', members: ['Ada', 'Cy'], join: 'Cy' })],
    ['we are the newcomer (not among the others)', notify({ id: 'conf-1', members: ['Ada', 'Cy'], join: 'Me' })],
    ['a conference we are not in', notify({ id: 'conf-2', members: ['Eve', 'Fay'], join: 'Fay' })],
    ['someone left (their BYE ends the link)', notify({ id: 'conf-1', members: ['Ada'], leave: 'Cy' })],
    ['a NOTIFY a peer sent, not the server', notify({ id: 'conf-1', members: ['Ada', 'Cy', 'Eve'], join: 'Eve' }, { from: 'Cy' })],
  ])('nothing to do when %s', (_label, input) => {
    const result = run(withAdaAndCy, input);
    expect(result.phone).toBe(withAdaAndCy);
    expect(result.effects).toEqual([]);
  });

  it('an introduction once linked, or out of the conference, is ignored', () => {
    const linked = run(withAdaAndCy, { type: 'introduce', callId: 'x-call', to: 'Cy', conference: 'conf-1', video: true });
    expect(types(linked.effects)).toEqual(['warn']);
    const outside = run(withAda, { type: 'introduce', callId: 'x-call', to: 'Dee', conference: 'conf-1', video: true });
    expect(types(outside.effects)).toEqual(['warn']);
  });
});

describe('links into a conference we are in', () => {
  it('are answered at once: no ringing, no alert, answered with the offer', () => {
    const linked = run(withAdaAndCy, invite('dee-call', 'Dee', { id: 'conf-1', members: ['Ada', 'Cy', 'Me'] }));
    expect(calls(linked.phone).at(-1)).toEqual(['dee-call', 'answering', 'free', 'conf-1']);
    expect(types(linked.effects)).not.toContain('incoming');
    expect(types(linked.effects)).not.toContain('tone');
    expect(linked.effects).toContainEqual({ type: 'createAnswer', callId: 'dee-call', offer: OFFER, video: true });
    expect(linked.phone.tone).toBeNull();
  });

  it('from a member we have a link with already: 486', () => {
    const twice = run(withAdaAndCy, invite('cy-again', 'Cy', { id: 'conf-1', members: ['Ada', 'Me'] }));
    expect(twice.phone).toBe(withAdaAndCy);
    expect(sent(twice.effects)).toMatchObject([{ status: 486, callId: 'cy-again' }]);
  });

  it('while the conference is on hold: the new link starts held', () => {
    const held = run(withThree, { type: 'hold', callId: 'ada-call' }).phone;
    const linked = run(held, invite('eve-call', 'Eve', { id: 'conf-1', members: ['Ada', 'Cy', 'Dee'] }));
    expect(calls(linked.phone).at(-1)).toEqual(['eve-call', 'answering', 'held', 'conf-1']);
  });

  it('an invitation into a conference we are not in rings like any call, and once answered we are in it', () => {
    const ringing = run(idlePhone, invite('ada-call', 'Ada', { id: 'conf-5', members: ['Ada', 'Bob'] }));
    expect(types(ringing.effects)).toContain('incoming');
    expect(ringing.phone.tone).toBe('ringtone');
    const answered = run(ringing.phone, { type: 'answer', callId: 'ada-call', video: true }, { type: 'answerReady', callId: 'ada-call', sdp: ANSWER });
    expect(calls(answered.phone)).toEqual([['ada-call', 'active', 'free', 'conf-5']]);
    const linked = run(answered.phone, invite('bob-call', 'Bob', { id: 'conf-5', members: ['Ada', 'Me'] }));
    expect(calls(linked.phone).at(-1)).toEqual(['bob-call', 'answering', 'free', 'conf-5']);
  });
});

describe('early introductions: a member', () => {
  it('told that someone rings to join, introduces itself at once', () => {
    const told = run(withAdaAndCy, notify({ id: 'conf-1', members: ['Ada', 'Cy'], ringing: 'Dee' }));
    expect(told.effects).toEqual([{ type: 'introduce', conference: 'conf-1', to: 'Dee' }]);
    const introduced = run(told.phone, { type: 'introduce', callId: 'dee-call', to: 'Dee', conference: 'conf-1', video: true });
    expect(calls(introduced.phone).at(-1)).toEqual(['dee-call', 'preparing', 'free', 'conf-1']);
  });

  it('told that someone it has a link with rings, or who rings into another conference, does nothing', () => {
    expect(run(withAdaAndCy, notify({ id: 'conf-1', members: ['Ada', 'Cy'], ringing: 'Cy' })).effects).toEqual([]);
    expect(run(withAdaAndCy, notify({ id: 'conf-2', members: ['Eve'], ringing: 'Dee' })).effects).toEqual([]);
  });

  it('leaving while its introduction still rings at the newcomer cancels it with the links', () => {
    const ringing = run(withAdaAndCy, { type: 'introduce', callId: 'dee-call', to: 'Dee', conference: 'conf-1', video: true }, {
      type: 'offerReady',
      callId: 'dee-call',
      body: { sdp: OFFER, media },
    }, res('dee-call', 180, 'INVITE', 1, { from: 'Dee' })).phone;
    const left = run(ringing, { type: 'hangup', callId: 'ada-call' });
    expect(sent(left.effects).map((m) => [m.callId, 'method' in m ? m.method : ''])).toEqual([
      ['ada-call', 'BYE'],
      ['cy-call', 'BYE'],
      ['dee-call', 'CANCEL'],
    ]);
    const cancelled = run(left.phone, res('dee-call', 487, 'INVITE', 1, { from: 'Dee' }));
    expect(cancelled.phone.calls).toEqual([]);
  });

  it('whose introduction ends unanswered (the newcomer declined: 487) tells nothing of it: no call of its own ended', () => {
    const ringing = run(withAdaAndCy, { type: 'introduce', callId: 'dee-call', to: 'Dee', conference: 'conf-1', video: true }, {
      type: 'offerReady',
      callId: 'dee-call',
      body: { sdp: OFFER, media },
    }).phone;
    const ended = run(ringing, res('dee-call', 487, 'INVITE', 1, { from: 'Dee' }));
    expect(ended.effects).toContainEqual({ type: 'ended', callId: 'dee-call', peer: 'Dee', outgoing: true, outcome: { kind: 'unlinked' } });
    expect(calls(ended.phone)).toEqual(calls(withAdaAndCy));
  });
});

/** Ada invited us into conf-7 (with Bob); it rings here. */
const invited = run(idlePhone, invite('ada-call', 'Ada', { id: 'conf-7', members: ['Ada', 'Bob'] })).phone;
/** Bob introduced himself while it rang. */
const withEarlyLink = run(invited, invite('bob-call', 'Bob', { id: 'conf-7', members: ['Ada', 'Bob'], introduction: true })).phone;

describe('early introductions: the newcomer', () => {
  it('holds an introduction that comes while its invitation rings: 180, no alert, no second ring, not shown', () => {
    const held = run(invited, invite('bob-call', 'Bob', { id: 'conf-7', members: ['Ada', 'Bob'], introduction: true }));
    expect(sent(held.effects)).toMatchObject([{ status: 180, callId: 'bob-call' }]);
    expect(types(held.effects)).not.toContain('incoming');
    expect(held.phone.tone).toBe('ringtone');
    expect(calls(held.phone)).toEqual([
      ['ada-call', 'ringing', 'free', 'conf-7'],
      ['bob-call', 'ringing', 'free', 'conf-7'],
    ]);
    expect(seenCalls(held.phone.calls).map((call) => call.state.dialog.callId)).toEqual(['ada-call']);
    expect(waitingCall(held.phone.calls), 'the invitation is no call waiting beside another').toBeUndefined();
  });

  it('declines an introduction into a conference it is neither in nor ringing to join (603), and nothing rings', () => {
    const stray = run(idlePhone, invite('bob-call', 'Bob', { id: 'conf-7', members: ['Ada', 'Bob'], introduction: true }));
    expect(stray.phone).toBe(idlePhone);
    expect(sent(stray.effects)).toMatchObject([{ status: 603, callId: 'bob-call' }]);
  });

  it('answering the invitation answers the introductions with it, with the same media', () => {
    const answered = run(withEarlyLink, { type: 'answer', callId: 'ada-call', video: false });
    expect(answered.effects.filter((effect) => effect.type === 'createAnswer')).toEqual([
      { type: 'createAnswer', callId: 'ada-call', offer: OFFER, video: false },
      { type: 'createAnswer', callId: 'bob-call', offer: OFFER, video: false },
    ]);
    expect(calls(answered.phone)).toEqual([
      ['ada-call', 'answering', 'free', 'conf-7'],
      ['bob-call', 'answering', 'free', 'conf-7'],
    ]);
  });

  it('sends an introduction\'s 200 only after its invitation\'s, whichever answer is made first', () => {
    const answering = run(withEarlyLink, { type: 'answer', callId: 'ada-call', video: true }).phone;
    const linkFirst = run(answering, { type: 'answerReady', callId: 'bob-call', sdp: ANSWER });
    expect(sent(linkFirst.effects), 'the server refuses a 200 to a link from someone not yet in').toEqual([]);
    const both = run(linkFirst.phone, { type: 'answerReady', callId: 'ada-call', sdp: ANSWER });
    expect(sent(both.effects).map((m) => m.callId)).toEqual(['ada-call', 'bob-call']);
    expect(calls(both.phone).map(([, phase]) => phase)).toEqual(['active', 'active']);

    const invitationFirst = run(answering, { type: 'answerReady', callId: 'ada-call', sdp: ANSWER }, { type: 'answerReady', callId: 'bob-call', sdp: ANSWER });
    expect(sent(invitationFirst.effects).filter((m) => 'status' in m && m.status === 200).map((m) => m.callId)).toEqual(['ada-call', 'bob-call']);
  });

  it('an introduction arriving while the invitation is being answered is answered at once, its 200 still after the invitation\'s', () => {
    const answering = run(invited, { type: 'answer', callId: 'ada-call', video: true }).phone;
    const linked = run(answering, invite('bob-call', 'Bob', { id: 'conf-7', members: ['Ada', 'Bob'], introduction: true }), {
      type: 'answerReady',
      callId: 'bob-call',
      sdp: ANSWER,
    });
    expect(sent(linked.effects).map((m) => 'status' in m && m.status)).toEqual([180]);
    const joined = run(linked.phone, { type: 'answerReady', callId: 'ada-call', sdp: ANSWER });
    expect(sent(joined.effects).map((m) => m.callId)).toEqual(['ada-call', 'bob-call']);
  });

  it('its invitation cancelled (the inviter gave up, or the ring timed out): the links wait unseen for their own CANCEL', () => {
    const cancelled = run(withEarlyLink, msg({ method: 'CANCEL', cseq: 1, callId: 'ada-call', from: 'Ada' } as Request));
    expect(cancelled.effects).toContainEqual({ type: 'ended', callId: 'ada-call', peer: 'Ada', outgoing: false, outcome: { kind: 'missed' } });
    expect(seenCalls(cancelled.phone.calls)).toEqual([]);
    expect(cancelled.phone.tone).toBeNull();
    const linkCancelled = run(cancelled.phone, msg({ method: 'CANCEL', cseq: 1, callId: 'bob-call', from: 'Bob' } as Request));
    expect(linkCancelled.phone.calls).toEqual([]);
  });

  it('declining the invitation leaves the introductions to the server\'s CANCEL, which ends them telling nothing', () => {
    const declined = run(withEarlyLink, { type: 'decline', callId: 'ada-call' });
    expect(sent(declined.effects)).toMatchObject([{ status: 603, callId: 'ada-call' }]);
    expect(declined.phone.tone).toBeNull();
    const cancelled = run(declined.phone, msg({ method: 'CANCEL', cseq: 1, callId: 'bob-call', from: 'Bob' } as Request));
    expect(sent(cancelled.effects)).toMatchObject([
      { status: 200, method: 'CANCEL' },
      { status: 487, method: 'INVITE' },
    ]);
    expect(cancelled.effects).toContainEqual({ type: 'ended', callId: 'bob-call', peer: 'Bob', outgoing: false, outcome: { kind: 'unlinked' } });
    expect(cancelled.phone.calls).toEqual([]);
  });
});

describe('a conference is one call', () => {
  it('hold takes every link, resume brings every link back', () => {
    const held = run(withThree, { type: 'hold', callId: 'cy-call' });
    expect(held.effects.filter((e) => e.type === 'holdMedia')).toEqual([
      { type: 'holdMedia', callId: 'ada-call', held: true },
      { type: 'holdMedia', callId: 'cy-call', held: true },
      { type: 'holdMedia', callId: 'dee-call', held: true },
    ]);
    expect(calls(held.phone).map((c) => c[2])).toEqual(['held', 'held', 'held']);
    const resumed = run(held.phone, { type: 'resume', callId: 'dee-call' });
    expect(calls(resumed.phone).map((c) => c[2])).toEqual(['free', 'free', 'free']);
  });

  it('hang up leaves: every link hangs up', () => {
    const left = run(withThree, { type: 'hangup', callId: 'cy-call' });
    expect(sent(left.effects).map((m) => [(m as Request).method, m.callId])).toEqual([
      ['BYE', 'ada-call'],
      ['BYE', 'cy-call'],
      ['BYE', 'dee-call'],
    ]);
    expect(left.phone.calls).toEqual([]);
  });

  it('leaving while an invitation still rings cancels it too', () => {
    const inviting = run(withAda, addCy, { type: 'offerReady', callId: 'cy-call', body: { sdp: OFFER, media } }, res('cy-call', 180, 'INVITE', 1, { from: 'Cy' }));
    const left = run(inviting.phone, { type: 'hangup', callId: 'ada-call' });
    expect(sent(left.effects).map((m) => [(m as Request).method, m.callId])).toEqual([
      ['BYE', 'ada-call'],
      ['CANCEL', 'cy-call'],
    ]);
  });

  it('one member hanging up ends only its link: the others go on', () => {
    const { phone } = run(withThree, bye('cy-call', 4));
    expect(calls(phone)).toEqual([
      ['ada-call', 'active', 'free', 'conf-1'],
      ['dee-call', 'active', 'free', 'conf-1'],
    ]);
  });

  it('counts once for the phone: a caller rings as call waiting, and answering holds every link', () => {
    const waiting = run(withThree, invite('eve-call', 'Eve'));
    expect(calls(waiting.phone).at(-1)).toEqual(['eve-call', 'ringing', 'free', '-']);
    expect(waiting.phone.tone).toBe('waiting');
    const answered = run(waiting.phone, { type: 'answer', callId: 'eve-call', video: false });
    expect(calls(answered.phone)).toEqual([
      ['ada-call', 'active', 'held', 'conf-1'],
      ['cy-call', 'active', 'held', 'conf-1'],
      ['dee-call', 'active', 'held', 'conf-1'],
      ['eve-call', 'answering', 'free', '-'],
    ]);
    // Resuming the conference holds Eve's call.
    const talking = run(answered.phone, { type: 'answerReady', callId: 'eve-call', sdp: ANSWER }, { type: 'resume', callId: 'ada-call' });
    expect(calls(talking.phone).map((c) => c[2])).toEqual(['free', 'free', 'free', 'held']);
  });

  it('a link still being set up goes on when the user answers a waiting call', () => {
    const settingUp = run(withAdaAndCy, notify({ id: 'conf-1', members: ['Ada', 'Cy', 'Dee'], join: 'Dee' }), {
      type: 'introduce',
      callId: 'dee-call',
      to: 'Dee',
      conference: 'conf-1',
      video: true,
    }, invite('eve-call', 'Eve'));
    const answered = run(settingUp.phone, { type: 'answer', callId: 'eve-call', video: false });
    expect(calls(answered.phone).find((c) => c[0] === 'dee-call')).toEqual(['dee-call', 'preparing', 'free', 'conf-1']);
  });
});

describe('status text', () => {
  it('names everyone in the conference, in alphabetical order', () => {
    expect(conferenceText(['Ada'])).toBe('In call with Ada');
    expect(conferenceText(['Dee', 'ada', 'Cy'])).toBe('In conference with ada, Cy and Dee');
  });
});
