/**
 * The signalling connection: one WebSocket to `<server>/signal` (subprotocol leanphone.1), the
 * REGISTER handshake, and reconnection with backoff and the resume token, in a cluster failing over
 * to the other nodes its last REGISTER 200 named. It knows nothing of
 * calls: every other message goes to `onMessage` once checked. Messages sent while the socket is
 * down wait in a bounded queue and leave once registered again.
 */
import {
  isResponse,
  MAX_RECEIPT_IDS,
  SIGNAL_PATH,
  SUBPROTOCOL,
  type Message,
  type PublishedState,
  type ReceiptState,
  type RegisteredBody,
  type Response,
  type VoicemailTicketPurpose,
} from '../../../common/protocol.js';
import type { PhoneStatus } from '../../../common/bridge.js';
import { backoffDelay } from './backoff.js';
import { checkIncoming } from './validate.js';

export type ConnectionState = PhoneStatus['connection'];

/** Why the client gave up; `text` is what the user reads. */
export type Refusal = {
  code: 'name-taken' | 'bad-name' | 'passcode' | 'full' | 'throttled' | 'unreachable' | 'replaced' | 'bad-address';
  text: string;
};

/** The part of the WebSocket API used here: the browser's, or `ws` in tests. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onclose: ((event: { code: number }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
}

export interface SignalClientOptions {
  server: string;
  name: string;
  passcode: string;
  /** This phone's key for the name on this server (lib/owner-keys.ts), sent in every REGISTER. */
  ownerKey?: string;
  /** A resume token kept from an earlier page of this tab (a reload): the first REGISTER carries it. */
  resume?: string;
  createSocket?: (url: string, protocol: string) => SocketLike;
  random?: () => number;
  log?: (level: 'warn' | 'info', text: string) => void;
  onState?: (state: ConnectionState) => void;
  /** `body.resumed`: the server still held this phone's registration (and its calls). */
  onRegistered?: (body: RegisteredBody) => void;
  onRefused?: (refusal: Refusal) => void;
  onMessage?: (message: Message) => void;
}

const OPEN = 1;
/** A socket that neither opens nor fails within this time is given up (some refusals are silent). */
export const OPEN_TIMEOUT_MS = 4000;
/** The server must answer REGISTER within this time. */
export const REGISTER_TIMEOUT_MS = 10_000;
const MAX_QUEUE = 200;

/** Turns what the user typed into the signalling URL, or null if it is not a server address. */
export function signalUrl(server: string): string | null {
  let url: URL;
  try {
    url = new URL(server.trim().includes('://') ? server.trim() : `ws://${server.trim()}`);
  } catch {
    return null;
  }
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') return null;
  if (!url.hostname) return null;
  url.pathname = SIGNAL_PATH;
  url.search = '';
  url.hash = '';
  return url.toString();
}

/** The host's reason for a name its directory keeps for another phone's owner key. */
const NAME_OWNED = 'That name belongs to someone else on this host';

/** The words for a refused REGISTER. */
export function refusalFor(response: Response): Refusal {
  // REGISTER answers come from the server itself (never relayed: see #receive), so its words can be shown.
  const reason = response.reason;
  switch (response.status) {
    case 409:
      return { code: 'name-taken', text: reason === NAME_OWNED ? reason : 'That name is taken' };
    case 401:
      if (reason.startsWith('Too many wrong passcodes')) return { code: 'throttled', text: reason };
      return { code: 'passcode', text: reason === 'Passcode required' ? 'This server needs a passcode' : 'Wrong passcode' };
    case 503:
      return reason.startsWith('Too many registrations') ? { code: 'throttled', text: reason } : { code: 'full', text: 'Server is full' };
    default: {
      const text = reason.replace(/^body\.name:\s*/, '');
      return { code: 'bad-name', text: text ? text.charAt(0).toUpperCase() + text.slice(1) : 'The server refused this name' };
    }
  }
}

export class SignalClient {
  readonly #options: SignalClientOptions;
  /** Where it registered last (at first, the address typed), and the other nodes that node named. */
  #url: string | null;
  #nodes: string[] = [];
  #socketUrl: string | null = null;
  #socket: SocketLike | null = null;
  #state: ConnectionState = 'disconnected';
  #stopped = false;
  #everRegistered = false;
  #resume: string | undefined;
  #cseq = 0;
  #registerCseq = 0;
  #attempt = 0;
  #retryTimer: ReturnType<typeof setTimeout> | null = null;
  #guardTimer: ReturnType<typeof setTimeout> | null = null;
  #stopWatching: (() => void) | null = null;
  #queue: Message[] = [];

  constructor(options: SignalClientOptions) {
    this.#options = options;
    this.#url = signalUrl(options.server);
    this.#resume = options.resume;
  }

  get state(): ConnectionState {
    return this.#state;
  }

  /** Connects and registers. Refusals and losses are reported through the callbacks. */
  start(): void {
    if (this.#url === null) {
      this.#giveUp({ code: 'bad-address', text: 'Server address is not valid' });
      return;
    }
    this.#stopped = false;
    this.#open();
  }

  /** Closes cleanly (1000): the server ends this phone's calls and marks it offline. */
  stop(): void {
    this.#stopped = true;
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    if (this.#guardTimer) clearTimeout(this.#guardTimer);
    this.#guardTimer = null;
    this.#unwatchPolicy();
    const socket = this.#socket;
    this.#socket = null;
    if (socket) {
      this.#detach(socket);
      socket.close(1000, 'Bye');
    }
    this.#queue = [];
    this.#setState('disconnected');
  }

  /** Sends now when registered, else after the next registration. */
  send(message: Message): void {
    if (this.#state === 'registered' && this.#socket?.readyState === OPEN) {
      this.#socket.send(JSON.stringify(message));
      return;
    }
    if (this.#queue.length < MAX_QUEUE) this.#queue.push(message);
  }

  /** `inCall`: this phone is in a call the server does not know of (it restarted). */
  publish(state: PublishedState, inCall = false): void {
    this.send({ method: 'PUBLISH', cseq: ++this.#cseq, body: inCall ? { state, inCall } : { state } });
  }

  /** Sends a text message; answers its cseq, which the server's 200 ("sent", with the id) echoes. */
  sendMessage(to: string, text: string): number {
    const cseq = ++this.#cseq;
    this.send({ method: 'MESSAGE', cseq, to, body: { text } });
    return cseq;
  }

  /** Tells the server (and so each sender) that these received messages reached this phone, or were shown. */
  reportReceipt(state: ReceiptState, ids: string[]): void {
    for (let start = 0; start < ids.length; start += MAX_RECEIPT_IDS) {
      this.send({ method: 'NOTIFY', cseq: ++this.#cseq, body: { event: 'receipt', state, ids: ids.slice(start, start + MAX_RECEIPT_IDS) } });
    }
  }

  /** Asks for a voicemail ticket (to upload one for `to`, or to play one's own); answers the cseq its 200 echoes. */
  askVoicemailTicket(ticket: VoicemailTicketPurpose, to?: string): number {
    const cseq = ++this.#cseq;
    this.send(to === undefined ? { method: 'VOICEMAIL', cseq, body: { ticket } } : { method: 'VOICEMAIL', cseq, to, body: { ticket } });
    return cseq;
  }

  /** Asks for a page of the conversation with `to` (older than `before`); answers the cseq its 200 echoes. */
  askHistory(to: string, before?: string): number {
    const cseq = ++this.#cseq;
    this.send({ method: 'HISTORY', cseq, to, body: before === undefined ? {} : { before } });
    return cseq;
  }

  /** Searches the host's phone book (it becomes this phone's watch list); answers the cseq its 200 echoes. */
  search(query: string): number {
    const cseq = ++this.#cseq;
    this.send({ method: 'SEARCH', cseq, body: { query } });
    return cseq;
  }

  #open(): void {
    const url = this.#target();
    if (url === null) return;
    this.#socketUrl = url;
    this.#setState(this.#everRegistered ? 'reconnecting' : 'connecting');
    const create = this.#options.createSocket ?? ((u: string, p: string) => new WebSocket(u, p) as unknown as SocketLike);
    let socket: SocketLike;
    try {
      socket = create(url, SUBPROTOCOL);
    } catch {
      // The page's Content-Security-Policy (or the browser) refused to open it.
      this.#giveUp({ code: 'unreachable', text: 'Server unreachable' });
      return;
    }
    this.#socket = socket;
    this.#guard(socket, OPEN_TIMEOUT_MS);
    this.#watchPolicy(socket, url);
    socket.onopen = () => {
      this.#unwatchPolicy();
      this.#guard(socket, REGISTER_TIMEOUT_MS);
      this.#registerCseq = ++this.#cseq;
      const body = {
        name: this.#options.name,
        ...(this.#options.passcode ? { passcode: this.#options.passcode } : {}),
        ...(this.#resume ? { resume: this.#resume } : {}),
        ...(this.#options.ownerKey ? { ownerKey: this.#options.ownerKey } : {}),
      };
      socket.send(JSON.stringify({ method: 'REGISTER', cseq: this.#registerCseq, body }));
    };
    socket.onmessage = (event) => {
      // The protocol sends one JSON object per text frame; anything else is not a message.
      if (typeof event.data !== 'string') {
        this.#options.log?.('warn', 'Dropped a binary frame from the server');
        return;
      }
      const checked = checkIncoming(event.data);
      if (!checked.ok) {
        this.#options.log?.('warn', `Dropped a message from the server: ${checked.reason}`);
        return;
      }
      this.#receive(checked.message);
    };
    socket.onerror = () => undefined;
    socket.onclose = (event) => this.#closed(socket, event.code);
  }

  #receive(message: Message): void {
    if (!isResponse(message) || message.method !== 'REGISTER') {
      this.#options.onMessage?.(message);
      return;
    }
    if (!this.#answersOurRegister(message)) {
      this.#options.log?.('warn', `Dropped a REGISTER answer that answers nothing this phone sent (${message.status}${message.from === undefined ? '' : ` from ${message.from}`})`);
      return;
    }
    if (message.status === 200) this.#registered(message.body as RegisteredBody);
    else if (message.status >= 200) this.#refused(message);
  }

  /**
   * Only the server answers REGISTER, and only while this socket registers. Its own answers carry
   * neither `from` nor `callId`; anything relayed from a peer always carries `from`.
   */
  #answersOurRegister(response: Response): boolean {
    return this.#state !== 'registered' && response.cseq === this.#registerCseq && response.from === undefined && response.callId === undefined;
  }

  /** Closes `socket` if it is still not registered after `ms`; its close handler decides what next. */
  #guard(socket: SocketLike, ms: number): void {
    if (this.#guardTimer) clearTimeout(this.#guardTimer);
    this.#guardTimer = setTimeout(() => {
      this.#guardTimer = null;
      if (socket === this.#socket && this.#state !== 'registered') this.#closed(socket, 4000);
    }, ms);
  }

  /** A page whose Content-Security-Policy blocks the address gets no close event: listen for the violation. */
  #watchPolicy(socket: SocketLike, url: string): void {
    this.#unwatchPolicy();
    if (typeof document === 'undefined') return;
    const listener = (event: SecurityPolicyViolationEvent) => {
      if (event.blockedURI && url.startsWith(event.blockedURI) && socket === this.#socket) this.#closed(socket, 4000);
    };
    document.addEventListener('securitypolicyviolation', listener);
    this.#stopWatching = () => document.removeEventListener('securitypolicyviolation', listener);
  }

  #unwatchPolicy(): void {
    this.#stopWatching?.();
    this.#stopWatching = null;
  }

  #registered(body: RegisteredBody): void {
    if (this.#guardTimer) clearTimeout(this.#guardTimer);
    this.#guardTimer = null;
    // The token is single-use: the next resume needs the one this answer carries.
    this.#resume = body.resume;
    this.#url = this.#socketUrl;
    this.#nodes = body.nodes ?? [];
    this.#everRegistered = true;
    this.#attempt = 0;
    this.#setState('registered');
    // What was held back goes first, in the order it was made: what the phone asks on hearing of
    // this registration (its conversations again, say) must see it.
    const queued = this.#queue;
    this.#queue = [];
    for (const message of queued) this.send(message);
    this.#options.onRegistered?.(body);
  }

  #refused(response: Response): void {
    const refusal = refusalFor(response);
    // A full or throttling server may have room in a moment; a reconnecting phone keeps trying.
    if ((refusal.code === 'full' || refusal.code === 'throttled') && this.#everRegistered) {
      this.#socket?.close(1000, 'Retry later');
      return;
    }
    this.#giveUp(refusal);
  }

  #closed(socket: SocketLike, code: number): void {
    if (socket !== this.#socket || this.#stopped) return;
    this.#detach(socket);
    this.#socket = null;
    this.#unwatchPolicy();
    if (this.#guardTimer) clearTimeout(this.#guardTimer);
    this.#guardTimer = null;
    if (socket.readyState <= OPEN) socket.close(1000, 'Gave up');
    if (code === 4001) {
      this.#giveUp({ code: 'replaced', text: 'This name signed in from another window' });
      return;
    }
    if (!this.#everRegistered) {
      this.#giveUp({ code: 'unreachable', text: 'Server unreachable' });
      return;
    }
    this.#setState('reconnecting');
    const delay = backoffDelay(this.#attempt++, (this.#options.random ?? Math.random)());
    this.#options.log?.('info', `Signalling lost (${code}); reconnecting in ${delay} ms`);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      if (!this.#stopped) this.#open();
    }, delay);
  }

  /** Its own server first, and again on the first retry; each retry after that the next node in turn. */
  #target(): string | null {
    const candidates = [this.#url, ...this.#nodes.filter((node) => node !== this.#url)];
    return candidates[Math.max(0, this.#attempt - 1) % candidates.length] ?? null;
  }

  #giveUp(refusal: Refusal): void {
    this.stop();
    this.#options.onRefused?.(refusal);
  }

  #detach(socket: SocketLike): void {
    socket.onopen = null;
    socket.onmessage = null;
    socket.onclose = null;
    socket.onerror = null;
  }

  #setState(state: ConnectionState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.#options.onState?.(state);
  }
}
