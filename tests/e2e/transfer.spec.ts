/**
 * Transfer between three browser phones: Ada, in a video call with Bob, transfers him to Cy, blind
 * and after asking Cy first; then a blind transfer that Cy declines, which leaves Ada's call with
 * Bob on hold until she resumes it. Video frames must rise on the pair that talks. Driven by roles
 * and names only.
 */
import type { Locator } from '@playwright/test';
import { connectAll, expect, test } from './fixtures.js';
import { expectRemoteVideoPlaying } from './media.js';
import { establishCall, startsWithName, type Phone } from './phone.js';

const transferDialog = (phone: Phone): Locator => phone.page.getByRole('dialog', { name: 'Transfer', exact: true });

/** Opens the Transfer dialog and clicks `action` ("Transfer" or "Ask first") for `target`. */
async function transfer(from: Phone, target: Phone, action: 'Transfer' | 'Ask first'): Promise<void> {
  await from.button('Transfer').click();
  const dialog = transferDialog(from);
  await expect(dialog).toBeVisible();
  await dialog.getByRole('listitem', { name: startsWithName(target.name) }).getByRole('button', { name: action, exact: true }).click();
  await expect(dialog).toBeHidden();
}

test('blind transfer: Bob is put through to Cy, who sees who transferred him, and Ada drops out', async ({ openPhone }) => {
  const ada = await openPhone('Ada');
  const bob = await openPhone('Bob');
  const cy = await openPhone('Cy');
  await connectAll(ada, bob, cy);
  await establishCall(ada, bob, 'video');
  await expectRemoteVideoPlaying(bob);

  await transfer(ada, cy, 'Transfer');
  await expect(cy.status).toHaveText('Bob (transferred by Ada) is video calling…');
  await expect(bob.status, 'Bob sees the call he is being put through').toContainText('Calling Cy…');
  await cy.button('Answer with video').click();

  await bob.expectInCallWith(cy);
  await cy.expectInCallWith(bob);
  await expect(ada.status).toHaveText('Bob was transferred to Cy');
  await expect(ada.button('Hang up')).toBeHidden();
  await expect(bob.page.getByRole('list', { name: 'Calls on hold', exact: true }), 'Ada dropped out').toBeHidden();
  await expectRemoteVideoPlaying(bob);
  await expectRemoteVideoPlaying(cy);
});

test('attended transfer: Ada asks Cy first while Bob waits on hold, then completes it', async ({ openPhone }) => {
  const ada = await openPhone('Ada');
  const bob = await openPhone('Bob');
  const cy = await openPhone('Cy');
  await connectAll(ada, bob, cy);
  await establishCall(ada, bob, 'video');

  await transfer(ada, cy, 'Ask first');
  await expect(bob.status).toContainText('Ada put you on hold');
  await cy.expectRinging();
  await expect(ada.button('Complete transfer'), 'nothing to complete before Cy answers').toBeDisabled();
  await cy.button('Answer with video').click();
  await ada.expectInCallWith(cy);
  await expect(ada.page.getByRole('list', { name: 'Calls on hold', exact: true }).getByRole('listitem', { name: startsWithName('Bob') })).toHaveAccessibleName(
    'Bob, on hold',
  );
  await expectRemoteVideoPlaying(cy);

  // Nobody clicks anything on Cy's page: the call from Bob replacing hers is answered at once.
  await ada.button('Complete transfer').click();
  await bob.expectInCallWith(cy);
  await cy.expectInCallWith(bob);
  await expect(ada.status).toHaveText('Bob was transferred to Cy');
  await expect(ada.button('Hang up')).toBeHidden();
  await expectRemoteVideoPlaying(bob);
  await expectRemoteVideoPlaying(cy);
});

test('a blind transfer that Cy declines leaves Ada and Bob on hold, and Ada resumes the call', async ({ openPhone }) => {
  const ada = await openPhone('Ada');
  const bob = await openPhone('Bob');
  const cy = await openPhone('Cy');
  await connectAll(ada, bob, cy);
  await establishCall(ada, bob, 'video');

  // The dialog closes with Escape and changes nothing.
  await ada.button('Transfer').click();
  await expect(transferDialog(ada)).toBeVisible();
  await ada.page.keyboard.press('Escape');
  await expect(transferDialog(ada)).toBeHidden();
  await ada.expectInCallWith(bob);

  await transfer(ada, cy, 'Transfer');
  await expect(cy.status).toHaveText('Bob (transferred by Ada) is video calling…');
  await cy.button('Decline').click();
  await expect(ada.status).toHaveText('Transfer failed: Cy declined');
  await expect(bob.status).toHaveText('Ada put you on hold');

  await ada.button('Resume').click();
  await ada.expectInCallWith(bob);
  await bob.expectInCallWith(ada);
  await expectRemoteVideoPlaying(ada);
  await expectRemoteVideoPlaying(bob);
});
