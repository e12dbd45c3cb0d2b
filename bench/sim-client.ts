/**
 * A simulated LeanPhone client over a real `ws` socket: registers, keeps presence, answers or
 * places one call, and hands trickle-ICE INFO frames to a sink. The Fleet owns a worker's clients
 * and counts the closes nobody asked for.
 */
import WebSocket from 'ws';
import { SUBPROTOCOL } from '../common/protocol.js';
import { sharedNow } from './clock.js';
import type { Flavour, Target, Tracking } from './ipc.js';
import { PresenceView } from './presence-view.js';

const ANSWER_SDP = 'v=0\r\no=- 5611731400430051337 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n';

export interface Call {
  callId: string;
  role: 'caller' | 'callee';
  peer: Client | null;
  up: boolean;
  nextCseq: number;
  inflight: number;
  /** Earliest shared-clock time of the next INFO under a per-socket cap. */
  nextSendAt: number;
  sent: number;
  lastSeenCseq: number;
}

export interface Client {
  name: string;
  ws: WebSocket;
  flavour: Flavour;
  tracking: Tracking;
  registered: boolean;
  presence: PresenceView | null;
  expectedOthers: number;
  /** Shared-clock time at which the presence view first held every other user. */
  completeAt: number;
  registerBytes: number;
  /** Presence bytes and messages after the client's own REGISTER 200. */
  notifyBytes: number;
  notifyMessages: number;
  /** Everything received since the last `mark`. */
  markBytes: number;
  markMessages: number;
  /** The client's next CSeq outside a dialog (REGISTER used 1). */
  nextCseq: number;
  call: Call | null;
  /** The close code when the socket closed without the fleet asking; socket errors seen. */
  unexpectedClose: number | null;
  errors: number;
  /** Set while someone awaits this client's next milestone (open, registered, call up). */
  settle: ((error: string | null) => void) | null;
}

/** Takes an INFO frame of a running stream; false when the frame is something else. */
export type InfoSink = (client: Client, text: string) => boolean;

export function send(client: Client, message: object): void {
  client.ws.send(JSON.stringify(message));
}

export function newCall(callId: string, role: Call['role']): Call {
  return { callId, role, peer: null, up: false, nextCseq: role === 'caller' ? 2 : 1, inflight: 0, nextSendAt: 0, sent: 0, lastSeenCseq: 0 };
}

/** Resolves when `start` has settled its client or failed, at most `timeoutMs`; the error or null. */
export function settleOf(client: Client, start: () => void, timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => done(`${client.name}: timed out`), timeoutMs);
    const done = (error: string | null): void => {
      clearTimeout(timer);
      client.settle = null;
      resolve(error);
    };
    client.settle = done;
    start();
  });
}

export function whenOpen(client: Client, timeoutMs: number): Promise<string | null> {
  if (client.ws.readyState === WebSocket.OPEN) return Promise.resolve(null);
  return settleOf(client, () => client.ws.once('open', () => client.settle?.(null)), timeoutMs);
}

/** Reads status and method from the head of a frame without parsing a large body. */
function peekHead(data: Buffer): { status: number | null; method: string | null } {
  const head = data.subarray(0, 160).toString('latin1');
  const status = /"status":(\d+)/.exec(head);
  const method = /"method":"([A-Z]+)"/.exec(head);
  return { status: status ? Number(status[1]) : null, method: method ? (method[1] ?? null) : null };
}

function applyPresence(client: Client, users: unknown): void {
  const view = client.presence;
  if (!view) return;
  view.apply(users);
  if (Number.isNaN(client.completeAt) && view.size === client.expectedOthers) client.completeAt = sharedNow();
}

function onProtocolMessage(client: Client, message: Record<string, unknown>, bytes: number): void {
  const status = typeof message.status === 'number' ? message.status : null;
  const method = message.method;
  if (status !== null && method === 'REGISTER') {
    if (status === 200) {
      client.registered = true;
      client.registerBytes = bytes;
      applyPresence(client, (message.body as { users?: unknown } | undefined)?.users);
      client.settle?.(null);
    } else {
      client.settle?.(`REGISTER ${client.name}: ${status} ${String(message.reason)}`);
    }
    return;
  }
  if (method === 'NOTIFY' && status === null) {
    if (client.registered) {
      client.notifyBytes += bytes;
      client.notifyMessages += 1;
    }
    applyPresence(client, (message.body as { users?: unknown } | undefined)?.users);
    return;
  }
  onCallMessage(client, message, status);
}

function onCallMessage(client: Client, message: Record<string, unknown>, status: number | null): void {
  const call = client.call;
  if (!call || message.method !== 'INVITE') return;
  if (status === null && call.role === 'callee') {
    send(client, { status: 200, reason: 'OK', method: 'INVITE', cseq: message.cseq, callId: call.callId, body: { sdp: { type: 'answer', sdp: ANSWER_SDP } } });
    call.up = true;
    return;
  }
  if (status === null || call.role !== 'caller' || status < 200) return;
  if (status === 200) {
    send(client, { method: 'ACK', cseq: 1, callId: call.callId });
    call.up = true;
    client.settle?.(null);
  } else {
    client.settle?.(`INVITE ${call.callId}: ${status} ${String(message.reason)}`);
  }
}

export class Fleet {
  readonly clients = new Map<string, Client>();
  #closing = false;
  readonly #infoSink: InfoSink;

  constructor(infoSink: InfoSink) {
    this.#infoSink = infoSink;
  }

  /** Opens a client; with the relay, `peer` is the client its frames are forwarded to. */
  open(target: Target, name: string, tracking: Tracking, expectedOthers: number, peer: string | null): Client {
    const url = target.flavour === 'relay' ? `${target.url}?id=${encodeURIComponent(name)}&peer=${encodeURIComponent(peer ?? '')}` : target.url;
    const ws = new WebSocket(url, SUBPROTOCOL);
    const client: Client = {
      name,
      ws,
      flavour: target.flavour,
      tracking,
      registered: false,
      presence: tracking === 'presence' ? new PresenceView(name, expectedOthers + 1) : null,
      expectedOthers,
      completeAt: Number.NaN,
      registerBytes: 0,
      notifyBytes: 0,
      notifyMessages: 0,
      markBytes: 0,
      markMessages: 0,
      nextCseq: 2,
      call: null,
      unexpectedClose: null,
      errors: 0,
      settle: null,
    };
    this.clients.set(name, client);
    ws.on('message', (data) => {
      try {
        this.#onFrame(client, data as Buffer);
      } catch (error) {
        client.errors += 1;
        client.settle?.(`bad frame for ${name}: ${String(error)}`);
      }
    });
    ws.on('error', (error) => {
      client.errors += 1;
      client.settle?.(`${name}: ${error.message}`);
    });
    ws.on('close', (code) => {
      if (this.#closing) return;
      client.unexpectedClose = code;
      client.settle?.(`${name}: closed ${code}`);
    });
    return client;
  }

  /** Drops every socket at once and forgets the clients. */
  async closeAll(): Promise<void> {
    this.#closing = true;
    await Promise.all([...this.clients.values()].map((c) => terminated(c.ws)));
    this.clients.clear();
    this.#closing = false;
  }

  #onFrame(client: Client, data: Buffer): void {
    if (this.#closing) return;
    client.markBytes += data.length;
    client.markMessages += 1;
    if (client.call?.up) {
      const text = data.toString();
      if (!this.#infoSink(client, text)) onProtocolMessage(client, JSON.parse(text) as Record<string, unknown>, data.length);
      return;
    }
    if (client.flavour === 'relay' && !client.call) {
      client.registered = true;
      client.settle?.(null);
      return;
    }
    if (client.tracking === 'none' && !client.call) {
      const { status, method } = peekHead(data);
      if (method !== null && (status !== null || method === 'NOTIFY')) {
        onProtocolMessage(client, status === null ? { method } : { status, method, reason: '' }, data.length);
        return;
      }
    }
    onProtocolMessage(client, JSON.parse(data.toString()) as Record<string, unknown>, data.length);
  }
}

function terminated(ws: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    if (ws.readyState === WebSocket.CLOSED) return resolve();
    const timer = setTimeout(resolve, 2_000);
    ws.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    ws.terminate();
  });
}
