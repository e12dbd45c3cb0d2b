/**
 * The HostStore on SQLite: every query the host makes (the schema is in sqlite-file.ts). Calls
 * run in the order made, batched: all asked during one turn of the event loop share one
 * transaction (all turns within COMMIT_SPACING_MS of a busy store's last commit, or while a
 * checkpoint syncs host.db), committed to disk once, and only then is any of them answered. A
 * message is decided when it is asked for, from what the store holds in memory, so that it goes
 * live at once; only its row waits for the batch.
 */
import { join } from 'node:path';
import { silentLogger, type Logger } from '../log.js';
import type { OwnerHash } from '../owner-key.js';
import {
  closedError,
  messageState,
  refused,
  stored,
  voicemailFormat,
  MAX_CONVERSATION_PAGE,
  messageRefusal,
  recordingFits,
  textFits,
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
} from './host-store.js';
import { preferredBinding, type BindingName, type Connection, type Params, type Row, type Statement } from './sqlite-binding.js';
import { checkpoint, closeDatabase, DATABASE_FILE, DiskSync, integer, integerOrNull, openDatabase, text } from './sqlite-file.js';
import { CountMirror, CountTable, Mirror } from './mirror.js';
import { newRecordId } from './record-id.js';
import { checkedStoreLimits } from './store-limits.js';
import { VoicemailFiles, type Recording } from './voicemail-files.js';

/** A message as decided before it reaches the store: its id and the time it was sent. */
export interface DecidedMessage {
  readonly id: MessageId;
  readonly from: UserKey;
  readonly to: UserKey;
  readonly text: string;
  readonly sentAt: number;
}

/** A message as asked for: its time is the store's to give when the caller has not decided it. */
type AskedMessage = Omit<DecidedMessage, 'sentAt'> & { readonly sentAt: number | undefined };

/** A message not yet delivered, by whom it is from and to (store-thread.ts counts them). */
export interface WaitingMessage {
  readonly id: MessageId;
  readonly from: UserKey;
  readonly to: UserKey;
}

export interface SqliteStoreOptions {
  /** A folder the store owns: the database and the voicemail recordings. */
  dir: string;
  limits?: Partial<StoreLimits>;
  now?: () => number;
  logger?: Logger;
  /** The schema's migrations; tests of upgrades pass their own. */
  migrations?: readonly string[];
  /** Awaited before each checkpoint's sync of host.db: tests hold it back to see what goes on meanwhile. */
  beforeDatabaseSync?: () => Promise<void>;
  /** The SQLite binding; by default better-sqlite3 where its build loads (sqlite-binding.ts). */
  binding?: BindingName;
  /** Milliseconds from a busy store's commit to its next at the least; default COMMIT_SPACING_MS. */
  commitSpacingMs?: number;
}

export async function openSqliteStore(options: SqliteStoreOptions): Promise<SqliteHostStore> {
  const limits = checkedStoreLimits(options.limits);
  const now = options.now ?? Date.now;
  const logger = options.logger ?? silentLogger;
  const choice = options.binding === undefined ? preferredBinding() : { name: options.binding };
  const db = openDatabase(options.dir, now, options.migrations, choice.name);
  logger.log('info', 'store.opened', { binding: choice.name, ...('nativeUnavailable' in choice ? { nativeUnavailable: choice.nativeUnavailable } : {}) });
  const syncs: DiskSync[] = [];
  let files: VoicemailFiles;
  try {
    syncs.push(DiskSync.open(options.dir, `${DATABASE_FILE}-wal`), DiskSync.open(options.dir, DATABASE_FILE));
    files = await VoicemailFiles.open(join(options.dir, 'voicemail'));
  } catch (error) {
    closeDatabase(db, options.dir);
    for (const sync of syncs) sync.close();
    throw error;
  }
  const [wal, database] = syncs as [DiskSync, DiskSync];
  const disk = { wal, database, beforeDatabaseSync: options.beforeDatabaseSync ?? (() => Promise.resolve()) };
  const spacing = options.commitSpacingMs ?? COMMIT_SPACING_MS;
  const store = new SqliteHostStore(db, disk, options.dir, files, limits, now, logger, spacing);
  try {
    await store.reconcileRecordings();
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

const MESSAGE = `SELECT m.id, m.from_key, f.name AS from_name, m.to_key, t.name AS to_name, m.text, m.sent_at,
    m.delivered_at, m.read_at
  FROM messages m JOIN users f ON f.key = m.from_key JOIN users t ON t.key = m.to_key`;
const VOICEMAIL = `SELECT v.id, v.from_key, f.name AS from_name, v.to_key, t.name AS to_name, v.format, v.duration_ms,
    v.bytes, v.created_at, v.heard_at
  FROM voicemails v JOIN users f ON f.key = v.from_key JOIN users t ON t.key = v.to_key`;
const IN_CONVERSATION = '((m.from_key = :a AND m.to_key = :p) OR (m.from_key = :p AND m.to_key = :a))';

const SQL = {
  begin: 'BEGIN',
  commit: 'COMMIT',
  savepoint: 'SAVEPOINT job',
  changes: 'SELECT total_changes() AS n',
  release: 'RELEASE job',
  rollbackJob: 'ROLLBACK TO job',

  userName: 'SELECT name FROM users WHERE key = ?',
  touchUser: `UPDATE users SET name = ?, last_seen = ?, owner_hash = coalesce(owner_hash, ?) WHERE key = ?
    RETURNING first_seen, owner_hash`,
  countUsers: 'SELECT count(*) AS n FROM users',
  addUser: 'INSERT INTO users (key, name, first_seen, last_seen, owner_hash) VALUES (?, ?, ?, ?, ?)',
  directory: 'SELECT key, name, first_seen, last_seen, owner_hash FROM users ORDER BY key',
  deleteUser: 'DELETE FROM users WHERE key = ?',
  countMessagesOf: 'SELECT count(*) AS n FROM messages WHERE from_key = :k OR to_key = :k',

  waiting: 'SELECT id, from_key, to_key FROM messages INDEXED BY messages_waiting WHERE delivered_at IS NULL ORDER BY seq',
  waitingFor: 'SELECT count(*) AS n FROM messages WHERE to_key = ? AND delivered_at IS NULL',
  /** Read once, not per sender: the index a sender's count would need cost every message more (sqlite-file.ts). */
  waitingFromEach: `SELECT from_key, count(*) AS n FROM messages INDEXED BY messages_waiting WHERE delivered_at IS NULL
    GROUP BY from_key`,
  /** All of a user's messages less those waiting: two index counts, never a row read (1 ms for 10,000 kept). */
  keptFor: `SELECT (SELECT count(*) FROM messages WHERE to_key = :k) - (SELECT count(*) FROM messages WHERE to_key = :k AND delivered_at IS NULL)
    AS n`,
  addMessage: 'INSERT INTO messages (id, from_key, to_key, text, sent_at) VALUES (?, ?, ?, ?, ?)',
  pendingFor: `${MESSAGE} WHERE m.to_key = ? AND m.delivered_at IS NULL ORDER BY m.seq`,
  seqInConversation: `SELECT seq FROM messages m WHERE m.id = :id AND ${IN_CONVERSATION}`,
  /**
   * Each side's newest messages before :before, each read back along its recipient's inbox
   * (messages_inbox): a page reads about a page's rows, not the whole conversation's.
   */
  conversation: `${MESSAGE} WHERE m.seq IN (
      SELECT seq FROM (SELECT seq FROM messages WHERE to_key = :a AND from_key = :p AND seq < :before ORDER BY seq DESC LIMIT :limit)
      UNION ALL
      SELECT seq FROM (SELECT seq FROM messages WHERE to_key = :p AND from_key = :a AND seq < :before ORDER BY seq DESC LIMIT :limit))
    ORDER BY m.seq DESC LIMIT :limit`,
  deliver: `UPDATE messages SET delivered_at = ? WHERE id = ? AND to_key = ? AND delivered_at IS NULL
    RETURNING from_key`,
  read: 'UPDATE messages SET read_at = ? WHERE id = ? AND to_key = ? AND read_at IS NULL RETURNING from_key, delivered_at',
  trimKept: `DELETE FROM messages WHERE seq IN
    (SELECT seq FROM messages WHERE to_key = ? AND delivered_at IS NOT NULL ORDER BY seq LIMIT ?)`,
  /** Reads the recipient's entries in messages_inbox alone, at most maxKept and maxUndelivered, once a registration. */
  unreadCounts: `SELECT m.from_key, u.name, count(*) AS n FROM messages m JOIN users u ON u.key = m.from_key
    WHERE m.to_key = ? AND m.read_at IS NULL GROUP BY m.from_key ORDER BY m.from_key`,

  voicemailsTo: 'SELECT count(*) AS n FROM voicemails WHERE to_key = ?',
  unheardFrom: 'SELECT count(*) AS n FROM voicemails WHERE from_key = ? AND heard_at IS NULL',
  addVoicemail: `INSERT INTO voicemails (id, from_key, to_key, format, duration_ms, bytes, created_at)
    VALUES (?, ?, ?, ?, ?, ?, ?)`,
  voicemail: `${VOICEMAIL} WHERE v.id = ? AND v.to_key = ?`,
  voicemailsFor: `${VOICEMAIL} WHERE v.to_key = ? ORDER BY v.seq DESC`,
  hear: 'UPDATE voicemails SET heard_at = coalesce(heard_at, ?) WHERE id = ? AND to_key = ?',
  deleteVoicemail: 'DELETE FROM voicemails WHERE id = ? AND to_key = ? RETURNING format',
  recordingsOf: 'SELECT id, format FROM voicemails WHERE from_key = :k OR to_key = :k',
  allRecordings: 'SELECT id, format FROM voicemails',
  dropRecording: 'DELETE FROM voicemails WHERE id = ?',
} as const;

type Queries = Record<keyof typeof SQL, Statement>;

/**
 * Rows changed between checkpoints. Commits wait while one runs (10 to 100 ms, mostly the sync of
 * host.db, whatever its size), so checkpoints are few: at 5,000 messages a second, 2,000 changes
 * make 5 a second where 400 made 25 (BENCHMARKS.md, "Fewer checkpoints"). The WAL then peaks near
 * 16 MB under a storm of small commits, and less when commits are larger.
 */
export const CHECKPOINT_CHANGES = 2_000;

/**
 * A busy store's commits are this far apart at the least (group commit): calls made within it join
 * the next commit instead of each turn committing, and syncing, its own few. At 5,000 messages a
 * second turns made 400 to 850 commits a second of about 12 calls; spaced, 200 at most, for about
 * 8 % less of the server's CPU a message (BENCHMARKS.md, "Commits 5 ms apart"). Busy: its last
 * commit held BUSY_COMMIT_CALLS calls or more. A quiet store commits at once, so that calls that
 * wait on each other (a registration's three) never wait for the spacing.
 */
export const COMMIT_SPACING_MS = 5;
export const BUSY_COMMIT_CALLS = 8;

/**
 * How a failed job's changes are undone. 'statement': the job changes the database with at most one
 * statement, which SQLite undoes by itself when it fails. 'savepoint': with more, so it runs in one.
 */
type Undo = 'statement' | 'savepoint';

interface Job {
  run(): unknown;
  undo: Undo;
  /** Hears the job's value once its transaction commits, before the disk sync that settles it. */
  committed: ((value: unknown) => void) | undefined;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

interface Disk {
  readonly wal: DiskSync;
  readonly database: DiskSync;
  readonly beforeDatabaseSync: () => Promise<void>;
}

interface OpenTransaction {
  readonly jobs: Job[];
  readonly outcomes: Outcome[];
  /** Jobs before this index have been told to their `committed` hooks. */
  heard: number;
  /** Begun while a checkpoint's sync held commits back: nothing of it may reach the WAL before that sync. */
  readonly ahead: boolean;
}

/**
 * The first row, running the statement to its end: node-sqlite3-wasm's `get` leaves it mid-step,
 * and an UPDATE ... RETURNING left so holds up the savepoint's RELEASE.
 */
const one = (statement: Statement, params?: Params): Row | null => statement.all(params)[0] ?? null;
const count = (result: Row | null): number => integer(result, 'n');
const key = (result: Row | null, column: string): UserKey => text(result, column) as UserKey;
/** `ids` without repeats; the one id of most receipt reports as it came. */
const uniqueIds = (ids: readonly MessageId[]): readonly MessageId[] => (ids.length === 1 ? ids : [...new Set(ids)]);

export class SqliteHostStore implements HostStore {
  readonly #db: Connection;
  readonly #dir: string;
  readonly #files: VoicemailFiles;
  readonly #disk: Disk;
  readonly #limits: StoreLimits;
  readonly #now: () => number;
  readonly #logger: Logger;
  #q: Queries;
  #jobs: Job[] = [];
  /** Jobs in #jobs that change who is in the directory: a message asked for meanwhile is decided after them. */
  #directoryChangesWaiting = 0;
  readonly #commitSpacingMs: number;
  /** performance.now() at the last commit, and how many calls it held. */
  #committedAt = -Infinity;
  #committedCalls = 0;
  /** Settles once the last commit's callers are answered (never rejects). */
  #answered: Promise<void> = Promise.resolve();
  /**
   * A checkpoint under way: nothing commits until the database file is synced, since the next
   * commit starts the WAL over. Until the WAL is copied, calls wait; after, they run ahead.
   */
  #checkpoint: { copied: boolean } | null = null;
  /** The transaction calls run in, between a flush that began it and the commit that ends it. */
  #open: OpenTransaction | null = null;
  /** total_changes() when the last checkpoint was started. */
  #changesAtCheckpoint = 0;
  /** A user's name, by key. */
  readonly #names: Mirror<UserKey, string>;
  /** Messages not yet delivered, to a user and from a user. */
  readonly #waitingFor: CountMirror<UserKey>;
  readonly #waitingFrom: CountTable<UserKey>;
  /** Delivered messages a user keeps as history (up to maxKeptMessagesPerRecipient). */
  readonly #kept: CountMirror<UserKey>;
  /** Work that continues after its transaction (recording files), finished before close. */
  readonly #inFlight = new Set<Promise<unknown>>();
  #closed = false;

  constructor(db: Connection, disk: Disk, dir: string, files: VoicemailFiles, limits: StoreLimits, now: () => number, logger: Logger, commitSpacingMs: number) {
    this.#db = db;
    this.#commitSpacingMs = commitSpacingMs;
    this.#disk = disk;
    this.#dir = dir;
    this.#files = files;
    this.#limits = limits;
    this.#now = now;
    this.#logger = logger;
    this.#q = prepareAll(db);
    this.#names = new Mirror((user) => one(this.#q.userName, [user])?.name as string | undefined);
    this.#waitingFor = new CountMirror((user) => count(one(this.#q.waitingFor, [user])));
    this.#waitingFrom = new CountTable(() => this.#q.waitingFromEach.all().map((row) => [key(row, 'from_key'), count(row)] as const));
    this.#kept = new CountMirror((user) => count(one(this.#q.keptFor, { ':k': user })));
  }

  sawUser(user: UserRef, owner?: OwnerHash): Promise<Stored<DirectoryEntry>> {
    return this.#enqueue(() => {
      const at = this.#now();
      const known = one(this.#q.touchUser, [user.name, at, owner ?? null, user.key]);
      if (known) {
        this.#names.set(user.key, user.name);
        return stored({ user, firstSeen: integer(known, 'first_seen'), lastSeen: at, owner: ownerOf(known) });
      }
      if (count(one(this.#q.countUsers)) >= this.#limits.maxDirectoryUsers) return refused('directory-full');
      this.#q.addUser.run([user.key, user.name, at, at, owner ?? null]);
      this.#names.set(user.key, user.name);
      return stored({ user, firstSeen: at, lastSeen: at, owner: owner ?? null });
    }, 'statement', undefined, true);
  }

  directory(): Promise<DirectoryEntry[]> {
    return this.#enqueue(
      () =>
        this.#q.directory.all().map((entry) => ({
          user: { key: key(entry, 'key'), name: text(entry, 'name') },
          firstSeen: integer(entry, 'first_seen'),
          lastSeen: integer(entry, 'last_seen'),
          owner: ownerOf(entry),
        })),
      'statement',
    );
  }

  forget(forgotten: UserKey): Promise<Forgotten | null> {
    return this.#track(async () => {
      const outcome = await this.#enqueue(() => {
        const name = one(this.#q.userName, [forgotten]);
        if (!name) return null;
        const messages = count(one(this.#q.countMessagesOf, { ':k': forgotten }));
        const recordings = this.#q.recordingsOf.all({ ':k': forgotten }).map(recordingOf);
        this.#q.deleteUser.run([forgotten]);
        // Their messages went with them, changing other users' counts: those are read again.
        this.#clearMirrors();
        return { user: { key: forgotten, name: text(name, 'name') }, messages, recordings };
      }, 'statement', undefined, true);
      if (outcome === null) return null;
      await Promise.all(outcome.recordings.map((recording) => this.#files.remove(recording)));
      return { user: outcome.user, messages: outcome.messages, voicemails: outcome.recordings.length };
    });
  }

  storeMessage(from: UserKey, to: UserKey, messageText: string, committed?: (message: StoredMessage) => void): Promise<Stored<StoredMessage>> {
    return this.#addMessage({ from, to, text: messageText, id: newRecordId() as MessageId, sentAt: undefined }, committed);
  }

  /**
   * Keeps a message whose id and time were given where it was decided (store-thread.ts), under
   * the same checks as storeMessage.
   */
  keepMessage(message: DecidedMessage): Promise<Stored<StoredMessage>> {
    return this.#addMessage(message);
  }

  /** Every message not yet delivered, oldest first. */
  waitingMessages(): Promise<WaitingMessage[]> {
    return this.#enqueue(
      () => this.#q.waiting.all().map((row) => ({ id: text(row, 'id') as MessageId, from: key(row, 'from_key'), to: key(row, 'to_key') })),
      'statement',
    );
  }

  #addMessage(
    message: AskedMessage,
    committed?: (message: StoredMessage) => void,
  ): Promise<Stored<StoredMessage>> {
    if (!textFits(message.text, this.#limits)) return this.#answer(refused('bad-text'));
    if (this.#closed) return Promise.reject(closedError());
    if (this.#directoryChangesWaiting > 0) {
      const decideInTurn = (): Stored<StoredMessage> => {
        const decided = this.#decide(message);
        if (decided.kind === 'stored') this.#keep(decided.value);
        return decided;
      };
      return this.#enqueue(decideInTurn, 'statement', committed && ((outcome) => outcome.kind === 'stored' && committed(outcome.value)));
    }
    const decided = this.#decide(message);
    if (decided.kind === 'refused') return Promise.resolve(decided);
    const kept = this.#enqueue(() => (this.#keep(decided.value), decided), 'statement');
    this.#tell(committed, decided.value);
    return kept;
  }

  /**
   * Whether `message` may be kept, from the names and waiting counts in memory, which include every
   * message decided before it; counted in if so. Its row is written by #keep. Deliveries not yet run
   * still count as waiting, so a place they free is taken from the next turn on.
   */
  #decide(message: AskedMessage): Stored<StoredMessage> {
    const { from, to } = message;
    const senderName = this.#names.get(from);
    const recipientName = this.#names.get(to);
    const refusal = messageRefusal(
      {
        senderKnown: senderName !== undefined,
        recipientKnown: recipientName !== undefined,
        waitingFor: () => this.#waitingFor.get(to),
        waitingFrom: () => this.#waitingFrom.get(from),
      },
      this.#limits,
    );
    if (refusal !== null) return refused(refusal);
    this.#waitingFor.add(to, 1);
    this.#waitingFrom.add(from, 1);
    return stored({
      id: message.id,
      from: { key: from, name: senderName as string },
      to: { key: to, name: recipientName as string },
      text: message.text,
      sentAt: message.sentAt ?? this.#now(),
      state: { kind: 'sent' },
    });
  }

  #keep(message: StoredMessage): void {
    this.#q.addMessage.run([message.id, message.from.key, message.to.key, message.text, message.sentAt]);
  }

  pendingFor(recipient: UserKey): Promise<StoredMessage[]> {
    return this.#enqueue(() => this.#q.pendingFor.all([recipient]).map(messageOf), 'statement');
  }

  conversation(asker: UserKey, peer: UserKey, limit: number, before?: MessageId): Promise<StoredMessage[]> {
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_CONVERSATION_PAGE) {
      return Promise.reject(new RangeError(`limit must be a whole number from 1 to ${MAX_CONVERSATION_PAGE}, not ${limit}`));
    }
    return this.#enqueue(() => {
      const between = { ':a': asker, ':p': peer };
      let beforeSeq = Number.MAX_SAFE_INTEGER;
      if (before !== undefined) {
        const found = one(this.#q.seqInConversation, { ...between, ':id': before });
        if (!found) return [];
        beforeSeq = integer(found, 'seq');
      }
      return this.#q.conversation.all({ ...between, ':before': beforeSeq, ':limit': limit }).map(messageOf).reverse();
    }, 'statement');
  }

  markDelivered(recipient: UserKey, ids: readonly MessageId[]): Promise<Receipt[]> {
    const unique = uniqueIds(ids);
    return this.#enqueue(() => this.#deliver(recipient, unique, this.#now()), unique.length > 1 ? 'savepoint' : 'statement');
  }

  markRead(recipient: UserKey, ids: readonly MessageId[]): Promise<Receipt[]> {
    const unique = uniqueIds(ids);
    return this.#enqueue(() => {
      const at = this.#now();
      this.#deliver(recipient, unique, at);
      const receipts: Receipt[] = [];
      for (const id of unique) {
        const changed = one(this.#q.read, [at, id, recipient]);
        if (!changed) continue;
        const state = { kind: 'read', deliveredAt: integer(changed, 'delivered_at'), readAt: at } as const;
        receipts.push({ id, from: key(changed, 'from_key'), to: recipient, state });
      }
      return receipts;
    }, 'savepoint');
  }

  unreadCounts(recipient: UserKey): Promise<UnreadCount[]> {
    return this.#enqueue(
      () =>
        this.#q.unreadCounts.all([recipient]).map((entry) => ({
          from: { key: key(entry, 'from_key'), name: text(entry, 'name') },
          count: count(entry),
        })),
      'statement',
    );
  }

  storeVoicemail(voicemail: NewVoicemail): Promise<Stored<VoicemailInfo>> {
    if (!recordingFits(voicemail, this.#limits)) return this.#answer(refused('bad-recording'));
    const { from, to, format, durationMs, audio } = voicemail;
    return this.#track(async () => {
      const recording: Recording = { id: newRecordId() as VoicemailId, format };
      // The file first: a crash before its row leaves only a file, which the next open removes.
      await this.#files.write(recording, audio);
      let outcome: Stored<VoicemailInfo>;
      try {
        outcome = await this.#enqueue(() => {
          const senderName = this.#names.get(from);
          if (senderName === undefined) return refused('unknown-sender');
          const recipientName = this.#names.get(to);
          if (recipientName === undefined) return refused('unknown-recipient');
          if (count(one(this.#q.voicemailsTo, [to])) >= this.#limits.maxVoicemailsPerRecipient) return refused('mailbox-full');
          if (count(one(this.#q.unheardFrom, [from])) >= this.#limits.maxUnheardVoicemailsPerSender) return refused('too-many-unheard');
          const info: VoicemailInfo = {
            id: recording.id,
            from: { key: from, name: senderName },
            to: { key: to, name: recipientName },
            format,
            durationMs,
            bytes: audio.byteLength,
            createdAt: this.#now(),
            heardAt: null,
          };
          this.#q.addVoicemail.run([info.id, from, to, format, durationMs, info.bytes, info.createdAt]);
          return stored(info);
        }, 'statement');
      } catch (error) {
        await this.#files.remove(recording);
        throw error;
      }
      if (outcome.kind === 'refused') await this.#files.remove(recording);
      return outcome;
    });
  }

  voicemailsFor(recipient: UserKey): Promise<VoicemailInfo[]> {
    return this.#enqueue(() => this.#q.voicemailsFor.all([recipient]).map(voicemailOf), 'statement');
  }

  voicemailAudio(recipient: UserKey, id: VoicemailId): Promise<Uint8Array | null> {
    return this.#track(async () => {
      const found = await this.#enqueue(() => one(this.#q.voicemail, [id, recipient]), 'statement');
      return found ? this.#files.read(recordingOf(found)) : null;
    });
  }

  markVoicemailHeard(recipient: UserKey, id: VoicemailId): Promise<VoicemailInfo | null> {
    return this.#enqueue(() => {
      this.#q.hear.run([this.#now(), id, recipient]);
      const found = one(this.#q.voicemail, [id, recipient]);
      return found ? voicemailOf(found) : null;
    }, 'savepoint');
  }

  deleteVoicemail(recipient: UserKey, id: VoicemailId): Promise<boolean> {
    return this.#track(async () => {
      const deleted = await this.#enqueue(() => one(this.#q.deleteVoicemail, [id, recipient]), 'statement');
      if (!deleted) return false;
      await this.#files.remove({ id, format: voicemailFormat(text(deleted, 'format')) });
      return true;
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // During a checkpoint this flush waits for it; both are in flight.
    this.#flush();
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
    finalizeAll(this.#q);
    closeDatabase(this.#db, this.#dir);
    this.#disk.wal.close();
    this.#disk.database.close();
  }

  /** Drops recording files no row names (a crash between the two) and rows whose file is gone. */
  async reconcileRecordings(): Promise<void> {
    const recordings = await this.#enqueue(() => this.#q.allRecordings.all().map(recordingOf), 'statement');
    const { removedFiles, missing } = await this.#files.reconcile(recordings);
    if (missing.length > 0) await this.#enqueue(() => missing.forEach((recording) => this.#q.dropRecording.run([recording.id])), 'savepoint');
    if (removedFiles + missing.length > 0) {
      this.#logger.log('warn', 'store.voicemail-reconciled', { removedFiles, droppedRows: missing.length });
    }
  }

  /**
   * Marks those of `ids` (each once) that wait for `recipient` delivered at `at`, and counts them
   * out of the waiting counts and into the kept one: a receipt for each message it delivered, in
   * the order of `ids`.
   */
  #deliver(recipient: UserKey, ids: readonly MessageId[], at: number): Receipt[] {
    // Read before any change: in a one-statement job, the change must be its last step.
    const keptBefore = this.#kept.get(recipient);
    const state = { kind: 'delivered', deliveredAt: at } as const;
    const receipts: Receipt[] = [];
    for (const id of ids) {
      const changed = one(this.#q.deliver, [at, id, recipient]);
      if (changed) receipts.push({ id, from: key(changed, 'from_key'), to: recipient, state });
    }
    if (receipts.length === 0) return receipts;
    this.#waitingFor.add(recipient, -receipts.length);
    for (const receipt of receipts) this.#waitingFrom.add(receipt.from, -1);
    const kept = keptBefore + receipts.length;
    this.#kept.set(recipient, kept);
    if (kept > this.#limits.maxKeptMessagesPerRecipient) this.#trimKeptLater(recipient);
    return receipts;
  }

  /**
   * Drops `recipient`'s oldest delivered messages past maxKeptMessagesPerRecipient, in a job of its
   * own queued behind the delivery (so that the delivery stays one statement). A trim that fails
   * is tried again at their next delivery, as their kept count is then read afresh.
   */
  #trimKeptLater(recipient: UserKey): void {
    const trimmed = this.#enqueue(() => {
      const excess = this.#kept.get(recipient) - this.#limits.maxKeptMessagesPerRecipient;
      if (excess <= 0) return;
      this.#q.trimKept.run([recipient, excess]);
      this.#kept.set(recipient, this.#limits.maxKeptMessagesPerRecipient);
    }, 'statement');
    trimmed.catch((error: unknown) => {
      // Closing drops it: the next open counts the history afresh and trims at the next delivery.
      if (!this.#closed) this.#logger.log('error', 'store.trim-failed', { error: String(error) });
    });
  }

  #clearMirrors(): void {
    for (const mirror of [this.#names, this.#waitingFor, this.#waitingFrom, this.#kept]) mirror.clear();
  }

  #answer<T>(value: T): Promise<T> {
    return this.#closed ? Promise.reject(closedError()) : Promise.resolve(value);
  }

  /** `changesDirectory`: the job adds, renames or removes users, which messages are decided on. */
  #enqueue<T>(run: () => T, undo: Undo, committed?: (value: T) => void, changesDirectory = false): Promise<T> {
    if (this.#closed) return Promise.reject(closedError());
    return new Promise<T>((resolve, reject) => {
      this.#jobs.push({ run, undo, committed: committed as Job['committed'], resolve: resolve as (value: unknown) => void, reject });
      if (changesDirectory) this.#directoryChangesWaiting += 1;
      if (this.#jobs.length === 1) this.#flushSoon();
    });
  }

  /** Flushes the waiting jobs at the end of this turn, or, busy, once the last commit is COMMIT_SPACING_MS old. */
  #flushSoon(): void {
    const busy = this.#committedCalls >= BUSY_COMMIT_CALLS;
    const wait = busy ? this.#committedAt + this.#commitSpacingMs - performance.now() : 0;
    if (wait > 0) setTimeout(this.#flushNow, wait);
    else setImmediate(this.#flushNow);
  }

  readonly #flushNow = (): void => this.#flush();

  #track<T>(work: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(closedError());
    return this.#finishBeforeClose(work());
  }

  #finishBeforeClose<T>(running: Promise<T>): Promise<T> {
    const settled = running.then(
      () => undefined,
      () => undefined,
    );
    this.#inFlight.add(settled);
    void settled.then(() => this.#inFlight.delete(settled));
    return running;
  }

  /**
   * Runs every waiting job in the open transaction (each in a savepoint where it needs one, so one
   * failing leaves the others), then commits it, unless a checkpoint holds commits back.
   */
  #flush(): void {
    if (this.#checkpoint && !this.#checkpoint.copied) return; // it flushes once the WAL is copied
    const jobs = this.#jobs;
    this.#jobs = [];
    this.#directoryChangesWaiting = 0;
    if (jobs.length > 0 && !this.#run(jobs)) return;
    if (this.#checkpoint || !this.#open) return; // the checkpoint's end flushes again
    this.#commit(this.#open);
  }

  /** Runs `jobs` in the open transaction, beginning one if none is; false when it failed as a whole. */
  #run(jobs: readonly Job[]): boolean {
    let open = this.#open;
    try {
      open ??= this.#begin();
      const first = open.jobs.length;
      open.jobs.push(...jobs);
      for (let index = first; index < open.jobs.length; index += 1) open.outcomes.push(this.#runJob(open.jobs[index] as Job));
    } catch (error) {
      this.#abandon(open?.jobs ?? jobs, error);
      return false;
    }
    // Later calls run in this same transaction, so they see these values now; the commit waits for
    // the checkpoint's sync (10 to 100 ms), and a message need not wait with it to go live.
    if (this.#checkpoint) this.#hear(open);
    return true;
  }

  #begin(): OpenTransaction {
    const ahead = this.#checkpoint !== null;
    // A page spilled from the cache would go to the WAL, starting it over before host.db is synced.
    if (ahead) this.#db.exec('PRAGMA cache_spill = OFF');
    this.#q.begin.run();
    this.#open = { jobs: [], outcomes: [], heard: 0, ahead };
    return this.#open;
  }

  /** Commits `open`; its calls are answered once the commit is on disk. */
  #commit(open: OpenTransaction): void {
    this.#open = null;
    try {
      this.#q.commit.run();
      this.#committedAt = performance.now();
      this.#committedCalls = open.jobs.length;
    } catch (error) {
      this.#abandon(open.jobs, error);
      return;
    }
    if (open.ahead) this.#restoreSpill();
    this.#hear(open);
    const { jobs, outcomes } = open;
    // Answered only once the commit is on disk, while the event loop goes on. Syncs may finish out
    // of order; answers keep the order of commits, so messages go out in the order they came.
    const synced = this.#disk.wal.sync();
    this.#answered = this.#answered
      .then(() => synced)
      .then(
        () =>
          jobs.forEach((job, index) => {
            const outcome = outcomes[index];
            if (outcome?.ok) job.resolve(outcome.value);
            else job.reject(outcome?.error);
          }),
        (error: unknown) => {
          this.#logger.log('error', 'store.sync-failed', { jobs: jobs.length, error: String(error) });
          for (const job of jobs) job.reject(error);
        },
      );
    void this.#finishBeforeClose(this.#answered);
    this.#checkpointAfter(synced);
  }

  /** Tells each kept value of `open` not yet told to its job's `committed` hook. */
  #hear(open: OpenTransaction): void {
    for (; open.heard < open.jobs.length; open.heard += 1) {
      const outcome = open.outcomes[open.heard];
      if (outcome?.ok) this.#tell(open.jobs[open.heard]?.committed, outcome.value);
    }
  }

  #tell<T>(committed: ((value: T) => void) | undefined, value: T): void {
    try {
      committed?.(value);
    } catch (error) {
      this.#logger.log('error', 'store.committed-hook-failed', { error: String(error) });
    }
  }

  /** The transaction failed as a whole (SQLite rolled it back, or its commit failed): every call in it fails. */
  #abandon(jobs: readonly Job[], error: unknown): void {
    this.#open = null;
    this.#logger.log('error', 'store.commit-failed', { jobs: jobs.length, error: String(error) });
    this.#clearMirrors();
    try {
      if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
    } catch (rollbackError) {
      this.#logger.log('error', 'store.rollback-failed', { error: String(rollbackError) });
    }
    // Turned off if the transaction began during a checkpoint (or its BEGIN failed); on again either way.
    this.#restoreSpill();
    this.#prepareAfresh();
    for (const job of jobs) job.reject(error);
  }

  #restoreSpill(): void {
    this.#db.exec('PRAGMA cache_spill = ON');
  }

  /**
   * Once CHECKPOINT_CHANGES rows have changed since the last one, and this commit is on disk, copies
   * the WAL into the database file and syncs that. Commits wait meanwhile (the first write after a
   * checkpoint starts the WAL over), but the event loop does not, nor, once the WAL is copied, calls.
   */
  #checkpointAfter(synced: Promise<void>): void {
    const changes = count(one(this.#q.changes));
    if (changes - this.#changesAtCheckpoint < CHECKPOINT_CHANGES) return;
    this.#changesAtCheckpoint = changes;
    const under = { copied: false };
    this.#checkpoint = under;
    const done = synced
      .then(async () => {
        checkpoint(this.#db);
        under.copied = true;
        this.#flush();
        await this.#disk.beforeDatabaseSync();
        await this.#disk.database.sync();
      })
      .catch((error: unknown) => this.#logger.log('error', 'store.checkpoint-failed', { error: String(error) }))
      .finally(() => {
        this.#checkpoint = null;
        this.#flush();
      });
    void this.#finishBeforeClose(done);
  }

  #runJob(job: Job): Outcome {
    if (job.undo === 'savepoint') this.#q.savepoint.run();
    try {
      const value = job.run();
      if (job.undo === 'savepoint') this.#q.release.run();
      return { ok: true, value };
    } catch (error) {
      this.#clearMirrors();
      this.#prepareAfresh();
      if (job.undo === 'savepoint') {
        this.#q.rollbackJob.run();
        this.#q.release.run();
      } else if (!this.#db.inTransaction) {
        // SQLite rolled the whole transaction back (a full disk, say): no later job may run outside one.
        throw error;
      }
      return { ok: false, error };
    }
  }

  /** node-sqlite3-wasm will not rerun a statement whose last step failed; new ones start clean. */
  #prepareAfresh(): void {
    finalizeAll(this.#q);
    this.#q = prepareAll(this.#db);
  }
}

function prepareAll(db: Connection): Queries {
  const prepared: Partial<Queries> = {};
  for (const [name, sql] of Object.entries(SQL) as [keyof typeof SQL, string][]) prepared[name] = db.prepare(sql);
  return prepared as Queries;
}

function finalizeAll(queries: Queries): void {
  for (const statement of Object.values(queries)) {
    try {
      statement.finalize();
    } catch {
      // Finalizing answers the error of the statement's last step, already reported where it happened.
    }
  }
}

function messageOf(found: Row): StoredMessage {
  return {
    id: text(found, 'id') as MessageId,
    from: { key: key(found, 'from_key'), name: text(found, 'from_name') },
    to: { key: key(found, 'to_key'), name: text(found, 'to_name') },
    text: text(found, 'text'),
    sentAt: integer(found, 'sent_at'),
    state: messageState(integerOrNull(found, 'delivered_at'), integerOrNull(found, 'read_at')),
  };
}

function voicemailOf(found: Row): VoicemailInfo {
  return {
    id: text(found, 'id') as VoicemailId,
    from: { key: key(found, 'from_key'), name: text(found, 'from_name') },
    to: { key: key(found, 'to_key'), name: text(found, 'to_name') },
    format: voicemailFormat(text(found, 'format')),
    durationMs: integer(found, 'duration_ms'),
    bytes: integer(found, 'bytes'),
    createdAt: integer(found, 'created_at'),
    heardAt: integerOrNull(found, 'heard_at'),
  };
}

const ownerOf = (found: Row): OwnerHash | null => (found.owner_hash === null ? null : (text(found, 'owner_hash') as OwnerHash));

const recordingOf = (found: Row): Recording => ({
  id: text(found, 'id') as VoicemailId,
  format: voicemailFormat(text(found, 'format')),
});

