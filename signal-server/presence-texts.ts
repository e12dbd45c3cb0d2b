/**
 * Each phone book entry's JSON text, made again only when the entry changes. A REGISTER's 200
 * lists up to the whole book, so serializing it afresh for every registration cost the server more
 * than anything else it does then but writing to the sockets.
 */
import type { PresenceState, UserPresence } from '../common/protocol.js';
import type { UserKey } from './name-key.js';

interface Made {
  readonly name: string;
  readonly state: PresenceState;
  readonly lastSeen: number | undefined;
  readonly text: string;
}

export class PresenceTexts {
  readonly #made = new Map<UserKey, Made>();

  /** The JSON text of `key`'s entry as a UserPresence. */
  text(key: UserKey, name: string, state: PresenceState, lastSeen?: number): string {
    const made = this.#made.get(key);
    if (made && made.name === name && made.state === state && made.lastSeen === lastSeen) return made.text;
    const presence: UserPresence = lastSeen === undefined ? { name, state } : { name, state, lastSeen };
    const text = JSON.stringify(presence);
    this.#made.set(key, { name, state, lastSeen, text });
    return text;
  }

  /** `key` left the book: its text goes too. */
  forget(key: UserKey): void {
    this.#made.delete(key);
  }
}

/** A JSON array of entries made by `text`. */
export const listText = (texts: readonly string[]): string => `[${texts.join(',')}]`;
