/**
 * The SIP gateway: the switchboard's `Outside`. Keeps one SIP line per registered user (registered
 * at the proxy while the user is registered here), one call leg per call across, and the one
 * connection to the proxy, whose messages it hands to the line they name (by Request-URI user or
 * Via host, both the line's token). Without the proxy no call crosses, and every leg has ended.
 */
import { LoggerFactory, Parser, IncomingRequestMessage, type IncomingInviteRequest } from 'sip.js/lib/core/index.js';
import type { PresenceState } from '../../common/protocol.js';
import type { Logger } from '../log.js';
import type { UserKey } from '../name-key.js';
import type { Outside, PeerPort } from '../outside.js';
import { CallLeg, type LegContext } from './call-leg.js';
import { dialledUri, peerName } from './dial-target.js';
import type { GatherLimits } from './gather.js';
import { ProxyLink } from './proxy-link.js';
import { SipLine, type LineConfig } from './sip-line.js';

export interface SipGatewayConfig {
  proxy: string;
  domain: string;
  authUser: string | null;
  authPassword: string | null;
  registerSeconds: number;
  gather: GatherLimits;
  maxCalls: number;
  reconnectMs: number;
  maxReconnectMs: number;
}

/** How long a retired line still hears answers to what it sent (SIP's Timer F, 64 x T1). */
const RETIRE_MS = 32_000;

export class SipGateway implements Outside {
  readonly #config: SipGatewayConfig;
  readonly #port: PeerPort;
  readonly #logger: Logger;
  readonly #link: ProxyLink;
  readonly #sipLogs = new LoggerFactory();
  readonly #lines = new Map<UserKey, SipLine>();
  readonly #byToken = new Map<string, SipLine>();
  readonly #retiring = new Set<NodeJS.Timeout>();
  readonly #legs = new Set<CallLeg>();
  readonly #legContext: LegContext;
  #nextLeg = 0;

  constructor(config: SipGatewayConfig, port: PeerPort, logger: Logger) {
    this.#config = config;
    this.#port = port;
    this.#logger = logger;
    this.#sipLogs.builtinEnabled = false;
    this.#sipLogs.connector = (level, category, _label, content) => {
      if (level === 'error' || level === 'warn') logger.log('debug', 'sip-stack', { level, category, message: String(content).slice(0, 300) });
    };
    this.#link = new ProxyLink(
      { url: config.proxy, reconnectMs: config.reconnectMs, maxReconnectMs: config.maxReconnectMs },
      { up: () => this.#up(), down: (why) => this.#down(why), message: (text) => this.#fromProxy(text) },
    );
    this.#legContext = { port, gather: config.gather, logger, ended: (leg) => this.#legs.delete(leg) };
  }

  start(): void {
    this.#link.start();
  }

  stop(): void {
    for (const timer of this.#retiring) clearTimeout(timer);
    for (const line of this.#byToken.values()) line.stop();
    this.#link.stop();
  }

  dial(to: string, caller: UserKey): UserKey | null {
    const target = dialledUri(to, this.#config.domain);
    if (target === null) return null;
    const line = this.#link.isUp && this.#legs.size < this.#config.maxCalls ? (this.#lines.get(caller) ?? null) : null;
    const leg = CallLeg.outbound(this.#legContext, line, target);
    const key = this.#attach(leg, to);
    queueMicrotask(() => leg.dropIfIdle());
    return key;
  }

  presence(key: UserKey, name: string, state: PresenceState): void {
    if (state === 'offline') {
      this.#retire(key);
      return;
    }
    if (state !== 'online' || this.#lines.has(key)) return;
    const config: LineConfig = {
      domain: this.#config.domain,
      registerSeconds: this.#config.registerSeconds,
      retryMs: this.#config.maxReconnectMs,
      authUser: this.#config.authUser,
      authPassword: this.#config.authPassword,
    };
    const line = new SipLine(name, config, this.#link, this.#sipLogs, {
      invite: (called, request) => this.#incoming(called, request),
      registration: (registered, outcome, status) =>
        this.#logger.log(outcome === 'registered' ? 'info' : 'warn', outcome === 'registered' ? 'sip-registered' : 'sip-register-refused', { user: registered.name, status }),
    });
    this.#lines.set(key, line);
    this.#byToken.set(line.token, line);
    if (this.#link.isUp) line.register();
  }

  #attach(leg: CallLeg, name: string): UserKey {
    this.#nextLeg += 1;
    const key = `sip-leg:${this.#nextLeg}`;
    this.#legs.add(leg);
    leg.attach(key, name);
    return key;
  }

  #retire(key: UserKey): void {
    const line = this.#lines.get(key);
    if (!line) return;
    this.#lines.delete(key);
    line.retire();
    const timer = setTimeout(() => {
      this.#retiring.delete(timer);
      this.#byToken.delete(line.token);
      line.stop();
    }, RETIRE_MS);
    this.#retiring.add(timer);
  }

  #incoming(line: SipLine, request: IncomingInviteRequest): void {
    if (line.retired || this.#legs.size >= this.#config.maxCalls) {
      request.reject({ statusCode: this.#legs.size >= this.#config.maxCalls ? 503 : 480 });
      return;
    }
    const from = request.message.from;
    const leg = CallLeg.inbound(this.#legContext, line, request);
    this.#attach(leg, peerName(from.displayName, from.uri));
    leg.ring(line.name);
    this.#logger.log('info', 'sip-call-in', { to: line.name });
  }

  #up(): void {
    this.#logger.log('info', 'sip-proxy-up', { proxy: this.#config.proxy });
    for (const line of this.#lines.values()) line.register();
  }

  #down(why: string): void {
    this.#logger.log('warn', 'sip-proxy-down', { proxy: this.#config.proxy, why, calls: this.#legs.size });
    for (const leg of [...this.#legs]) leg.lost();
    for (const line of this.#byToken.values()) line.lost();
  }

  /** One message from the proxy, to the line it names; anything for no line is dropped. */
  #fromProxy(text: string): void {
    const message = Parser.parseMessage(text, this.#sipLogs.getLogger('sip.parser'));
    if (!message) return;
    if (message instanceof IncomingRequestMessage) {
      const line = message.ruri?.user === undefined ? undefined : this.#byToken.get(message.ruri.user);
      if (line) line.core.receiveIncomingRequestFromTransport(message);
      return;
    }
    const token = message.via?.host?.replace(/\.invalid$/, '');
    const line = token === undefined ? undefined : this.#byToken.get(token);
    if (line) line.core.receiveIncomingResponseFromTransport(message);
  }
}
