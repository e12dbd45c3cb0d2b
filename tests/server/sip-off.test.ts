/** Without --sip-proxy the gateway is off and nothing changes: dial targets that are no user get what they always got. */
import { describe, expect, it } from 'vitest';
import { invite, newCallId, useServer } from './harness.js';

describe('SIP gateway off', () => {
  const harness = useServer();

  it('answers an extension that is no user 404 and a SIP address 400, as before there was a gateway; a user named by digits is still rung', async () => {
    const server = await harness.start();
    const ada = await harness.register(server.url, 'Ada');
    const desk = await harness.register(server.url, '1001');
    expect(await ada.request(invite(newCallId(), '1002'))).toMatchObject({ status: 404, reason: 'Not Found' });
    expect(await ada.request(invite(newCallId(), 'sip:1002@pbx.example'))).toMatchObject({
      status: 400,
      reason: "to: name may hold only letters, digits, spaces and . _ - '",
    });
    ada.send(invite(newCallId(), '1001'));
    expect(await desk.nextRequest('INVITE')).toMatchObject({ from: 'Ada', to: '1001' });
  });
});
