/**
 * The router of a cluster node: frames for this node's users go through its LocalRouter (held in
 * their grace period as ever); frames for another node's user go to that node's stream, marked with
 * this node as the dialog's home when they belong to one (every handler runs at a dialog's home),
 * and with the conference the dialog is a link of.
 */
import type { Request, Response } from '../../common/protocol.js';
import type { UserKey } from '../name-key.js';
import { stamped, type Connection, type LocalRouter, type Router, type ServerResponse } from '../router.js';
import type { Envelope } from './envelope.js';
import type { ClusterRegistry } from './replica-registry.js';

export interface Carrier {
  send(node: string, envelope: Envelope): void;
}

export class ClusterRouter implements Router {
  readonly #local: LocalRouter;
  readonly #registry: ClusterRegistry;
  readonly #carrier: Carrier;
  readonly #node: string;

  constructor(node: string, local: LocalRouter, registry: ClusterRegistry, carrier: Carrier) {
    this.#node = node;
    this.#local = local;
    this.#registry = registry;
    this.#carrier = carrier;
  }

  get local(): LocalRouter {
    return this.#local;
  }

  attach(key: UserKey, name: string, connection: Connection): void {
    const wasConnected = this.#local.isConnected(key);
    this.#local.attach(key, name, connection);
    if (!wasConnected) this.#registry.setConnected(key, true);
  }

  releaseHeld(key: UserKey): number {
    return this.#local.releaseHeld(key);
  }

  detach(key: UserKey, connection: Connection): boolean {
    const detached = this.#local.detach(key, connection);
    if (detached) this.#registry.setConnected(key, false);
    return detached;
  }

  isConnected(key: UserKey): boolean {
    return this.#local.has(key) ? this.#local.isConnected(key) : this.#registry.isConnected(key);
  }

  drop(key: UserKey): void {
    this.#local.drop(key);
  }

  deliver(to: UserKey, from: UserKey, message: Request | Response): void {
    if (this.#local.has(to) && this.#local.has(from)) {
      this.#local.deliver(to, from, message);
      return;
    }
    const target = this.#registry.get(to);
    const sender = this.#registry.get(from);
    if (!target || !sender) return;
    this.#route(to, stamped(JSON.stringify(sender.name), JSON.stringify(target.name), message), message, from);
  }

  deliverOwn(to: UserKey, message: Request | Response): void {
    this.#route(to, JSON.stringify(message), message, undefined);
  }

  /** A frame made already (the server's answer to a message forwarded from `to`'s node). */
  sendFrame(to: UserKey, frame: string): void {
    if (this.#local.send(to, frame)) return;
    const node = this.#registry.nodeOf(to);
    if (node !== undefined && node !== this.#node) this.#carrier.send(node, { t: 'frame', to, frame });
  }

  reply(connection: Connection, response: ServerResponse): void {
    this.#local.reply(connection, response);
  }

  replyJson(connection: Connection, json: string): void {
    this.#local.replyJson(connection, json);
  }

  tell(key: UserKey, frame: Buffer): void {
    this.#local.tell(key, frame);
  }

  stop(): void {
    this.#local.stop();
  }

  #route(to: UserKey, frame: string, message: Request | Response, from: UserKey | undefined): void {
    if (this.#local.send(to, frame)) return;
    const node = this.#registry.nodeOf(to);
    if (node === undefined || node === this.#node) return;
    const conference = conferenceOf(message);
    const inDialog =
      message.callId === undefined
        ? {}
        : {
            callId: message.callId,
            home: this.#node,
            ...(from === undefined ? {} : { from }),
            ...('status' in message ? {} : { cseq: message.cseq }),
            ...(conference === undefined ? {} : { conference }),
          };
    this.#carrier.send(node, { t: 'frame', to, frame, ...inDialog });
  }
}

/** The conference a message's dialog is a link of: an INVITE into one, or the NOTIFY that a call grew into one. */
function conferenceOf(message: Request | Response): string | undefined {
  if ('status' in message) return undefined;
  if (message.method === 'INVITE') return message.body.conference?.id;
  if (message.method === 'NOTIFY' && message.body.event === 'conference') return message.body.id;
  return undefined;
}
