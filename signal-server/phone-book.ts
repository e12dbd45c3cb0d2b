/**
 * Who hears which presence change. While the host's phone book holds at most `limit` people a phone
 * is listed: its REGISTER 200 lists everyone and it hears every change, in one frame shared by all.
 * Past the limit the book is searched: a phone hears only its watch list (its last SEARCH) and the
 * parties to its calls, so registering n phones no longer costs n² entries. Phones listed when the
 * book outgrows the limit are told once, and search from then on. Each phone's searches are
 * counted (a search scans the book), and its watch list and count go when it leaves.
 */
import type { PresenceBody, SearchedPhoneBook, UserPresence } from '../common/protocol.js';
import type { UserKey } from './name-key.js';
import { TokenBucket } from './token-bucket.js';
import { WatchLists } from './watch-lists.js';

export interface PhoneBookLimits {
  /** People up to which the book is listed. */
  limit: number;
  /** People one SEARCH answers with: the longest watch list. */
  maxResults: number;
  /** SEARCHes a phone may make a second, sustained; twice as many at once. */
  searchesPerSecond: number;
}

/** What the phone book reads, and sends through. */
export interface PhoneBookPorts {
  /** People in the phone book now (registered, and the directory's offline ones). */
  size(): number;
  /** The other parties to `key`'s calls. */
  partiesOf(key: UserKey): Iterable<UserKey>;
  /** Sends a presence frame to `key` when it is connected here. */
  tell(key: UserKey, frame: Buffer): void;
}

export class PhoneBook {
  readonly #limits: PhoneBookLimits;
  readonly #ports: PhoneBookPorts;
  /** Phones that hear every change. */
  readonly #listed = new Set<UserKey>();
  readonly #watches = new WatchLists();
  readonly #searches = new Map<UserKey, TokenBucket>();
  #cseq = 0;

  constructor(limits: PhoneBookLimits, ports: PhoneBookPorts) {
    this.#limits = limits;
    this.#ports = ports;
  }

  /** `phone` registered (or resumed): listed while the book is within the limit (null), else searched. Its last watch list goes. */
  registered(phone: UserKey): SearchedPhoneBook | null {
    this.#watches.forget(phone);
    const size = this.#ports.size();
    if (size <= this.#limits.limit) {
      this.#listed.add(phone);
      return null;
    }
    this.#listed.delete(phone);
    return { searched: true, size };
  }

  /** Why `phone` may not search now; null when it may, and the search is counted. */
  searchRefusal(phone: UserKey, now: number): string | null {
    let bucket = this.#searches.get(phone);
    if (!bucket) {
      bucket = new TokenBucket(2 * this.#limits.searchesPerSecond, this.#limits.searchesPerSecond, now);
      this.#searches.set(phone, bucket);
    }
    return bucket.take(now) ? null : `Too many searches: try again in ${Math.ceil(bucket.msUntilToken() / 1000)} s`;
  }

  /** `phone`'s last SEARCH found `found`: it hears their changes, and no one else's. */
  watch(phone: UserKey, found: Iterable<UserKey>): void {
    this.#watches.watch(phone, found);
  }

  /** `phone` is unregistered here (or went to another node). */
  left(phone: UserKey): void {
    this.#listed.delete(phone);
    this.#watches.forget(phone);
    this.#searches.delete(phone);
  }

  /** Entries held for searching phones (what bounds their memory). */
  get watching(): { phones: number; watched: number } {
    return this.#watches.size;
  }

  /** One window's changes: every one to the listed phones, and to each searching phone those it watches. */
  deliver(changes: ReadonlyMap<UserKey, UserPresence>): void {
    this.#outgrown();
    const cseq = (this.#cseq += 1);
    if (this.#listed.size > 0) {
      const frame = notify(cseq, { event: 'presence', users: [...changes.values()] });
      for (const phone of this.#listed) this.#ports.tell(phone, frame);
    }
    const heard = new Map<UserKey, UserPresence[]>();
    for (const [key, presence] of changes) {
      for (const phone of this.#audienceOf(key)) {
        if (this.#listed.has(phone)) continue;
        const users = heard.get(phone);
        if (!users) heard.set(phone, [presence]);
        else if (users.at(-1) !== presence) users.push(presence);
      }
    }
    for (const [phone, users] of heard) this.#ports.tell(phone, notify(cseq, { event: 'presence', users }));
  }

  /** Once the book is past the limit, the phones still listed are told so and stop hearing everyone. */
  #outgrown(): void {
    if (this.#listed.size === 0) return;
    const size = this.#ports.size();
    if (size <= this.#limits.limit) return;
    const frame = notify((this.#cseq += 1), { event: 'presence', users: [], phoneBook: { searched: true, size } });
    for (const phone of this.#listed) this.#ports.tell(phone, frame);
    this.#listed.clear();
  }

  *#audienceOf(key: UserKey): Iterable<UserKey> {
    yield* this.#watches.watchersOf(key);
    yield* this.#ports.partiesOf(key);
  }
}

const notify = (cseq: number, body: PresenceBody): Buffer => Buffer.from(JSON.stringify({ method: 'NOTIFY', cseq, body }));
