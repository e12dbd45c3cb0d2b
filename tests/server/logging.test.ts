import { describe, expect, it } from 'vitest';
import { createLogger } from '../../signal-server/log.js';
import { answer, newCallId, offer, useServer } from './harness.js';

describe('server log', () => {
  const harness = useServer();

  it('writes one line per event that matters, and never an SDP body, a passcode or a resume token', async () => {
    const lines: string[] = [];
    const server = await harness.start({ passcode: 'pass-word-1', logger: createLogger('info', (line) => lines.push(line)) });
    const ada = await harness.register(server.url, 'Ada', { passcode: 'pass-word-1' });
    const bob = await harness.register(server.url, 'Bob', { passcode: 'pass-word-1' });
    const callId = newCallId();
    ada.send({ method: 'INVITE', cseq: 1, callId, to: 'Bob', body: offer });
    await bob.nextRequest('INVITE');
    bob.send({ status: 200, reason: 'OK', method: 'INVITE', cseq: 1, callId, body: answer });
    await ada.nextResponse(200);
    ada.send({ method: 'BYE', cseq: 2, callId });
    await bob.nextRequest('BYE');
    bob.send({ status: 200, reason: 'OK', method: 'BYE', cseq: 2, callId });
    await ada.nextResponse(200, 'BYE');
    ada.send('not json');
    await ada.nextResponse(400);

    const events = lines.map((line) => line.split(' ')[2]);
    expect(events).toEqual(['listening', 'register', 'register', 'call-start', 'call-answered', 'call-end', 'rejected']);
    expect(lines.find((line) => line.includes('rejected'))).toContain('reason="Message is not valid JSON"');
    const all = lines.join('\n');
    for (const secret of ['pass-word-1', ada.resume, bob.resume, 'v=0', 'IN IP4']) expect(all).not.toContain(secret);
  });
});
