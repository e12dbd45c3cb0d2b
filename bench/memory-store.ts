/**
 * The HostStore contract kept in this process's memory: nothing reaches a disk, and everything is
 * gone with the process. Only bench:messages uses it (BENCH_HOST=server-memory), to measure what
 * the server's own work on a message costs with no store in the way. Calls take effect when made
 * and are answered together on the next turn, in the order made, as a store that batches would.
 * tests/server/memory-store.test.ts holds it to the contract the SQLite and Redis stores keep.
 */
import { checkedStoreLimits } from '../signal-server/store/store-limits.js';
import {
  closedError,
  messageState,
  refused,
  stored,
  recordingFits,
  messageRefusal,
  textFits,
  MAX_CONVERSATION_PAGE,
  type DirectoryEntry,
  type Forgotten,
  type HostStore,
  type MessageId,
  type NewVoicemail,
  type Receipt,
  type Stored,
  type StoredMessage,
  type StoreLimits,
  type UnreadCount,
  type UserKey,
  type UserRef,
  type VoicemailId,
  type VoicemailInfo,
} from '../signal-server/store/host-store.js';
import type { OwnerHash } from '../signal-server/owner-key.js';
import { newRecordId } from '../signal-server/store/record-id.js';

interface User {
  name: string;
  readonly firstSeen: number;
  lastSeen: number;
  owner: OwnerHash | null;
}

interface Message {
  readonly id: MessageId;
  readonly seq: number;
  readonly from: UserKey;
  readonly to: UserKey;
  readonly text: string;
  readonly sentAt: number;
  deliveredAt: number | null;
  readAt: number | null;
}

interface Voicemail {
  readonly info: Omit<VoicemailInfo, 'from' | 'to' | 'heardAt'> & { readonly from: UserKey; readonly to: UserKey };
  readonly seq: number;
  readonly audio: Uint8Array;
  heardAt: number | null;
}

export interface MemoryStoreOptions {
  limits?: Partial<StoreLimits>;
  now?: () => number;
}

export class MemoryHostStore implements HostStore {
  readonly #limits: StoreLimits;
  readonly #now: () => number;
  readonly #users = new Map<UserKey, User>();
  /** By id, in the order stored (a Map keeps insertion order). */
  readonly #messages = new Map<MessageId, Message>();
  readonly #voicemails = new Map<VoicemailId, Voicemail>();
  // Indexes, so that a message costs the same however many are kept.
  /** Each recipient's waiting messages, oldest first (a Set keeps insertion order). */
  #waitingTo = new Map<UserKey, Set<MessageId>>();
  /** How many messages each sender has waiting. */
  #waitingFrom = new Map<UserKey, number>();
  /** Each recipient's delivered messages, oldest first. */
  #keptTo = new Map<UserKey, Message[]>();
  #seq = 0;
  #answers: (() => void)[] = [];
  #closed = false;

  constructor(options: MemoryStoreOptions = {}) {
    this.#limits = checkedStoreLimits(options.limits);
    this.#now = options.now ?? Date.now;
  }

  /** The ids of the recordings held, sorted. */
  recordings(): string[] {
    return [...this.#voicemails.keys()].sort();
  }

  sawUser(user: UserRef, owner?: OwnerHash): Promise<Stored<DirectoryEntry>> {
    return this.#call(() => {
      const at = this.#now();
      const known = this.#users.get(user.key);
      if (known) {
        known.name = user.name;
        known.lastSeen = at;
        known.owner ??= owner ?? null;
        return stored({ user, firstSeen: known.firstSeen, lastSeen: at, owner: known.owner });
      }
      if (this.#users.size >= this.#limits.maxDirectoryUsers) return refused('directory-full');
      this.#users.set(user.key, { name: user.name, firstSeen: at, lastSeen: at, owner: owner ?? null });
      return stored({ user, firstSeen: at, lastSeen: at, owner: owner ?? null });
    });
  }

  directory(): Promise<DirectoryEntry[]> {
    return this.#call(() =>
      [...this.#users.keys()].sort().map((key) => {
        const user = this.#users.get(key) as User;
        return { user: { key, name: user.name }, firstSeen: user.firstSeen, lastSeen: user.lastSeen, owner: user.owner };
      }),
    );
  }

  forget(key: UserKey): Promise<Forgotten | null> {
    return this.#call(() => {
      const user = this.#users.get(key);
      if (!user) return null;
      this.#users.delete(key);
      const theirs = <T extends { from: UserKey; to: UserKey }>(thing: T): boolean => thing.from === key || thing.to === key;
      const messages = [...this.#messages.values()].filter(theirs);
      for (const message of messages) this.#messages.delete(message.id);
      const voicemails = [...this.#voicemails.values()].filter((voicemail) => theirs(voicemail.info));
      for (const voicemail of voicemails) this.#voicemails.delete(voicemail.info.id);
      this.#index();
      return { user: { key, name: user.name }, messages: messages.length, voicemails: voicemails.length };
    });
  }

  storeMessage(from: UserKey, to: UserKey, text: string, committed?: (message: StoredMessage) => void): Promise<Stored<StoredMessage>> {
    return this.#call(
      () => {
        if (!textFits(text, this.#limits)) return refused('bad-text');
        const refusal = messageRefusal(
          {
            senderKnown: this.#users.has(from),
            recipientKnown: this.#users.has(to),
            waitingFor: () => this.#waitingTo.get(to)?.size ?? 0,
            waitingFrom: () => this.#waitingFrom.get(from) ?? 0,
          },
          this.#limits,
        );
        if (refusal !== null) return refused(refusal);
        this.#seq += 1;
        const message: Message = { id: newRecordId() as MessageId, seq: this.#seq, from, to, text, sentAt: this.#now(), deliveredAt: null, readAt: null };
        this.#messages.set(message.id, message);
        this.#wait(message);
        return stored(this.#stored(message));
      },
      committed && ((outcome) => outcome.kind === 'stored' && committed(outcome.value)),
    );
  }

  pendingFor(recipient: UserKey): Promise<StoredMessage[]> {
    return this.#call(() => [...(this.#waitingTo.get(recipient) ?? [])].map((id) => this.#stored(this.#messages.get(id) as Message)));
  }

  conversation(asker: UserKey, peer: UserKey, limit: number, before?: MessageId): Promise<StoredMessage[]> {
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_CONVERSATION_PAGE) {
      return Promise.reject(new RangeError(`limit must be a whole number from 1 to ${MAX_CONVERSATION_PAGE}, not ${limit}`));
    }
    return this.#call(() => {
      const between = (message: Message): boolean =>
        (message.from === asker && message.to === peer) || (message.from === peer && message.to === asker);
      const start = before === undefined ? undefined : this.#messages.get(before);
      if (before !== undefined && (start === undefined || !between(start))) return [];
      const beforeSeq = start?.seq ?? Number.POSITIVE_INFINITY;
      const page = [...this.#messages.values()].filter((message) => between(message) && message.seq < beforeSeq).slice(-limit);
      return page.map((message) => this.#stored(message));
    });
  }

  markDelivered(recipient: UserKey, ids: readonly MessageId[]): Promise<Receipt[]> {
    return this.#call(() => {
      const at = this.#now();
      return this.#deliver(recipient, ids, at).map((message) => ({ id: message.id, from: message.from, to: recipient, state: { kind: 'delivered', deliveredAt: at } }));
    });
  }

  markRead(recipient: UserKey, ids: readonly MessageId[]): Promise<Receipt[]> {
    return this.#call(() => {
      const at = this.#now();
      this.#deliver(recipient, ids, at);
      const receipts: Receipt[] = [];
      for (const id of new Set(ids)) {
        const message = this.#messages.get(id);
        if (message?.to !== recipient || message.readAt !== null || message.deliveredAt === null) continue;
        message.readAt = at;
        receipts.push({ id, from: message.from, to: recipient, state: { kind: 'read', deliveredAt: message.deliveredAt, readAt: at } });
      }
      return receipts;
    });
  }

  unreadCounts(recipient: UserKey): Promise<UnreadCount[]> {
    return this.#call(() => {
      const counts = new Map<UserKey, number>();
      for (const message of this.#messages.values()) {
        if (message.to === recipient && message.readAt === null) counts.set(message.from, (counts.get(message.from) ?? 0) + 1);
      }
      return [...counts.keys()].sort().map((from) => ({ from: this.#ref(from), count: counts.get(from) as number }));
    });
  }

  storeVoicemail(voicemail: NewVoicemail): Promise<Stored<VoicemailInfo>> {
    return this.#call(() => {
      if (!recordingFits(voicemail, this.#limits)) return refused('bad-recording');
      const { from, to, format, durationMs, audio } = voicemail;
      if (!this.#users.has(from)) return refused('unknown-sender');
      if (!this.#users.has(to)) return refused('unknown-recipient');
      const held = [...this.#voicemails.values()];
      if (held.filter((kept) => kept.info.to === to).length >= this.#limits.maxVoicemailsPerRecipient) return refused('mailbox-full');
      if (held.filter((kept) => kept.info.from === from && kept.heardAt === null).length >= this.#limits.maxUnheardVoicemailsPerSender) {
        return refused('too-many-unheard');
      }
      this.#seq += 1;
      const id = newRecordId() as VoicemailId;
      const kept: Voicemail = { info: { id, from, to, format, durationMs, bytes: audio.byteLength, createdAt: this.#now() }, seq: this.#seq, audio: audio.slice(), heardAt: null };
      this.#voicemails.set(id, kept);
      return stored(this.#info(kept));
    });
  }

  voicemailsFor(recipient: UserKey): Promise<VoicemailInfo[]> {
    return this.#call(() =>
      [...this.#voicemails.values()]
        .filter((kept) => kept.info.to === recipient)
        .sort((a, b) => b.seq - a.seq)
        .map((kept) => this.#info(kept)),
    );
  }

  voicemailAudio(recipient: UserKey, id: VoicemailId): Promise<Uint8Array | null> {
    return this.#call(() => this.#recipientsOwn(recipient, id)?.audio.slice() ?? null);
  }

  markVoicemailHeard(recipient: UserKey, id: VoicemailId): Promise<VoicemailInfo | null> {
    return this.#call(() => {
      const kept = this.#recipientsOwn(recipient, id);
      if (!kept) return null;
      kept.heardAt ??= this.#now();
      return this.#info(kept);
    });
  }

  deleteVoicemail(recipient: UserKey, id: VoicemailId): Promise<boolean> {
    return this.#call(() => this.#recipientsOwn(recipient, id) !== undefined && this.#voicemails.delete(id));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await new Promise((resolve) => setImmediate(resolve));
  }

  /** Runs `work` now and answers it on the next turn, after the calls made before it. */
  #call<T>(work: () => T, committed?: (value: T) => void): Promise<T> {
    if (this.#closed) return Promise.reject(closedError());
    return new Promise<T>((resolve, reject) => {
      let value: T;
      try {
        value = work();
      } catch (error) {
        reject(error);
        return;
      }
      if (this.#answers.length === 0) setImmediate(() => this.#answer());
      this.#answers.push(() => {
        committed?.(value);
        resolve(value);
      });
    });
  }

  #answer(): void {
    const answers = this.#answers;
    this.#answers = [];
    for (const answer of answers) answer();
  }

  /** Marks those of `ids` (each once) that wait for `recipient` delivered at `at`, and keeps their history in bounds. */
  #deliver(recipient: UserKey, ids: readonly MessageId[], at: number): Message[] {
    const delivered: Message[] = [];
    for (const id of new Set(ids)) {
      const message = this.#messages.get(id);
      if (message?.to !== recipient || message.deliveredAt !== null) continue;
      message.deliveredAt = at;
      this.#waitingTo.get(recipient)?.delete(id);
      this.#waitingFrom.set(message.from, (this.#waitingFrom.get(message.from) ?? 1) - 1);
      this.#keep(message);
      delivered.push(message);
    }
    const kept = this.#keptTo.get(recipient) ?? [];
    const excess = kept.length - this.#limits.maxKeptMessagesPerRecipient;
    if (excess > 0) for (const message of kept.splice(0, excess)) this.#messages.delete(message.id);
    return delivered;
  }

  #wait(message: Message): void {
    const waiting = this.#waitingTo.get(message.to) ?? new Set<MessageId>();
    this.#waitingTo.set(message.to, waiting.add(message.id));
    this.#waitingFrom.set(message.from, (this.#waitingFrom.get(message.from) ?? 0) + 1);
  }

  /** Adds a delivered message to its recipient's history, in the order the messages were stored. */
  #keep(message: Message): void {
    const kept = this.#keptTo.get(message.to) ?? [];
    this.#keptTo.set(message.to, kept);
    let at = kept.length;
    while (at > 0 && (kept[at - 1] as Message).seq > message.seq) at -= 1;
    kept.splice(at, 0, message);
  }

  /** Builds the indexes afresh from the messages (after a user is forgotten). */
  #index(): void {
    this.#waitingTo = new Map();
    this.#waitingFrom = new Map();
    this.#keptTo = new Map();
    for (const message of this.#messages.values()) {
      if (message.deliveredAt === null) this.#wait(message);
      else this.#keep(message);
    }
  }

  #recipientsOwn(recipient: UserKey, id: VoicemailId): Voicemail | undefined {
    const kept = this.#voicemails.get(id);
    return kept?.info.to === recipient ? kept : undefined;
  }

  #stored(message: Message): StoredMessage {
    const { id, from, to, text, sentAt, deliveredAt, readAt } = message;
    return { id, from: this.#ref(from), to: this.#ref(to), text, sentAt, state: messageState(deliveredAt, readAt) };
  }

  #info(kept: Voicemail): VoicemailInfo {
    return { ...kept.info, from: this.#ref(kept.info.from), to: this.#ref(kept.info.to), heardAt: kept.heardAt };
  }

  #ref(key: UserKey): UserRef {
    return { key, name: this.#users.get(key)?.name ?? key };
  }
}
