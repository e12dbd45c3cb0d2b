/**
 * Transfer through the phone coordinator and transfer.ts, one transition at a time: the transferrer
 * (blind, attended, each failure, cancel), the transferee (accept, report, fail back, decline), the
 * target of an attended transfer (answers at once, ends the replaced call), and crossing transfers.
 */
import { describe, expect, it } from 'vitest';
import type { Message, Request, Response } from '../../common/protocol.js';
import { activeCall, idlePhone, type PhoneEffect, type PhoneInput, type PhoneState } from '../../renderer/src/sip/coordinator.js';
import { ANSWER, media, msg, OFFER, runPhone, type Run } from './phone-steps.js';

const ctx = { random: () => 0.5, newCallId: () => 'placed-call' };
const run = (phone: PhoneState, ...inputs: PhoneInput[]): Run => runPhone(ctx, phone, inputs, 'last');
const req = (request: Record<string, unknown>): PhoneInput => msg(request as unknown as Request);
const res = (callId: string, status: number, method: string, cseq: number, extra: Partial<Response> = {}): PhoneInput =>
  msg({ status, reason: 'r', method, cseq, callId, ...extra });
const sent = (effects: PhoneEffect[]): Message[] => effects.flatMap((e) => (e.type === 'send' ? [e.message] : []));
const phases = (phone: PhoneState) => phone.calls.map((c) => [c.state.dialog.callId, c.state.phase, c.held ? 'held' : 'free']);
const report = (callId: string, cseq: number, status: number) => req({ method: 'NOTIFY', cseq, callId, from: 'Bob', body: { event: 'refer', status } });
const offerReady = (callId: string): PhoneInput => ({ type: 'offerReady', callId, body: { sdp: OFFER, media } });
const answered = (callId: string, cseq = 1) => res(callId, 200, 'INVITE', cseq, { body: { sdp: ANSWER } });

/** We called Bob (call X) and he answered. */
const withBob = run(idlePhone, { type: 'dial', callId: 'x-call', to: 'Bob', video: true }, offerReady('x-call'), answered('x-call')).phone;
/** Ada called us (call X) and we answered. */
const fromAda = run(
  idlePhone,
  req({ method: 'INVITE', cseq: 1, callId: 'x-call', from: 'Ada', body: { sdp: OFFER, media } }),
  { type: 'answer', callId: 'x-call', video: true },
  { type: 'answerReady', callId: 'x-call', sdp: ANSWER },
).phone;

describe('transferrer, blind', () => {
  const begun = run(withBob, { type: 'transfer', callId: 'x-call', to: 'Cy' });
  /** The hold re-INVITE (cseq 3, after the REFER's 2) answered. */
  const referring = run(begun.phone, { type: 'reofferReady', callId: 'x-call', body: { sdp: OFFER, media } }, answered('x-call', 3));

  it('Transfer holds the call (re-INVITE) and sends REFER to the target at once', () => {
    const referring = begun;
    expect(referring.effects).toEqual([
      { type: 'holdMedia', callId: 'x-call', held: true },
      { type: 'createReoffer', callId: 'x-call' },
      { type: 'send', message: { method: 'REFER', cseq: 2, callId: 'x-call', body: { target: 'Cy' } } },
    ]);
    expect(referring.phone.transfer).toEqual({ kind: 'pending', call: 'x-call', peer: 'Bob', target: 'Cy' });
    expect(phases(referring.phone)).toEqual([['x-call', 'active', 'held']]);
    // The hold re-INVITE follows with the cseq after the REFER's.
    expect(sent(run(referring.phone, { type: 'reofferReady', callId: 'x-call', body: { sdp: OFFER, media } }).effects)).toMatchObject([{ method: 'INVITE', cseq: 3 }]);
  });

  it('202 and the reports 100 and 180 change nothing; 200 leaves the call (BYE Transferred) and ends the transfer', () => {
    const progressing = run(referring.phone, res('x-call', 202, 'REFER', 2, { from: 'Bob' }), report('x-call', 1, 100), report('x-call', 2, 180));
    expect(progressing.phone.transfer.kind).toBe('pending');
    expect(progressing.effects).toEqual([]);
    const done = run(progressing.phone, report('x-call', 3, 200));
    expect(sent(done.effects)).toEqual([{ method: 'BYE', cseq: 4, callId: 'x-call', body: { reason: 'Transferred' } }]);
    expect(done.effects).toContainEqual({ type: 'ended', callId: 'x-call', peer: 'Bob', outgoing: true, outcome: { kind: 'transferred', to: 'Cy' } });
    expect(done.phone).toMatchObject({ calls: [], transfer: { kind: 'none' } });
  });

  it.each([
    [603, 'declined'],
    [486, 'busy'],
    [408, 'noAnswer'],
    [480, 'unavailable'],
    [500, 'failed'],
  ] as const)('a report of %i fails the transfer (%s): the call stays on hold, and resuming it ends the failure', (status, why) => {
    const failed = run(referring.phone, res('x-call', 202, 'REFER', 2), report('x-call', 1, status));
    expect(failed.phone.transfer).toEqual({ kind: 'failed', call: 'x-call', peer: 'Bob', target: 'Cy', why });
    expect(phases(failed.phone)).toEqual([['x-call', 'active', 'held']]);
    expect(sent(failed.effects)).toEqual([]);
    const resumed = run(failed.phone, { type: 'resume', callId: 'x-call' });
    expect(resumed.effects).toEqual([
      { type: 'holdMedia', callId: 'x-call', held: false },
      { type: 'createReoffer', callId: 'x-call' },
    ]);
    expect(resumed.phone.transfer).toEqual({ kind: 'none' });
  });

  it.each([
    [404, 'unavailable'],
    [480, 'unavailable'],
    [603, 'refused'],
    [491, 'refused'],
    [408, 'refused'],
  ] as const)('a REFER answered %i fails the transfer (%s)', (status, why) => {
    const failed = run(referring.phone, res('x-call', status, 'REFER', 2));
    expect(failed.phone.transfer).toMatchObject({ kind: 'failed', why });
    expect(phases(failed.phone)).toEqual([['x-call', 'active', 'held']]);
  });

  it('after a failure the call can be transferred again, without another hold', () => {
    const failed = run(referring.phone, res('x-call', 603, 'REFER', 2)).phone;
    const again = run(failed, { type: 'transfer', callId: 'x-call', to: 'Dee' });
    expect(again.effects).toEqual([{ type: 'send', message: { method: 'REFER', cseq: 4, callId: 'x-call', body: { target: 'Dee' } } }]);
    expect(again.phone.transfer).toMatchObject({ kind: 'pending', target: 'Dee' });
  });

  it('the call ending under the transfer ends it; a transfer of no call, to its own peer or during another is ignored', () => {
    const gone = run(referring.phone, req({ method: 'BYE', cseq: 5, callId: 'x-call', body: { reason: 'Hang up' } }));
    expect(gone.phone).toMatchObject({ calls: [], transfer: { kind: 'none' } });
    for (const [phone, input] of [
      [idlePhone, { type: 'transfer', callId: 'x-call', to: 'Cy' }],
      [withBob, { type: 'transfer', callId: 'x-call', to: 'bob' }],
      [referring.phone, { type: 'transfer', callId: 'x-call', to: 'Dee' }],
      [referring.phone, { type: 'completeTransfer' }],
      [referring.phone, { type: 'cancelTransfer' }],
    ] as const) {
      const ignored = run(phone, input);
      expect(ignored.phone).toBe(phone);
      expect(ignored.effects.map((e) => e.type)).toEqual(['warn']);
    }
  });

  it('a report for a call that is not being transferred is only warned about', () => {
    const stray = run(withBob, report('x-call', 1, 200));
    expect(stray.phone).toBe(withBob);
    expect(stray.effects.map((e) => e.type)).toEqual(['warn']);
  });
});

describe('transferrer, attended', () => {
  const consulting = run(withBob, { type: 'consult', callId: 'x-call', consultId: 'y-call', to: 'Cy', video: true });
  /** The hold re-INVITE (cseq 2) answered, and the target answered the consult call. */
  const talking = run(
    consulting.phone,
    { type: 'reofferReady', callId: 'x-call', body: { sdp: OFFER, media } },
    answered('x-call', 2),
    offerReady('y-call'),
    res('y-call', 180, 'INVITE', 1),
    answered('y-call'),
  );

  it('Ask first holds the call and calls the target; the consult call becomes the active one', () => {
    expect(consulting.effects).toEqual([
      { type: 'holdMedia', callId: 'x-call', held: true },
      { type: 'createReoffer', callId: 'x-call' },
      { type: 'createOffer', callId: 'y-call', video: true },
    ]);
    expect(consulting.phone.transfer).toEqual({ kind: 'consulting', call: 'x-call', peer: 'Bob', target: 'Cy', consult: 'y-call' });
    expect(phases(talking.phone)).toEqual([
      ['x-call', 'active', 'held'],
      ['y-call', 'active', 'free'],
    ]);
    expect(activeCall(talking.phone.calls)?.state.dialog.callId).toBe('y-call');
  });

  it('Complete transfer sends REFER replacing the consult call; the target ending it is expected; 200 leaves the call', () => {
    expect(run(consulting.phone, offerReady('y-call'), { type: 'completeTransfer' }).effects.map((e) => e.type)).toEqual(['warn']);
    const completing = run(talking.phone, { type: 'completeTransfer' });
    expect(sent(completing.effects)).toEqual([{ method: 'REFER', cseq: 3, callId: 'x-call', body: { target: 'Cy', replaces: 'y-call' } }]);
    expect(completing.phone.transfer.kind).toBe('completing');
    const replaced = run(completing.phone, res('x-call', 202, 'REFER', 3), req({ method: 'BYE', cseq: 2, callId: 'y-call', from: 'Cy', body: { reason: 'Replaced' } }));
    expect(replaced.phone.transfer.kind).toBe('completing');
    expect(replaced.effects).toContainEqual(expect.objectContaining({ type: 'ended', callId: 'y-call', outcome: { kind: 'replaced' } }));
    const done = run(replaced.phone, report('x-call', 2, 200));
    expect(sent(done.effects)).toEqual([{ method: 'BYE', cseq: 4, callId: 'x-call', body: { reason: 'Transferred' } }]);
    expect(done.phone).toMatchObject({ calls: [], transfer: { kind: 'none' } });
  });

  it('a failed completion leaves both calls: the consult call active, the transferred one on hold', () => {
    const failed = run(talking.phone, { type: 'completeTransfer' }, res('x-call', 202, 'REFER', 3), report('x-call', 1, 481));
    expect(failed.phone.transfer).toMatchObject({ kind: 'failed', why: 'failed' });
    expect(phases(failed.phone)).toEqual([
      ['x-call', 'active', 'held'],
      ['y-call', 'active', 'free'],
    ]);
  });

  it.each([
    ['busy', res('y-call', 486, 'INVITE', 1)],
    ['declined', res('y-call', 603, 'INVITE', 1)],
    ['unavailable', res('y-call', 480, 'INVITE', 1)],
    ['noAnswer', res('y-call', 408, 'INVITE', 1)],
  ] as const)('the consult call failing (%s) fails the transfer; the call stays on hold', (why, answer) => {
    const failed = run(consulting.phone, offerReady('y-call'), answer);
    expect(failed.phone.transfer).toEqual({ kind: 'failed', call: 'x-call', peer: 'Bob', target: 'Cy', why });
    expect(phases(failed.phone)).toEqual([['x-call', 'active', 'held']]);
  });

  it('the target hanging up mid-consult fails the transfer ("hung up"); hanging up ourselves just ends the consult', () => {
    const hungUp = run(talking.phone, req({ method: 'BYE', cseq: 2, callId: 'y-call', from: 'Cy', body: { reason: 'Hang up' } }));
    expect(hungUp.phone.transfer).toMatchObject({ kind: 'failed', why: 'hungUp' });
    expect(phases(hungUp.phone)).toEqual([['x-call', 'active', 'held']]);
    const ours = run(talking.phone, { type: 'hangup', callId: 'y-call' });
    expect(ours.phone.transfer).toEqual({ kind: 'none' });
    expect(phases(ours.phone)).toEqual([['x-call', 'active', 'held']]);
  });

  it('Cancel transfer hangs up the consult call and resumes the held one', () => {
    const cancelled = run(talking.phone, { type: 'cancelTransfer' });
    expect(cancelled.effects).toEqual([
      { type: 'send', message: { method: 'BYE', cseq: 2, callId: 'y-call', body: { reason: 'Hang up' } } },
      { type: 'stopTimer', callId: 'y-call', timer: 'reinvite' },
      { type: 'stopTimer', callId: 'y-call', timer: 'retry' },
      { type: 'ended', callId: 'y-call', peer: 'Cy', outgoing: true, outcome: { kind: 'hangup', by: 'local' } },
      { type: 'holdMedia', callId: 'x-call', held: false },
      { type: 'createReoffer', callId: 'x-call' },
    ]);
    expect(cancelled.phone).toMatchObject({ transfer: { kind: 'none' } });
    expect(phases(cancelled.phone)).toEqual([['x-call', 'active', 'free']]);
    // While it still rings, cancelling it sends CANCEL.
    const ringing = run(consulting.phone, offerReady('y-call'), res('y-call', 180, 'INVITE', 1), { type: 'cancelTransfer' });
    expect(sent(ringing.effects)).toContainEqual({ method: 'CANCEL', cseq: 1, callId: 'y-call' });
  });

  it('Ask first needs the call to be the phone\'s only call', () => {
    const withWaiting = run(withBob, req({ method: 'INVITE', cseq: 1, callId: 'w-call', from: 'Dee', body: { sdp: OFFER, media } })).phone;
    const refused = run(withWaiting, { type: 'consult', callId: 'x-call', consultId: 'y-call', to: 'Cy', video: true });
    expect(refused.phone).toBe(withWaiting);
    expect(refused.effects.map((e) => e.type)).toEqual(['warn']);
  });
});

describe('transferee', () => {
  const refer = req({ method: 'REFER', cseq: 3, callId: 'x-call', from: 'Ada', body: { target: 'Cy', referredBy: 'Ada' } });
  const accepted = run(fromAda, refer);

  it('a REFER is accepted 202: the call is held here quietly (no re-INVITE), the target called with the referral, 100 reported', () => {
    expect(accepted.effects).toEqual([
      { type: 'send', message: { status: 202, reason: 'Accepted', method: 'REFER', cseq: 3, callId: 'x-call' } },
      { type: 'holdMedia', callId: 'x-call', held: true },
      { type: 'createOffer', callId: 'placed-call', video: true },
      { type: 'send', message: { method: 'NOTIFY', cseq: 1, callId: 'x-call', body: { event: 'refer', status: 100 } } },
    ]);
    expect(accepted.phone.transfer).toMatchObject({ kind: 'referred', call: 'x-call', referrer: 'Ada', target: 'Cy', placed: 'placed-call' });
    expect(activeCall(accepted.phone.calls)?.state.dialog.callId).toBe('placed-call');
    const invite = run(accepted.phone, offerReady('placed-call'));
    expect(sent(invite.effects)).toEqual([{ method: 'INVITE', cseq: 1, callId: 'placed-call', to: 'Cy', body: { sdp: OFFER, media, referral: 'x-call' } }]);
  });

  it('reports 180 once when the target rings and 200 when it answers, then the transfer is over', () => {
    const calling = run(accepted.phone, offerReady('placed-call'), res('placed-call', 100, 'INVITE', 1));
    const rung = run(calling.phone, res('placed-call', 180, 'INVITE', 1), res('placed-call', 183, 'INVITE', 1));
    expect(sent(rung.effects)).toEqual([]);
    const ringingReport = run(calling.phone, res('placed-call', 180, 'INVITE', 1));
    expect(sent(ringingReport.effects)).toEqual([{ method: 'NOTIFY', cseq: 2, callId: 'x-call', body: { event: 'refer', status: 180 } }]);
    const done = run(rung.phone, answered('placed-call'));
    expect(sent(done.effects)).toContainEqual({ method: 'NOTIFY', cseq: 3, callId: 'x-call', body: { event: 'refer', status: 200 } });
    expect(done.phone.transfer).toEqual({ kind: 'none' });
    // Ada leaves: the held call ends, telling nothing.
    const left = run(done.phone, req({ method: 'BYE', cseq: 4, callId: 'x-call', from: 'Ada', body: { reason: 'Transferred' } }));
    expect(left.effects).toContainEqual(expect.objectContaining({ type: 'ended', callId: 'x-call', outcome: { kind: 'replaced' } }));
    expect(phases(left.phone)).toEqual([['placed-call', 'active', 'free']]);
  });

  it.each([
    [486, 486],
    [603, 603],
    [408, 408],
  ])('the target answering %i is reported, and the held call is freed again (no re-INVITE)', (status, reported) => {
    const failed = run(accepted.phone, offerReady('placed-call'), res('placed-call', status, 'INVITE', 1));
    expect(failed.effects).toEqual([
      { type: 'stopTimer', callId: 'placed-call', timer: 'invite' },
      { type: 'stopTimer', callId: 'placed-call', timer: 'network' },
      expect.objectContaining({ type: 'ended', callId: 'placed-call' }),
      { type: 'send', message: { method: 'NOTIFY', cseq: 2, callId: 'x-call', body: { event: 'refer', status: reported } } },
      { type: 'holdMedia', callId: 'x-call', held: false },
    ]);
    expect(failed.phone.transfer).toEqual({ kind: 'none' });
    expect(phases(failed.phone)).toEqual([['x-call', 'active', 'free']]);
  });

  it('a call to the target that cannot be made is reported as a media failure (488)', () => {
    const failed = run(accepted.phone, { type: 'offerFailed', callId: 'placed-call', reason: 'no camera' });
    expect(sent(failed.effects)).toEqual([{ method: 'NOTIFY', cseq: 2, callId: 'x-call', body: { event: 'refer', status: 488 } }]);
  });

  it('declines 603 a REFER while another call is here, or a transfer is under way', () => {
    const withWaiting = run(fromAda, req({ method: 'INVITE', cseq: 1, callId: 'w-call', from: 'Dee', body: { sdp: OFFER, media } })).phone;
    const decline = { type: 'send', message: { status: 603, reason: 'Decline', method: 'REFER', cseq: 3, callId: 'x-call' } };
    expect(run(withWaiting, refer).effects).toEqual([decline]);
    const ours = run(fromAda, { type: 'transfer', callId: 'x-call', to: 'Dee' }).phone;
    expect(run(ours, refer).effects).toEqual([decline]);
  });
});

describe('crossing transfers', () => {
  it('our REFER and the peer\'s cross: theirs is declined, ours gets 491, and both calls stay as they were', () => {
    const ours = run(withBob, { type: 'transfer', callId: 'x-call', to: 'Cy' }).phone;
    const theirs = run(ours, req({ method: 'REFER', cseq: 2, callId: 'x-call', from: 'Bob', body: { target: 'Dee', referredBy: 'Bob' } }));
    expect(sent(theirs.effects)).toEqual([{ status: 603, reason: 'Decline', method: 'REFER', cseq: 2, callId: 'x-call' }]);
    const refused = run(theirs.phone, res('x-call', 491, 'REFER', 2, { from: 'Bob' }));
    expect(refused.phone.transfer).toMatchObject({ kind: 'failed', why: 'refused' });
    expect(phases(refused.phone)).toEqual([['x-call', 'active', 'held']]);
  });
});

describe('target of an attended transfer', () => {
  const inviteFromBob = (replaces: string, referredBy: string) =>
    req({ method: 'INVITE', cseq: 1, callId: 'z-call', from: 'Bob', body: { sdp: OFFER, media, referredBy, replaces } });

  it('the INVITE replacing our call with whoever referred it is answered at once, and that call ends (BYE Replaced)', () => {
    const { phone, effects } = run(fromAda, inviteFromBob('x-call', 'Ada'));
    expect(effects.filter((e) => e.type !== 'incoming')).toEqual([
      { type: 'send', message: { status: 180, reason: 'Ringing', method: 'INVITE', cseq: 1, callId: 'z-call' } },
      { type: 'takeOffer', callId: 'z-call', offer: OFFER },
      { type: 'createAnswer', callId: 'z-call', offer: OFFER, video: true },
      { type: 'send', message: { method: 'BYE', cseq: 1, callId: 'x-call', body: { reason: 'Replaced' } } },
      { type: 'stopTimer', callId: 'x-call', timer: 'reinvite' },
      { type: 'stopTimer', callId: 'x-call', timer: 'retry' },
      { type: 'ended', callId: 'x-call', peer: 'Ada', outgoing: false, outcome: { kind: 'replaced' } },
    ]);
    expect(phases(phone)).toEqual([['z-call', 'answering', 'free']]);
    expect(phone.tone).toBeNull();
  });

  it('one naming a call with someone else, or no call of ours, rings as any call, showing who transferred it', () => {
    for (const [replaces, referredBy] of [
      ['x-call', 'Dee'],
      ['no-such-call', 'Ada'],
    ]) {
      const { phone } = run(fromAda, inviteFromBob(replaces!, referredBy!));
      expect(phases(phone)).toEqual([
        ['x-call', 'active', 'free'],
        ['z-call', 'ringing', 'free'],
      ]);
      expect(phone.calls[1]?.state.dialog.referredBy).toBe(referredBy);
    }
  });
});
