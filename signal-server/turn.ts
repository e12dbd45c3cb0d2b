/**
 * Short-lived TURN credentials in the TURN REST API scheme that coturn's `use-auth-secret` checks:
 * username `expiry:opaque-user-id`, password base64(HMAC-SHA1(secret, username)). The secret never leaves here.
 */
import { createHash, createHmac } from 'node:crypto';
import type { IceServer } from '../common/protocol.js';

export interface TurnOptions {
  /** coturn's `static-auth-secret`. */
  secret: string;
  /** turn: or turns: URLs of the relay. */
  urls: string[];
  /** How long handed-out credentials stay valid. Default 12 hours. */
  ttlSeconds?: number;
}

export const DEFAULT_TURN_TTL_SECONDS = 12 * 60 * 60;

export function turnCredentials(turn: TurnOptions, user: string, nowMs: number = Date.now()): IceServer {
  const expiry = Math.floor(nowMs / 1000) + (turn.ttlSeconds ?? DEFAULT_TURN_TTL_SECONDS);
  // coturn refuses usernames with spaces or quotes, and names have no place in its logs.
  const username = `${expiry}:${createHash('sha256').update(user).digest('base64url').slice(0, 22)}`;
  const credential = createHmac('sha1', turn.secret).update(username).digest('base64');
  return { urls: turn.urls, username, credential };
}
