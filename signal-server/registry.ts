/**
 * Who is registered: users by key (and by look-alike skeleton, see name-key.ts), each with its
 * single-use resume token, the state it published and whether it is in a call. Tells its listener
 * whenever a user's visible presence changes. `Registry` is the seam a registry shared by several
 * servers plugs into; `LocalRegistry` keeps everything in this process.
 */
import type { PresenceState, PublishedState, UserPresence } from '../common/protocol.js';
import type { NameKeys, UserKey } from './name-key.js';
import { PresenceTexts } from './presence-texts.js';
import { newToken, sameSecret } from './secret.js';

/** A registered user as others may read it: a snapshot's worth, never a handle to change it by. */
export interface RegisteredUser {
  readonly key: UserKey;
  readonly name: string;
  readonly published: PublishedState;
  /** In at least one dialog: shown as `busy` whatever it published. */
  readonly busy: boolean;
  /** Says it is in a call this server does not know of (published `inCall`): shown as `busy` too. */
  readonly inCall: boolean;
}

/** Why a user went: it said goodbye, or its socket (or its server) was lost and did not come back. */
export type LeaveReason = 'Peer left' | 'Peer lost';

export type PresenceListener = (key: UserKey, name: string, state: PresenceState) => void;

export interface Registry {
  readonly size: number;
  /** The key of the user registered under this name or one that looks like it. */
  find(keys: NameKeys): UserKey | undefined;
  get(key: UserKey): RegisteredUser | undefined;
  /** Registers a new user (shown `online`); answers its first resume token. */
  add(name: string, keys: NameKeys): string;
  /** True when `token` is `key`'s current resume token. */
  resumeMatches(key: UserKey, token: string): boolean;
  /** Replaces `key`'s resume token (the old one stops working) and answers the new one. */
  renewResume(key: UserKey): string;
  publish(key: UserKey, state: PublishedState, inCall: boolean): void;
  setBusy(key: UserKey, busy: boolean): void;
  /** Unregisters `key`, shown `offline`. */
  remove(key: UserKey, reason: LeaveReason): void;
  /** Everyone but `key`, each entry as its JSON text (presence-texts.ts): the phone book of a REGISTER's 200. */
  presenceTextsExcept(key: UserKey): string[];
  /** Registered users that could be listed (in a cluster, every node's): the phone book's registered part. */
  readonly people: number;
  /** Up to `limit` users whose key passes `matches`, with their visible state, in registration order. */
  presenceWhere(matches: (key: UserKey) => boolean, limit?: number): Map<UserKey, UserPresence>;
}

/** What claiming a name across a cluster came to; `unavailable` when the cluster cannot be asked. */
export type Claim = 'claimed' | 'taken' | 'unavailable';

/**
 * The seam a cluster's name uniqueness plugs into: a name is claimed (both its keys, atomically,
 * across every node) before the registry adds it. In-process there is none: the registry decides.
 */
export interface NameClaims {
  claim(name: string, keys: NameKeys): Promise<Claim>;
  /** Gives back a name claimed for a socket that closed before it could take it. */
  release(keys: NameKeys): void;
  /**
   * Takes `key`, registered on another node, to this one with its resume token (checked in the
   * cluster, single-use): once it resolves with the next token the user and its calls are here.
   */
  resume(key: UserKey, token: string): Promise<Resumption>;
  /** The other live nodes' addresses, for a phone to fail over to. */
  otherNodes(): string[];
}

/** What resuming on another node came to: the user's next token, or why not. */
export type Resumption = { token: string } | 'taken' | 'unavailable';

interface Entry extends RegisteredUser {
  published: PublishedState;
  busy: boolean;
  inCall: boolean;
  readonly skeleton: string;
  resume: string;
}

export class LocalRegistry implements Registry {
  readonly #users = new Map<UserKey, Entry>();
  /** Skeleton to key. */
  readonly #lookAlikes = new Map<string, UserKey>();
  readonly #onPresence: PresenceListener;
  readonly #texts = new PresenceTexts();

  constructor(onPresence: PresenceListener) {
    this.#onPresence = onPresence;
  }

  get size(): number {
    return this.#users.size;
  }

  find(keys: NameKeys): UserKey | undefined {
    return this.#users.has(keys.caseless) ? keys.caseless : this.#lookAlikes.get(keys.skeleton);
  }

  get(key: UserKey): RegisteredUser | undefined {
    const entry = this.#users.get(key);
    return entry && { key: entry.key, name: entry.name, published: entry.published, busy: entry.busy, inCall: entry.inCall };
  }

  add(name: string, keys: NameKeys): string {
    const entry: Entry = { key: keys.caseless, name, skeleton: keys.skeleton, published: 'online', busy: false, inCall: false, resume: newToken() };
    this.#users.set(entry.key, entry);
    this.#lookAlikes.set(entry.skeleton, entry.key);
    this.#onPresence(entry.key, name, 'online');
    return entry.resume;
  }

  resumeMatches(key: UserKey, token: string): boolean {
    const entry = this.#users.get(key);
    return entry !== undefined && sameSecret(token, entry.resume);
  }

  renewResume(key: UserKey): string {
    const entry = this.#users.get(key);
    if (!entry) throw new Error(`renewResume: ${key} is not registered`);
    entry.resume = newToken();
    return entry.resume;
  }

  publish(key: UserKey, state: PublishedState, inCall: boolean): void {
    this.#change(key, (entry) => {
      entry.published = state;
      entry.inCall = inCall;
    });
  }

  setBusy(key: UserKey, busy: boolean): void {
    this.#change(key, (entry) => {
      entry.busy = busy;
    });
  }

  remove(key: UserKey, _reason: LeaveReason): void {
    const entry = this.#users.get(key);
    if (!entry) return;
    this.#users.delete(key);
    this.#lookAlikes.delete(entry.skeleton);
    this.#texts.forget(key);
    this.#onPresence(key, entry.name, 'offline');
  }

  presenceTextsExcept(key: UserKey): string[] {
    const texts: string[] = [];
    for (const entry of this.#users.values()) if (entry.key !== key) texts.push(this.#texts.text(entry.key, entry.name, stateOf(entry)));
    return texts;
  }

  get people(): number {
    return this.#users.size;
  }

  presenceWhere(matches: (key: UserKey) => boolean, limit = Infinity): Map<UserKey, UserPresence> {
    const users = new Map<UserKey, UserPresence>();
    for (const entry of this.#users.values()) {
      if (users.size >= limit) break;
      if (matches(entry.key)) users.set(entry.key, { name: entry.name, state: stateOf(entry) });
    }
    return users;
  }

  /** Runs `change` on `key`'s entry and tells the listener if its visible state moved. */
  #change(key: UserKey, change: (entry: Entry) => void): void {
    const entry = this.#users.get(key);
    if (!entry) return;
    const before = stateOf(entry);
    change(entry);
    const after = stateOf(entry);
    if (after !== before) this.#onPresence(key, entry.name, after);
  }
}

export const stateOf = (user: RegisteredUser): PresenceState => (user.busy || user.inCall ? 'busy' : user.published);
