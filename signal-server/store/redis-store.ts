/**
 * The HostStore on Redis, shared by the nodes of a cluster: every call is one Lua script
 * (redis-scripts.ts), so each check and its write are atomic across nodes, and calls from one node
 * run in the order made (one connection). A promise settles once Redis has answered; how durable
 * that answer is, is Redis's to say (AOF with `appendfsync always` for a "sent" to survive kill -9).
 */
import { createClient, RESP_TYPES } from 'redis';
import { silentLogger, type Logger } from '../log.js';
import type { OwnerHash } from '../owner-key.js';
import {
  closedError,
  messageState,
  refused,
  voicemailFormat,
  MAX_CONVERSATION_PAGE,
  recordingFits,
  textFits,
  type DirectoryEntry,
  type Forgotten,
  type HostStore,
  type MessageId,
  type NewVoicemail,
  type Receipt,
  type Refusal,
  type Stored,
  type StoredMessage,
  type StoreLimits,
  type UnreadCount,
  type UserKey,
  type UserRef,
  type VoicemailId,
  type VoicemailInfo,
} from './host-store.js';
import { newRecordId } from './record-id.js';
import * as LUA from './redis-scripts.js';
import { checkedStoreLimits } from './store-limits.js';

export interface RedisStoreOptions {
  /** redis://host:port */
  url: string;
  /** Every key the store writes starts with it. Default `lp:store:`. */
  prefix?: string;
  limits?: Partial<StoreLimits>;
  now?: () => number;
  logger?: Logger;
}

export const DEFAULT_STORE_PREFIX = 'lp:store:';

type Client = ReturnType<typeof createClient>;
type Reply = string | null | Reply[] | number;

const REFUSALS: readonly Refusal[] = [
  'bad-text',
  'unknown-sender',
  'unknown-recipient',
  'recipient-full',
  'sender-full',
  'mailbox-full',
  'too-many-unheard',
  'bad-recording',
  'directory-full',
];

export async function openRedisStore(options: RedisStoreOptions): Promise<HostStore> {
  const limits = checkedStoreLimits(options.limits);
  const logger = options.logger ?? silentLogger;
  // Fail at once while Redis is away: a sender is told 500 rather than left waiting.
  const client: Client = createClient({
    url: options.url,
    disableOfflineQueue: true,
    socket: { reconnectStrategy: (retries: number) => Math.min(50 * (retries + 1), 500) },
  });
  client.on('error', (error: Error) => logger.log('debug', 'store-redis-error', { message: error.message }));
  await client.connect();
  return new RedisHostStore(client, options.prefix ?? DEFAULT_STORE_PREFIX, limits, options.now ?? Date.now);
}

class RedisHostStore implements HostStore {
  readonly #client: Client;
  readonly #prefix: string;
  readonly #limits: StoreLimits;
  readonly #now: () => number;
  readonly #inFlight = new Set<Promise<unknown>>();
  #closed = false;

  constructor(client: Client, prefix: string, limits: StoreLimits, now: () => number) {
    this.#client = client;
    this.#prefix = prefix;
    this.#limits = limits;
    this.#now = now;
  }

  async sawUser(user: UserRef, owner?: OwnerHash): Promise<Stored<DirectoryEntry>> {
    const at = this.#now();
    const reply = await this.#run(LUA.SAW_USER, [user.key, user.name, String(at), owner ?? '', String(this.#limits.maxDirectoryUsers)]);
    return outcome(reply, ([firstSeen, kept]) => ({ user, firstSeen: Number(firstSeen), lastSeen: at, owner: kept === '' ? null : (kept as OwnerHash) }));
  }

  async directory(): Promise<DirectoryEntry[]> {
    const flat = strings(await this.#run(LUA.DIRECTORY, []));
    const entries: DirectoryEntry[] = [];
    for (let i = 0; i + 4 < flat.length; i += 5) {
      const [key, name, firstSeen, lastSeen, owner] = flat.slice(i, i + 5) as [string, string, string, string, string];
      entries.push({ user: { key: key as UserKey, name }, firstSeen: Number(firstSeen), lastSeen: Number(lastSeen), owner: owner === '' ? null : (owner as OwnerHash) });
    }
    return entries.sort((a, b) => byBytes(a.user.key, b.user.key));
  }

  async forget(key: UserKey): Promise<Forgotten | null> {
    const reply = await this.#run(LUA.FORGET, [key]);
    if (!Array.isArray(reply)) return null;
    const [name, messages, voicemails] = reply;
    return { user: { key, name: String(name) }, messages: Number(messages), voicemails: Number(voicemails) };
  }

  async storeMessage(from: UserKey, to: UserKey, text: string, committed?: (message: StoredMessage) => void): Promise<Stored<StoredMessage>> {
    this.#open();
    if (!textFits(text, this.#limits)) return refused('bad-text');
    const id = newRecordId() as MessageId;
    const sentAt = this.#now();
    const { maxUndeliveredPerRecipient, maxUndeliveredPerSender } = this.#limits;
    const reply = await this.#run(LUA.STORE_MESSAGE, [from, to, id, text, String(sentAt), String(maxUndeliveredPerRecipient), String(maxUndeliveredPerSender)]);
    const kept = outcome(reply, ([fromName, toName]) => ({
      id,
      from: { key: from, name: String(fromName) },
      to: { key: to, name: String(toName) },
      text,
      sentAt,
      state: { kind: 'sent' } as const,
    }));
    // Redis answers once its append-only file has it: committed and durable at once.
    if (kept.kind === 'stored') committed?.(kept.value);
    return kept;
  }

  async pendingFor(recipient: UserKey): Promise<StoredMessage[]> {
    return rows(await this.#run(LUA.PENDING, [recipient])).map(messageOf);
  }

  async conversation(asker: UserKey, peer: UserKey, limit: number, before?: MessageId): Promise<StoredMessage[]> {
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_CONVERSATION_PAGE) {
      throw new RangeError(`limit must be a whole number from 1 to ${MAX_CONVERSATION_PAGE}, not ${limit}`);
    }
    return rows(await this.#run(LUA.CONVERSATION, [asker, peer, String(limit), before ?? '']))
      .map(messageOf)
      .reverse();
  }

  markDelivered(recipient: UserKey, ids: readonly MessageId[]): Promise<Receipt[]> {
    return this.#mark(recipient, ids, 'delivered');
  }

  markRead(recipient: UserKey, ids: readonly MessageId[]): Promise<Receipt[]> {
    return this.#mark(recipient, ids, 'read');
  }

  async unreadCounts(recipient: UserKey): Promise<UnreadCount[]> {
    const flat = strings(await this.#run(LUA.UNREAD, [recipient]));
    const counts: UnreadCount[] = [];
    for (let i = 0; i + 2 < flat.length; i += 3) counts.push({ from: { key: flat[i] as UserKey, name: flat[i + 1]! }, count: Number(flat[i + 2]) });
    return counts.sort((a, b) => byBytes(a.from.key, b.from.key));
  }

  async storeVoicemail(voicemail: NewVoicemail): Promise<Stored<VoicemailInfo>> {
    this.#open();
    if (!recordingFits(voicemail, this.#limits)) return refused('bad-recording');
    const { from, to, format, durationMs, audio } = voicemail;
    const id = newRecordId() as VoicemailId;
    const createdAt = this.#now();
    const { maxVoicemailsPerRecipient, maxUnheardVoicemailsPerSender } = this.#limits;
    const args = [from, to, id, format, String(durationMs), String(audio.byteLength), String(createdAt), String(maxVoicemailsPerRecipient), String(maxUnheardVoicemailsPerSender)];
    const reply = await this.#run(LUA.STORE_VOICEMAIL, [...args, Buffer.from(audio.buffer, audio.byteOffset, audio.byteLength)]);
    return outcome(reply, ([fromName, toName]) => ({
      id,
      from: { key: from, name: String(fromName) },
      to: { key: to, name: String(toName) },
      format,
      durationMs,
      bytes: audio.byteLength,
      createdAt,
      heardAt: null,
    }));
  }

  async voicemailsFor(recipient: UserKey): Promise<VoicemailInfo[]> {
    return rows(await this.#run(LUA.VOICEMAILS_FOR, [recipient])).map(voicemailOf);
  }

  async voicemailAudio(recipient: UserKey, id: VoicemailId): Promise<Uint8Array | null> {
    const audio = await this.#run(LUA.AUDIO, [recipient, id], true);
    return Buffer.isBuffer(audio) ? new Uint8Array(audio) : null;
  }

  async markVoicemailHeard(recipient: UserKey, id: VoicemailId): Promise<VoicemailInfo | null> {
    const reply = await this.#run(LUA.HEAR, [recipient, id, String(this.#now())]);
    return Array.isArray(reply) ? voicemailOf(strings(reply)) : null;
  }

  async deleteVoicemail(recipient: UserKey, id: VoicemailId): Promise<boolean> {
    return Number(await this.#run(LUA.DELETE_VOICEMAIL, [recipient, id])) === 1;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
    await this.#client.close().catch(() => this.#client.destroy());
  }

  async #mark(recipient: UserKey, ids: readonly MessageId[], state: 'delivered' | 'read'): Promise<Receipt[]> {
    const at = this.#now();
    const reply = await this.#run(LUA.MARK, [recipient, String(at), String(this.#limits.maxKeptMessagesPerRecipient), state, ...new Set(ids)]);
    return rows(reply).map(([id, from, deliveredAt]) => ({
      id: id as MessageId,
      from: from as UserKey,
      to: recipient,
      state: state === 'read' ? { kind: 'read', deliveredAt: Number(deliveredAt), readAt: at } : { kind: 'delivered', deliveredAt: at },
    }));
  }

  #open(): void {
    if (this.#closed) throw closedError();
  }

  /**
   * Runs a script. EVAL rather than EVALSHA: Redis caches the compiled script by its hash either way,
   * and a NOSCRIPT retry (after Redis restarts) would run after calls made later, out of order.
   */
  #run(script: string, args: (string | Buffer)[], binary = false): Promise<unknown> {
    if (this.#closed) return Promise.reject(closedError());
    const options = binary ? { typeMapping: { [RESP_TYPES.BLOB_STRING]: Buffer } } : undefined;
    const running = this.#client.sendCommand(['EVAL', script, '0', this.#prefix, ...args], options);
    const settled = running.then(
      () => undefined,
      () => undefined,
    );
    this.#inFlight.add(settled);
    void settled.then(() => this.#inFlight.delete(settled));
    return running;
  }
}


/** {'stored', ...fields} or {'refused', reason}, as the scripts answer. */
function outcome<T>(reply: unknown, value: (fields: string[]) => T): Stored<T> {
  const [kind, ...fields] = strings(reply);
  if (kind === 'stored') return { kind: 'stored', value: value(fields) };
  const reason = REFUSALS.find((known) => known === fields[0]);
  if (kind !== 'refused' || reason === undefined) throw new Error(`the store's script answered ${JSON.stringify(reply)}`);
  return refused(reason);
}

function strings(reply: unknown): string[] {
  if (!Array.isArray(reply)) throw new Error(`the store's script answered ${JSON.stringify(reply)}`);
  return reply.map((field: Reply) => String(field));
}

const rows = (reply: unknown): string[][] => (Array.isArray(reply) ? reply.map(strings) : []);

/** Sorted as SQLite sorts text: by UTF-8 bytes. */
const byBytes = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

function messageOf([id, from, fromName, to, toName, text, sentAt, deliveredAt, readAt]: string[]): StoredMessage {
  return {
    id: id as MessageId,
    from: { key: from as UserKey, name: fromName ?? '' },
    to: { key: to as UserKey, name: toName ?? '' },
    text: text ?? '',
    sentAt: Number(sentAt),
    state: messageState(timeOrNull(deliveredAt ?? ''), timeOrNull(readAt ?? '')),
  };
}

/** The scripts answer '' for a time not yet come. */
const timeOrNull = (field: string): number | null => (field === '' ? null : Number(field));

function voicemailOf([id, from, fromName, to, toName, format, durationMs, bytes, createdAt, heardAt]: string[]): VoicemailInfo {
  return {
    id: id as VoicemailId,
    from: { key: from as UserKey, name: fromName ?? '' },
    to: { key: to as UserKey, name: toName ?? '' },
    format: voicemailFormat(format ?? ''),
    durationMs: Number(durationMs),
    bytes: Number(bytes),
    createdAt: Number(createdAt),
    heardAt: heardAt === '' || heardAt === undefined ? null : Number(heardAt),
  };
}

