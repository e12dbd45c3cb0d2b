/**
 * A server logger whose events a test can await (the gateway logs `sip-proxy-up`, `sip-registered`
 * and the like): what the SIP tests wait on instead of sleeping.
 */
import type { Logger, LogFields } from '../../signal-server/log.js';

/** A logger whose events a test can await. */
export class EventLog implements Logger {
  readonly events: { event: string; fields: LogFields }[] = [];
  readonly #waiters = new Set<{ match: (event: string, fields: LogFields) => boolean; resolve: () => void }>();
  log(_level: string, event: string, fields: LogFields = {}): void {
    this.events.push({ event, fields });
    for (const waiter of this.#waiters) {
      if (!waiter.match(event, fields)) continue;
      this.#waiters.delete(waiter);
      waiter.resolve();
    }
  }
  /** Resolves on the `count`th event named `event` (counting those already logged) whose fields match. */
  until(event: string, fields: LogFields = {}, count = 1): Promise<void> {
    const matches = (name: string, logged: LogFields) => name === event && Object.entries(fields).every(([key, value]) => logged[key] === value);
    let seen = this.events.filter((entry) => matches(entry.event, entry.fields)).length;
    if (seen >= count) return Promise.resolve();
    return new Promise((resolve) =>
      this.#waiters.add({ match: (name, logged) => matches(name, logged) && (seen += 1) >= count, resolve }),
    );
  }
}
