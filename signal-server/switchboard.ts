/**
 * The protocol engine's front: socket lifetimes (open, each frame, closed), the flood guard, parsing,
 * and handing each message to its handler (handlers/). It sees sockets only as `Link`s, so it knows
 * nothing of ws or HTTP. Invariants: `from` is always stamped by the router; a message reaches only
 * the other party of its dialog; bad input changes nothing.
 */
import { CloseCode, isResponse, type IceServer, type Message } from '../common/protocol.js';
import { parseMessage } from '../common/schema.js';
import type { AddressLimits } from './address-limits.js';
import { CallGuard, type CallLimits } from './call-guard.js';
import { ConferenceTable, type ConferenceLimits } from './conference.js';
import { DialogTable } from './dialog-table.js';
import type { DirectoryListener } from './directory.js';
import type { Board, CallsElsewhere } from './handlers/board.js';
import { endForLostParty } from './handlers/endings.js';
import { hostRecords, type HostRecords, type OpenedStore } from './host-records.js';
import { handleRequest, register, relayResponse, unregister } from './handlers/index.js';
import { answer, log, nameOf, refuse } from './handlers/replies.js';
import type { Logger } from './log.js';
import type { Outside, PeerPort } from './outside.js';
import { PasscodeGuard, type PasscodeGuardLimits } from './passcode-guard.js';
import { PhoneBook, type PhoneBookLimits } from './phone-book.js';
import { PresenceFeed } from './presence.js';
import { FloodGuard, type FloodLimits } from './rate-limit.js';
import { LocalRegistry, type LeaveReason, type NameClaims, type PresenceListener, type Registry } from './registry.js';
import type { RingGroups } from './ring-groups.js';
import { LocalRouter, type Connection, type Link, type Router } from './router.js';
import { nameKeys, type UserKey } from './name-key.js';
import type { Forgotten } from './store/host-store.js';

export type { Connection, Link } from './router.js';

export interface PhoneLimits {
  maxCalls: number;
  maxRinging: number;
}

export interface SwitchboardConfig {
  passcode: string | null;
  /** The STUN/TURN servers handed to `name` at registration. */
  iceServers: (name: string) => IceServer[];
  maxClients: number;
  /** The people up to which the phone book is listed, not searched; a SEARCH's cap and rate. */
  phoneBook: PhoneBookLimits;
  graceMs: number;
  ringTimeoutMs: number;
  presenceFlushMs: number;
  maxHeldMessages: number;
  maxHeldBytes: number;
  lateMessageMs: number;
  maxEndedDialogs: number;
  /** What one phone may hold: answered calls, and incoming calls ringing. */
  phoneLimits: PhoneLimits;
  /** The most people in one conference. */
  conferenceLimits: ConferenceLimits;
  /** The host's ring groups: their names are no user's. */
  ringGroups: RingGroups;
  callLimits: CallLimits;
  floodLimits: FloodLimits;
  passcodeLimits: PasscodeGuardLimits;
  /** Names and registrations per client address. */
  addressLimits: AddressLimits;
  /** The host's store, opened in its data folder; null keeps nothing (no directory, messages or voicemail). */
  store: OpenedStore | null;
  logger: Logger;
}

/** What a cluster node (cluster/node.ts) puts in place of the in-process registry and router. */
export interface ClusterPlug {
  registry(onPresence: PresenceListener): Registry;
  router(local: LocalRouter): Router;
  readonly claims: NameClaims;
  /** True when `message` belongs to a dialog homed on another node, and was sent there. */
  forwarded(sender: UserKey, message: Message): boolean;
  /** The answered calls homed on other nodes that a transfer here may replace. */
  readonly callsElsewhere: CallsElsewhere;
  /** Hands the node the board, to run the messages other nodes forward to it. */
  attach(board: Board): void;
  /** Carries directory changes between nodes: `elsewhere` hears the other nodes'; the answer tells them this one's. */
  shareDirectory(elsewhere: DirectoryListener): DirectoryListener;
  health(): { node: string; redis: 'up' | 'down' };
  /** Stops the node's timers; `close` (its own) ends its Redis connections. */
  stop(): void;
}

export class Switchboard implements PeerPort {
  readonly #board: Board;
  readonly #presence: PresenceFeed;
  readonly #connections = new Set<Connection>();
  readonly #startedAt = Date.now();
  readonly #cluster: ClusterPlug | null;
  #stopped = false;

  constructor(config: SwitchboardConfig, cluster: ClusterPlug | null = null) {
    const local = new LocalRouter(
      { graceMs: config.graceMs, held: { maxMessages: config.maxHeldMessages, maxBytes: config.maxHeldBytes } },
      (key) => unregister(this.#board, key, 'Peer lost'),
    );
    const router = cluster ? cluster.router(local) : local;
    const presence = new PresenceFeed(config.presenceFlushMs, (changes) => this.#board.phoneBook.deliver(changes));
    const records = config.store && hostRecords(config.store, router, config.logger);
    // A user who goes offline stays in a host's directory, shown with when it was last seen. On a
    // cluster each node hears every user go, and the user's own node (it routes them) writes it.
    const onPresence: PresenceListener = (key, name, state) => {
      const lastSeen = state === 'offline' ? records?.directory.left(key, Date.now(), cluster === null || local.has(key)) : undefined;
      presence.changed(key, name, state, lastSeen);
      this.#board.outside?.presence(key, name, state);
    };
    const registry = cluster ? cluster.registry(onPresence) : new LocalRegistry(onPresence);
    const dialogs = new DialogTable(config, (key, busy) => registry.setBusy(key, busy));
    this.#presence = presence;
    const phoneBook = new PhoneBook(config.phoneBook, {
      // The directory holds every registered user too, once it has seen them register.
      size: () => Math.max(registry.people, records?.directory.size ?? 0),
      partiesOf: (key) => dialogs.of(key).map((dialog) => (dialog.caller === key ? dialog.callee : dialog.caller)),
      tell: (key, frame) => router.tell(key, frame),
    });
    this.#board = {
      config,
      registry,
      claims: cluster?.claims ?? null,
      dialogs,
      conferences: new ConferenceTable(),
      router,
      phoneBook,
      presence,
      callGuard: new CallGuard(config.callLimits),
      passcodeGuard: new PasscodeGuard(config.passcodeLimits),
      outside: null,
      records,
      callsElsewhere: cluster?.callsElsewhere ?? null,
    };
    this.#cluster = cluster;
    cluster?.attach(this.#board);
    if (cluster && records) {
      const elsewhere: DirectoryListener = {
        seen: (key, name, lastSeen, owner) => records.directory.applySeen(key, name, lastSeen, owner),
        forgotten: (key) => {
          const name = records.directory.nameOf(key);
          records.directory.applyForgotten(key);
          if (name !== undefined) this.#forgotten(records, key, name);
        },
      };
      records.directory.share(cluster.shareDirectory(elsewhere));
    }
  }

  /** Callees that are no user or group here go to `outside` from now on (the SIP gateway). */
  connectOutside(outside: Outside): void {
    this.#board.outside = outside;
  }

  openPeer(key: UserKey, name: string, link: Link): Connection {
    const connection: Connection = { link, remote: 'outside', flood: new FloodGuard(this.#board.config.floodLimits, Date.now()), user: null, registerTimer: null, claiming: false };
    this.#board.router.attach(key, name, connection);
    return connection;
  }

  closePeer(connection: Connection, reason: LeaveReason): void {
    const key = connection.user;
    if (key === null) return;
    connection.user = null;
    const board = this.#board;
    for (const dialog of board.dialogs.of(key)) endForLostParty(board, dialog, key, reason);
    board.router.drop(key);
    board.callGuard.forget(key);
  }

  get records(): HostRecords | null {
    return this.#board.records;
  }

  /**
   * Removes `name` from the directory with its messages and voicemail; the phone books drop it once
   * it is offline (at once if it is). Null when the directory does not know it.
   */
  async forget(name: string): Promise<Forgotten | null> {
    const records = this.#board.records;
    if (records === null) return null;
    const key = records.directory.find(nameKeys(name));
    if (key === undefined) return null;
    const known = records.directory.nameOf(key) ?? name;
    const forgotten = await records.directory.forget(key);
    this.#forgotten(records, key, known);
    log(this.#board, 'info', 'forgotten', { user: known, messages: forgotten?.messages, voicemails: forgotten?.voicemails });
    return forgotten;
  }

  /** What forgetting `key` changes beyond the directory: its tickets go, and the phone books drop it once it is offline. */
  #forgotten(records: HostRecords, key: UserKey, name: string): void {
    records.tickets.forget(key, Date.now());
    if (this.#board.registry.get(key) === undefined) this.#presence.changed(key, name, 'offline');
  }

  get connections(): ReadonlySet<Connection> {
    return this.#connections;
  }

  health(): { users: number; calls: number; uptimeSeconds: number; node?: string; redis?: 'up' | 'down' } {
    return {
      users: this.#board.registry.size,
      calls: this.#board.dialogs.size,
      uptimeSeconds: Math.floor((Date.now() - this.#startedAt) / 1000),
      ...this.#cluster?.health(),
    };
  }

  open(link: Link, remote: string, registerTimeoutMs: number): Connection {
    const connection: Connection = {
      link,
      remote,
      flood: new FloodGuard(this.#board.config.floodLimits, Date.now()),
      user: null,
      claiming: false,
      registerTimer: null,
    };
    connection.registerTimer = setTimeout(() => {
      log(this.#board, 'warn', 'register-timeout', { remote });
      link.close(CloseCode.policyViolation, 'Register first');
    }, registerTimeoutMs);
    this.#connections.add(connection);
    return connection;
  }

  /** One text frame from a socket. Never throws for any input. */
  receive(connection: Connection, text: string): void {
    const board = this.#board;
    if (!connection.flood.admit(Date.now())) {
      log(board, 'warn', 'flood', { remote: connection.remote, user: nameOf(board, connection.user) });
      connection.link.close(CloseCode.policyViolation, 'Too many messages');
      return;
    }
    const parsed = parseMessage(text);
    if (!parsed.ok) {
      const { ok: _ok, ...refusal } = parsed;
      refuse(board, connection, refusal);
      return;
    }
    const message = parsed.message;
    const sender = connection.user;
    if (sender === null) this.#beforeRegistration(connection, message);
    else if (this.#cluster?.forwarded(sender, message)) return;
    else if (isResponse(message)) relayResponse(board, connection, sender, message);
    else handleRequest(board, connection, sender, message);
  }

  /** The socket closed. A deliberate goodbye (1000, 1001) unregisters now; anything else starts the grace period. */
  closed(connection: Connection, code: number): void {
    this.#connections.delete(connection);
    if (connection.registerTimer) clearTimeout(connection.registerTimer);
    connection.claiming = false;
    const key = connection.user;
    connection.user = null;
    if (this.#stopped || key === null || !this.#board.router.detach(key, connection)) return;
    if (code === CloseCode.normal || code === CloseCode.goingAway) {
      unregister(this.#board, key, 'Peer left');
      return;
    }
    log(this.#board, 'info', 'socket-lost', { user: nameOf(this.#board, key), code });
  }

  /** Ends everything: no timer left running, no message sent. */
  stop(): void {
    this.#stopped = true;
    this.#presence.stop();
    this.#board.dialogs.stop();
    this.#board.router.stop();
    this.#cluster?.stop();
    for (const connection of this.#connections) if (connection.registerTimer) clearTimeout(connection.registerTimer);
  }

  /** Only REGISTER is heard from a socket that has not registered, and only one at a time. */
  #beforeRegistration(connection: Connection, message: Message): void {
    if (isResponse(message) || message.method !== 'REGISTER' || connection.claiming) {
      refuse(this.#board, connection, answer(message, 403, 'Register first'));
      return;
    }
    register(this.#board, connection, message);
  }
}
