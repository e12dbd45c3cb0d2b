/**
 * The host's directory as the switchboard reads it: everyone who has registered and was not
 * forgotten, with when they were last online. A mirror of the store's, in memory, so a REGISTER's
 * phone book needs no disk; every change is made here first and then asked of the store, whose
 * calls run in order, so the two stay alike. Bounded by the store's maxDirectoryUsers. A name
 * claimed with an owner key (owner-key.ts) is refused to anyone without that key until forgotten.
 * On a cluster node the store is shared: each node writes its own users' changes, tells the others
 * (`share`) what the store answered, and mirrors theirs (`applySeen`, `applyForgotten`).
 */
import type { UserPresence } from '../common/protocol.js';
import type { Logger } from './log.js';
import type { NameKeys, UserKey } from './name-key.js';
import { nameKeys } from './name-key.js';
import { holdsKey, type OwnerHash } from './owner-key.js';
import { PresenceTexts } from './presence-texts.js';
import type { Forgotten, HostStore, UserKey as StoreKey } from './store/host-store.js';

/** The switchboard's key and the store's are the same caseless key of a name (name-key.ts). */
export const storeKey = (key: UserKey): StoreKey => key as StoreKey;

/** A change to the directory as the store took it, carried between the nodes of a cluster. */
export interface DirectoryListener {
  seen(key: UserKey, name: string, lastSeen: number, owner: OwnerHash | null): void;
  forgotten(key: UserKey): void;
}

interface Entry {
  name: string;
  skeleton: string;
  /** Milliseconds since the epoch: when they registered last, or left, whichever is later. */
  lastSeen: number;
  owner: OwnerHash | null;
}

export class Directory {
  readonly #store: HostStore;
  readonly #maxUsers: number;
  readonly #logger: Logger;
  readonly #entries = new Map<UserKey, Entry>();
  readonly #texts = new PresenceTexts();
  /** Skeleton to key, as in the registry: look-alike names are one name. */
  readonly #lookAlikes = new Map<string, UserKey>();
  #share: DirectoryListener | null = null;

  private constructor(store: HostStore, maxUsers: number, logger: Logger) {
    this.#store = store;
    this.#maxUsers = maxUsers;
    this.#logger = logger;
  }

  static async open(store: HostStore, maxUsers: number, logger: Logger): Promise<Directory> {
    const directory = new Directory(store, maxUsers, logger);
    await directory.reload();
    return directory;
  }

  /**
   * Takes in what the store holds now (a cluster node that joined or saw Redis come back may have
   * missed changes). Keeps what the store lacks: only a forget removes a name.
   */
  async reload(): Promise<void> {
    for (const entry of await this.#store.directory()) {
      const lastSeen = Math.max(entry.lastSeen, this.#entries.get(entry.user.key)?.lastSeen ?? 0);
      this.#set(entry.user.key, entry.user.name, lastSeen, entry.owner);
    }
  }

  /**
   * Writes `key` to the store again as the mirror has it (a Redis that came back empty lost it);
   * rejects when the store cannot take it, so the caller can try again.
   */
  rewrite(key: UserKey): Promise<void> {
    const entry = this.#entries.get(key);
    return entry ? this.#write(key, entry.name, entry.owner) : Promise.resolve();
  }

  /** From now on, every change this node makes is told to `listener` once the store has taken it. */
  share(listener: DirectoryListener): void {
    this.#share = listener;
  }

  /** Another node's change, which its node has written to the shared store already. */
  applySeen(key: UserKey, name: string, lastSeen: number, owner: OwnerHash | null): void {
    this.#set(key, name, Math.max(lastSeen, this.#entries.get(key)?.lastSeen ?? 0), owner);
  }

  applyForgotten(key: UserKey): void {
    this.#drop(key);
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The key of the user known by this name or one that looks like it. */
  find(keys: NameKeys): UserKey | undefined {
    return this.#entries.has(keys.caseless) ? keys.caseless : this.#lookAlikes.get(keys.skeleton);
  }

  /** True when `keys` is not a known user's but looks like one: registering it would impersonate them. */
  clashes(keys: NameKeys): boolean {
    const known = this.find(keys);
    return known !== undefined && known !== keys.caseless;
  }

  /** True when `key` is a known name claimed by an owner key other than `ownerKey` (or none given). */
  ownedByAnother(key: UserKey, ownerKey: string | undefined): boolean {
    const owner = this.#entries.get(key)?.owner ?? null;
    return owner !== null && !holdsKey(ownerKey, owner);
  }

  nameOf(key: UserKey): string | undefined {
    return this.#entries.get(key)?.name;
  }

  /**
   * `name` registered now: recorded, or its name and last seen updated, and claimed by `owner` if
   * no key has claimed it yet. False when the directory is full.
   */
  saw(key: UserKey, name: string, now: number, owner: OwnerHash | null): boolean {
    const previous = this.#entries.get(key);
    if (!previous && this.#entries.size >= this.#maxUsers) {
      this.#logger.log('warn', 'directory-full', { user: name, size: this.#entries.size });
      return false;
    }
    this.#set(key, name, now, previous?.owner ?? owner);
    this.#record(key, name, owner);
    return true;
  }

  /**
   * `key` went offline now; answers its last seen, or undefined when it is not in the directory.
   * `own`: it was this node's user, so this node writes it (false: its node does, and tells).
   */
  left(key: UserKey, now: number, own = true): number | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    entry.lastSeen = now;
    if (own) this.#record(key, entry.name, null);
    return now;
  }

  /** Removes `key` and everything kept for it; null when it was not in the directory. */
  async forget(key: UserKey): Promise<Forgotten | null> {
    this.#drop(key);
    const forgotten = await this.#store.forget(storeKey(key));
    if (forgotten) this.#share?.forgotten(key);
    return forgotten;
  }

  /** Everyone but `key` who is not registered now, as offline entries with their last seen. */
  offlineTextsExcept(key: UserKey, isRegistered: (key: UserKey) => boolean): string[] {
    const texts: string[] = [];
    for (const [known, entry] of this.#entries) if (known !== key && !isRegistered(known)) texts.push(this.#texts.text(known, entry.name, 'offline', entry.lastSeen));
    return texts;
  }

  /** Up to `limit` people whose key passes `matches` (which should leave out the registered), as offline entries with their last seen. */
  offlineWhere(matches: (key: UserKey) => boolean, limit = Infinity): Map<UserKey, UserPresence> {
    const users = new Map<UserKey, UserPresence>();
    for (const [known, entry] of this.#entries) {
      if (users.size >= limit) break;
      if (matches(known)) users.set(known, { name: entry.name, state: 'offline', lastSeen: entry.lastSeen });
    }
    return users;
  }

  #drop(key: UserKey): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    this.#texts.forget(key);
    if (this.#lookAlikes.get(entry.skeleton) === key) this.#lookAlikes.delete(entry.skeleton);
  }

  #set(key: UserKey, name: string, lastSeen: number, owner: OwnerHash | null): void {
    const previous = this.#entries.get(key);
    if (previous) this.#lookAlikes.delete(previous.skeleton);
    const { skeleton } = nameKeys(name);
    this.#entries.set(key, { name, skeleton, lastSeen, owner });
    this.#lookAlikes.set(skeleton, key);
  }

  /**
   * Stamps last seen in the store; a failure there is logged (the mirror keeps the newer value). A
   * shared store's answer is the truth (another node may have claimed the name's owner first).
   */
  #record(key: UserKey, name: string, owner: OwnerHash | null): void {
    this.#write(key, name, owner).catch((error: unknown) => this.#logger.log('error', 'directory-write-failed', { user: name, error: String(error) }));
  }

  async #write(key: UserKey, name: string, owner: OwnerHash | null): Promise<void> {
    const outcome = await this.#store.sawUser({ key: storeKey(key), name }, owner ?? undefined);
    if (outcome.kind === 'refused') {
      this.#logger.log('warn', 'directory-refused', { user: name, reason: outcome.reason });
      return;
    }
    const share = this.#share;
    if (share === null) return;
    const { lastSeen, owner: kept } = outcome.value;
    if (this.#entries.has(key)) this.applySeen(key, name, lastSeen, kept);
    share.seen(key, name, lastSeen, kept);
  }
}
