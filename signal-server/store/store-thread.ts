/**
 * The SQLite store on a worker thread of its own (store-thread-worker.ts), so that its SQL, commits
 * and disk syncs leave the event loop to the switchboard: at 5,000 messages a second they were a
 * quarter of its time (BENCHMARKS.md). What a message needs decided at once stays here: whether
 * both users are in the directory and how many messages wait for and from them, so a message goes
 * live in the turn it arrives and only its "sent" waits for the thread. Messages and receipts reach
 * the thread in batches, every `batchMs`, which the store keeps in one transaction; any other call
 * goes at the end of its turn. Every answer comes from the thread, once kept.
 */
import { Worker } from 'node:worker_threads';
import { silentLogger, type Logger, type LogFields } from '../log.js';
import { closedError, messageRefusal, refused, stored, StoreError, textFits, type DirectoryEntry, type HostStore, type MessageId, type Receipt, type Refusal, type Stored, type StoredMessage, type StoreErrorCode, type StoreLimits, type UserKey } from './host-store.js';
import { newRecordId } from './record-id.js';
import type { DecidedMessage, WaitingMessage } from './sqlite-store.js';
import { checkedStoreLimits } from './store-limits.js';

/**
 * How long messages and receipts gather before they go to the thread: larger transactions cost the
 * thread about 80 µs a message against 105 for one each turn (BENCHMARKS.md), and "sent" waits
 * this much longer.
 */
export const STORE_BATCH_MS = 20;

export interface ThreadOptions {
  /** A folder the store owns, as for openSqliteStore. */
  readonly dir: string;
  readonly limits: StoreLimits;
}

export interface ThreadedStoreOptions {
  dir: string;
  limits?: Partial<StoreLimits>;
  logger?: Logger;
  now?: () => number;
  /** How long messages and receipts gather before they go to the thread; 0: each turn. */
  batchMs?: number;
  /** Calls the thread may be behind by; a message beyond it is refused 'store-busy'. Default MAX_CALLS_IN_FLIGHT. */
  maxCallsInFlight?: number;
}

/**
 * Calls the event loop may be ahead of the thread by: about 5 s of messages at 2,000 a second. The
 * event loop goes on reading sockets while the thread falls behind, so without it a host short of
 * CPU would queue messages in memory without bound.
 */
export const MAX_CALLS_IN_FLIGHT = 20_000;

/** What the event loop reads from the store when it opens, and after a call fails. */
export interface Snapshot {
  readonly directory: readonly DirectoryEntry[];
  readonly waiting: readonly WaitingMessage[];
}

type Forwarded = Exclude<keyof HostStore, 'close' | 'storeMessage'>;
/**
 * What the thread is asked. Its answers to the two calls each message makes are small: whether it
 * kept what was decided here (null, or why not), and the time it marked deliveries with.
 */
type ThreadMethods = { [M in Exclude<Forwarded, 'markDelivered'>]: HostStore[M] } & {
  keepMessage: (message: DecidedMessage) => Promise<Refusal | null>;
  markDelivered: (recipient: UserKey, ids: readonly MessageId[]) => Promise<number>;
  snapshot: () => Promise<Snapshot>;
};
export type StoreCall = { [M in keyof ThreadMethods]: { readonly seq: number; readonly method: M; readonly args: Parameters<ThreadMethods[M]> } }[keyof ThreadMethods];

/** An error as it crosses to the event loop: a StoreError keeps its code. */
export interface WireError {
  readonly name: string;
  readonly message: string;
  readonly code?: StoreErrorCode;
}
export type Answer = { readonly seq: number; readonly ok: true; readonly value: unknown } | { readonly seq: number; readonly ok: false; readonly error: WireError };

/** `now`: the event loop's clock as the batch left it, for the times the store stamps. */
export type ToStoreThread = { readonly kind: 'calls'; readonly now: number; readonly calls: readonly StoreCall[] } | { readonly kind: 'close' };
export type FromStoreThread =
  | { readonly kind: 'opened' }
  | { readonly kind: 'open-failed'; readonly error: WireError }
  | { readonly kind: 'answers'; readonly answers: readonly Answer[] }
  | { readonly kind: 'log'; readonly level: Parameters<Logger['log']>[0]; readonly event: string; readonly fields: LogFields | undefined }
  | { readonly kind: 'closed' };

export function errorOnWire(error: unknown): WireError {
  if (error instanceof StoreError) return { name: error.name, message: error.message, code: error.code };
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: String(error) };
}

function errorFromWire(error: WireError): Error {
  if (error.code !== undefined) return new StoreError(error.code, error.message);
  const made = error.name === 'RangeError' ? new RangeError(error.message) : new Error(error.message);
  if (made.name !== error.name) made.name = error.name;
  return made;
}

/**
 * The worker, beside this module: TypeScript where this is (the CLI and the tests run under tsx).
 * `here` rather than `import.meta.url` in place, which Vite would take for an asset and inline into
 * the desktop app's bundle.
 */
function workerUrl(): URL {
  const here = import.meta.url;
  return new URL(`./store-thread-worker${here.endsWith('.ts') ? '.ts' : '.js'}`, here);
}

export async function openThreadedStore(options: ThreadedStoreOptions): Promise<HostStore> {
  const limits = checkedStoreLimits(options.limits);
  const batchMs = options.batchMs ?? 0;
  if (!Number.isFinite(batchMs) || batchMs < 0) throw new RangeError(`batchMs must be 0 or more, not ${batchMs}`);
  const maxCallsInFlight = options.maxCallsInFlight ?? MAX_CALLS_IN_FLIGHT;
  if (!Number.isSafeInteger(maxCallsInFlight) || maxCallsInFlight < 1) throw new RangeError(`maxCallsInFlight must be a whole number above 0, not ${maxCallsInFlight}`);
  const workerData: ThreadOptions = { dir: options.dir, limits };
  const url = workerUrl();
  const worker = url.pathname.endsWith('.ts')
    ? new Worker(`import('tsx/esm/api').then(({ tsImport }) => tsImport(${JSON.stringify(url.href)}, ${JSON.stringify(url.href)}))`, { eval: true, workerData })
    : new Worker(url, { workerData });
  const logger = options.logger ?? silentLogger;
  const opened = await new Promise<FromStoreThread>((resolve, reject) => {
    worker.once('error', reject);
    worker.on('message', function first(message: FromStoreThread) {
      if (message.kind === 'log') return logger.log(message.level, message.event, message.fields);
      worker.off('message', first);
      worker.off('error', reject);
      resolve(message);
    });
  });
  if (opened.kind === 'open-failed') {
    await worker.terminate();
    throw errorFromWire(opened.error);
  }
  const store = new ThreadedStore(worker, limits, options.now ?? Date.now, logger, batchMs, maxCallsInFlight);
  try {
    await store.reload();
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

/** Answers settled in one turn (#settleSome). */
const ANSWERS_A_TURN = 64;

/** Calls that change which messages wait, or whose names the directory holds. */
const CHANGES_WAITING: ReadonlySet<StoreCall['method']> = new Set(['keepMessage', 'markDelivered', 'markRead', 'forget', 'sawUser']);

interface Waiting {
  readonly from: UserKey;
  readonly to: UserKey;
}

class ThreadedStore implements HostStore {
  readonly #worker: Worker;
  readonly #limits: StoreLimits;
  readonly #now: () => number;
  readonly #logger: Logger;
  readonly #batchMs: number;
  readonly #maxCallsInFlight: number;
  /** Calls not yet sent, and whether a send is due at the end of this turn or after batchMs. */
  #calls: StoreCall[] = [];
  #sendAtTurnEnd = false;
  #batchTimer: NodeJS.Timeout | null = null;
  #seq = 0;
  readonly #pending = new Map<number, { method: StoreCall['method']; resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  /** The directory's names, and the messages not yet delivered, as the thread has kept or will keep them. */
  #names = new Map<UserKey, string>();
  #waiting = new Map<MessageId, Waiting>();
  #waitingFor = new Map<UserKey, number>();
  #waitingFrom = new Map<UserKey, number>();
  /** Answers heard; those before #answersSettled are settled. */
  #answers: Answer[] = [];
  #answersSettled = 0;
  #closing: Promise<void> | null = null;
  #failed: Error | null = null;

  constructor(worker: Worker, limits: StoreLimits, now: () => number, logger: Logger, batchMs: number, maxCallsInFlight: number) {
    this.#worker = worker;
    this.#limits = limits;
    this.#now = now;
    this.#logger = logger;
    this.#batchMs = batchMs;
    this.#maxCallsInFlight = maxCallsInFlight;
    worker.on('message', (message: FromStoreThread) => this.#heard(message));
    worker.on('error', (error) => this.#fail(error));
    worker.on('exit', (code) => this.#fail(new Error(`the store's thread stopped (exit code ${code})`)));
  }

  /** Reads the directory's names and the waiting messages afresh from the thread. */
  async reload(): Promise<void> {
    const { directory, waiting } = await this.#call('snapshot', [], true);
    this.#names = new Map(directory.map((entry) => [entry.user.key, entry.user.name]));
    this.#waiting = new Map();
    this.#waitingFor = new Map();
    this.#waitingFrom = new Map();
    for (const message of waiting) this.#addWaiting(message.id, message);
  }

  /** The name is in the directory for later messages at once, as the thread will add it unless the directory is full. */
  async sawUser(...args: Parameters<HostStore['sawUser']>): ReturnType<HostStore['sawUser']> {
    const [user] = args;
    const known = this.#names.has(user.key);
    if (known || this.#names.size < this.#limits.maxDirectoryUsers) this.#names.set(user.key, user.name);
    const outcome = await this.#call('sawUser', args, true);
    if (outcome.kind === 'refused' && !known) this.#names.delete(user.key);
    return outcome;
  }

  directory(): ReturnType<HostStore['directory']> {
    return this.#call('directory', [], true);
  }

  async forget(key: UserKey): ReturnType<HostStore['forget']> {
    const forgotten = await this.#call('forget', [key], true);
    if (forgotten !== null) {
      this.#names.delete(key);
      for (const [id, message] of this.#waiting) if (message.from === key || message.to === key) this.#removeWaiting(id, message);
    }
    return forgotten;
  }

  storeMessage(from: UserKey, to: UserKey, text: string, committed?: (message: StoredMessage) => void): Promise<Stored<StoredMessage>> {
    const refusal = this.#refusal(from, to, text);
    if (refusal !== null) return this.#closedOr(refused(refusal));
    const message: StoredMessage = {
      id: newRecordId() as MessageId,
      from: { key: from, name: this.#names.get(from) as string },
      to: { key: to, name: this.#names.get(to) as string },
      text,
      sentAt: this.#now(),
      state: { kind: 'sent' },
    };
    this.#addWaiting(message.id, { from, to });
    const kept = this.#call('keepMessage', [{ id: message.id, from, to, text, sentAt: message.sentAt }], false);
    committed?.(message);
    return kept.then((theirs) => {
      if (theirs === null) return stored(message);
      // Decided here, refused there: the directory changed (forget) before the thread got it.
      this.#removeWaiting(message.id, { from, to });
      return refused(theirs);
    });
  }

  pendingFor(...args: Parameters<HostStore['pendingFor']>): ReturnType<HostStore['pendingFor']> {
    return this.#call('pendingFor', args, true);
  }

  conversation(...args: Parameters<HostStore['conversation']>): ReturnType<HostStore['conversation']> {
    return this.#call('conversation', args, true);
  }

  /** The receipts are the thread's deliveries, known here: the messages among `ids` waiting for `recipient`. */
  async markDelivered(recipient: UserKey, ids: readonly MessageId[]): Promise<Receipt[]> {
    const delivered = this.#delivered(recipient, ids);
    const deliveredAt = await this.#call('markDelivered', [recipient, ids], false);
    return delivered.map(({ id, from }) => ({ id, from, to: recipient, state: { kind: 'delivered', deliveredAt } }));
  }

  markRead(recipient: UserKey, ids: readonly MessageId[]): ReturnType<HostStore['markRead']> {
    this.#delivered(recipient, ids);
    return this.#call('markRead', [recipient, ids], false);
  }

  unreadCounts(...args: Parameters<HostStore['unreadCounts']>): ReturnType<HostStore['unreadCounts']> {
    return this.#call('unreadCounts', args, true);
  }

  storeVoicemail(...args: Parameters<HostStore['storeVoicemail']>): ReturnType<HostStore['storeVoicemail']> {
    return this.#call('storeVoicemail', args, true);
  }

  voicemailsFor(...args: Parameters<HostStore['voicemailsFor']>): ReturnType<HostStore['voicemailsFor']> {
    return this.#call('voicemailsFor', args, true);
  }

  voicemailAudio(...args: Parameters<HostStore['voicemailAudio']>): ReturnType<HostStore['voicemailAudio']> {
    return this.#call('voicemailAudio', args, true);
  }

  markVoicemailHeard(...args: Parameters<HostStore['markVoicemailHeard']>): ReturnType<HostStore['markVoicemailHeard']> {
    return this.#call('markVoicemailHeard', args, true);
  }

  deleteVoicemail(...args: Parameters<HostStore['deleteVoicemail']>): ReturnType<HostStore['deleteVoicemail']> {
    return this.#call('deleteVoicemail', args, true);
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#send();
      if (this.#failed === null) {
        const closed = new Promise<void>((resolve) => this.#worker.on('message', (message: FromStoreThread) => message.kind === 'closed' && resolve()));
        this.#worker.postMessage({ kind: 'close' } satisfies ToStoreThread);
        await closed;
      }
      this.#worker.removeAllListeners('exit');
      await this.#worker.terminate();
    })();
    return this.#closing;
  }

  /** Why the store would refuse this message, decided by the checks every store makes; null when it keeps it. */
  #refusal(from: UserKey, to: UserKey, text: string): Refusal | null {
    if (!textFits(text, this.#limits)) return 'bad-text';
    const parties = {
      senderKnown: this.#names.has(from),
      recipientKnown: this.#names.has(to),
      waitingFor: () => this.#waitingFor.get(to) ?? 0,
      waitingFrom: () => this.#waitingFrom.get(from) ?? 0,
    };
    const refusal = messageRefusal(parties, this.#limits);
    if (refusal !== null) return refusal;
    return this.#pending.size >= this.#maxCallsInFlight ? 'store-busy' : null;
  }

  /** Counts `recipient`'s messages among `ids` out of the waiting ones, as the thread will: those it counted out. */
  #delivered(recipient: UserKey, ids: readonly MessageId[]): { id: MessageId; from: UserKey }[] {
    const delivered: { id: MessageId; from: UserKey }[] = [];
    for (const id of ids) {
      const message = this.#waiting.get(id);
      if (message?.to !== recipient) continue;
      this.#removeWaiting(id, message);
      delivered.push({ id, from: message.from });
    }
    return delivered;
  }

  #addWaiting(id: MessageId, message: Waiting): void {
    this.#waiting.set(id, message);
    this.#waitingFor.set(message.to, (this.#waitingFor.get(message.to) ?? 0) + 1);
    this.#waitingFrom.set(message.from, (this.#waitingFrom.get(message.from) ?? 0) + 1);
  }

  #removeWaiting(id: MessageId, message: Waiting): void {
    if (!this.#waiting.delete(id)) return;
    countDown(this.#waitingFor, message.to);
    countDown(this.#waitingFrom, message.from);
  }

  #closedOr<T>(value: T): Promise<T> {
    return this.#closing !== null ? Promise.reject(closedError()) : Promise.resolve(value);
  }

  #call<M extends keyof ThreadMethods>(method: M, args: Parameters<ThreadMethods[M]>, soon: boolean): ReturnType<ThreadMethods[M]> {
    if (this.#closing !== null) return Promise.reject(closedError()) as ReturnType<ThreadMethods[M]>;
    if (this.#failed !== null) return Promise.reject(this.#failed) as ReturnType<ThreadMethods[M]>;
    this.#seq += 1;
    const seq = this.#seq;
    this.#calls.push({ seq, method, args } as StoreCall);
    if (soon || this.#batchMs === 0) {
      if (!this.#sendAtTurnEnd) {
        this.#sendAtTurnEnd = true;
        setImmediate(() => this.#send());
      }
    } else {
      this.#batchTimer ??= setTimeout(() => this.#send(), this.#batchMs);
    }
    return new Promise<unknown>((resolve, reject) => this.#pending.set(seq, { method, resolve, reject })) as ReturnType<ThreadMethods[M]>;
  }

  #send(): void {
    this.#sendAtTurnEnd = false;
    if (this.#batchTimer !== null) clearTimeout(this.#batchTimer);
    this.#batchTimer = null;
    if (this.#calls.length === 0 || this.#failed !== null) return;
    this.#worker.postMessage({ kind: 'calls', now: this.#now(), calls: this.#calls } satisfies ToStoreThread);
    this.#calls = [];
  }

  #heard(message: FromStoreThread): void {
    switch (message.kind) {
      case 'answers':
        if (this.#answers.length === 0) setImmediate(() => this.#settleSome());
        for (const answer of message.answers) this.#answers.push(answer);
        return;
      case 'log':
        this.#logger.log(message.level, message.event, message.fields);
        return;
      case 'closed':
        // Its answers went first: anything still waiting after them was never made.
        this.#settleUpTo(this.#answers.length);
        for (const pending of this.#pending.values()) pending.reject(closedError());
        this.#pending.clear();
        return;
      case 'opened':
      case 'open-failed':
        return;
    }
  }

  /**
   * Settles answers a few at a time, a turn each: the callers' work on them (answering "sent" and
   * receipts) would otherwise hold up, in one long turn, the messages arriving meanwhile.
   */
  #settleSome(): void {
    this.#settleUpTo(Math.min(this.#answersSettled + ANSWERS_A_TURN, this.#answers.length));
    if (this.#answers.length > 0) setImmediate(() => this.#settleSome());
  }

  /** Settles the answers heard before index `end`; once all are, the list starts afresh. */
  #settleUpTo(end: number): void {
    let failedChange = false;
    for (; this.#answersSettled < end; this.#answersSettled += 1) {
      const answer = this.#answers[this.#answersSettled] as Answer;
      const pending = this.#pending.get(answer.seq);
      this.#pending.delete(answer.seq);
      if (answer.ok) pending?.resolve(answer.value);
      else {
        failedChange ||= pending !== undefined && CHANGES_WAITING.has(pending.method);
        pending?.reject(errorFromWire(answer.error));
      }
    }
    if (this.#answersSettled === this.#answers.length) {
      this.#answers = [];
      this.#answersSettled = 0;
    }
    // It may have been rolled back with others that changed what waits: that is read again.
    if (failedChange && this.#closing === null) this.reload().catch((error: unknown) => this.#logger.log('error', 'store.reload-failed', { error: String(error) }));
  }

  /** The thread is gone: every call waiting for it, and every later one, fails. */
  #fail(error: Error): void {
    if (this.#failed !== null) return;
    this.#failed = error;
    this.#logger.log('error', 'store.thread-failed', { error: String(error) });
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
  }
}

function countDown(counts: Map<UserKey, number>, key: UserKey): void {
  const left = (counts.get(key) ?? 0) - 1;
  if (left > 0) counts.set(key, left);
  else counts.delete(key);
}
