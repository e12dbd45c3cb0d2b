/**
 * Where frames go: each registered user's connection, or while its socket is lost, its held frames
 * (bounded) until it resumes or its grace period ends. `from` and `to` are stamped here, into the
 * JSON text. `Router` is the seam a router across several servers plugs into; `LocalRouter` routes
 * within this process.
 */
import { CloseCode, type Request, type Response } from '../common/protocol.js';
import { HeldFrames, type HeldLimits } from './held-frames.js';
import type { UserKey } from './name-key.js';
import type { FloodGuard } from './rate-limit.js';

/** What the switchboard needs of a socket. */
export interface Link {
  send(frame: string | Buffer): void;
  close(code: number, reason: string): void;
  /** Told once, when the socket's REGISTER succeeds. */
  registered?(): void;
}

/** One socket as the switchboard sees it. */
export interface Connection {
  readonly link: Link;
  readonly remote: string;
  readonly flood: FloodGuard;
  /** The user it is registered as; null before REGISTER and once it is closed or replaced. */
  user: UserKey | null;
  /** A REGISTER on it waits for the cluster to grant its name: nothing else is heard meanwhile. */
  claiming: boolean;
  registerTimer: NodeJS.Timeout | null;
}

/** What the server answers itself. A response to input too broken to echo its method or cseq may carry neither. */
export type ServerResponse = Omit<Response, 'method' | 'cseq'> & { method?: string; cseq?: number };

export interface Router {
  /** Frames for `key` go to `connection` from now on; a connection it had before is closed 4001 Replaced. */
  attach(key: UserKey, name: string, connection: Connection): void;
  /** Sends `key` the frames held for it while it was away, oldest first; answers how many. */
  releaseHeld(key: UserKey): number;
  /**
   * `connection` closed. If it was `key`'s, frames for `key` are held from now on, and when the grace
   * period ends the router's grace listener hears of it. True when it was.
   */
  detach(key: UserKey, connection: Connection): boolean;
  isConnected(key: UserKey): boolean;
  /** `key` is unregistered: its held frames and grace timer go. */
  drop(key: UserKey): void;
  /** Sends `message` to `to` as from `from`, both stamped in; held while `to`'s socket is lost. */
  deliver(to: UserKey, from: UserKey, message: Request | Response): void;
  /** Sends the server's own `message` to `to` (no `from` nor `to`, as a reply on its socket has none); held the same way. */
  deliverOwn(to: UserKey, message: Request | Response): void;
  /** Sends the server's own response on `connection`. */
  reply(connection: Connection, response: ServerResponse): void;
  /** Sends the server's own response on `connection`, serialized already (a REGISTER 200 with its phone book). */
  replyJson(connection: Connection, json: string): void;
  /** Sends a presence frame to `key`'s socket when it is connected here; none is held while it is lost. */
  tell(key: UserKey, frame: Buffer): void;
  /** Stops every grace timer and forgets every route, telling no one. */
  stop(): void;
}

export interface RouterConfig {
  graceMs: number;
  held: HeldLimits;
}

interface Route {
  /** The name as a JSON string, made once for stamping `from` and `to`. */
  readonly nameJson: string;
  connection: Connection | null;
  readonly held: HeldFrames;
  graceTimer: NodeJS.Timeout | null;
}

export class LocalRouter implements Router {
  readonly #config: RouterConfig;
  readonly #routes = new Map<UserKey, Route>();
  readonly #onGraceOver: (key: UserKey) => void;

  constructor(config: RouterConfig, onGraceOver: (key: UserKey) => void) {
    this.#config = config;
    this.#onGraceOver = onGraceOver;
  }

  attach(key: UserKey, name: string, connection: Connection): void {
    let route = this.#routes.get(key);
    if (!route) {
      route = { nameJson: JSON.stringify(name), connection: null, held: new HeldFrames(this.#config.held), graceTimer: null };
      this.#routes.set(key, route);
    }
    const previous = route.connection;
    if (previous && previous !== connection) {
      previous.user = null;
      previous.link.close(CloseCode.replaced, 'Replaced');
    }
    stopGrace(route);
    route.connection = connection;
    connection.user = key;
  }

  releaseHeld(key: UserKey): number {
    const route = this.#routes.get(key);
    if (!route?.connection) return 0;
    const frames = route.held.take();
    for (const frame of frames) route.connection.link.send(frame);
    return frames.length;
  }

  detach(key: UserKey, connection: Connection): boolean {
    const route = this.#routes.get(key);
    if (!route || route.connection !== connection) return false;
    route.connection = null;
    stopGrace(route);
    route.graceTimer = setTimeout(() => {
      route.graceTimer = null;
      this.#onGraceOver(key);
    }, this.#config.graceMs);
    return true;
  }

  isConnected(key: UserKey): boolean {
    return this.#routes.get(key)?.connection != null;
  }

  drop(key: UserKey): void {
    const route = this.#routes.get(key);
    if (!route) return;
    stopGrace(route);
    route.held.clear();
    this.#routes.delete(key);
  }

  deliver(to: UserKey, from: UserKey, message: Request | Response): void {
    const route = this.#routes.get(to);
    const sender = this.#routes.get(from);
    if (!route || !sender) return;
    sendOrHold(route, stamped(sender.nameJson, route.nameJson, message));
  }

  deliverOwn(to: UserKey, message: Request | Response): void {
    const route = this.#routes.get(to);
    if (route) sendOrHold(route, JSON.stringify(message));
  }

  /** True when `key` has a route here (connected, or in its grace period). */
  has(key: UserKey): boolean {
    return this.#routes.has(key);
  }

  /** Closes `key`'s socket, if it has one here. */
  close(key: UserKey, code: number, reason: string): void {
    this.#routes.get(key)?.connection?.link.close(code, reason);
  }

  /** Sends a frame made elsewhere to `key`, held the same way; false when `key` has no route here. */
  send(key: UserKey, frame: string): boolean {
    const route = this.#routes.get(key);
    if (route) sendOrHold(route, frame);
    return route !== undefined;
  }

  reply(connection: Connection, response: ServerResponse): void {
    connection.link.send(JSON.stringify(response));
  }

  replyJson(connection: Connection, json: string): void {
    connection.link.send(json);
  }

  tell(key: UserKey, frame: Buffer): void {
    this.#routes.get(key)?.connection?.link.send(frame);
  }

  stop(): void {
    for (const route of this.#routes.values()) stopGrace(route);
    this.#routes.clear();
  }
}

/**
 * `message` with `from` and `to` (JSON strings) stamped into its JSON text: copying the message to
 * add them cost more than everything else on the relay path. Parsed messages carry no `from`; a
 * `to` is the caller's spelling.
 */
export function stamped(fromJson: string, toJson: string, message: Request | Response): string {
  const unstamped = message.to === undefined && message.from === undefined;
  const json = JSON.stringify(unstamped ? message : { ...message, from: undefined, to: undefined });
  return `{"from":${fromJson},"to":${toJson},${json.slice(1)}`;
}

function sendOrHold(route: Route, frame: string): void {
  if (route.connection) route.connection.link.send(frame);
  else route.held.hold(frame);
}

function stopGrace(route: Route): void {
  if (route.graceTimer) clearTimeout(route.graceTimer);
  route.graceTimer = null;
}
