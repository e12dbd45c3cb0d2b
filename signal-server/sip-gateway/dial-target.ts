/**
 * Names between the two worlds: what a phone dials (a SIP address, or an extension's digits in the
 * gateway's domain) as a SIP URI, a user's name as the user part of its SIP address, and a SIP
 * caller as the name a phone is shown (`"Display" <sip:user@host>`), cleaned of anything unsafe.
 */
import { DIAL_TARGET_PATTERN } from '../../common/protocol.js';
import { Grammar, URI } from 'sip.js/lib/core/index.js';

/** The SIP URI for a dialled `to`, or null when it is no SIP address or extension. */
export function dialledUri(to: string, domain: string): URI | null {
  if (!DIAL_TARGET_PATTERN.test(to)) return null;
  if (!to.startsWith('sip')) return new URI('sip', to, domain);
  const uri = Grammar.URIParse(to);
  return uri instanceof URI && uri.user !== undefined ? uri : null;
}

/** `name@domain`: the user part is the name as registered here (sip.js escapes what SIP must). */
export const addressOf = (name: string, domain: string): URI => new URI('sip', name, domain);

const MAX_DISPLAY = 48;

/** What a phone is shown for a SIP party: its display name (printable, no quotes, at most 48 characters) and address. */
export function peerName(display: string | undefined, uri: URI): string {
  const address = `sip:${uri.user === undefined ? '' : `${uri.user}@`}${uri.host}`.replace(/[^\x21-\x7e]/g, '').slice(0, 128);
  const shown = (display ?? '').replace(/[\p{Cc}\p{Cf}"\\<>]/gu, '').trim().slice(0, MAX_DISPLAY);
  return shown === '' ? address : `"${shown}" <${address}>`;
}
