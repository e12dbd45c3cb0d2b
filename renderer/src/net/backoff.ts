/**
 * Reconnection delays: exponential from 500 ms, capped at 10 s (a LAN server restarts quickly),
 * with jitter so that a whole office does not reconnect in the same millisecond.
 */
export const BACKOFF = { baseMs: 500, maxMs: 10_000 } as const;

/** The delay before reconnection attempt `attempt` (0-based); `random` is in [0, 1). */
export function backoffDelay(attempt: number, random: number): number {
  const ceiling = Math.min(BACKOFF.maxMs, BACKOFF.baseMs * 2 ** Math.max(0, Math.min(attempt, 20)));
  // "Equal jitter": half fixed, half random, so the delay never collapses to zero.
  return Math.round(ceiling / 2 + (ceiling / 2) * Math.min(Math.max(random, 0), 1));
}
