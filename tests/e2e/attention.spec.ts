/**
 * The attention of issue 10: focus after Connect lands on the phone book's search inside <main>;
 * an incoming call cannot be missed (a pinned banner on a 390 px phone scrolled down through open
 * settings, a flashing tab title, focus on Answer, then on Hang up); Escape declines a ringing
 * call and hangs up an active one, but only closes a dialog when one is open.
 */
import { connectAll, expect, test } from './fixtures.js';
import { establishCall } from './phone.js';

test('after Connect the focus is on the phone book search, inside the main landmark', async ({ openPhone }) => {
  const ada = await openPhone('Ada');
  await expect(ada.page.getByRole('main')).toHaveCount(1);
  await ada.connect();
  await expect(ada.page.getByRole('main').getByRole('searchbox', { name: 'Search', exact: true })).toBeVisible();
  await expect(ada.search).toBeFocused();
});

test('an incoming call on a 390 px phone scrolled through open settings: pinned banner, flashing title, focus on Answer then Hang up', async ({ openPhone }) => {
  const ada = await openPhone('Ada');
  const bob = await openPhone('Bob', { viewport: { width: 390, height: 844 } });
  await connectAll(ada, bob);
  for (const section of ['Recent calls', 'Devices', 'STUN and TURN servers']) await bob.page.getByText(section, { exact: true }).click();
  await bob.page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
  expect(await bob.page.evaluate(() => window.scrollY), 'Bob has scrolled down').toBeGreaterThan(100);
  // Focus somewhere that is not typing: the last settings button.
  await bob.button('Save servers').focus();

  await ada.call(bob);
  const banner = bob.page.getByRole('region', { name: 'Incoming call', exact: true });
  await expect(banner).toContainText('Ada is calling');
  await expect(bob.button('Answer'), 'Answer is on screen without scrolling').toBeInViewport();
  await expect(bob.button('Decline')).toBeInViewport();
  await expect(bob.button('Answer')).toBeFocused();
  await expect(bob.page).toHaveTitle('Ringing: Ada');
  await expect(bob.page).toHaveTitle('LeanPhone');
  await expect(bob.page, 'the title keeps flashing').toHaveTitle('Ringing: Ada');

  await bob.page.keyboard.press('Enter');
  await bob.expectInCallWith(ada);
  await expect(bob.button('Hang up')).toBeFocused();
  await expect(bob.page).toHaveTitle('LeanPhone');
  await expect(banner).toBeHidden();
});

test('a caller who gives up stops the flashing title', async ({ openPhone }) => {
  const ada = await openPhone('Ada');
  const bob = await openPhone('Bob');
  await connectAll(ada, bob);
  await ada.call(bob);
  await expect(bob.page).toHaveTitle('Ringing: Ada');
  await ada.button('Cancel').click();
  await bob.expectCallEnded('Missed call from Ada');
  await expect(bob.page).toHaveTitle('(1) LeanPhone');
});

test('Escape declines a ringing call; in a call it closes an open dialog only, then hangs up', async ({ openPhone }) => {
  const ada = await openPhone('Ada');
  const bob = await openPhone('Bob');
  await connectAll(ada, bob);

  await ada.call(bob);
  await bob.expectRinging();
  await bob.page.keyboard.press('Escape');
  await ada.expectCallEnded('Bob declined the call');
  await bob.expectCallEnded('Call declined');

  await establishCall(ada, bob, 'voice');
  for (const opener of ['Transfer', 'Add person']) {
    await bob.button(opener).click();
    const dialog = bob.page.getByRole('dialog', { name: opener, exact: true });
    await expect(dialog).toBeVisible();
    await bob.page.keyboard.press('Escape');
    await expect(dialog).toBeHidden();
    await bob.expectInCallWith(ada);
    await ada.expectInCallWith(bob);
  }

  await bob.page.keyboard.press('Escape');
  await ada.expectCallEnded('Call ended');
  await bob.expectCallEnded('Call ended');
});
