/**
 * The protocol engine: registrations, presence, the dialog table and routing. It sees sockets only
 * as `Link`s, so it knows nothing of ws or HTTP. Invariants: `from` is always stamped here; a
 * message reaches only the other party of its dialog; bad input changes nothing.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  CloseCode,
  REASONS,
  isResponse,
  type IceServer,
  type PresenceState,
  type Request,
  type Response,
  type UserPresence,
} from '../common/protocol.js';
import { parseMessage } from '../common/schema.js';
import type { AddressLimits } from './address-limits.js';
import type { Logger } from './log.js';
import { nameKeys } from './name-key.js';
import { PasscodeGuard, type PasscodeGuardLimits } from './passcode-guard.js';
import { CallGuard, type CallLimits } from './call-guard.js';
import {
  RecentlyEnded,
  answered,
  isParty,
  otherParty,
  requestProblem,
  ringingFrom,
  type Connection,
  type Dialog,
  type Link,
  type User,
} from './dialog.js';
import { HeldFrames } from './held-frames.js';
import { PresenceFeed } from './presence.js';
import { FloodGuard, type FloodLimits } from './rate-limit.js';

export type { Connection, Link } from './dialog.js';

export interface SwitchboardConfig {
  passcode: string | null;
  /** The STUN/TURN servers handed to `name` at registration. */
  iceServers: (name: string) => IceServer[];
  maxClients: number;
  graceMs: number;
  ringTimeoutMs: number;
  presenceFlushMs: number;
  maxHeldMessages: number;
  maxHeldBytes: number;
  lateMessageMs: number;
  maxEndedDialogs: number;
  callLimits: CallLimits;
  floodLimits: FloodLimits;
  passcodeLimits: PasscodeGuardLimits;
  /** Names and registrations per client address. */
  addressLimits: AddressLimits;
  logger: Logger;
}

/** A response to input too broken to echo its method or cseq may carry neither. */
type Refusal = Omit<Response, 'method' | 'cseq'> & { method?: string; cseq?: number };

export class Switchboard {
  readonly #config: SwitchboardConfig;
  /** Users by caseless key; `#lookAlikes` holds the same users by skeleton. */
  readonly #users = new Map<string, User>();
  readonly #lookAlikes = new Map<string, User>();
  readonly #dialogs = new Map<string, Dialog>();
  readonly #recentlyEnded: RecentlyEnded;
  readonly #callGuard: CallGuard;
  readonly #connections = new Set<Connection>();
  readonly #presence: PresenceFeed;
  readonly #passcodeDigest: Buffer | null;
  readonly #passcodeGuard: PasscodeGuard;
  readonly #startedAt = Date.now();
  #stopped = false;

  constructor(config: SwitchboardConfig) {
    this.#config = config;
    this.#passcodeDigest = config.passcode === null ? null : digest(config.passcode);
    this.#passcodeGuard = new PasscodeGuard(config.passcodeLimits);
    this.#recentlyEnded = new RecentlyEnded(config.lateMessageMs, config.maxEndedDialogs);
    this.#callGuard = new CallGuard(config.callLimits);
    this.#presence = new PresenceFeed(config.presenceFlushMs, (frame) => {
      for (const user of this.#users.values()) user.connection?.link.send(frame);
    });
  }

  get connections(): ReadonlySet<Connection> {
    return this.#connections;
  }

  health(): { users: number; calls: number; uptimeSeconds: number } {
    return {
      users: this.#users.size,
      calls: this.#dialogs.size,
      uptimeSeconds: Math.floor((Date.now() - this.#startedAt) / 1000),
    };
  }

  open(link: Link, remote: string, registerTimeoutMs: number): Connection {
    const connection: Connection = {
      link,
      remote,
      flood: new FloodGuard(this.#config.floodLimits, Date.now()),
      user: null,
      registerTimer: null,
    };
    connection.registerTimer = setTimeout(() => {
      this.#log('warn', 'register-timeout', { remote });
      link.close(CloseCode.policyViolation, 'Register first');
    }, registerTimeoutMs);
    this.#connections.add(connection);
    return connection;
  }

  /** One text frame from a socket. Never throws for any input. */
  receive(connection: Connection, text: string): void {
    const now = Date.now();
    if (!connection.flood.admit(now)) {
      this.#log('warn', 'flood', { remote: connection.remote, user: connection.user?.name });
      connection.link.close(CloseCode.policyViolation, 'Too many messages');
      return;
    }
    const parsed = parseMessage(text);
    if (!parsed.ok) {
      const { ok: _ok, ...refusal } = parsed;
      this.#refuse(connection, refusal);
      return;
    }
    const message = parsed.message;
    const user = connection.user;
    if (user === null) {
      if (!isResponse(message) && message.method === 'REGISTER') this.#register(connection, message);
      else this.#refuse(connection, { ...echo(message), status: 403, reason: 'Register first' });
      return;
    }
    if (isResponse(message)) this.#relayResponse(user, message);
    else this.#handleRequest(user, message);
  }

  /** The socket closed. A deliberate goodbye (1000, 1001) unregisters now; anything else starts the grace period. */
  closed(connection: Connection, code: number): void {
    this.#connections.delete(connection);
    if (connection.registerTimer) clearTimeout(connection.registerTimer);
    const user = connection.user;
    connection.user = null;
    if (this.#stopped || user === null || user.connection !== connection) return;
    user.connection = null;
    if (code === CloseCode.normal || code === CloseCode.goingAway) {
      this.#unregister(user, 'Peer left');
      return;
    }
    this.#log('info', 'socket-lost', { user: user.name, code });
    user.graceTimer = setTimeout(() => this.#unregister(user, 'Peer lost'), this.#config.graceMs);
  }

  /** Ends everything: no timer left running, no message sent. */
  stop(): void {
    this.#stopped = true;
    this.#presence.stop();
    for (const dialog of this.#dialogs.values()) if (dialog.ringTimer) clearTimeout(dialog.ringTimer);
    for (const user of this.#users.values()) if (user.graceTimer) clearTimeout(user.graceTimer);
    for (const connection of this.#connections) if (connection.registerTimer) clearTimeout(connection.registerTimer);
    this.#dialogs.clear();
    this.#users.clear();
    this.#lookAlikes.clear();
  }

  // Registration and presence

  #register(connection: Connection, request: Extract<Request, { method: 'REGISTER' }>): void {
    const { name, passcode, resume } = request.body;
    if (this.#passcodeDigest) {
      const now = Date.now();
      const hold = this.#passcodeGuard.holdFor(connection.remote, now);
      if (hold > 0) {
        const seconds = Math.ceil(hold / 1000);
        this.#refuse(connection, { ...echo(request), status: 401, reason: `Too many wrong passcodes: try again in ${seconds} s` });
        return;
      }
      if (!safeEqual(digest(passcode ?? ''), this.#passcodeDigest)) {
        if (passcode !== undefined) this.#passcodeGuard.failed(connection.remote, now);
        this.#refuse(connection, { ...echo(request), status: 401, reason: passcode === undefined ? 'Passcode required' : 'Wrong passcode' });
        return;
      }
    }
    const keys = nameKeys(name);
    const key = keys.caseless;
    const existing = this.#users.get(key) ?? this.#lookAlikes.get(keys.skeleton);
    if (existing) {
      if (resume === undefined || !safeEqual(Buffer.from(resume), Buffer.from(existing.resume))) {
        this.#refuse(connection, { ...echo(request), status: 409, reason: 'Name taken' });
        return;
      }
      if (this.#limitedByAddress(connection, request, false)) return;
      this.#resume(connection, existing, request);
      return;
    }
    if (this.#users.size >= this.#config.maxClients) {
      this.#send(connection, { ...echo(request), status: 503, reason: 'Server full' });
      this.#log('warn', 'server-full', { remote: connection.remote });
      return;
    }
    if (this.#limitedByAddress(connection, request, true)) return;
    const user: User = {
      name,
      nameJson: JSON.stringify(name),
      key,
      skeleton: keys.skeleton,
      resume: newResumeToken(),
      published: 'online',
      connection,
      graceTimer: null,
      held: new HeldFrames({ maxMessages: this.#config.maxHeldMessages, maxBytes: this.#config.maxHeldBytes }),
      dialogs: new Set(),
    };
    this.#users.set(key, user);
    this.#lookAlikes.set(keys.skeleton, user);
    this.#config.addressLimits.nameTaken(key, connection.remote);
    this.#attach(connection, user, request);
    this.#presence.changed(key, name, 'online');
    this.#log('info', 'register', { user: name, remote: connection.remote });
  }

  /** Refuses a REGISTER over its address's limits (names held, registrations a minute); true when it did. */
  #limitedByAddress(connection: Connection, request: Request, newName: boolean): boolean {
    const refusal = this.#config.addressLimits.refuseRegistration(connection.remote, newName, Date.now());
    if (refusal === null) return false;
    this.#send(connection, { ...echo(request), ...refusal });
    this.#log('warn', 'address-limit', { remote: connection.remote, status: refusal.status, reason: refusal.reason });
    return true;
  }

  #resume(connection: Connection, user: User, request: Request): void {
    const previous = user.connection;
    if (previous) {
      previous.user = null;
      previous.link.close(CloseCode.replaced, 'Replaced');
    }
    if (user.graceTimer) clearTimeout(user.graceTimer);
    user.graceTimer = null;
    // A token resumes once: whoever held the old one (a lost socket, a log) is now shut out.
    user.resume = newResumeToken();
    this.#attach(connection, user, request, true);
    const held = user.held.take();
    for (const frame of held) connection.link.send(frame);
    this.#log('info', 'resume', { user: user.name, held: held.length });
  }

  #attach(connection: Connection, user: User, request: Request, resumed = false): void {
    if (connection.registerTimer) clearTimeout(connection.registerTimer);
    connection.registerTimer = null;
    connection.user = user;
    user.connection = connection;
    const users: UserPresence[] = [];
    for (const other of this.#users.values()) {
      if (other !== user) users.push({ name: other.name, state: stateOf(other) });
    }
    this.#send(connection, {
      ...echo(request),
      status: 200,
      reason: 'OK',
      body: { name: user.name, resume: user.resume, resumed, users, iceServers: this.#config.iceServers(user.name) },
    });
  }

  #unregister(user: User, reason: 'Peer left' | 'Peer lost'): void {
    if (user.graceTimer) clearTimeout(user.graceTimer);
    user.graceTimer = null;
    user.held.clear();
    for (const dialog of [...user.dialogs]) this.#endForLostParty(dialog, user, reason);
    this.#users.delete(user.key);
    this.#lookAlikes.delete(user.skeleton);
    this.#config.addressLimits.nameReleased(user.key);
    this.#presence.changed(user.key, user.name, 'offline');
    this.#log('info', 'offline', { user: user.name, reason });
  }

  /** Runs `change` and pushes a presence change for each of `users` whose visible state moved. */
  #withPresence(users: readonly User[], change: () => void): void {
    const before = users.map(stateOf);
    change();
    users.forEach((user, index) => {
      const state = stateOf(user);
      if (state !== before[index] && this.#users.get(user.key) === user) {
        this.#presence.changed(user.key, user.name, state);
      }
    });
  }

  // Requests

  #handleRequest(user: User, request: Request): void {
    switch (request.method) {
      case 'REGISTER':
        this.#refuse(user.connection, { ...echo(request), status: 400, reason: `Already registered as ${user.name}` });
        return;
      case 'PUBLISH': {
        const state = request.body.state;
        this.#withPresence([user], () => {
          user.published = state;
        });
        this.#reply(user, request, 200);
        return;
      }
      case 'NOTIFY':
        this.#refuse(user.connection, { ...echo(request), status: 501, reason: 'NOTIFY is sent only by the server' });
        return;
      case 'INVITE':
        if (this.#dialogs.has(request.callId)) this.#relayRequest(user, request);
        else this.#invite(user, request);
        return;
      case 'ACK':
      case 'CANCEL':
      case 'BYE':
      case 'INFO':
        this.#relayRequest(user, request);
        return;
      default:
        return missingCase(request);
    }
  }

  #invite(caller: User, request: Extract<Request, { method: 'INVITE' }>): void {
    if (request.to === undefined) {
      this.#refuse(caller.connection, { ...echo(request), status: 400, reason: 'to: is required' });
      return;
    }
    const keys = nameKeys(request.to);
    const callee = this.#users.get(keys.caseless) ?? this.#lookAlikes.get(keys.skeleton);
    if (callee === caller) {
      this.#refuse(caller.connection, { ...echo(request), status: 400, reason: 'You cannot call yourself' });
      return;
    }
    if (callee === undefined) {
      this.#refuseCall(caller, request, 404);
      return;
    }
    if (callee.connection === null || callee.published === 'dnd') {
      this.#refuseCall(caller, request, 480);
      return;
    }
    // Call waiting (issue 9): busy only with 2 answered calls or 1 call already ringing there.
    const ringingThere = [...callee.dialogs].filter((d) => d.callee === callee && d.phase === 'early').length;
    if (ringingThere >= 1 || [...callee.dialogs].filter((d) => d.phase === 'confirmed').length >= 2) {
      this.#refuseCall(caller, request, 486);
      return;
    }
    const limited = this.#callGuard.refusal(caller, ringingFrom(caller), Date.now());
    if (limited) {
      this.#refuse(caller.connection, { ...echo(request), status: 503, reason: limited });
      return;
    }
    const dialog: Dialog = {
      callId: request.callId,
      caller,
      callee,
      inviteCseq: request.cseq,
      phase: 'early',
      ringTimer: null,
      lastCseq: new Map([[caller, request.cseq]]),
      awaiting: [{ from: caller, method: 'INVITE', cseq: request.cseq }],
    };
    dialog.ringTimer = setTimeout(() => this.#ringTimeout(dialog), this.#config.ringTimeoutMs);
    this.#withPresence([caller, callee], () => {
      this.#dialogs.set(dialog.callId, dialog);
      caller.dialogs.add(dialog);
      callee.dialogs.add(dialog);
    });
    this.#reply(caller, request, 100);
    this.#deliver(callee, caller, request);
    this.#log('info', 'call-start', { callId: dialog.callId, from: caller.name, to: callee.name, video: request.body.media.video });
  }

  #refuseCall(caller: User, request: Request, status: 404 | 480 | 486): void {
    this.#reply(caller, request, status);
    this.#log('info', 'call-refused', { callId: request.callId, from: caller.name, to: request.to, status });
  }

  #relayRequest(sender: User, request: Exclude<Request, { method: 'REGISTER' | 'PUBLISH' | 'NOTIFY' }>): void {
    const dialog = this.#dialogs.get(request.callId);
    if (!dialog || !isParty(dialog, sender)) {
      const late = this.#endedWith(request.callId, sender) && (request.method === 'ACK' || request.method === 'INFO');
      if (!late) this.#reply(sender, request, 481);
      return;
    }
    const other = otherParty(dialog, sender);
    const problem = requestProblem(dialog, sender, request);
    if (problem) {
      this.#refuse(sender.connection, { ...echo(request), status: problem.status, reason: problem.reason });
      return;
    }
    if (request.method !== 'ACK' && request.method !== 'CANCEL') dialog.lastCseq.set(sender, request.cseq);
    if (request.method === 'INVITE' || request.method === 'CANCEL' || request.method === 'BYE') {
      // At most one awaiting request per sender and method: a newer one replaces the older.
      const method = request.method;
      const older = dialog.awaiting.find((awaiting) => awaiting.from === sender && awaiting.method === method);
      if (older) older.cseq = request.cseq;
      else dialog.awaiting.push({ from: sender, method, cseq: request.cseq });
    }
    this.#deliver(other, sender, request);
  }

  // Responses

  #relayResponse(sender: User, response: Response): void {
    const callId = response.callId;
    const dialog = callId === undefined ? undefined : this.#dialogs.get(callId);
    if (!dialog || !isParty(dialog, sender)) {
      if (callId === undefined || !this.#endedWith(callId, sender)) this.#reply(sender, response, 481);
      return;
    }
    const request = answered(dialog, sender, response);
    if (!request) {
      const reason = `Nothing to answer: no ${response.method} ${response.cseq} awaits your answer`;
      this.#refuse(sender.connection, { ...echo(response), status: 400, reason });
      return;
    }
    const other = otherParty(dialog, sender);
    const answersFirstInvite = request.method === 'INVITE' && request.cseq === dialog.inviteCseq && dialog.phase === 'early';
    if (answersFirstInvite && response.status === 100) return; // 100 is the server's to send
    if (response.method === 'INVITE' && response.status === 200 && !response.body) {
      this.#refuse(sender.connection, { ...echo(response), status: 400, reason: 'body.sdp: a 200 to INVITE carries the answer' });
      return;
    }
    this.#deliver(other, sender, response);
    if (response.status >= 200) dialog.awaiting.splice(dialog.awaiting.indexOf(request), 1);

    if (answersFirstInvite && response.status >= 200 && response.status < 300) {
      this.#withPresence([dialog.caller, dialog.callee], () => {
        dialog.phase = 'confirmed';
        this.#stopRinging(dialog);
      });
      this.#log('info', 'call-answered', { callId: dialog.callId });
    } else if (answersFirstInvite && response.status >= 300) {
      this.#end(dialog, `answered ${response.status}`);
    } else if (request.method === 'BYE' && response.status >= 200) {
      this.#end(dialog, 'bye');
    }
  }

  // Dialog endings

  #ringTimeout(dialog: Dialog): void {
    dialog.ringTimer = null;
    if (this.#dialogs.get(dialog.callId) !== dialog || dialog.phase !== 'early') return;
    const { caller, callee, callId, inviteCseq } = dialog;
    this.#deliver(caller, callee, { status: 408, reason: REASONS[408] ?? '', method: 'INVITE', cseq: inviteCseq, callId });
    this.#deliver(callee, caller, { method: 'CANCEL', cseq: inviteCseq, callId });
    this.#end(dialog, 'ring timeout');
  }

  #endForLostParty(dialog: Dialog, lost: User, reason: 'Peer left' | 'Peer lost'): void {
    const other = otherParty(dialog, lost);
    const { callId, inviteCseq } = dialog;
    if (dialog.phase === 'confirmed') {
      const cseq = (dialog.lastCseq.get(lost) ?? 0) + 1;
      this.#deliver(other, lost, { method: 'BYE', cseq, callId, body: { reason } });
    } else if (lost === dialog.callee) {
      this.#deliver(other, lost, { status: 480, reason: REASONS[480] ?? '', method: 'INVITE', cseq: inviteCseq, callId });
    } else {
      this.#deliver(other, lost, { method: 'CANCEL', cseq: inviteCseq, callId });
    }
    this.#end(dialog, reason);
  }

  #end(dialog: Dialog, why: string): void {
    this.#withPresence([dialog.caller, dialog.callee], () => {
      this.#stopRinging(dialog);
      this.#dialogs.delete(dialog.callId);
      dialog.caller.dialogs.delete(dialog);
      dialog.callee.dialogs.delete(dialog);
    });
    this.#recentlyEnded.add(dialog, Date.now());
    this.#log('info', 'call-end', { callId: dialog.callId, why });
  }

  #stopRinging(dialog: Dialog): void {
    if (dialog.ringTimer) clearTimeout(dialog.ringTimer);
    dialog.ringTimer = null;
  }

  #endedWith(callId: string, user: User): boolean {
    return this.#recentlyEnded.had(callId, user, Date.now());
  }

  // Sending

  /** Sends to a user, from another, now; or holds it (bounded, oldest dropped) while the user's socket is lost. */
  #deliver(user: User, from: User, message: Request | Response): void {
    // `from` and `to` are stamped into the JSON text: copying the message to add them cost more
    // than everything else on the relay path.
    const json = JSON.stringify(message.to === undefined ? message : { ...message, to: undefined });
    const frame = `{"from":${from.nameJson},"to":${user.nameJson},${json.slice(1)}`;
    if (user.connection) {
      user.connection.link.send(frame);
      return;
    }
    user.held.hold(frame);
  }

  #send(connection: Connection, response: Response | Refusal): void {
    connection.link.send(JSON.stringify(response));
  }

  #reply(user: User, message: Request | Response, status: number): void {
    if (user.connection) this.#send(user.connection, { ...echo(message), status, reason: REASONS[status] ?? '' });
  }

  /** Answers bad input; too much of it closes the socket with 1008. */
  #refuse(connection: Connection | null, response: Refusal): void {
    if (!connection) return;
    this.#send(connection, response);
    this.#log('info', 'rejected', { remote: connection.remote, user: connection.user?.name, status: response.status, reason: response.reason });
    if (!connection.flood.admitBad(Date.now())) {
      this.#log('warn', 'too-many-bad-messages', { remote: connection.remote });
      connection.link.close(CloseCode.policyViolation, 'Too many bad messages');
    }
  }

  #log(level: 'error' | 'warn' | 'info' | 'debug', event: string, fields: Record<string, string | number | boolean | null | undefined>): void {
    this.#config.logger.log(level, event, fields);
  }
}

function stateOf(user: User): PresenceState {
  return user.dialogs.size > 0 ? 'busy' : user.published;
}


/** The fields a response echoes from what it answers. */
function echo(message: Request | Response): Pick<Response, 'method' | 'cseq' | 'callId'> {
  return message.callId === undefined
    ? { method: message.method, cseq: message.cseq }
    : { method: message.method, cseq: message.cseq, callId: message.callId };
}

const newResumeToken = (): string => randomBytes(24).toString('base64url');
const digest = (text: string): Buffer => createHash('sha256').update(text).digest();
const safeEqual = (a: Buffer, b: Buffer): boolean => a.length === b.length && timingSafeEqual(a, b);

function missingCase(value: never): never {
  throw new Error(`Unhandled case: ${JSON.stringify(value)}`);
}
