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

  async function rig(options: { answermode?: 'auto' | 'manual'; password?: string; maxCalls?: number } = {}) {
    const kamailio = await Kamailio.start({ users: USERS });
    started.push(kamailio);
    const phone = await Baresip.start({ user: '1001', password: USERS['1001'], kamailio, answermode: options.answermode ?? 'auto', maxCalls: options.maxCalls });
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

  it('a LeanPhone user calls an extension: 100, 180 and 200 with the SIP answer arrive; BYE ends it at baresip', async () => {
    const { phone, log, server } = await rig();
    const ada = await registered(server.url, 'Ada', log);
    const callId = newCallId();
    ada.send({ method: 'INVITE', cseq: 1, callId, to: '1001', body: { sdp: { type: 'offer', sdp: plainSdp(40_000) }, media: { audio: true, video: false } } });
    expect(await ada.nextResponse(100, 'INVITE')).toEqual({ status: 100, reason: 'Trying', method: 'INVITE', cseq: 1, callId });
    ada.send({ method: 'INFO', cseq: 2, callId, body: { candidate: null } });
    const ok = await ada.next((f) => f.status === 200 && f.method === 'INVITE', 10_000);
    expect(ok).toMatchObject({ status: 200, method: 'INVITE', cseq: 1, callId, from: '1001', to: 'Ada', body: { sdp: { type: 'answer' } } });
    expect(ok.body.sdp.sdp).toMatch(/^m=audio \d+ RTP\/AVP/m);
    ada.send({ method: 'ACK', cseq: 1, callId });
    expect(await phone.event('CALL_ESTABLISHED')).toMatchObject({ peeruri: 'sip:Ada@leanphone.test' });

    ada.send({ method: 'BYE', cseq: 3, callId });
    expect(await ada.nextResponse(200, 'BYE')).toMatchObject({ callId, from: '1001' });
    expect(await phone.event('CALL_CLOSED')).toMatchObject({ peeruri: 'sip:Ada@leanphone.test' });
  });
});
