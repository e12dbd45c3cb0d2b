/**
 * Keyboard only: sign in, find a person, call, answer and hang up without a mouse.
 */
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.js';
import type { Phone } from './phone.js';

/** Presses Tab until `target` has focus, as a keyboard user would; fails after 40 stops. */
async function tabTo(page: Page, target: ReturnType<Phone['button']>): Promise<void> {
  for (let stop = 0; stop < 40; stop += 1) {
    if (await target.evaluate((element) => element === document.activeElement)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error('could not reach the control with Tab');
}

test('a call made, answered and ended from the keyboard alone', async ({ openPhone }) => {
  const ada = await openPhone('Ada');
  const bob = await openPhone('Bob');
  for (const phone of [bob, ada]) {
    await tabTo(phone.page, phone.nameBox);
    await phone.page.keyboard.type(phone.name);
    await phone.page.keyboard.press('Enter');
    await expect(phone.phoneBook).toBeAttached();
  }
  await expect(ada.entry('Bob')).toBeVisible();

  await tabTo(ada.page, ada.search);
  await ada.page.keyboard.type('bo');
  const callBob = ada.entry('Bob').getByRole('button', { name: 'Call', exact: true });
  await tabTo(ada.page, callBob);
  await ada.page.keyboard.press('Enter');

  await expect(bob.button('Answer'), 'the ringing call takes focus when nothing else has it').toBeFocused();
  await bob.page.keyboard.press('Enter');
  await ada.expectInCallWith(bob);
  await bob.expectInCallWith(ada);

  await tabTo(bob.page, bob.button('Hang up'));
  await bob.page.keyboard.press('Enter');
  await ada.expectCallEnded('Call ended');
  await bob.expectCallEnded('Call ended');
});
