/**
 * Ring groups in the phone: the caller's call to a group is taken by the member who answers (the
 * server's 200 names both); a member's ringing call ends with CANCEL "Answered elsewhere", which is
 * no missed call; the phone book lists each group with its members' presence; the frames are checked.
 */
import { describe, expect, it } from 'vitest';
import type { Message, Request, Response } from '../../common/protocol.js';
import { CallHistory } from '../../renderer/src/lib/history.js';
import { PhoneBook } from '../../renderer/src/lib/phonebook.js';
import { ringGroupEntries } from '../../renderer/src/lib/ring-groups.js';
import { checkIncoming } from '../../renderer/src/net/validate.js';
import { idlePhone, step, type PhoneInput, type PhoneState } from '../../renderer/src/sip/coordinator.js';
import { initialState, transition } from '../../renderer/src/sip/machine.js';
import { outcomeText, phaseText } from '../../renderer/src/sip/messages.js';
import type { CallInput, CallState, Effect, Step } from '../../renderer/src/sip/types.js';
import { CallRecorder } from '../../renderer/src/stores/call-recorder.js';

const ctx = { random: () => 0.5, newCallId: () => 'new-call' };
const CALL = 'call-0001';
const OFFER = { type: 'offer' as const, sdp: 'v=0 offer' };
const ANSWER = { type: 'answer' as const, sdp: 'v=0 answer' };
const media = { audio: true, video: true };

function run(state: CallState, ...inputs: CallInput[]): Step {
  let result: Step = { state, effects: [] };
  for (const input of inputs) result = transition(result.state, input, ctx);
  return result;
}
const msg = (message: Message): CallInput => ({ type: 'message', message });
const res = (status: number, cseq: number, extra: Partial<Response> = {}): CallInput =>
  msg({ status, reason: 'r', method: 'INVITE', cseq, callId: CALL, ...extra });
const groupInvite = (video = true) =>
  ({ method: 'INVITE', cseq: 1, callId: CALL, from: 'Ada', to: 'Carol', group: 'sales', body: { sdp: OFFER, media: { audio: true, video } } }) as Request;
const cancel = (body?: { reason: string }) => msg({ method: 'CANCEL', cseq: 1, callId: CALL, from: 'Ada', ...(body ? { body } : {}) } as Request);
const ELSEWHERE = { reason: 'Answered elsewhere' };
const sent = (effects: Effect[]): Message[] => effects.flatMap((e) => (e.type === 'send' ? [e.message] : []));
const endedWith = (effects: readonly { type: string }[]) => effects.find((e) => e.type === 'ended');

/** Calling the group "sales": the server's 100 and 180 (no `from`). */
const callingSales = run(
  initialState,
  { type: 'dial', callId: CALL, to: 'sales', video: true },
  { type: 'offerReady', callId: CALL, body: { sdp: OFFER, media } },
  res(100, 1),
  res(180, 1),
).state;
/** A member's phone rung by the group. */
const ringing = run(initialState, msg(groupInvite())).state;

describe('calling a ring group', () => {
  it('rings back on the server 180, and the 200 from the member who took it makes that member the peer', () => {
    expect(callingSales.phase).toBe('ringback');
    const answered = run(callingSales, res(200, 1, { from: 'Bob', to: 'Ada', group: 'sales', body: { sdp: ANSWER } }));
    expect(answered.state).toMatchObject({ phase: 'active', dialog: { peer: 'Bob', group: 'sales' } });
    expect(sent(answered.effects)).toEqual([{ method: 'ACK', cseq: 1, callId: CALL }]);
    expect(answered.effects).toContainEqual({ type: 'applyAnswer', callId: CALL, answer: ANSWER });
    expect(answered.effects).toContainEqual({ type: 'connected', callId: CALL, peer: 'Bob' });
    expect(phaseText(answered.state)).toBe('In call with Bob');
    // From then on Bob is the peer: his re-INVITE's answer is his to give, no one else's.
    const hangup = run(answered.state, { type: 'hangup' });
    expect(endedWith(hangup.effects)).toMatchObject({ peer: 'Bob', outgoing: true });
  });

  it('ignores a 200 from someone else that names no group, or another group', () => {
    for (const extra of [{ from: 'Bob' }, { from: 'Bob', group: 'support' }]) {
      const step = run(callingSales, res(200, 1, { ...extra, body: { sdp: ANSWER } }));
      expect(step.state).toBe(callingSales);
      expect(step.effects).toEqual([expect.objectContaining({ type: 'warn' })]);
    }
  });

  it('ends with "sales is busy" on the server 486, "sales is unavailable" on 480', () => {
    for (const [status, text] of [[486, 'sales is busy'], [480, 'sales is unavailable']] as const) {
      const ended = endedWith(run(callingSales, res(status, 1)).effects);
      expect(ended).toMatchObject({ peer: 'sales', outcome: { kind: 'rejected', status } });
      expect(outcomeText('sales', { kind: 'rejected', status })).toBe(text);
    }
  });
});

describe('a member rung by a ring group', () => {
  it('rings with the caller and the group named', () => {
    expect(ringing).toMatchObject({ phase: 'ringing', dialog: { peer: 'Ada', group: 'sales' } });
    expect(phaseText(ringing)).toBe('Ada calling sales…');
    expect(phaseText(run(initialState, msg(groupInvite(false))).state)).toBe('Ada calling sales…');
  });

  it('stops ringing on CANCEL "Answered elsewhere": answered 200 and 487, ended as answered elsewhere', () => {
    const step = run(ringing, cancel(ELSEWHERE));
    expect(step.state.phase).toBe('idle');
    expect(sent(step.effects)).toEqual([
      { status: 200, reason: 'OK', method: 'CANCEL', cseq: 1, callId: CALL },
      { status: 487, reason: 'Request Terminated', method: 'INVITE', cseq: 1, callId: CALL },
    ]);
    expect(endedWith(step.effects)).toMatchObject({ peer: 'Ada', outgoing: false, outcome: { kind: 'answeredElsewhere' } });
    expect(outcomeText('Ada', { kind: 'answeredElsewhere' })).toBe('Answered elsewhere');
  });

  it('a plain CANCEL is still a missed call', () => {
    expect(endedWith(run(ringing, cancel()).effects)).toMatchObject({ outcome: { kind: 'missed' } });
  });

  it('ends as answered elsewhere while its answer is being made, and after its 200 crossed the winner', () => {
    const answering = run(ringing, { type: 'answer', video: true }).state;
    expect(endedWith(run(answering, cancel(ELSEWHERE)).effects)).toMatchObject({ outcome: { kind: 'answeredElsewhere' } });
    const answered = run(answering, { type: 'answerReady', callId: CALL, sdp: ANSWER }).state;
    const lost = run(answered, cancel(ELSEWHERE));
    expect(lost.state.phase).toBe('idle');
    expect(endedWith(lost.effects)).toMatchObject({ peer: 'Ada', outcome: { kind: 'answeredElsewhere' } });
  });

  it('a caller in a call ignores a CANCEL whatever it says (positive control: nothing ends)', () => {
    const active = run(callingSales, res(200, 1, { from: 'Bob', group: 'sales', body: { sdp: ANSWER } })).state;
    const step = run(active, msg({ method: 'CANCEL', cseq: 1, callId: CALL, from: 'Bob', body: ELSEWHERE } as Request));
    expect(step.state).toBe(active);
    expect(endedWith(step.effects)).toBeUndefined();
  });
});

describe('the phone and its history', () => {
  const call = (phone: PhoneState, ...inputs: PhoneInput[]) => inputs.reduce((done, input) => step(done.phone, input, ctx), { phone, effects: [] } as ReturnType<typeof step>);

  it('the coordinator drops the call and its ringtone on "Answered elsewhere"', () => {
    const rung = call(idlePhone, { type: 'message', message: groupInvite() });
    expect(rung.phone.tone).toBe('ringtone');
    const over = step(rung.phone, { type: 'message', message: { method: 'CANCEL', cseq: 1, callId: CALL, from: 'Ada', body: ELSEWHERE } as Request }, ctx);
    expect(over.phone).toEqual(idlePhone);
    expect(over.effects).toContainEqual({ type: 'tone', tone: null });
    expect(endedWith(over.effects)).toMatchObject({ outcome: { kind: 'answeredElsewhere' } });
  });

  it('records a call answered elsewhere as such, never as missed, whether or not this phone had answered too', () => {
    const storage = new Map<string, string>();
    const kept = { getItem: (key: string) => storage.get(key) ?? null, setItem: (key: string, value: string) => void storage.set(key, value), removeItem: () => undefined };
    const history = new CallHistory(kept, 'Bob');
    const alerts = { alertIncomingCall: () => undefined, clearIncomingCall: () => undefined };
    const recorder = new CallRecorder(alerts, history, () => 1000);
    recorder.incoming('rung', 'Ada', true);
    recorder.ended('rung', 'Ada', false, { kind: 'answeredElsewhere' });
    recorder.incoming('crossed', 'Ada', true);
    recorder.connected('crossed');
    recorder.ended('crossed', 'Ada', false, { kind: 'answeredElsewhere' });
    recorder.incoming('missed', 'Cy', false);
    recorder.ended('missed', 'Cy', false, { kind: 'missed' });
    expect(history.entries.map((entry) => [entry.id, entry.outcome])).toEqual([
      ['missed', 'missed'],
      ['crossed', 'answeredElsewhere'],
      ['rung', 'answeredElsewhere'],
    ]);
    expect(history.unseenMissed).toBe(1);
    // Kept across restarts.
    expect(new CallHistory(kept, 'Bob').entries).toHaveLength(3);
  });
});

describe('ring groups in the phone book', () => {
  it("lists each group with its members' presence: offline when not registered, 'you' for this phone", () => {
    const book = new PhoneBook('Carol');
    book.reset([
      { name: 'Bob', state: 'busy' },
      { name: 'Dan', state: 'dnd' },
    ]);
    const groups = [
      { name: 'sales', members: ['bob', 'Carol', 'Erin'] },
      { name: 'Front desk', members: ['Dan'] },
    ];
    expect(ringGroupEntries(groups, book, 'Carol')).toEqual([
      { name: 'Front desk', members: [{ name: 'Dan', state: 'dnd' }] },
      {
        name: 'sales',
        members: [
          { name: 'Bob', state: 'busy' },
          { name: 'Carol', state: 'you' },
          { name: 'Erin', state: 'offline' },
        ],
      },
    ]);
  });
});

describe('checking ring group frames', () => {
  const ok = (value: unknown) => checkIncoming(JSON.stringify(value));
  const registered = (groups: unknown) => ({
    method: 'REGISTER',
    cseq: 1,
    status: 200,
    reason: 'OK',
    body: { name: 'Ada', resume: 'r', resumed: false, users: [], iceServers: [], groups },
  });

  it('accepts the groups in a REGISTER 200, a group on an INVITE and on its 200, and a CANCEL with a reason', () => {
    for (const frame of [
      registered([{ name: 'sales', members: ['Bob', 'Carol'] }]),
      groupInvite(),
      { status: 200, reason: 'OK', method: 'INVITE', cseq: 1, callId: CALL, from: 'Bob', group: 'sales', body: { sdp: ANSWER } },
      { method: 'CANCEL', cseq: 1, callId: CALL, from: 'Ada', body: ELSEWHERE },
    ]) {
      expect(ok(frame), JSON.stringify(frame)).toEqual({ ok: true, message: frame });
    }
  });

  it.each([
    ['groups that are not a list', registered({}), 'groups must be a list'],
    ['a group without members', registered([{ name: 'sales' }]), 'groups holds a bad entry'],
    ['a member that is not a name', registered([{ name: 'sales', members: [7] }]), 'groups holds a bad entry'],
    ['an INVITE whose group is not text', { ...groupInvite(), group: 1 }, 'group must be a string'],
    ['a response whose group is not text', { status: 200, reason: 'OK', method: 'INVITE', cseq: 1, callId: CALL, group: {}, body: { sdp: ANSWER } }, 'group must be a string'],
    ['a CANCEL whose reason is not text', { method: 'CANCEL', cseq: 1, callId: CALL, body: { reason: 1 } }, 'CANCEL body is malformed'],
  ])('refuses %s', (_what, frame, reason) => {
    expect(ok(frame)).toEqual({ ok: false, reason });
  });
});
