/**
 * One simulated client's view of everyone else's presence, applied from REGISTER 200 and NOTIFY
 * ('offline' removes; the client's own entry is ignored). Names made by split.names() are kept in
 * a typed array by their number, so 2,000 clients can track 2,000 users each cheaply.
 */
const STATES = ['', 'online', 'busy', 'dnd'] as const;
const NUMBERED = /-(\d{5})$/;

export class PresenceView {
  readonly #own: string;
  readonly #numbered: Uint8Array;
  readonly #other = new Map<string, string>();
  #numberedCount = 0;

  /** `capacity`: how many numbered names there are (the highest number plus one). */
  constructor(own: string, capacity: number) {
    this.#own = own;
    this.#numbered = new Uint8Array(capacity);
  }

  get size(): number {
    return this.#numberedCount + this.#other.size;
  }

  get(name: string): string | undefined {
    const slot = this.#slot(name);
    if (slot === null) return this.#other.get(name);
    return this.#numbered[slot] ? STATES[this.#numbered[slot] ?? 0] : undefined;
  }

  /** Applies a list of { name, state } changes; anything that is not such a list is ignored. */
  apply(users: unknown): void {
    if (!Array.isArray(users)) return;
    for (const user of users as Array<{ name?: unknown; state?: unknown }>) {
      if (typeof user?.name !== 'string' || typeof user.state !== 'string' || user.name === this.#own) continue;
      this.#set(user.name, user.state);
    }
  }

  #set(name: string, state: string): void {
    const slot = this.#slot(name);
    if (slot === null) {
      if (state === 'offline') this.#other.delete(name);
      else this.#other.set(name, state);
      return;
    }
    const code = Math.max(0, STATES.indexOf(state as (typeof STATES)[number]));
    const before = this.#numbered[slot] ?? 0;
    const after = state === 'offline' ? 0 : code || 1;
    this.#numbered[slot] = after;
    this.#numberedCount += (after ? 1 : 0) - (before ? 1 : 0);
  }

  #slot(name: string): number | null {
    const match = NUMBERED.exec(name);
    if (!match) return null;
    const slot = Number(match[1]);
    return slot < this.#numbered.length ? slot : null;
  }
}
