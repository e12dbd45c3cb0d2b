import { describe, expect, it } from 'vitest';
import { newCallId, offer, useServer } from './harness.js';

/** Look-alikes of "Alice", spelled with escapes so the reader sees what each one holds. */
const ALL_CYRILLIC = '\u0410\u04CF\u0456\u0441\u0435'; // Аӏісе
const FULL_WIDTH = '\uFF21\uFF4C\uFF49\uFF43\uFF45'; // Ａｌｉｃｅ
const CAPITAL_I = 'AIice';

describe('look-alike names', () => {
  const harness = useServer();

  it('refuses a name that looks like a registered one with 409, and takes a different one', async () => {
    const server = await harness.start();
    await harness.register(server.url, 'Alice');
    const mallory = await harness.connect(server.url);
    for (const name of [ALL_CYRILLIC, FULL_WIDTH, CAPITAL_I, 'ALICE']) {
      const reply = await mallory.request({ method: 'REGISTER', body: { name } });
      expect(reply, name).toMatchObject({ status: 409, reason: 'Name taken' });
    }
    expect(await mallory.request({ method: 'REGISTER', body: { name: 'Alicia' } })).toMatchObject({ status: 200 });
  });

  it('refuses invisible characters and mixed-script words with 400 and a reason', async () => {
    const server = await harness.start();
    await harness.register(server.url, 'Alice');
    const mallory = await harness.connect(server.url);
    const refusals: [string, RegExp][] = [
      ['Alice\u200B', /invisible/],
      ['Alice\uFE0F', /invisible/],
      ['Al\u034Fice', /invisible/],
      ['\u3164Alice', /invisible/],
      ['\u115FAlice', /invisible/],
      ['\u0410lice', /mixes scripts/], // Cyrillic А, then Latin
    ];
    for (const [name, reason] of refusals) {
      const reply = await mallory.request({ method: 'REGISTER', body: { name } });
      expect(reply.status, JSON.stringify(name)).toBe(400);
      expect(reply.reason).toMatch(/^body\.name: /);
      expect(reply.reason).toMatch(reason);
    }
    const honest = await mallory.request({ method: 'REGISTER', body: { name: '\u0410\u043B\u0438\u0441\u0430' } }); // Алиса
    expect(honest).toMatchObject({ status: 200, body: { name: 'Алиса', users: [{ name: 'Alice', state: 'online' }] } });
  });

  it('collapses runs of spaces, so a doubled space is the same name', async () => {
    const server = await harness.start();
    const first = await harness.connect(server.url);
    expect(await first.request({ method: 'REGISTER', body: { name: 'Al  ice' } })).toMatchObject({ status: 200, body: { name: 'Al ice' } });
    const second = await harness.connect(server.url);
    expect(await second.request({ method: 'REGISTER', body: { name: 'Al ice' } })).toMatchObject({ status: 409, reason: 'Name taken' });
  });

  it('routes an INVITE addressed to any spelling of a name to the one user it looks like', async () => {
    const server = await harness.start();
    const alice = await harness.register(server.url, 'Alice');
    const bob = await harness.register(server.url, 'Bob');
    for (const to of ['ALICE', ALL_CYRILLIC]) {
      const callId = newCallId();
      bob.send({ method: 'INVITE', cseq: 1, callId, to, body: offer });
      expect(await bob.nextResponse(100, 'INVITE')).toMatchObject({ callId });
      expect(await alice.nextRequest('INVITE')).toEqual({ method: 'INVITE', cseq: 1, callId, from: 'Bob', to: 'Alice', body: offer });
      alice.send({ status: 603, reason: 'Decline', method: 'INVITE', cseq: 1, callId });
      expect(await bob.nextResponse(603, 'INVITE')).toMatchObject({ callId, from: 'Alice' });
    }
  });
});
