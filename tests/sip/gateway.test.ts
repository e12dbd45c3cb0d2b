/**
 * The SIP gateway against a real Kamailio and baresip (tests/sip/rig.ts), over real sockets: calls
 * both ways, the status mapping a real peer produces, digest auth, and the proxy going away.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Logger, LogFields } from '../../signal-server/log.js';
import { useServer, newCallId } from '../server/harness.js';
import type { TestClient } from '../server/client.js';
import { Baresip, Kamailio } from './rig.js';

const USERS = { '1001': 'secret-1001', '1002': 'secret-1002', gateway: 'gateway-secret' };

/** A plain audio offer baresip accepts (no ICE: the phone's media is not in these tests). */
const plainSdp = (port: number) =>
  ['v=0', `o=- ${port} 1 IN IP4 127.0.0.1`, 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${port} RTP/AVP 0`, 'a=rtpmap:0 PCMU/8000', 'a=sendrecv', ''].join('\r\n');

/** A logger whose events a test can await. */
class EventLog implements Logger {
  readonly events: { event: string; fields: LogFields }[] = [];
  readonly #waiters = new Set<{ match: (event: string, fields: LogFields) => boolean; resolve: () => void }>();
  log(_level: string, event: string, fields: LogFields = {}): void {
    this.events.push({ event, fields });
    for (const waiter of this.#waiters) {
      if (!waiter.match(event, fields)) continue;
      this.#waiters.delete(waiter);
      waiter.resolve();
    }
  }
  /** Resolves on the `count`th event named `event` (counting those already logged) whose fields match. */
  until(event: string, fields: LogFields = {}, count = 1): Promise<void> {
    const matches = (name: string, logged: LogFields) => name === event && Object.entries(fields).every(([key, value]) => logged[key] === value);
    let seen = this.events.filter((entry) => matches(entry.event, entry.fields)).length;
    if (seen >= count) return Promise.resolve();
    return new Promise((resolve) =>
      this.#waiters.add({ match: (name, logged) => matches(name, logged) && (seen += 1) >= count, resolve }),
    );
  }
}

describe('SIP gateway', () => {
  const harness = useServer();
  const started: { stop(): Promise<void> }[] = [];
  afterEach(async () => {
    for (const program of started.splice(0).reverse()) await program.stop();
  });

  async function rig(options: { answermode?: 'auto' | 'manual'; password?: string } = {}) {
    const kamailio = await Kamailio.start({ users: USERS });
    started.push(kamailio);
    const phone = await Baresip.start({ user: '1001', password: USERS['1001'], kamailio, answermode: options.answermode ?? 'auto' });
    started.push(phone);
    expect(await phone.registration()).toBe(200);
    const log = new EventLog();
    const server = await harness.start({
      logger: log,
      sip: { proxy: kamailio.wsUrl, domain: kamailio.domain, authUser: 'gateway', authPassword: options.password ?? USERS.gateway, gatherMs: 2_000 },
    });
    await log.until('sip-proxy-up');
    return { kamailio, phone, log, server };
  }

  async function registered(url: string, name: string, log: EventLog): Promise<TestClient> {
    const client = await harness.register(url, name);
    await log.until('sip-registered', { user: name });
    return client;
  }

  it('a LeanPhone user calls an extension: 100, then 200 with the SIP answer; BYE ends it at baresip', async () => {
    const { phone, log, server } = await rig();
    const ada = await registered(server.url, 'Ada', log);
    const callId = newCallId();
    ada.send({ method: 'INVITE', cseq: 1, callId, to: '1001', body: { sdp: { type: 'offer', sdp: plainSdp(40_000) }, media: { audio: true, video: false } } });
    expect(await ada.nextResponse(100, 'INVITE')).toEqual({ status: 100, reason: 'Trying', method: 'INVITE', cseq: 1, callId });
    ada.send({ method: 'INFO', cseq: 2, callId, body: { candidate: null } });
    const ok = await ada.next((f) => f.status === 200 && f.method === 'INVITE', 10_000);
    expect(ok).toMatchObject({ status: 200, method: 'INVITE', cseq: 1, callId, from: '1001', to: 'Ada', body: { sdp: { type: 'answer' } } });
    expect(ok.body.sdp.sdp).toMatch(/^m=audio \d+ RTP\/AVP/m);
    // baresip answering at once may skip 180 (the 180 of a phone that rings: the mapping test below).
    expect(ada.received.filter((f) => f.callId === callId).map((f) => f.status).filter((status) => status !== 180)).toEqual([100, 200]);
    ada.send({ method: 'ACK', cseq: 1, callId });
    expect(await phone.event('CALL_ESTABLISHED')).toMatchObject({ peeruri: 'sip:Ada@leanphone.test' });

    ada.send({ method: 'BYE', cseq: 3, callId });
    expect(await ada.nextResponse(200, 'BYE')).toMatchObject({ callId, from: '1001' });
    expect(await phone.event('CALL_CLOSED')).toMatchObject({ peeruri: 'sip:Ada@leanphone.test' });
  });

  /** Ada calls `to` with a complete plain offer; answers the call id once the 100 is in. */
  async function call(ada: TestClient, to: string): Promise<string> {
    const callId = newCallId();
    ada.send({ method: 'INVITE', cseq: 1, callId, to, body: { sdp: { type: 'offer', sdp: plainSdp(40_002) }, media: { audio: true, video: false } } });
    await ada.nextResponse(100, 'INVITE');
    ada.send({ method: 'INFO', cseq: 2, callId, body: { candidate: null } });
    return callId;
  }

  it('baresip calls a LeanPhone user, who sees the caller and answers; baresip hangs up and the phone gets BYE', async () => {
    const { phone, log, server } = await rig();
    const ada = await registered(server.url, 'Ada', log);
    await phone.command('dial', 'sip:Ada@leanphone.test');
    const invite = await ada.nextRequest('INVITE', 10_000);
    expect(invite).toMatchObject({ method: 'INVITE', cseq: 1, from: 'sip:1001@leanphone.test', to: 'Ada', body: { media: { audio: true, video: false }, sdp: { type: 'offer' } } });
    const { callId } = invite;
    ada.send({ status: 180, reason: 'Ringing', method: 'INVITE', cseq: 1, callId });
    expect(await phone.event('CALL_RINGING')).toMatchObject({ peeruri: expect.stringMatching(/^sip:Ada@leanphone\.test/) });
    ada.send({ status: 200, reason: 'OK', method: 'INVITE', cseq: 1, callId, body: { sdp: { type: 'answer', sdp: plainSdp(40_004) } } });
    expect(await ada.nextRequest('ACK')).toMatchObject({ callId, from: 'sip:1001@leanphone.test' });
    ada.send({ method: 'INFO', cseq: 1, callId, body: { candidate: null } });
    expect(await phone.event('CALL_ESTABLISHED')).toMatchObject({ peeruri: expect.stringMatching(/^sip:Ada@leanphone\.test/) });

    await phone.command('hangup');
    expect(await ada.nextRequest('BYE')).toEqual({ method: 'BYE', cseq: 2, callId, from: 'sip:1001@leanphone.test', to: 'Ada', body: { reason: 'Peer left' } });
  });

  it('maps what a real SIP phone answers: busy (486), no such extension (404), and cancelling while it rings (487)', async () => {
    const { phone, log, server } = await rig({ answermode: 'manual' });
    const ada = await registered(server.url, 'Ada', log);

    const busy = await call(ada, '1001');
    await phone.event('CALL_INCOMING');
    expect(await ada.nextResponse(180, 'INVITE')).toMatchObject({ callId: busy, from: '1001' });
    await phone.command('hangup'); // baresip refuses a ringing call with 486
    expect(await ada.next((f) => f.callId === busy && f.status >= 300)).toMatchObject({ status: 486, reason: 'Busy Here', method: 'INVITE', from: '1001' });

    const nobody = await call(ada, 'sip:1999@leanphone.test');
    expect(await ada.next((f) => f.callId === nobody && f.status >= 300)).toMatchObject({ status: 404, reason: 'Not Found' });

    const cancelled = await call(ada, '1001');
    await phone.event('CALL_INCOMING');
    await ada.nextResponse(180, 'INVITE');
    ada.send({ method: 'CANCEL', cseq: 1, callId: cancelled });
    expect(await ada.nextResponse(200, 'CANCEL')).toMatchObject({ callId: cancelled });
    expect(await ada.nextResponse(487, 'INVITE')).toMatchObject({ callId: cancelled });
    expect(await phone.event('CALL_CLOSED')).toMatchObject({ peeruri: 'sip:Ada@leanphone.test' });
  });

  it('a LeanPhone user declining with 603 reaches baresip as 603 Decline', async () => {
    const { phone, log, server } = await rig();
    const ada = await registered(server.url, 'Ada', log);
    await phone.command('dial', 'sip:Ada@leanphone.test');
    const { callId } = await ada.nextRequest('INVITE', 10_000);
    ada.send({ status: 603, reason: 'Decline', method: 'INVITE', cseq: 1, callId });
    expect(await phone.event('CALL_CLOSED')).toMatchObject({ param: expect.stringContaining('603') });
  });

  it('authenticates with the digest credentials it is given; with a wrong password nothing registers and calls get 480', async () => {
    const { log, server } = await rig({ password: 'wrong' });
    const ada = await harness.register(server.url, 'Ada');
    await log.until('sip-register-refused', { user: 'Ada', status: 401 });
    const callId = await call(ada, '1001');
    expect(await ada.next((f) => f.callId === callId && f.status >= 300, 10_000)).toMatchObject({ status: 480 });
  });

  it('the proxy going away ends a call with BYE to the phone; when it returns the user is registered again and can be called', async () => {
    const { kamailio, log, server } = await rig();
    const ada = await registered(server.url, 'Ada', log);
    const callId = await call(ada, '1001');
    await ada.next((f) => f.callId === callId && f.status === 200, 10_000);
    ada.send({ method: 'ACK', cseq: 1, callId });

    await kamailio.restart();
    // The peer sent no request in the call: its BYE is its first (PROTOCOL.md, server-sent requests).
    expect(await ada.nextRequest('BYE')).toEqual({ method: 'BYE', cseq: 1, callId, from: '1001', to: 'Ada', body: { reason: 'Peer lost' } });
    await log.until('sip-registered', { user: 'Ada' }, 2);

    const other = await Baresip.start({ user: '1002', password: USERS['1002'], kamailio, answermode: 'auto' });
    started.push(other);
    expect(await other.registration()).toBe(200);
    await other.command('dial', 'sip:Ada@leanphone.test');
    expect(await ada.nextRequest('INVITE', 10_000)).toMatchObject({ from: 'sip:1002@leanphone.test', to: 'Ada' });
  });
});
