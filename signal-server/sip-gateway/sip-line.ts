/**
 * One LeanPhone user as a SIP user agent (sip.js's UserAgentCore, no media): its address
 * NAME@DOMAIN, a contact only the gateway's connection reaches (`TOKEN@TOKEN.invalid`, which is
 * also its Via host, so the gateway can tell whose each message is), and its registration at the
 * proxy, renewed before it runs out and removed when the user leaves.
 */
import { randomBytes } from 'node:crypto';
import {
  C,
  DigestAuthentication,
  LoggerFactory,
  URI,
  UserAgentCore,
  type IncomingInviteRequest,
  type OutgoingInviteRequest,
  type OutgoingInviteRequestDelegate,
  type Transport,
} from 'sip.js/lib/core/index.js';
import { addressOf } from './dial-target.js';

export interface LineConfig {
  domain: string;
  registerSeconds: number;
  /** Retry a refused or unanswered registration after this long. */
  retryMs: number;
  authUser: string | null;
  authPassword: string | null;
}

export type RegistrationState = 'unregistered' | 'registering' | 'registered' | 'refused';

export interface LineEvents {
  invite(line: SipLine, request: IncomingInviteRequest): void;
  /** The proxy answered a REGISTER: `registered`, or `refused` with its status. */
  registration(line: SipLine, state: 'registered' | 'refused', status: number): void;
}

const ALLOW = 'Allow: INVITE, ACK, CANCEL, BYE';

export class SipLine {
  /** Names this line in its contact and Via host. */
  readonly token = `lp${randomBytes(6).toString('hex')}`;
  readonly name: string;
  readonly core: UserAgentCore;
  readonly #config: LineConfig;
  readonly #events: LineEvents;
  readonly #registerCallId = randomBytes(12).toString('hex');
  readonly #registerTag = randomBytes(6).toString('hex');
  #registerCseq = 0;
  #refreshTimer: NodeJS.Timeout | null = null;
  #state: RegistrationState = 'unregistered';
  #retired = false;

  constructor(name: string, config: LineConfig, transport: Transport, loggerFactory: LoggerFactory, events: LineEvents) {
    this.name = name;
    this.#config = config;
    const aor = addressOf(name, config.domain);
    const contactUri = new URI('sip', this.token, `${this.token}.invalid`, undefined, { transport: 'ws' });
    const { authUser, authPassword } = config;
    this.core = new UserAgentCore(
      {
        aor,
        contact: { pubGruu: undefined, tempGruu: undefined, uri: contactUri, toString: () => `<${contactUri.toString()}>` },
        displayName: name,
        loggerFactory,
        hackViaTcp: false,
        routeSet: [],
        sipjsId: this.token.slice(0, 5),
        supportedOptionTags: [],
        supportedOptionTagsResponse: [],
        userAgentHeaderFieldValue: 'LeanPhone gateway',
        viaForceRport: true,
        viaHost: `${this.token}.invalid`,
        authenticationFactory: () => (authUser === null ? undefined : new DigestAuthentication(loggerFactory, undefined, authUser, authPassword ?? '')),
        transportAccessor: () => transport,
      },
      { onInvite: (request) => events.invite(this, request) },
    );
    this.#events = events;
  }

  get aor(): URI {
    return this.core.configuration.aor;
  }

  /** Its user left: it takes no calls. */
  get retired(): boolean {
    return this.#retired;
  }

  get state(): RegistrationState {
    return this.#state;
  }

  /** Registers now (again, after the proxy came back), and keeps renewing. */
  register(): void {
    if (this.#retired) return;
    this.#sendRegister(this.#config.registerSeconds);
  }

  /** The user left: removes the registration; the line takes no more calls. */
  retire(): void {
    this.#retired = true;
    this.#stopRefresh();
    if (this.#state === 'registered' || this.#state === 'registering') this.#sendRegister(0);
    this.#state = 'unregistered';
  }

  /** The proxy is gone: every transaction and dialog is over; registration starts again when it returns. */
  lost(): void {
    this.#stopRefresh();
    this.#state = 'unregistered';
    this.core.reset();
  }

  /** Sends an INVITE with a complete offer to `target` as this user. */
  invite(target: URI, sdp: string, delegate: OutgoingInviteRequestDelegate): OutgoingInviteRequest {
    const message = this.core.makeOutgoingRequestMessage(C.INVITE, target, this.aor, target, { fromDisplayName: this.name }, [
      `Contact: ${this.core.configuration.contact.toString()}`,
      ALLOW,
    ], { contentDisposition: 'session', contentType: 'application/sdp', content: sdp });
    return this.core.invite(message, delegate);
  }

  stop(): void {
    this.#retired = true;
    this.#stopRefresh();
    this.core.dispose();
  }

  #sendRegister(expires: number): void {
    this.#stopRefresh();
    this.#registerCseq += 1;
    const registrar = new URI('sip', '', this.#config.domain);
    const contact = `${this.core.configuration.contact.toString()};expires=${expires}`;
    const message = this.core.makeOutgoingRequestMessage(C.REGISTER, registrar, this.aor, this.aor, {
      callId: this.#registerCallId,
      cseq: this.#registerCseq,
      fromTag: this.#registerTag,
    }, [`Contact: ${contact}`, `Expires: ${expires}`, ALLOW]);
    if (expires > 0) this.#state = 'registering';
    this.core.register(message, {
      onAccept: (response) => {
        if (expires === 0 || this.#retired) return;
        this.#state = 'registered';
        this.#events.registration(this, 'registered', response.message.statusCode ?? 200);
        const granted = grantedSeconds(response.message.getHeader('expires'), expires);
        this.#refreshTimer = setTimeout(() => this.register(), granted * 900);
      },
      onReject: (response) => {
        if (expires === 0 || this.#retired) return;
        this.#state = 'refused';
        this.#events.registration(this, 'refused', response.message.statusCode ?? 0);
        this.#refreshTimer = setTimeout(() => this.register(), this.#config.retryMs);
      },
    });
  }

  #stopRefresh(): void {
    if (this.#refreshTimer) clearTimeout(this.#refreshTimer);
    this.#refreshTimer = null;
  }
}

function grantedSeconds(header: string | undefined, asked: number): number {
  const value = Number(header);
  return Number.isInteger(value) && value > 0 ? Math.min(value, asked) : asked;
}
