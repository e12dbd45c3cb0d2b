/**
 * Screenshots of the main screens for a person to inspect, in test-results/screenshots/: a light
 * desktop window and a dark 360 px phone, through connect, phone book, ringing and a video call.
 */
import type { Phone } from './phone.js';
import { connectAll, expect, test } from './fixtures.js';
import { expectRemoteVideoPlaying } from './media.js';

const DIR = 'test-results/screenshots';

async function shoot(phone: Phone, name: string): Promise<void> {
  await phone.page.screenshot({ path: `${DIR}/${name}.png`, fullPage: true });
}

/** Nothing sticks out sideways: a 360 px phone never has to scroll horizontally. */
async function expectNoSidewaysScroll(phone: Phone): Promise<void> {
  const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow, `${phone.name}: horizontal overflow in px`).toBeLessThanOrEqual(0);
}

test('the main screens, light on a desktop and dark on a 360 px phone', async ({ openPhone }) => {
  const ada = await openPhone('Ada');
  const bob = await openPhone('Bob', { viewport: { width: 360, height: 740 }, colorScheme: 'dark' });
  await expect(ada.nameBox).toBeVisible();
  await expect(bob.nameBox).toBeVisible();
  await shoot(ada, 'connect');
  await shoot(bob, 'connect-dark-360');
  await expectNoSidewaysScroll(bob);

  await connectAll(ada, bob);
  await shoot(ada, 'phone-book');
  await shoot(bob, 'phone-book-dark-360');
  await expectNoSidewaysScroll(bob);

  await ada.call(bob, 'video');
  await bob.expectRinging();
  await expect(ada.button('Cancel')).toBeVisible();
  await shoot(ada, 'calling');
  await shoot(bob, 'ringing-dark-360');
  await expectNoSidewaysScroll(bob);

  await bob.button('Answer with video').click();
  await ada.expectInCallWith(bob);
  await bob.expectInCallWith(ada);
  await expectRemoteVideoPlaying(ada);
  await expectRemoteVideoPlaying(bob);
  await shoot(ada, 'in-call');
  await shoot(bob, 'in-call-dark-360');
  await expectNoSidewaysScroll(bob);
  await expect(bob.button('Hang up'), 'the hang-up button is on screen at 360 px').toBeInViewport();
});

/** One screen in light and dark, on a 1280 px desktop and a 390 px phone. */
async function shootEveryWay(phone: Phone, name: string): Promise<void> {
  for (const [width, height] of [[1280, 800], [390, 844]] as const) {
    await phone.page.setViewportSize({ width, height });
    for (const colorScheme of ['light', 'dark'] as const) {
      await phone.page.emulateMedia({ colorScheme });
      await shoot(phone, `${name}-${colorScheme}-${width}`);
    }
    if (width === 390) await expectNoSidewaysScroll(phone);
  }
}

test('call waiting: a waiting caller, then a call on hold, light and dark, 1280 and 390 px', async ({ openPhone }) => {
  const ada = await openPhone('Ada');
  const bob = await openPhone('Bob');
  const cy = await openPhone('Cy');
  await connectAll(ada, bob, cy);
  await ada.call(bob, 'video');
  await bob.button('Answer with video').click();
  await bob.expectInCallWith(ada);
  await expectRemoteVideoPlaying(bob);

  await cy.call(bob, 'video');
  const waiting = bob.page.getByRole('region', { name: 'Call waiting', exact: true });
  await expect(waiting).toBeVisible();
  await shootEveryWay(bob, 'call-waiting');

  await waiting.getByRole('button', { name: 'Answer with video', exact: true }).click();
  await bob.expectInCallWith(cy);
  await expect(ada.status).toContainText('Bob put you on hold');
  await expectRemoteVideoPlaying(bob);
  await shootEveryWay(bob, 'calls-on-hold');
  await shoot(ada, 'put-on-hold');
  await expect(bob.page.getByRole('button', { name: 'Resume Ada' }), 'Resume is on screen at 390 px').toBeInViewport();
});
