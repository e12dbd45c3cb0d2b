/**
 * Who a call is with when the far end may be a SIP phone behind the server's gateway: the display
 * name and address shown, the address a call back dials, what the dial field accepts, and the
 * bundle policy a call to SIP needs (rtpengine's answer has no BUNDLE group).
 */
import { describe, expect, it } from 'vitest';
import { bundlePolicyFor, callBackTarget, dialProblem, partyOf, partyText } from '../../renderer/src/lib/sip-party.js';

describe('partyOf', () => {
  it.each([
    ['"Alice Desk" <sip:alice@pbx.example>', { kind: 'sip', display: 'Alice Desk', address: 'sip:alice@pbx.example' }],
    ['"" <sip:alice@pbx.example>', { kind: 'sip', display: null, address: 'sip:alice@pbx.example' }],
    ['<sips:1001@pbx.example;transport=tls>', { kind: 'sip', display: null, address: 'sips:1001@pbx.example;transport=tls' }],
    ['sip:1001@pbx.example', { kind: 'sip', display: null, address: 'sip:1001@pbx.example' }],
    ['1001', { kind: 'extension', digits: '1001' }],
    ['*97', { kind: 'extension', digits: '*97' }],
    ['Ada', { kind: 'user', name: 'Ada' }],
    ['Ada Lovelace', { kind: 'user', name: 'Ada Lovelace' }],
  ])('%s', (peer, party) => {
    expect(partyOf(peer)).toEqual(party);
  });

  it('text that only looks like an address in brackets is a name, never dialled as SIP', () => {
    expect(partyOf('"Bob" <http://evil.example>')).toEqual({ kind: 'user', name: '"Bob" <http://evil.example>' });
  });
});

describe('what the phone shows and dials back', () => {
  it('a SIP caller with a display name: the name and the address; call back dials the address', () => {
    const peer = '"Alice Desk" <sip:alice@pbx.example>';
    expect(partyText(peer)).toBe('Alice Desk (sip:alice@pbx.example)');
    expect(callBackTarget(peer)).toBe('sip:alice@pbx.example');
  });

  it('a SIP caller without one, an extension and a user show and dial back as they are', () => {
    for (const peer of ['sip:1001@pbx.example', '1001', 'Ada']) {
      expect(partyText(peer)).toBe(peer);
      expect(callBackTarget(peer)).toBe(peer);
    }
  });
});

describe('dialProblem', () => {
  it.each(['1001', '*97', '+4930123', 'sip:1001@pbx.example', 'sips:ada@pbx.example', '  1001  '])('accepts %s', (text) => {
    expect(dialProblem(text)).toBeNull();
  });

  it.each(['', 'Ada', 'sip:', '12 34', 'http://pbx.example', 'sip:a b@pbx', `sip:${'a'.repeat(130)}`])('refuses %j with a clear message', (text) => {
    expect(dialProblem(text)).toBe('Enter an extension (digits, * and #) or a SIP address such as sip:1001@pbx.example');
  });
});

describe('bundlePolicyFor', () => {
  it('a SIP address or an extension gets balanced: the SIP side answers without a BUNDLE group', () => {
    for (const peer of ['sip:1001@pbx.example', '"Alice" <sip:alice@pbx.example>', '1001', '*97']) {
      expect(bundlePolicyFor(peer)).toBe('balanced');
    }
  });

  it('a LeanPhone user keeps max-bundle', () => {
    expect(bundlePolicyFor('Ada')).toBe('max-bundle');
  });
});
