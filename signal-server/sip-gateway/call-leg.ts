/**
 * One call across the gateway: a peer on the switchboard that speaks our protocol, and a SIP dialog
 * on the user's line. `out`: a phone called a SIP address (the peer is the callee); `in`: a SIP
 * phone called a user here (the peer is the caller). Offers and answers from the phone wait for its
 * candidates (gather.ts); SIP final answers are mapped (status-map.ts). When either side ends, the
 * other is told once, and the peer closes: the switchboard ends what is left as for a lost party.
 */
import { randomBytes } from 'node:crypto';
import { REASONS, type IceCandidate, type Request, type Response } from '../../common/protocol.js';
import type { Logger } from '../log.js';
import type { PeerPort } from '../outside.js';
import type { Connection } from '../router.js';
import type { IncomingInviteRequest, IncomingResponse, OutgoingInviteRequest, Session, URI } from 'sip.js/lib/core/index.js';
import { CandidateGatherer, type GatherLimits } from './gather.js';
import type { SipLine } from './sip-line.js';
import { phoneStatus } from './status-map.js';

/** new: nothing sent yet; early: the INVITE awaits its final answer; confirmed: answered; ended. */
type Phase = 'new' | 'early' | 'confirmed' | 'ended';

export interface LegContext {
  port: PeerPort;
  gather: GatherLimits;
  logger: Logger;
  /** The leg is over: the gateway forgets it. */
  ended(leg: CallLeg): void;
}

const sdpBody = (sdp: string) => ({ contentDisposition: 'session', contentType: 'application/sdp', content: sdp });
const mediaOf = (sdp: string) => ({ audio: /^m=audio /m.test(sdp), video: /^m=video /m.test(sdp) });

export class CallLeg {
  readonly #context: LegContext;
  readonly #line: SipLine | null;
  readonly #direction: 'out' | 'in';
  /** For `out`, the SIP address dialled. */
  readonly #target: URI | null;
  #connection: Connection | null = null;
  #phase: Phase = 'new';
  #callId = `sip-${randomBytes(12).toString('hex')}`;
  #inviteCseq = 1;
  /** The cseq of the last request this peer sent in the dialog. */
  #cseq = 0;
  #gatherer: CandidateGatherer | null = null;
  #outgoing: OutgoingInviteRequest | null = null;
  #incoming: IncomingInviteRequest | null = null;
  #session: Session | null = null;
  /** A SIP re-INVITE relayed to the phone, awaiting its answer (by the cseq it went with). */
  #sipReoffer: { cseq: number; request: IncomingInviteRequest } | null = null;

  private constructor(context: LegContext, line: SipLine | null, direction: 'out' | 'in', target: URI | null) {
    this.#context = context;
    this.#line = line;
    this.#direction = direction;
    this.#target = target;
  }

  /** A phone's call to `target` through `line` (null when the user has no line or the proxy is away: the call gets 480). */
  static outbound(context: LegContext, line: SipLine | null, target: URI): CallLeg {
    return new CallLeg(context, line, 'out', target);
  }

  /** A SIP phone's call to `line`'s user. */
  static inbound(context: LegContext, line: SipLine, request: IncomingInviteRequest): CallLeg {
    const leg = new CallLeg(context, line, 'in', null);
    leg.#incoming = request;
    return leg;
  }

  /** Puts the peer on the switchboard as `key`, shown as `name`. */
  attach(key: string, name: string): void {
    this.#connection = this.#context.port.openPeer(key, name, {
      send: (frame) => {
        if (typeof frame === 'string') this.#fromSwitchboard(JSON.parse(frame) as Request | Response);
      },
      close: () => this.#end('Peer lost'),
    });
  }

  /** A dialled peer that got no INVITE (the caller was refused after all) goes. */
  dropIfIdle(): void {
    if (this.#phase === 'new') this.#end('Peer left');
  }

  /** Rings `to`, a user here, with the SIP INVITE this leg was made for. */
  ring(to: string): void {
    const request = this.#incoming;
    const offer = request?.message.body ?? '';
    if (!request || !/^v=0/.test(offer)) {
      request?.reject({ statusCode: 488 });
      this.#end('Peer left');
      return;
    }
    request.delegate = {
      onCancel: () => {
        request.reject({ statusCode: 487 });
        this.#end('Peer left'); // the phone still ringing gets CANCEL
      },
    };
    this.#phase = 'early';
    this.#cseq = this.#inviteCseq;
    this.#toSwitchboard({ method: 'INVITE', cseq: this.#inviteCseq, callId: this.#callId, to, body: { sdp: { type: 'offer', sdp: offer }, media: mediaOf(offer) } });
  }

  /** The proxy is gone: the phone is told (BYE, 480 or CANCEL) and the leg ends. */
  lost(): void {
    this.#end('Peer lost');
  }

  #fromSwitchboard(message: Request | Response): void {
    if (this.#phase === 'ended') return;
    if ('status' in message) this.#response(message);
    else this.#request(message);
  }

  #request(request: Request): void {
    switch (request.method) {
      case 'INVITE':
        if (this.#phase === 'new') this.#dial(request.callId, request.cseq, request.body.sdp.sdp);
        else this.#reoffer(request.cseq, request.body.sdp.sdp);
        return;
      case 'INFO':
        this.#gatherer?.add(request.body.candidate as IceCandidate | null);
        return;
      case 'CANCEL':
        this.#cancelled(request.cseq);
        return;
      case 'BYE':
        this.#respond(200, 'BYE', request.cseq);
        this.#hangUp();
        return;
      case 'ACK':
      case 'NOTIFY':
      case 'REFER':
      case 'REGISTER':
      case 'PUBLISH':
        return; // ACK: SIP's was sent on the 200; the rest has no SIP counterpart here
    }
  }

  #response(response: Response): void {
    if (response.method === 'INVITE' && response.cseq === this.#inviteCseq && this.#direction === 'in' && this.#phase === 'early') {
      this.#answered(response);
    } else if (response.method === 'INVITE' && this.#sipReoffer?.cseq === response.cseq && response.status >= 200) {
      const { request } = this.#sipReoffer;
      this.#sipReoffer = null;
      const answer = response.body && 'sdp' in response.body ? response.body.sdp.sdp : undefined;
      if (response.status < 300 && answer) request.accept({ statusCode: 200, body: sdpBody(answer) });
      else request.reject({ statusCode: response.status < 300 ? 488 : response.status });
    }
  }

  /** out: the phone's INVITE; the SIP INVITE leaves once the offer has its candidates. */
  #dial(callId: string, cseq: number, offer: string): void {
    this.#callId = callId;
    this.#inviteCseq = cseq;
    this.#phase = 'early';
    const line = this.#line;
    const target = this.#target;
    if (!line || !target) {
      this.#respond(480, 'INVITE', cseq);
      this.#end('Peer left');
      return;
    }
    this.#gatherer = new CandidateGatherer(offer, this.#context.gather, (sdp) => {
      this.#gatherer = null;
      if (this.#phase !== 'early') return;
      let alerted = false;
      this.#outgoing = line.invite(target, sdp, {
        onProgress: (response) => {
          if (alerted || response.message.statusCode === 100) return;
          alerted = true;
          this.#respond(180, 'INVITE', cseq);
        },
        onAccept: (response) => {
          response.ack();
          if (this.#phase !== 'early') {
            response.session.bye(); // it crossed our CANCEL
            return;
          }
          this.#confirm(response.session);
          this.#respond(200, 'INVITE', cseq, { sdp: { type: 'answer', sdp: response.message.body } });
        },
        onReject: (response) => this.#rejected(response, cseq),
      });
    });
  }

  #rejected(response: IncomingResponse, cseq: number): void {
    if (this.#phase !== 'early') return;
    const status = phoneStatus(response.message.statusCode ?? 500);
    this.#context.logger.log('info', 'sip-call-refused', { callId: this.#callId, sip: response.message.statusCode, status });
    this.#respond(status, 'INVITE', cseq);
    this.#end('Peer left');
  }

  /** out: the phone (or the server, at its ring timeout) cancels. */
  #cancelled(cseq: number): void {
    if (this.#phase !== 'early') return;
    this.#respond(200, 'CANCEL', cseq);
    this.#respond(487, 'INVITE', cseq);
    this.#gatherer?.cancel();
    this.#outgoing?.cancel();
    this.#end('Peer left');
  }

  /** in: the phone's final answer; a 200's SDP leaves for SIP once it has its candidates. */
  #answered(response: Response): void {
    const request = this.#incoming;
    if (!request) return;
    if (response.status < 200) {
      if (response.status === 180) request.progress({ statusCode: 180 });
      return;
    }
    if (response.status >= 300) {
      request.reject({ statusCode: response.status });
      this.#end('Peer left');
      return;
    }
    const answer = response.body && 'sdp' in response.body ? response.body.sdp.sdp : '';
    this.#phase = 'confirmed';
    this.#toSwitchboard({ method: 'ACK', cseq: this.#inviteCseq, callId: this.#callId });
    this.#gatherer = new CandidateGatherer(answer, this.#context.gather, (sdp) => {
      this.#gatherer = null;
      if (this.#phase === 'ended') return;
      this.#confirm(request.accept({ statusCode: 200, body: sdpBody(sdp) }).session);
    });
  }

  #confirm(session: Session): void {
    this.#phase = 'confirmed';
    this.#session = session;
    session.delegate = {
      onBye: (bye) => {
        bye.accept();
        this.#session = null;
        this.#end('Peer left'); // the phone gets BYE
      },
      onInvite: (reinvite) => {
        const offer = reinvite.message.body;
        if (!offer || this.#sipReoffer) {
          reinvite.reject({ statusCode: offer ? 491 : 488 });
          return;
        }
        this.#cseq += 1;
        this.#sipReoffer = { cseq: this.#cseq, request: reinvite };
        this.#toSwitchboard({ method: 'INVITE', cseq: this.#cseq, callId: this.#callId, body: { sdp: { type: 'offer', sdp: offer }, media: mediaOf(offer) } });
      },
    };
  }

  /** A re-INVITE from the phone (hold, resume, ICE restart): its offer goes as SIP re-INVITE, as it is. */
  #reoffer(cseq: number, offer: string): void {
    const session = this.#session;
    if (!session) {
      this.#respond(491, 'INVITE', cseq);
      return;
    }
    session.invite(
      {
        onAccept: (response) => {
          response.ack();
          this.#respond(200, 'INVITE', cseq, { sdp: { type: 'answer', sdp: response.message.body } });
        },
        onReject: (response) => this.#respond(phoneStatus(response.message.statusCode ?? 500), 'INVITE', cseq),
      },
      { body: sdpBody(offer) },
    );
  }

  /** The phone hung up: SIP hears BYE (or, before the SIP answer left, a refusal). */
  #hangUp(): void {
    if (this.#session) this.#session.bye();
    else if (this.#direction === 'in') this.#incoming?.reject({ statusCode: 480 });
    this.#session = null;
    this.#end('Peer left');
  }

  #respond(status: number, method: string, cseq: number, body?: Response['body']): void {
    this.#toSwitchboard({ status, reason: REASONS[status] ?? '', method, cseq, callId: this.#callId, ...(body ? { body } : {}) });
  }

  /** Sends as the peer, after the current turn: the switchboard may be delivering to us right now. */
  #toSwitchboard(message: Request | Response): void {
    const connection = this.#connection;
    if (!connection) return;
    const text = JSON.stringify(message);
    queueMicrotask(() => this.#context.port.receive(connection, text));
  }

  /** Ends the leg once: SIP is told nothing more; the switchboard ends what is left of the call for the phone. */
  #end(reason: 'Peer left' | 'Peer lost'): void {
    if (this.#phase === 'ended') return;
    this.#phase = 'ended';
    this.#gatherer?.cancel();
    if (this.#sipReoffer) this.#sipReoffer.request.reject({ statusCode: 487 });
    const connection = this.#connection;
    // After anything still queued for the switchboard: a final answer sent first ends the dialog, so nothing more is said.
    queueMicrotask(() => {
      if (connection) this.#context.port.closePeer(connection, reason);
      this.#context.ended(this);
    });
  }
}
