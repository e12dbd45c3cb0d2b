/**
 * Text messages and message-waiting between the switchboard and the store. A message is answered
 * "sent" (200) only once the store has it on disk; it goes live to a recipient whose socket is up,
 * or waits for their next registration (oldest first). Receipts reach the sender as the recipient's
 * phone reports them. Every `from` is the store's; nobody reads or marks another user's messages.
 * A conversation's history is paged for its two parties only.
 */
import { MAX_FRAME_BYTES, type HistoryBody, type HistoryEntry, type MessageSummaryBody, type ReceiptBody, type ReceiptState, type Request } from '../common/protocol.js';
import { Directory, storeKey } from './directory.js';
import type { Logger } from './log.js';
import type { UserKey } from './name-key.js';
import type { Router } from './router.js';
import type { HostStore, MessageId, Receipt, Refusal, StoredMessage } from './store/host-store.js';

export type MessageOutcome =
  | { readonly kind: 'sent'; readonly id: string; readonly sentAt: number }
  | { readonly kind: 'refused'; readonly status: number; readonly reason: string; readonly bad: boolean };

export class Mailbox {
  readonly #store: HostStore;
  readonly #directory: Directory;
  readonly #router: Router;
  readonly #logger: Logger;
  readonly #maxMessageBytes: number;
  readonly #historyPageSize: number;
  /** The cseq of the server's own MESSAGE and NOTIFY requests from here. */
  #cseq = 0;

  constructor(store: HostStore, directory: Directory, router: Router, logger: Logger, maxMessageBytes: number, historyPageSize: number) {
    this.#maxMessageBytes = maxMessageBytes;
    this.#historyPageSize = historyPageSize;
    this.#store = store;
    this.#directory = directory;
    this.#router = router;
    this.#logger = logger;
  }

  /**
   * Keeps `text` from `sender` for `to` (a directory key), and delivers it at once if `to`'s socket
   * is up: as soon as the store's later calls see it, without waiting for the disk sync that "sent" waits for.
   */
  async send(sender: UserKey, to: UserKey, text: string): Promise<MessageOutcome> {
    const outcome = await this.#store.storeMessage(storeKey(sender), storeKey(to), text, this.#deliverLive);
    if (outcome.kind === 'refused') return { kind: 'refused', ...messageRefusal(outcome.reason, this.#maxMessageBytes) };
    return { kind: 'sent', id: outcome.value.id, sentAt: outcome.value.sentAt };
  }

  /** Made once rather than a closure a message: at thousands a second, each is garbage to collect. */
  readonly #deliverLive = (message: StoredMessage): void => {
    if (this.#router.isConnected(message.to.key)) this.#deliver(message);
  };

  /** `recipient`'s phone reports messages delivered or read: their senders are told. */
  async report(recipient: UserKey, state: ReceiptState, ids: readonly string[]): Promise<void> {
    const key = storeKey(recipient);
    const messages = ids as readonly MessageId[];
    const receipts = await (state === 'delivered' ? this.#store.markDelivered(key, messages) : this.#store.markRead(key, messages));
    const name = this.#directory.nameOf(recipient);
    if (name === undefined) return;
    // A phone reports what came in its last 100 ms, most often one message: nothing to group then.
    const only = receipts.length === 1 ? receipts[0] : undefined;
    if (only !== undefined) {
      this.#tellSender(only.from, name, state, [only.id], atOf(only));
      return;
    }
    for (const [sender, changed] of groupBySender(receipts)) {
      this.#tellSender(sender, name, state, changed.map((receipt) => receipt.id), atOf(changed[0] as Receipt));
    }
  }

  /** Tells `sender` that `recipient` (its name) has `state` for the messages `ids`, at `at`. */
  #tellSender(sender: UserKey, recipient: string, state: ReceiptState, ids: string[], at: number): void {
    const body: ReceiptBody = { event: 'receipt', state, ids, at };
    this.#router.deliverOwn(sender, { method: 'NOTIFY', cseq: this.#nextCseq(), from: recipient, body });
  }

  /**
   * The latest messages between `asker` and `peer` (directory keys), oldest first, before the message
   * `before` when given: at most `limit` and the page size, and no more than fit in one frame.
   * Asking changes no message's state.
   */
  async history(asker: UserKey, peer: UserKey, limit: number, before?: string): Promise<HistoryBody> {
    const size = Math.min(limit, this.#historyPageSize);
    const found = await this.#store.conversation(storeKey(asker), storeKey(peer), size + 1, before as MessageId | undefined);
    const messages: HistoryEntry[] = [];
    let bytes = 0;
    // Newest first, so that a page cut short for room keeps the latest and `before` pages back from there.
    for (const message of found.slice(-size).reverse()) {
      const entry = historyEntry(message);
      bytes += Buffer.byteLength(JSON.stringify(entry));
      if (bytes > HISTORY_PAGE_BYTES && messages.length > 0) break;
      messages.unshift(entry);
    }
    return { messages, more: found.length > messages.length };
  }

  /** `key` registered: its waiting messages, oldest first, then its message summary. */
  async registered(key: UserKey): Promise<void> {
    for (const message of await this.#store.pendingFor(storeKey(key))) this.#deliver(message);
    await this.summarise(key);
  }

  /** Tells `key` what waits for it: unread messages per sender, and its voicemails. */
  async summarise(key: UserKey): Promise<void> {
    const [unread, voicemails] = await Promise.all([this.#store.unreadCounts(storeKey(key)), this.#store.voicemailsFor(storeKey(key))]);
    const body: MessageSummaryBody = {
      event: 'message-summary',
      unread: unread.map((entry) => ({ name: entry.from.name, count: entry.count })),
      voicemails: voicemails.map((info) => ({
        id: info.id,
        from: info.from.name,
        durationMs: info.durationMs,
        createdAt: info.createdAt,
        heard: info.heardAt !== null,
      })),
    };
    this.#router.deliverOwn(key, { method: 'NOTIFY', cseq: this.#nextCseq(), body });
  }

  /** Runs `work` for the switchboard, which cannot wait: a failure is logged, never thrown. */
  background(event: string, work: Promise<unknown>): void {
    work.catch((error: unknown) => this.#logger.log('error', event, { error: String(error) }));
  }

  #deliver(message: StoredMessage): void {
    const request: Request = {
      method: 'MESSAGE',
      cseq: this.#nextCseq(),
      from: message.from.name,
      to: message.to.name,
      body: { id: message.id, text: message.text, sentAt: message.sentAt },
    };
    this.#router.deliverOwn(message.to.key, request);
  }

  #nextCseq(): number {
    this.#cseq = this.#cseq >= 2 ** 31 - 1 ? 1 : this.#cseq + 1;
    return this.#cseq;
  }
}

/** Room for a page's messages in one frame (MAX_FRAME_BYTES), beside the response's other fields. */
const HISTORY_PAGE_BYTES = MAX_FRAME_BYTES - 1024;

function historyEntry(message: StoredMessage): HistoryEntry {
  const { id, from, to, text, sentAt, state } = message;
  return { id, from: from.name, to: to.name, text, sentAt, state: state.kind };
}

function groupBySender(receipts: readonly Receipt[]): Map<UserKey, Receipt[]> {
  const bySender = new Map<UserKey, Receipt[]>();
  for (const receipt of receipts) {
    const theirs = bySender.get(receipt.from);
    if (theirs === undefined) bySender.set(receipt.from, [receipt]);
    else theirs.push(receipt);
  }
  return bySender;
}

const atOf = (receipt: Receipt): number => (receipt.state.kind === 'read' ? receipt.state.readAt : receipt.state.deliveredAt);

/** What a phone is told when the store will not keep its message. `bad`: it counts as bad input. */
function messageRefusal(reason: Refusal, maxBytes: number): { status: number; reason: string; bad: boolean } {
  switch (reason) {
    case 'bad-text':
      return { status: 400, reason: `text: at most ${maxBytes} bytes (UTF-8)`, bad: true };
    case 'unknown-sender':
      return { status: 403, reason: 'You are not in the directory', bad: false };
    case 'unknown-recipient':
      return { status: 404, reason: 'Not Found', bad: false };
    case 'recipient-full':
      return { status: 480, reason: 'Their mailbox is full', bad: false };
    case 'sender-full':
      return { status: 503, reason: 'Too many of your messages are waiting', bad: true };
    case 'store-busy':
      return { status: 503, reason: 'The host is busy: try again shortly', bad: false };
    case 'directory-full':
    case 'mailbox-full':
    case 'too-many-unheard':
    case 'bad-recording':
      // The store answers these for directory and voicemail calls only.
      return { status: 500, reason: 'Server Internal Error', bad: false };
  }
}
