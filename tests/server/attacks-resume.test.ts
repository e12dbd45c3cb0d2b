/**
 * The resume token is single-use: every resume answers a new one and the old one stops working
 * at once, so a token read off a lost socket or a log is worth nothing after the phone is back.
 */
import { describe, expect, it } from 'vitest';
import { useServer } from './harness.js';

describe('resume token rotation', () => {
  const harness = useServer();

  it('a resume answers a new token and resumed: true; the old token then gets 409, the new one works', async () => {
    const server = await harness.start();
    const first = await harness.connect(server.url);
    const fresh = await first.request({ method: 'REGISTER', body: { name: 'Ada' } });
    expect(fresh).toMatchObject({ status: 200, body: { name: 'Ada', resumed: false } });
    const original = fresh.body.resume as string;
    await first.drop();

    const back = await harness.connect(server.url);
    const resumed = await back.request({ method: 'REGISTER', body: { name: 'Ada', resume: original } });
    expect(resumed).toMatchObject({ status: 200, body: { name: 'Ada', resumed: true } });
    const rotated = resumed.body.resume as string;
    expect(rotated).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(rotated).not.toBe(original);

    const stale = await harness.connect(server.url);
    expect(await stale.request({ method: 'REGISTER', body: { name: 'Ada', resume: original } })).toMatchObject({
      status: 409,
      reason: 'Name taken',
      method: 'REGISTER',
      cseq: 1,
    });
    await back.assertQuiet({ allowPresence: true });

    const again = await harness.connect(server.url);
    const next = await again.request({ method: 'REGISTER', body: { name: 'Ada', resume: rotated } });
    expect(next).toMatchObject({ status: 200, body: { name: 'Ada', resumed: true } });
    expect(next.body.resume).not.toBe(rotated);
    expect(await back.closed).toEqual({ code: 4001, reason: 'Replaced' });
  });

  it('the old token is dead while the user is in its grace period too', async () => {
    const server = await harness.start({ graceMs: 5_000 });
    const ada = await harness.register(server.url, 'Ada');
    await ada.drop();
    const back = await harness.connect(server.url);
    const resumed = await back.request({ method: 'REGISTER', body: { name: 'Ada', resume: ada.resume } });
    expect(resumed).toMatchObject({ status: 200, body: { resumed: true } });
    await back.drop();
    const thief = await harness.connect(server.url);
    expect(await thief.request({ method: 'REGISTER', body: { name: 'Ada', resume: ada.resume } })).toMatchObject({ status: 409 });
    const owner = await harness.connect(server.url);
    expect(await owner.request({ method: 'REGISTER', body: { name: 'Ada', resume: resumed.body.resume } })).toMatchObject({
      status: 200,
      body: { resumed: true },
    });
  });
});
