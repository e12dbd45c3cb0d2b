/**
 * Call history: a missed call is counted until the list is opened, every call is listed with
 * its kind, the list survives a reload, and "Call back" places the call.
 */
import { connectAll, expect, test } from './fixtures.js';
import { establishCall } from './phone.js';

test('missed calls are counted until seen, history survives a reload, and Call back calls', async ({ openPhone }) => {
  const ada = await openPhone('Ada');
  const bob = await openPhone('Bob');
  await connectAll(ada, bob);

  // A call Bob misses, then one he takes.
  await ada.call(bob);
  await bob.expectRinging();
  await ada.button('Cancel').click();
  await bob.expectCallEnded('Missed call from Ada');
  await establishCall(ada, bob, 'voice');
  await ada.button('Hang up').click();
  await bob.expectCallEnded('Call ended');

  const recent = bob.page.getByText('Recent calls');
  await expect(bob.page.getByText('1 missed')).toBeVisible();
  await expect(bob.page).toHaveTitle('(1) LeanPhone');
  await recent.click();
  const history = bob.page.getByRole('list', { name: 'Call history' });
  await expect(history.getByRole('listitem')).toHaveText([/Ada\s*Incoming/, /Ada\s*Missed/]);
  await expect(bob.page.getByText('1 missed'), 'opening the list marks missed calls seen').toBeHidden();
  await expect(bob.page).toHaveTitle('LeanPhone');

  await bob.page.reload();
  await bob.connect();
  await expect(ada.entry('Bob')).toBeVisible();
  await bob.page.getByText('Recent calls').click();
  await expect(bob.page.getByRole('list', { name: 'Call history' }).getByRole('listitem')).toHaveCount(2);
  await expect(bob.page.getByText('1 missed'), 'seen stays seen after a reload').toBeHidden();

  await bob.page.getByRole('button', { name: 'Call back Ada' }).first().click();
  await ada.expectRinging();
  await ada.button('Decline').click();
  await bob.expectCallEnded('Ada declined the call');
  await expect(bob.page.getByRole('list', { name: 'Call history' }).getByRole('listitem').first()).toHaveText(/Ada\s*Outgoing/);
});
