/**
 * The registry of a cluster node: every user of the cluster (a replica, fed by the other nodes'
 * envelopes), the resume tokens of this node's own users, and which nodes have each user in a
 * dialog (busy). Each field has one writer: a user's node writes the user, a dialog's home its busy mark.
 */
import type { PresenceState, PublishedState, UserPresence } from '../../common/protocol.js';
import type { NameKeys, UserKey } from '../name-key.js';
import { PresenceTexts } from '../presence-texts.js';
import { stateOf, type LeaveReason, type PresenceListener, type RegisteredUser, type Registry } from '../registry.js';
import { newToken, sameSecret } from '../secret.js';
import type { Member } from './envelope.js';

/** Where the registry writes what its node owns. */
export interface MemberStore {
  changed(key: UserKey, member: Member): void;
  released(key: UserKey, skeleton: string, reason: LeaveReason): void;
  busy(key: UserKey, busy: boolean): void;
  /** This node's user has a new resume token. */
  renewed(key: UserKey, token: string): void;
}

export class ClusterRegistry implements Registry {
  readonly #node: string;
  readonly #members = new Map<UserKey, Member>();
  readonly #texts = new PresenceTexts();
  /** Skeleton to key. */
  readonly #lookAlikes = new Map<string, UserKey>();
  /** This node's users and their resume tokens. */
  readonly #resume = new Map<UserKey, string>();
  readonly #busyBy = new Map<UserKey, Set<string>>();
  readonly #onPresence: PresenceListener;
  readonly #store: MemberStore;

  constructor(node: string, onPresence: PresenceListener, store: MemberStore) {
    this.#node = node;
    this.#onPresence = onPresence;
    this.#store = store;
  }

  /** This node's users (maxClients and /healthz count those). */
  get size(): number {
    return this.#resume.size;
  }

  isLocal(key: UserKey): boolean {
    return this.#resume.has(key);
  }

  nodeOf(key: UserKey): string | undefined {
    return this.#members.get(key)?.node;
  }

  member(key: UserKey): Member | undefined {
    return this.#members.get(key);
  }

  find(keys: NameKeys): UserKey | undefined {
    return this.#members.has(keys.caseless) ? keys.caseless : this.#lookAlikes.get(keys.skeleton);
  }

  get(key: UserKey): RegisteredUser | undefined {
    const member = this.#members.get(key);
    return member && { key, name: member.name, published: member.published, busy: this.#isBusy(key), inCall: member.inCall };
  }

  add(name: string, keys: NameKeys): string {
    const token = newToken();
    this.#resume.set(keys.caseless, token);
    this.#put(keys.caseless, { name, skeleton: keys.skeleton, node: this.#node, published: 'online', connected: true, inCall: false });
    this.#store.renewed(keys.caseless, token);
    return token;
  }

  /** Another node's user resumed here (the cluster moved it already): this node's own from now on. */
  adopt(key: UserKey, member: Member, token: string): void {
    this.#resume.set(key, token);
    this.#put(key, member);
  }

  /** This node's user resumed on another node: no longer this node's, and not gone either. */
  movedAway(key: UserKey, member: Member): void {
    this.#resume.delete(key);
    this.#put(key, member);
  }

  resumeMatches(key: UserKey, token: string): boolean {
    const resume = this.#resume.get(key);
    return resume !== undefined && sameSecret(token, resume);
  }

  renewResume(key: UserKey): string {
    if (!this.#resume.has(key)) throw new Error(`renewResume: ${key} is not registered here`);
    const token = newToken();
    this.#resume.set(key, token);
    this.#store.renewed(key, token);
    return token;
  }

  publish(key: UserKey, state: PublishedState, inCall: boolean): void {
    this.#update(key, { published: state, inCall });
  }

  /** This node's user lost its socket (false) or has one again. */
  setConnected(key: UserKey, connected: boolean): void {
    this.#update(key, { connected });
  }

  isConnected(key: UserKey): boolean {
    return this.#members.get(key)?.connected === true;
  }

  setBusy(key: UserKey, busy: boolean): void {
    this.#mark(key, this.#node, busy);
    this.#store.busy(key, busy);
  }

  remove(key: UserKey, reason: LeaveReason): void {
    const member = this.#members.get(key);
    if (!member) return;
    this.#members.delete(key);
    this.#texts.forget(key);
    if (this.#lookAlikes.get(member.skeleton) === key) this.#lookAlikes.delete(member.skeleton);
    const own = this.#resume.delete(key);
    // Other nodes' marks go with the user; this node's own go as its dialogs end.
    const marks = this.#busyBy.get(key);
    if (marks?.has(this.#node)) this.#busyBy.set(key, new Set([this.#node]));
    else this.#busyBy.delete(key);
    if (own) this.#store.released(key, member.skeleton, reason);
    this.#onPresence(key, member.name, 'offline');
  }

  presenceTextsExcept(key: UserKey): string[] {
    const texts: string[] = [];
    for (const [other, member] of this.#members) if (other !== key) texts.push(this.#texts.text(other, member.name, this.#visible(other, member)));
    return texts;
  }

  /** Every node's users: the phone book is the cluster's. */
  get people(): number {
    return this.#members.size;
  }

  presenceWhere(matches: (key: UserKey) => boolean, limit = Infinity): Map<UserKey, UserPresence> {
    const users = new Map<UserKey, UserPresence>();
    for (const [key, member] of this.#members) {
      if (users.size >= limit) break;
      if (matches(key)) users.set(key, { name: member.name, state: this.#visible(key, member) });
    }
    return users;
  }

  /** Another node's user registered or changed; this node's own users are its own to say. */
  applyMember(key: UserKey, member: Member): void {
    if (this.isLocal(key) || member.node === this.#node) return;
    this.#put(key, member);
  }

  /** Another node marks `key` busy or not. */
  applyBusy(key: UserKey, node: string, busy: boolean): void {
    if (node !== this.#node) this.#mark(key, node, busy);
  }

  /** `node` is gone: its busy marks go (its users go one by one, as they unregister). */
  dropNode(node: string): void {
    for (const key of [...this.#busyBy.keys()]) this.#mark(key, node, false);
  }

  membersOf(node: string): UserKey[] {
    return [...this.#members].filter(([, member]) => member.node === node).map(([key]) => key);
  }

  /** The nodes this registry knows users of, this one aside. */
  nodes(): Set<string> {
    const nodes = new Set<string>();
    for (const member of this.#members.values()) if (member.node !== this.#node) nodes.add(member.node);
    return nodes;
  }

  /** This node's users, with their members and resume tokens. */
  localMembers(): [UserKey, Member, string][] {
    return [...this.#resume].map(([key, token]) => [key, this.#members.get(key)!, token]);
  }

  /** The nodes home to a dialog of `key`'s. */
  busyOn(key: UserKey): string[] {
    return [...(this.#busyBy.get(key) ?? [])];
  }

  /** The keys this node marks busy. */
  ownBusy(): UserKey[] {
    return [...this.#busyBy].filter(([, nodes]) => nodes.has(this.#node)).map(([key]) => key);
  }

  /** Changes this node's own user, and tells the cluster. */
  #update(key: UserKey, change: Partial<Pick<Member, 'published' | 'connected' | 'inCall'>>): void {
    const member = this.#members.get(key);
    if (!member || !this.isLocal(key)) return;
    const changed = { ...member, ...change };
    this.#put(key, changed);
    this.#store.changed(key, changed);
  }

  /** Adds or replaces `key`'s member, telling the listener when what others see of it changed. */
  #put(key: UserKey, member: Member): void {
    const before = this.#members.get(key);
    if (before && before.skeleton !== member.skeleton && this.#lookAlikes.get(before.skeleton) === key) this.#lookAlikes.delete(before.skeleton);
    this.#members.set(key, member);
    this.#lookAlikes.set(member.skeleton, key);
    const after = this.#visible(key, member);
    if (!before || before.name !== member.name || this.#visible(key, before) !== after) this.#onPresence(key, member.name, after);
  }

  #mark(key: UserKey, node: string, busy: boolean): void {
    const member = this.#members.get(key);
    const before = member && this.#visible(key, member);
    const nodes = this.#busyBy.get(key) ?? new Set<string>();
    if (busy) nodes.add(node);
    else nodes.delete(node);
    if (nodes.size > 0) this.#busyBy.set(key, nodes);
    else this.#busyBy.delete(key);
    if (!member) return;
    const after = this.#visible(key, member);
    if (after !== before) this.#onPresence(key, member.name, after);
  }

  #isBusy(key: UserKey): boolean {
    return (this.#busyBy.get(key)?.size ?? 0) > 0;
  }

  #visible(key: UserKey, member: Member): PresenceState {
    return stateOf({ key, name: member.name, published: member.published, busy: this.#isBusy(key), inCall: member.inCall });
  }
}
