/**
 * The one text form for a STUN/TURN server, used by `--ice-server` and by the settings screen:
 * `stun:host:3478`, `turn:host:3478?transport=udp`, or with `USER:PASSWORD@` before the host.
 */
import type { IceServer } from './protocol.js';

const ICE_URL = /^(stun|stuns|turn|turns):(?:([^:@\s]+):([^@\s]+)@)?([^@\s]+)$/;

/** The server `text` names, or null when it is not in that form. */
export function parseIceServer(text: string): IceServer | null {
  const match = ICE_URL.exec(text.trim());
  if (!match) return null;
  const [, scheme, username, credential, rest] = match;
  const urls = `${scheme}:${rest}`;
  return username !== undefined && credential !== undefined ? { urls, username, credential } : { urls };
}

/** Back to the text form, so a saved server shows as it was typed. */
export function formatIceServer(server: IceServer): string {
  const url = Array.isArray(server.urls) ? (server.urls[0] ?? '') : server.urls;
  if (server.username === undefined || server.credential === undefined) return url;
  const colon = url.indexOf(':');
  return `${url.slice(0, colon + 1)}${server.username}:${server.credential}@${url.slice(colon + 1)}`;
}
