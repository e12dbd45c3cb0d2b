/**
 * End messages ("Call ended", "Bob declined the call") are told, then fade; they never show on the
 * connect form after Sign out, nor to the next user of the same page.
 */
import { connectAll, expect, test } from './fixtures.js';

test('an end message fades by itself', async ({ openPhone }) => {
  const ada = await openPhone('Ada');
  const bob = await openPhone('Bob');
  await connectAll(ada, bob);
  await ada.call(bob);
  await bob.expectRinging();
  await bob.button('Decline').click();
  await ada.expectCallEnded('Bob declined the call');
  await expect(ada.status, 'gone after a few seconds').toHaveText('', { timeout: 10_000 });
});

test('an end message is not shown after Sign out, nor to the next user', async ({ openPhone }) => {
  const ada = await openPhone('Ada');
  const bob = await openPhone('Bob');
  await connectAll(ada, bob);
  await ada.call(bob);
  await bob.expectRinging();
  await bob.button('Decline').click();
  await ada.expectCallEnded('Bob declined the call');

  await ada.button('Sign out').click();
  await expect(ada.nameBox).toBeVisible();
  await expect(ada.status, 'the connect form tells nothing of the last call').toHaveText('');
  await ada.connect({ name: 'Cy' });
  await expect(ada.page.getByText('declined')).toHaveCount(0);
  await expect(ada.status).toHaveText('');
});
