/** The rig itself: Kamailio and baresip start on free loopback ports, baresip registers with digest auth. */
import { afterEach, describe, expect, it } from 'vitest';
import { Baresip, Kamailio, Rtpengine } from './rig.js';

describe('SIP test rig', () => {
  const started: { stop(): Promise<void> }[] = [];
  afterEach(async () => {
    for (const program of started.splice(0).reverse()) await program.stop();
  });

  it('baresip registers at Kamailio with its password, and is refused with a wrong one', async () => {
    const kamailio = await Kamailio.start({ users: { '1001': 'secret-1001', '1002': 'secret-1002' } });
    started.push(kamailio);
    const honest = await Baresip.start({ user: '1001', password: 'secret-1001', kamailio, answermode: 'auto' });
    started.push(honest);
    expect(await honest.registration()).toBe(200);
    expect(await honest.command('reginfo')).toMatchObject({ ok: true, data: expect.stringContaining('sip:1001@leanphone.test') });

    const wrong = await Baresip.start({ user: '1002', password: 'not-the-password', kamailio, answermode: 'auto' });
    started.push(wrong);
    expect(await wrong.registration()).toBe(401);
  });

  it('runs Kamailio with rtpengine as its media relay, and a phone still registers', async () => {
    const rtpengine = await Rtpengine.start();
    started.push(rtpengine);
    const kamailio = await Kamailio.start({ users: { '1001': 'secret-1001' }, rtpengine });
    started.push(kamailio);
    const phone = await Baresip.start({ user: '1001', password: 'secret-1001', kamailio, answermode: 'auto' });
    started.push(phone);
    expect(await phone.registration()).toBe(200);
  });
});
