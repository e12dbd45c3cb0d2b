/**
 * Who a call is with, now that the far end may be a SIP phone behind the server's gateway
 * (PROTOCOL.md, SIP gateway): a LeanPhone user, an extension's digits, or a SIP address with an
 * optional display name. Owns how each is shown and dialled back, and what its call needs: the
 * bundle policy, and keypad digits (DTMF) for IVRs and voicemail.
 */
import { DIAL_TARGET_PATTERN } from '../../../common/protocol.js';

export type Party =
  | { kind: 'user'; name: string }
  | { kind: 'extension'; digits: string }
  | { kind: 'sip'; display: string | null; address: string };

/** `"Display" <sip:u@h>` or `<sip:u@h>`, as the gateway writes a SIP caller. */
const NAME_ADDR = /^(?:"([^"]*)"\s*)?<(sips?:[^\s"<>\\]{3,128})>$/;
const SIP_ADDRESS = /^sips?:/;

export function partyOf(peer: string): Party {
  const named = NAME_ADDR.exec(peer);
  if (named) return { kind: 'sip', display: named[1] || null, address: named[2]! };
  if (DIAL_TARGET_PATTERN.test(peer)) return SIP_ADDRESS.test(peer) ? { kind: 'sip', display: null, address: peer } : { kind: 'extension', digits: peer };
  return { kind: 'user', name: peer };
}

/** One line of text for status lines and lists: `Alice Desk (sip:alice@pbx)` when there is a display name. */
export function partyText(peer: string): string {
  const party = partyOf(peer);
  return party.kind === 'sip' && party.display !== null ? `${party.display} (${party.address})` : peer;
}

/** What to dial to reach this party again: the address inside the brackets for a SIP caller. */
export function callBackTarget(peer: string): string {
  const party = partyOf(peer);
  return party.kind === 'sip' ? party.address : peer;
}

export const DIAL_HINT = 'Enter an extension (digits, * and #) or a SIP address such as sip:1001@pbx.example';

/** Why the dial field's text cannot be dialled, or null when it can (after trimming). */
export function dialProblem(text: string): string | null {
  return DIAL_TARGET_PATTERN.test(text.trim()) ? null : DIAL_HINT;
}

/**
 * A call that may reach SIP must not demand bundling: the media relay's answer (rtpengine) has no
 * BUNDLE group, which a `max-bundle` connection refuses. Digits may also name a user here; balanced
 * suits both.
 */
export function bundlePolicyFor(peer: string): RTCBundlePolicy {
  return partyOf(peer).kind === 'user' ? 'max-bundle' : 'balanced';
}

/** The keypad, in the order it is laid out. */
export const DTMF_KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'] as const;
const DTMF_TONES = /^[0-9*#]{1,32}$/;

export const isDtmf = (tones: string): boolean => DTMF_TONES.test(tones);

/** A keypad is offered only towards SIP: a LeanPhone user has no IVR listening for digits. */
export const takesDtmf = (peer: string): boolean => partyOf(peer).kind !== 'user';
