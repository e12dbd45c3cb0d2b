/**
 * A call whose network path breaks restarts ICE by itself. Both phones send media through TURN
 * only ("Relay calls through TURN only"); the relay is killed mid-call, so the path is really
 * gone, then comes back on the same address. The phones must find a new path without hanging up.
 */
import { startCoturn, type Coturn } from '../support/coturn.js';
import { connectAll, expect, test as phoneTest } from './fixtures.js';
import { inbound, remoteFrames } from './media.js';
import { establishCall, type Phone } from './phone.js';

const test = phoneTest.extend<{ coturn: Coturn }>({
  // eslint-disable-next-line no-empty-pattern
  coturn: async ({}, use) => {
    const coturn = await startCoturn();
    await use(coturn);
    await coturn.stop();
  },
  serverOptions: async ({ coturn }, use) => {
    await use({ turn: { secret: coturn.secret, urls: [coturn.url], ttlSeconds: 600 } });
  },
});

async function relayOnly(phone: Phone): Promise<void> {
  await phone.page.getByText('STUN and TURN servers').click();
  const box = phone.page.getByRole('checkbox', { name: 'Relay calls through TURN only' });
  await box.check();
  await expect(box).toBeChecked();
}

/** Frames keep arriving: the count rises by more than 10 within the wait. */
async function expectVideoFlowing(phone: Phone, timeout: number): Promise<void> {
  const before = await remoteFrames(phone);
  await expect.poll(() => remoteFrames(phone), { timeout }).toBeGreaterThan(before + 10);
}

test('a call whose relay dies finds a new path by itself when the relay is back', async ({ openPhone, coturn }) => {
  test.setTimeout(90_000);
  const ada = await openPhone('Ada');
  const bob = await openPhone('Bob');
  await connectAll(ada, bob);
  await relayOnly(ada);
  await relayOnly(bob);
  await establishCall(ada, bob, 'video');
  await expectVideoFlowing(ada, 10_000);
  await expectVideoFlowing(bob, 10_000);

  await coturn.stop();
  // The path is gone: nothing more is decoded on either side.
  const stalled = async (phone: Phone) => {
    const first = (await inbound(phone)).framesDecoded;
    await phone.page.waitForTimeout(1_500);
    return (await inbound(phone)).framesDecoded - first;
  };
  await expect.poll(() => stalled(ada), { timeout: 15_000 }).toBe(0);

  const back = await startCoturn({ port: coturn.port, secret: coturn.secret });
  try {
    await expectVideoFlowing(ada, 45_000);
    await expectVideoFlowing(bob, 15_000);
    await ada.expectInCallWith(bob);
    await bob.expectInCallWith(ada);
  } finally {
    await back.stop();
  }
});
