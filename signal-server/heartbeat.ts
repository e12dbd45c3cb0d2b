/**
 * Whether a socket still answers: each ping carries a fresh random payload, and only a pong that
 * echoes the latest one counts, so pongs sent unasked cannot keep a dead or stalled peer alive.
 */
import { randomBytes } from 'node:crypto';

/** Pings left unanswered before the socket counts as lost. */
const MISSES_ALLOWED = 2;

export class Heartbeat {
  #awaited: Buffer | null = null;
  #missed = 0;

  /** One ping interval: the payload to ping with now, or null when the socket is lost. */
  beat(): Buffer | null {
    if (this.#awaited !== null) this.#missed += 1;
    if (this.#missed >= MISSES_ALLOWED) return null;
    this.#awaited = randomBytes(8);
    return this.#awaited;
  }

  pong(payload: Buffer): void {
    if (this.#awaited === null || !payload.equals(this.#awaited)) return;
    this.#awaited = null;
    this.#missed = 0;
  }
}
