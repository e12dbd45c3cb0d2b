/**
 * What the host keeps between calls: the directory, text messages and voicemail. This is the
 * contract only (no SQL, no storage), so a shared store for a server cluster can replace the
 * SQLite one. Every read and change names the asking user's key and sees only what is theirs.
 */
import { nameKeys } from '../name-key.js';
import type { OwnerHash } from '../owner-key.js';

/** The switchboard's caseless key of a name (name-key.ts): who a stored thing belongs to. */
export type UserKey = string & { readonly brand: 'UserKey' };
export type MessageId = string & { readonly brand: 'MessageId' };
export type VoicemailId = string & { readonly brand: 'VoicemailId' };

/** A user as stored: the key the host looks them up by, and their name as they last wrote it. */
export interface UserRef {
  readonly key: UserKey;
  readonly name: string;
}

/** The only way to make a UserRef, so key and name cannot disagree. `name` is already normalised and valid. */
export function userRef(name: string): UserRef {
  return { key: userKey(name), name };
}

export const userKey = (name: string): UserKey => nameKeys(name).caseless as UserKey;

export interface DirectoryEntry {
  readonly user: UserRef;
  /** Milliseconds since the epoch, by the host's clock. */
  readonly firstSeen: number;
  readonly lastSeen: number;
  /** The hash of the owner key the name was first registered with; null while no key has claimed it. */
  readonly owner: OwnerHash | null;
}

/** sent: kept by the host; delivered: on the recipient's device; read: shown to them. */
export type MessageState =
  | { readonly kind: 'sent' }
  | { readonly kind: 'delivered'; readonly deliveredAt: number }
  | { readonly kind: 'read'; readonly deliveredAt: number; readonly readAt: number };

export interface StoredMessage {
  readonly id: MessageId;
  readonly from: UserRef;
  readonly to: UserRef;
  readonly text: string;
  readonly sentAt: number;
  readonly state: MessageState;
}

/** What a sender is told about its message: it changed state. */
export interface Receipt {
  readonly id: MessageId;
  readonly from: UserKey;
  readonly to: UserKey;
  readonly state: Exclude<MessageState, { kind: 'sent' }>;
}

export type Refusal =
  /** The text is empty or longer than maxMessageBytes. */
  | 'bad-text'
  /** The sender is not in the directory (forgotten while online). */
  | 'unknown-sender'
  /** The recipient is not in the directory. */
  | 'unknown-recipient'
  /** The recipient already has maxUndeliveredPerRecipient messages waiting. */
  | 'recipient-full'
  /** The sender already has maxUndeliveredPerSender messages waiting, to anyone. */
  | 'sender-full'
  /** The store is behind with what it was asked (store-thread.ts): a message is refused until it catches up. */
  | 'store-busy'
  /** The recipient already keeps maxVoicemailsPerRecipient voicemails. */
  | 'mailbox-full'
  /** The sender already has maxUnheardVoicemailsPerSender voicemails unheard, to anyone. */
  | 'too-many-unheard'
  /** The recording is empty, longer than maxVoicemailMs or bigger than maxVoicemailBytes. */
  | 'bad-recording'
  /** A new name when the directory already holds maxDirectoryUsers. */
  | 'directory-full';

export type Stored<T> = { readonly kind: 'stored'; readonly value: T } | { readonly kind: 'refused'; readonly reason: Refusal };

export interface UnreadCount {
  readonly from: UserRef;
  readonly count: number;
}

export const MAX_CONVERSATION_PAGE = 200;

/** The containers MediaRecorder writes Opus in (Chromium: webm, Firefox: ogg). */
export const VOICEMAIL_FORMATS = ['webm', 'ogg'] as const;
export type VoicemailFormat = (typeof VOICEMAIL_FORMATS)[number];

export interface VoicemailInfo {
  readonly id: VoicemailId;
  readonly from: UserRef;
  readonly to: UserRef;
  readonly format: VoicemailFormat;
  readonly durationMs: number;
  readonly bytes: number;
  readonly createdAt: number;
  readonly heardAt: number | null;
}

export interface NewVoicemail {
  readonly from: UserKey;
  readonly to: UserKey;
  readonly format: VoicemailFormat;
  readonly durationMs: number;
  readonly audio: Uint8Array;
}

export type StoreErrorCode =
  /** Another live process has the store's folder open. */
  | 'in-use'
  /** The database was written by a newer LeanPhone; this one will not downgrade it. */
  | 'newer-schema'
  /** The store was closed. */
  | 'closed';

export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

export interface Forgotten {
  readonly user: UserRef;
  /** Messages to or from them, and voicemails they left or were left, now gone. */
  readonly messages: number;
  readonly voicemails: number;
}

/** Caps on what the host keeps, so that no user can grow it without bound. Defaults in options.ts. */
export interface StoreLimits {
  /** Names the directory holds; a new name beyond it is refused until the operator forgets some. */
  maxDirectoryUsers: number;
  /** UTF-8 bytes of one message's text. */
  maxMessageBytes: number;
  /** Messages waiting (not yet delivered) for one recipient. */
  maxUndeliveredPerRecipient: number;
  /** Messages one sender may have waiting, to everyone together. */
  maxUndeliveredPerSender: number;
  /** Delivered messages kept per recipient as history; beyond it the oldest are dropped. */
  maxKeptMessagesPerRecipient: number;
  /** Voicemails one recipient keeps, heard or not. */
  maxVoicemailsPerRecipient: number;
  /** Voicemails one caller may have unheard, to everyone together. */
  maxUnheardVoicemailsPerSender: number;
  /** Bytes of one recording. */
  maxVoicemailBytes: number;
  /** Length of one recording. */
  maxVoicemailMs: number;
}

/**
 * Calls take effect in the order they are made. A returned promise settles only once the change is
 * kept (SQLite: on disk; Redis: answered, as durable as its append-only file), so a caller may tell
 * a sender "sent" as soon as storeMessage resolves.
 */
export interface HostStore {
  /**
   * Adds the user to the directory or, if known, stamps last seen and takes their name as now
   * written. `owner` claims a name no key has claimed yet; a name's first owner is never replaced.
   */
  sawUser(user: UserRef, owner?: OwnerHash): Promise<Stored<DirectoryEntry>>;
  /** Everyone who has registered on this host and has not been forgotten, by name. */
  directory(): Promise<DirectoryEntry[]>;
  /** Removes a user from the directory with every message and voicemail to or from them; null when unknown. */
  forget(key: UserKey): Promise<Forgotten | null>;

  /**
   * Keeps a message. `committed` hears a kept message as soon as later calls see it, which may be
   * before it is durable (SQLite: once it is decided, before its row is written and synced with the
   * rest of the turn): it may go live then, as only "sent" promises durability. It is heard before
   * the promise resolves, and never for a refusal; should the message be lost after all (its
   * transaction or sync failing), the promise rejects.
   */
  storeMessage(from: UserKey, to: UserKey, text: string, committed?: (message: StoredMessage) => void): Promise<Stored<StoredMessage>>;
  /** Messages waiting for `recipient`, oldest first. */
  pendingFor(recipient: UserKey): Promise<StoredMessage[]>;
  /**
   * The latest `limit` (1 to MAX_CONVERSATION_PAGE) messages between `asker` and `peer`, either way,
   * oldest first; `before`, one of those messages, pages back.
   */
  conversation(asker: UserKey, peer: UserKey, limit: number, before?: MessageId): Promise<StoredMessage[]>;
  /** Marks `recipient`'s messages delivered; ids that are not theirs or not waiting are ignored. */
  markDelivered(recipient: UserKey, ids: readonly MessageId[]): Promise<Receipt[]>;
  /** Marks `recipient`'s messages read (and delivered, if they were not). */
  markRead(recipient: UserKey, ids: readonly MessageId[]): Promise<Receipt[]>;
  /** Per sender, how many of the messages to `recipient` are not read yet. */
  unreadCounts(recipient: UserKey): Promise<UnreadCount[]>;

  storeVoicemail(voicemail: NewVoicemail): Promise<Stored<VoicemailInfo>>;
  /** `recipient`'s voicemails, newest first. */
  voicemailsFor(recipient: UserKey): Promise<VoicemailInfo[]>;
  /** The recording, only for its recipient; null for anyone else or an unknown id. */
  voicemailAudio(recipient: UserKey, id: VoicemailId): Promise<Uint8Array | null>;
  markVoicemailHeard(recipient: UserKey, id: VoicemailId): Promise<VoicemailInfo | null>;
  /** Deletes a voicemail, only for its recipient; false for anyone else or an unknown id. */
  deleteVoicemail(recipient: UserKey, id: VoicemailId): Promise<boolean>;

  /** Finishes what was asked and closes; every later call rejects. */
  close(): Promise<void>;
}

/** What both stores answer with, built one way. */
export const stored = <T>(value: T): Stored<T> => ({ kind: 'stored', value });
export const refused = (reason: Refusal): { kind: 'refused'; reason: Refusal } => ({ kind: 'refused', reason });
export const closedError = (): StoreError => new StoreError('closed', 'the store is closed');

/** A message's state from when it was delivered and read (null: not yet). */
export function messageState(deliveredAt: number | null, readAt: number | null): MessageState {
  if (deliveredAt === null) return { kind: 'sent' };
  return readAt === null ? { kind: 'delivered', deliveredAt } : { kind: 'read', deliveredAt, readAt };
}

/** Whether a message's text is one any store keeps: not empty, and at most maxMessageBytes in UTF-8. */
export function textFits(text: string, limits: StoreLimits): boolean {
  const bytes = Buffer.byteLength(text, 'utf8');
  return bytes > 0 && bytes <= limits.maxMessageBytes;
}

/** What a store knows of a message's two users; the counts are read only when the checks get to them. */
export interface MessageParties {
  readonly senderKnown: boolean;
  readonly recipientKnown: boolean;
  waitingFor(): number;
  waitingFrom(): number;
}

/**
 * Why a store refuses a message whose text fits, in the order every store checks (the Redis one in
 * redis-scripts.ts); null when it keeps it.
 */
export function messageRefusal(parties: MessageParties, limits: StoreLimits): Refusal | null {
  if (!parties.senderKnown) return 'unknown-sender';
  if (!parties.recipientKnown) return 'unknown-recipient';
  if (parties.waitingFor() >= limits.maxUndeliveredPerRecipient) return 'recipient-full';
  if (parties.waitingFrom() >= limits.maxUndeliveredPerSender) return 'sender-full';
  return null;
}

/** Whether a recording is one any store keeps: a known format, a whole length and a size within the limits. */
export function recordingFits(voicemail: NewVoicemail, limits: StoreLimits): boolean {
  const { format, durationMs, audio } = voicemail;
  return (
    VOICEMAIL_FORMATS.includes(format) &&
    Number.isSafeInteger(durationMs) &&
    durationMs >= 1 &&
    durationMs <= limits.maxVoicemailMs &&
    audio.byteLength >= 1 &&
    audio.byteLength <= limits.maxVoicemailBytes
  );
}

/** A stored voicemail's format, checked. */
export function voicemailFormat(value: string): VoicemailFormat {
  const format = VOICEMAIL_FORMATS.find((known) => known === value);
  if (format === undefined) throw new Error(`unknown voicemail format ${value}`);
  return format;
}
