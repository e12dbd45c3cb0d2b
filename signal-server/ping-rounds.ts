/**
 * Spreads the heartbeat over its interval: every socket is pinged once an interval, in one of a
 * few rounds, so that pinging 10,000 sockets (about 100 ms of writes) never holds one turn of
 * the event loop and every call's messages queued behind it.
 */
export class PingRounds<T> {
  readonly #rounds: Set<T>[];
  readonly #roundOf = new Map<T, Set<T>>();
  #next = 0;

  constructor(rounds: number) {
    if (!Number.isSafeInteger(rounds) || rounds < 1) throw new RangeError(`rounds must be a whole number above 0, not ${rounds}`);
    this.#rounds = Array.from({ length: rounds }, () => new Set<T>());
  }

  get rounds(): number {
    return this.#rounds.length;
  }

  /** Joins the round with the fewest members, so closed sockets leave no round crowded. */
  add(member: T): void {
    const round = this.#rounds.reduce((fewest, candidate) => (candidate.size < fewest.size ? candidate : fewest));
    round.add(member);
    this.#roundOf.set(member, round);
  }

  delete(member: T): void {
    this.#roundOf.get(member)?.delete(member);
    this.#roundOf.delete(member);
  }

  /** The members whose turn it is; called once every interval / rounds. */
  take(): T[] {
    const round = this.#rounds[this.#next] as Set<T>;
    this.#next = (this.#next + 1) % this.#rounds.length;
    return [...round];
  }
}
