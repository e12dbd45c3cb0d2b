/**
 * The look of issue 10: a missed call is a plain readable row with "Call back"; your own state
 * in the header (Do not disturb, In a call); a normal-size relay checkbox; a voice call without
 * a video box; "Camera off" for a camera turned off; call quality in plain words with details.
 */
import { expectNoSeriousViolationsEitherScheme } from './axe.js';
import { connectAll, expect, test } from './fixtures.js';
import { establishCall } from './phone.js';

test('a missed call is a plain row: a readable "Missed" and a visible Call back, light and dark', async ({ openPhone }) => {
  const ada = await openPhone('Ada');
  const bob = await openPhone('Bob');
  await connectAll(ada, bob);
  await ada.call(bob);
  await bob.expectRinging();
  await ada.button('Cancel').click();
  await bob.expectCallEnded('Missed call from Ada');

  await bob.page.getByText('Recent calls').click();
  const row = bob.page.getByRole('list', { name: 'Call history' }).getByRole('listitem');
  await expect(row).toHaveCount(1);
  await expect(row.getByText('Missed', { exact: true })).toBeVisible();
  await expect(row.getByRole('button', { name: 'Call back Ada' })).toBeVisible();
  await expect(row.getByRole('button', { name: 'Call back Ada' })).toBeEnabled();
  expect(await row.evaluate((element) => getComputedStyle(element).backgroundColor), 'no coloured pill behind the row').toBe('rgba(0, 0, 0, 0)');
  await expectNoSeriousViolationsEitherScheme(bob, 'recent calls with a missed call', ['color-contrast']);

  // The positive control: Call back still calls.
  await row.getByRole('button', { name: 'Call back Ada' }).click();
  await ada.expectRinging();
});

test('your own state in the header, toggles with aria-pressed, and a normal-size relay checkbox', async ({ openPhone }) => {
  const ada = await openPhone('Ada');
  const bob = await openPhone('Bob');
  await connectAll(ada, bob);
  const bobState = bob.header.getByTestId('my-state');
  await expect(bobState).toHaveText('Online');
  await expect(bob.doNotDisturb).toHaveAttribute('aria-pressed', 'false');
  await bob.setDoNotDisturb(true);
  await expect(bobState, 'your own do-not-disturb is not a green "Online"').toHaveText('Do not disturb');
  await expect(ada.entry('Bob')).toHaveAccessibleName(/do not disturb/i);
  await bob.setDoNotDisturb(false);
  await expect(bobState).toHaveText('Online');

  await establishCall(ada, bob, 'voice');
  await expect(ada.header.getByTestId('my-state')).toHaveText('In a call');
  await expect(bobState).toHaveText('In a call');
  for (const name of ['Mute', 'Hold', 'Camera']) await expect(ada.button(name)).toHaveAttribute('aria-pressed', 'false');
  await ada.button('Mute').click();
  await expect(ada.button('Mute')).toHaveAttribute('aria-pressed', 'true');
  await ada.button('Hang up').click();
  await expect(ada.header.getByTestId('my-state')).toHaveText('Online');

  await ada.page.getByText('STUN and TURN servers').click();
  const relayOnly = ada.page.getByRole('checkbox', { name: 'Relay calls through TURN only' });
  await expect(relayOnly).toBeVisible();
  const box = await relayOnly.boundingBox();
  expect(box, 'the checkbox is drawn').not.toBeNull();
  expect(box!.width, 'checkbox width in px').toBeLessThanOrEqual(24);
  expect(box!.height, 'checkbox height in px').toBeLessThanOrEqual(24);
  await relayOnly.check();
  await expect(relayOnly).toBeChecked();
});

test('a voice call shows an avatar, not a video box; a camera turned off says "Camera off"; quality in plain words', async ({ openPhone }) => {
  const ada = await openPhone('Ada');
  const bob = await openPhone('Bob');
  await connectAll(ada, bob);
  await establishCall(ada, bob, 'voice');
  const call = ada.page.getByRole('region', { name: 'Call', exact: true });
  await expect(call).toContainText('Voice call');
  await expect(ada.remoteVideo).toBeHidden();
  await expect(ada.localVideo).toBeHidden();
  const height = (await call.boundingBox())!.height;
  expect(height, 'a voice call is compact: no large black box').toBeLessThan(320);

  await expect(call.getByText(/^Quality: (Good|Fair|Poor)$/)).toBeVisible({ timeout: 15_000 });
  const details = call.getByRole('button', { name: 'Quality details', exact: true });
  await expect(details).toHaveAttribute('aria-expanded', 'false');
  await details.click();
  await expect(details).toHaveAttribute('aria-expanded', 'true');
  await expect(call.getByText(/Round trip \d+ ms/)).toBeVisible();
  await expect(call.getByText(/Packet loss [\d.]+ %/)).toBeVisible();
  await expect(call.getByText(/Receiving \d+ kbit\/s/)).toBeVisible();
  await ada.button('Hang up').click();
  await bob.expectCallEnded('Call ended');

  await establishCall(ada, bob, 'video');
  const bobCall = bob.page.getByRole('region', { name: 'Call', exact: true });
  await expect(bob.remoteVideo).toBeVisible();
  await expect(bobCall).not.toContainText('Camera off');
  await ada.button('Camera').click();
  await expect(ada.button('Camera')).toHaveAttribute('aria-pressed', 'false');
  await expect(bobCall.getByText('Camera off', { exact: true })).toBeVisible();
  await ada.button('Camera').click();
  await expect(bobCall.getByText('Camera off', { exact: true })).toBeHidden();
  await expect(bob.remoteVideo).toBeVisible();
});
