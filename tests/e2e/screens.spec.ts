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
