/**
 * The words shown for each call phase and each way a call ends (the UI contract's texts).
 */
import { describe, expect, it } from 'vitest';
import { initialState } from '../../renderer/src/sip/machine.js';
import { outcomeText, phaseText, transferText } from '../../renderer/src/sip/messages.js';
import type { Dialog } from '../../renderer/src/sip/types.js';

const dialog: Dialog = { callId: 'call-0001', peer: 'Ada', owner: true, video: false, inviteCseq: 1, localCseq: 1 };
const offer = { type: 'offer' as const, sdp: 'v=0' };

describe('phaseText', () => {
  it('names each phase', () => {
    expect(phaseText(initialState)).toBe('');
    expect(phaseText({ phase: 'preparing', dialog })).toBe('Calling Ada…');
    expect(phaseText({ phase: 'inviting', dialog, trying: true })).toBe('Calling Ada…');
    expect(phaseText({ phase: 'ringback', dialog })).toBe('Calling Ada… Ringing…');
    expect(phaseText({ phase: 'cancelling', dialog })).toBe('Cancelling…');
    expect(phaseText({ phase: 'ringing', dialog, offer, media: { audio: true, video: false } })).toBe('Ada is calling…');
    expect(phaseText({ phase: 'ringing', dialog, offer, media: { audio: true, video: true } })).toBe('Ada is video calling…');
    expect(phaseText({ phase: 'answering', dialog, offer, media: { audio: true, video: true }, video: true })).toBe('Connecting…');
    expect(phaseText({ phase: 'active', dialog, reoffer: { kind: 'none' }, pending: false, backingOff: false, refer: null })).toBe('In call with Ada');
  });
});

describe('outcomeText', () => {
  it('says a callee the phone book shows offline is offline, also when the host answers 480 (it knows the name)', () => {
    const unavailable = { kind: 'rejected', status: 480 } as const;
    expect(outcomeText('Ada', unavailable, true)).toBe('Ada is offline');
    expect(outcomeText('Ada', { kind: 'rejected', status: 404 }, true)).toBe('Ada is offline');
    // Online but in dnd, or away for a moment: unavailable, as before.
    expect(outcomeText('Ada', unavailable, false)).toBe('Ada is unavailable');
  });

  it.each([
    [{ kind: 'rejected', status: 486, reason: 'Busy Here' }, 'Ada is busy'],
    [{ kind: 'rejected', status: 603, reason: 'Decline' }, 'Ada declined the call'],
    [{ kind: 'rejected', status: 480, reason: 'Temporarily Unavailable' }, 'Ada is unavailable'],
    [{ kind: 'rejected', status: 404, reason: 'Not Found' }, 'Ada is offline'],
    [{ kind: 'rejected', status: 408, reason: 'Request Timeout' }, 'No answer'],
    [{ kind: 'rejected', status: 400 }, 'Call failed: the server refused the call'],
    [{ kind: 'rejected', status: 503 }, 'Call failed: the server is busy'],
    [{ kind: 'failed', cause: 'network', detail: 'x' }, 'Call failed: network'],
    [{ kind: 'failed', cause: 'media', detail: 'no codec in common' }, 'Call failed: the media could not be set up'],
    [{ kind: 'hangup', by: 'local' }, 'Call ended'],
    [{ kind: 'hangup', by: 'remote' }, 'Call ended'],
    [{ kind: 'cancelled' }, 'Call cancelled'],
    [{ kind: 'missed' }, 'Missed call from Ada'],
    [{ kind: 'declined' }, 'Call declined'],
    [{ kind: 'superseded' }, null],
    [{ kind: 'replaced' }, null],
    [{ kind: 'transferred', to: 'Cy' }, 'Ada was transferred to Cy'],
  ] as const)('%o reads "%s"', (outcome, text) => {
    expect(outcomeText('Ada', outcome)).toBe(text);
  });

  it.each([
    [302, 'Call failed (error 302)'],
    [499, 'Call failed (error 499)'],
    [502, 'Call failed: server error (502)'],
    [606, 'Ada cannot take the call (error 606)'],
  ])('an unusual %i reads a fixed text for its class', (status, text) => {
    expect(outcomeText('Ada', { kind: 'rejected', status })).toBe(text);
  });

  it('shows no words a far end chose: not its reason phrase, not a media error quoting its SDP', () => {
    const rejected = { kind: 'rejected', status: 499, reason: 'Visit evil.example for help' } as const;
    const failed = { kind: 'failed', cause: 'media', detail: "Failed to parse SessionDescription. a=evil.example Invalid SDP line." } as const;
    for (const outcome of [rejected, failed]) expect(outcomeText('Ada', outcome)).not.toMatch(/evil/);
  });
});

describe('transfer words', () => {
  it('a call transferred to us names both who calls and who transferred it', () => {
    const transferred = { ...dialog, referredBy: 'Bob' };
    expect(phaseText({ phase: 'ringing', dialog: transferred, offer, media: { audio: true, video: true } })).toBe('Ada (transferred by Bob) is video calling…');
  });

  it.each([
    [{ kind: 'none' }, ''],
    [{ kind: 'consulting', call: 'x', peer: 'Bob', target: 'Cy', consult: 'y' }, ''],
    [{ kind: 'pending', call: 'x', peer: 'Bob', target: 'Cy' }, 'Transferring Bob to Cy…'],
    [{ kind: 'completing', call: 'x', peer: 'Bob', target: 'Cy', consult: 'y' }, 'Transferring Bob to Cy…'],
    [{ kind: 'failed', call: 'x', peer: 'Bob', target: 'Cy', why: 'busy' }, 'Transfer failed: Cy is busy'],
    [{ kind: 'failed', call: 'x', peer: 'Bob', target: 'Cy', why: 'declined' }, 'Transfer failed: Cy declined'],
    [{ kind: 'failed', call: 'x', peer: 'Bob', target: 'Cy', why: 'noAnswer' }, 'Transfer failed: Cy did not answer'],
    [{ kind: 'failed', call: 'x', peer: 'Bob', target: 'Cy', why: 'unavailable' }, 'Transfer failed: Cy is unavailable'],
    [{ kind: 'failed', call: 'x', peer: 'Bob', target: 'Cy', why: 'hungUp' }, 'Transfer failed: Cy hung up'],
    [{ kind: 'failed', call: 'x', peer: 'Bob', target: 'Cy', why: 'refused' }, 'Transfer failed: Bob could not be transferred'],
    [{ kind: 'failed', call: 'x', peer: 'Bob', target: 'Cy', why: 'failed' }, 'Transfer failed: the call to Cy failed'],
  ] as const)('%o reads "%s"', (transfer, text) => {
    expect(transferText(transfer)).toBe(text);
  });
});
