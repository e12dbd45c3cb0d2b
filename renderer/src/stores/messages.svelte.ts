/**
 * Text messages and voicemail as this phone sees them: a conversation per person (own messages
 * sent -> delivered -> read, theirs unread until shown), receipts both ways, the host's message
 * summary, and voicemail tickets. A conversation is loaded from the host when it first opens after
 * a registration, older pages on request. Knows nothing of the DOM: the page says what is open and visible.
 */
import type { MessageAlert } from '../../../common/bridge.js';
import type { Outcome } from '../sip/types.js';
import { ReceiptOutbox } from './receipt-outbox.js';
import type {
  HistoryBody,
  HistoryEntry,
  Message,
  ReceiptState,
  Request,
  Response,
  VoicemailEntry,
  VoicemailTicketBody,
  VoicemailTicketPurpose,
} from '../../../common/protocol.js';

/** What this store needs of the signalling connection (SignalClient's methods). */
export interface MailPort {
  sendMessage(to: string, text: string): number;
  reportReceipt(state: ReceiptState, ids: string[]): void;
  askVoicemailTicket(purpose: VoicemailTicketPurpose, to?: string): number;
  /** Asks the host for a page of the conversation with `peer`; answers the cseq its 200 echoes. */
  askHistory(peer: string, before?: string): number;
}

/** sending: not yet on the host; failed: the host refused it (`error` says why). */
export type OwnState = 'sending' | 'sent' | 'delivered' | 'read' | 'failed';

export type ChatLine =
  | { readonly kind: 'mine'; readonly key: string; readonly id: string | null; readonly text: string; readonly at: number; readonly state: OwnState; readonly error: string }
  | { readonly kind: 'theirs'; readonly key: string; readonly id: string; readonly text: string; readonly at: number; readonly read: boolean };

type MyLine = Extract<ChatLine, { kind: 'mine' }>;

/** The host's cap without a word from it (its default `maxMessageBytes`). */
export const DEFAULT_MAX_MESSAGE_BYTES = 4096;
/** Lines kept per conversation in memory; the oldest go first. */
export const MAX_LINES = 500;

const RANK: Record<OwnState, number> = { failed: -1, sending: 0, sent: 1, delivered: 2, read: 3 };
const person = (name: string): string => name.normalize('NFC').toLowerCase();
export const byteLength = (text: string): number => new TextEncoder().encode(text).length;

type Ticket = { resolve(ticket: VoicemailTicketBody): void; reject(error: Error): void };

export class MessagesStore {
  /** Conversations by the person's caseless name. */
  conversations = $state.raw<ReadonlyMap<string, readonly ChatLine[]>>(new Map());
  /** Whose conversation is open, as the phone book writes the name; null when none. */
  open = $state<string | null>(null);
  maxBytes = $state(DEFAULT_MAX_MESSAGE_BYTES);
  /** False without a host that keeps messages (it answered 501, or never said its limit). */
  available = $state(false);
  /** This user's voicemails, newest first, from the host's last message summary. */
  voicemails = $state.raw<readonly VoicemailEntry[]>([]);
  /** Whom "Leave a message" is offered for, after a call to them got no answer; null when none. */
  voicemailOffer = $state<string | null>(null);

  #port: MailPort | null = null;
  readonly #receipts = new ReceiptOutbox();
  readonly #visible: () => boolean;
  readonly #arrived: (alert: MessageAlert) => void;
  /** My MESSAGEs awaiting the host's answer: cseq to the line's key. */
  readonly #sending = new Map<number, { peer: string; key: string }>();
  /**
   * Lines whose answer went with a dropped connection, by conversation: the host may have kept
   * them or not, which its history, asked again at the next registration, settles.
   */
  readonly #unanswered = new Map<string, Set<string>>();
  readonly #tickets = new Map<number, Ticket>();
  /** Conversations asked of the host this registration: the id to page back from, or null at the start. */
  readonly #history = new Map<string, { earlier: string | null }>();
  /** My HISTORY requests awaiting the host's answer: cseq to the conversation. */
  readonly #paging = new Map<number, string>();
  #nextKey = 0;

  /** `arrived` hears of each new message from someone (the bridge's notification). */
  constructor(visible: () => boolean, arrived: (alert: MessageAlert) => void = () => undefined) {
    this.#visible = visible;
    this.#arrived = arrived;
  }

  /** A new registration: the connection to use, and the host's limit (absent: it keeps no messages). */
  connected(port: MailPort, maxBytes: number | undefined): void {
    this.#port = port;
    this.#receipts.connect((state, ids) => port.reportReceipt(state, ids));
    this.available = maxBytes !== undefined;
    this.maxBytes = maxBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.#history.clear();
    this.#paging.clear();
    // Answers to MESSAGEs sent on an earlier connection never come; those the client held back
    // while signed out go now, and their answers settle them first.
    for (const { peer, key } of this.#sending.values()) this.#unanswered.set(peer, (this.#unanswered.get(peer) ?? new Set()).add(key));
    for (const peer of this.#unanswered.keys()) {
      if (this.available) this.#askHistory(peer);
      else this.#settleUnanswered(peer, []);
    }
  }

  signedOut(): void {
    this.#port = null;
    this.#receipts.clear();
    this.#receipts.connect(null);
    this.conversations = new Map();
    this.open = null;
    this.voicemails = [];
    this.voicemailOffer = null;
    this.#sending.clear();
    this.#unanswered.clear();
    this.#history.clear();
    this.#paging.clear();
    for (const ticket of this.#tickets.values()) ticket.reject(new Error('Signed out'));
    this.#tickets.clear();
  }

  lines(peer: string): readonly ChatLine[] {
    return this.conversations.get(person(peer)) ?? [];
  }

  unread(peer: string): number {
    return this.lines(peer).filter((line) => line.kind === 'theirs' && !line.read).length;
  }

  get totalUnread(): number {
    let total = 0;
    for (const lines of this.conversations.values()) total += lines.filter((line) => line.kind === 'theirs' && !line.read).length;
    return total;
  }

  /** Why `text` cannot be sent now, or null when it can. */
  problem(text: string): string | null {
    if (!this.available) return 'This host keeps no messages';
    if (text.trim() === '') return 'Write a message first';
    const bytes = byteLength(text);
    return bytes > this.maxBytes ? `Too long: ${bytes} of ${this.maxBytes} bytes` : null;
  }

  send(peer: string, text: string): boolean {
    if (this.#port === null || this.problem(text) !== null) return false;
    const key = `m${(this.#nextKey += 1)}`;
    const cseq = this.#port.sendMessage(peer, text);
    this.#sending.set(cseq, { peer: person(peer), key });
    this.#append(peer, { kind: 'mine', key, id: null, text, at: Date.now(), state: 'sending', error: '' });
    return true;
  }

  /** Sends `peer`'s failed line `key` again, in its place; false when there is no such line, or it has not failed. */
  sendAgain(peer: string, key: string): boolean {
    const line = this.lines(peer).find((candidate) => candidate.key === key);
    if (this.#port === null || line?.kind !== 'mine' || line.state !== 'failed' || this.problem(line.text) !== null) return false;
    this.#sending.set(this.#port.sendMessage(peer, line.text), { peer: person(peer), key });
    this.#update(peer, (candidate) => (candidate === line ? { ...line, state: 'sending', error: '' } : candidate));
    return true;
  }

  openConversation(peer: string): void {
    this.open = peer;
    if (this.available && !this.#history.has(person(peer))) this.#askHistory(peer);
    this.seen();
  }

  /** Whether the host keeps messages with `peer` older than those shown. */
  hasEarlier(peer: string): boolean {
    return (this.#history.get(person(peer))?.earlier ?? null) !== null;
  }

  loadEarlier(peer: string): void {
    const earlier = this.#history.get(person(peer))?.earlier;
    if (earlier) this.#askHistory(peer, earlier);
  }

  closeConversation(): void {
    this.open = null;
  }

  /** The open conversation may have become visible: its unread messages are now read. */
  seen(): void {
    const peer = this.open;
    if (peer === null || !this.#visible()) return;
    const lines = this.lines(peer);
    const ids = lines.flatMap((line) => (line.kind === 'theirs' && !line.read ? [line.id] : []));
    if (ids.length === 0) return;
    this.#set(peer, lines.map((line) => (line.kind === 'theirs' && !line.read ? { ...line, read: true } : line)));
    this.#receipts.add('read', ids);
  }

  /** A voicemail ticket from the host, or an Error with its reason. */
  ticket(purpose: VoicemailTicketPurpose, to?: string): Promise<VoicemailTicketBody> {
    if (this.#port === null) return Promise.reject(new Error('Not signed in'));
    const cseq = this.#port.askVoicemailTicket(purpose, to);
    return new Promise((resolve, reject) => this.#tickets.set(cseq, { resolve, reject }));
  }

  /** Takes what is this store's; false for anything else (calls, presence). */
  receive(message: Message): boolean {
    if ('status' in message) return this.#response(message);
    if (message.method === 'MESSAGE' && 'id' in message.body && message.from !== undefined) {
      this.#delivered(message.from, message.body.id, message.body.text, message.body.sentAt);
      return true;
    }
    if (message.method === 'NOTIFY' && message.body.event === 'receipt') {
      this.#receipt(message);
      return true;
    }
    if (message.method === 'NOTIFY' && message.body.event === 'message-summary') {
      this.voicemails = message.body.voicemails;
      return true;
    }
    return false;
  }

  offerVoicemail(peer: string): void {
    if (this.available) this.voicemailOffer = peer;
  }

  dismissVoicemailOffer(): void {
    this.voicemailOffer = null;
  }

  /** Forgets a voicemail the host has deleted. */
  removeVoicemail(id: string): void {
    this.voicemails = this.voicemails.filter((voicemail) => voicemail.id !== id);
  }

  markVoicemailHeard(id: string): void {
    this.voicemails = this.voicemails.map((voicemail) => (voicemail.id === id ? { ...voicemail, heard: true } : voicemail));
  }

  #response(response: Response): boolean {
    if (response.method === 'MESSAGE') {
      const pending = this.#sending.get(response.cseq);
      if (pending === undefined || response.status < 200) return true;
      this.#sending.delete(response.cseq);
      this.#unanswered.get(pending.peer)?.delete(pending.key);
      const body = response.body;
      const sent = response.status === 200 && body !== undefined && 'id' in body && 'sentAt' in body ? body : null;
      this.#update(pending.peer, (line) =>
        line.kind !== 'mine' || line.key !== pending.key
          ? line
          : sent
            ? { ...line, id: sent.id, at: sent.sentAt, state: later(line.state, 'sent') }
            : { ...line, state: 'failed', error: sendError(response.status) },
      );
      return true;
    }
    if (response.method === 'HISTORY') {
      const peer = this.#paging.get(response.cseq);
      if (peer === undefined || response.status < 200) return true;
      this.#paging.delete(response.cseq);
      const body = response.status === 200 ? (response.body as Partial<HistoryBody> | undefined) : undefined;
      if (!Array.isArray(body?.messages)) {
        this.#history.delete(peer); // asked again the next time it opens
        this.#settleUnanswered(peer, []);
        return true;
      }
      this.#history.set(peer, { earlier: body.more === true ? (body.messages[0]?.id ?? null) : null });
      const loaded = body.messages.map((entry) => historyLine(entry, peer));
      this.#settleUnanswered(peer, loaded);
      this.#set(peer, merged(this.lines(peer), loaded));
      this.seen();
      return true;
    }
    if (response.method === 'VOICEMAIL') {
      const ticket = this.#tickets.get(response.cseq);
      if (ticket === undefined || response.status < 200) return true;
      this.#tickets.delete(response.cseq);
      const body = response.body as Partial<VoicemailTicketBody> | undefined;
      if (response.status === 200 && typeof body?.ticket === 'string') ticket.resolve(body as VoicemailTicketBody);
      else ticket.reject(new Error(ticketError(response.status)));
      return true;
    }
    return false;
  }

  /**
   * Each line of `peer`'s whose answer was lost becomes the kept message with its text, if the host
   * has one no other line shows (the host got it), or failed (it did not).
   */
  #settleUnanswered(peer: string, loaded: readonly ChatLine[]): void {
    const keys = this.#unanswered.get(peer);
    if (keys === undefined) return;
    this.#unanswered.delete(peer);
    for (const [cseq, pending] of this.#sending) if (pending.peer === peer && keys.has(pending.key)) this.#sending.delete(cseq);
    const shown = new Set(this.lines(peer).map((line) => line.id));
    const kept = loaded.filter((line): line is MyLine => line.kind === 'mine' && !shown.has(line.id));
    this.#update(peer, (line) => {
      if (line.kind !== 'mine' || line.state !== 'sending' || !keys.has(line.key)) return line;
      const index = kept.findIndex((candidate) => candidate.text === line.text);
      if (index < 0) return { ...line, state: 'failed', error: DROPPED };
      const [found] = kept.splice(index, 1) as [MyLine];
      return { ...line, id: found.id, at: found.at, state: found.state };
    });
  }

  #askHistory(peer: string, before?: string): void {
    if (this.#port === null) return;
    const key = person(peer);
    this.#history.set(key, { earlier: null });
    this.#paging.set(this.#port.askHistory(peer, before), key);
  }

  #delivered(from: string, id: string, text: string, sentAt: number): void {
    // At least once: a repeat of a message already here is only acknowledged again.
    const repeat = this.lines(from).some((line) => line.kind === 'theirs' && line.id === id);
    if (!repeat) this.#append(from, { kind: 'theirs', key: id, id, text, at: sentAt, read: false });
    this.#receipts.add('delivered', [id]);
    if (this.open !== null && person(this.open) === person(from)) this.seen();
    if (!repeat) this.#arrived({ from, text });
  }

  #receipt(notify: Request & { method: 'NOTIFY' }): void {
    if (notify.body.event !== 'receipt' || notify.from === undefined) return;
    const ids = new Set(notify.body.ids);
    const state = notify.body.state;
    this.#update(person(notify.from), (line) => (line.kind === 'mine' && line.id !== null && ids.has(line.id) ? { ...line, state: later(line.state, state) } : line));
  }

  #append(peer: string, line: ChatLine): void {
    this.#set(peer, [...this.lines(peer), line].slice(-MAX_LINES));
  }

  #update(peer: string, change: (line: ChatLine) => ChatLine): void {
    this.#set(peer, this.lines(peer).map(change));
  }

  #set(peer: string, lines: readonly ChatLine[]): void {
    const next = new Map(this.conversations);
    next.set(person(peer), lines);
    this.conversations = next;
  }
}

/**
 * Whether a call of ours that ended so may be followed by a voicemail: no answer (408), busy (486,
 * 600), do not disturb or unavailable (480), or not online (404) when the callee is in the phone book.
 */
export function offersVoicemail(outcome: Outcome, inPhoneBook: boolean): boolean {
  if (outcome.kind !== 'rejected') return false;
  return [408, 480, 486, 600].includes(outcome.status) || (outcome.status === 404 && inPhoneBook);
}

/** A kept message as a line of the conversation with `peer` (a caseless name). */
function historyLine(entry: HistoryEntry, peer: string): ChatLine {
  const { id, text, sentAt: at, state } = entry;
  return person(entry.from) === peer ? { kind: 'theirs', key: id, id, text, at, read: state === 'read' } : { kind: 'mine', key: id, id, text, at, state, error: '' };
}

/** Lines shown and lines loaded, once each by id (the further state wins), in the order they were sent. */
function merged(shown: readonly ChatLine[], loaded: readonly ChatLine[]): ChatLine[] {
  const byId = new Map(loaded.map((line) => [line.id, line]));
  const lines = shown.map((line) => {
    const kept = line.id === null ? undefined : byId.get(line.id);
    if (kept === undefined) return line;
    byId.delete(line.id);
    if (line.kind === 'mine' && kept.kind === 'mine') return { ...line, state: later(line.state, kept.state) };
    if (line.kind === 'theirs' && kept.kind === 'theirs') return { ...line, read: line.read || kept.read };
    return line;
  });
  // A stable sort: lines still sending keep their place at the end (they are the newest).
  return [...byId.values(), ...lines].sort((a, b) => a.at - b.at);
}

/** States only move forward: a late "delivered" never undoes "read". */
const later = (current: OwnState, reported: OwnState): OwnState => (RANK[reported] > RANK[current] ? reported : current);

const DROPPED = 'Not sent: the connection dropped';

function sendError(status: number): string {
  switch (status) {
    case 404:
      return 'Not sent: no such person on this host';
    case 480:
      return 'Not sent: their mailbox is full';
    case 503:
      return 'Not sent: too many of your messages are waiting';
    case 501:
      return 'Not sent: this host keeps no messages';
    default:
      return `Not sent (${status})`;
  }
}

function ticketError(status: number): string {
  switch (status) {
    case 404:
      return 'No such person on this host';
    case 503:
      return 'Too many voicemails lately: try again in a minute';
    case 501:
      return 'This host keeps no voicemail';
    default:
      return `The host refused (${status})`;
  }
}
