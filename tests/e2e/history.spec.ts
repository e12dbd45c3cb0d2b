/**
 * Call history: a missed call is counted until the list is opened, every call is listed with its
 * direction, how it ended and who ended it, the list survives a reload, belongs to the signed-in
 * name only, and "Call back" places the call. A call refused while in do-not-disturb is kept too.
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
  await expect(history.getByRole('listitem')).toHaveText([/Ada\s*Incoming · Answered, Ada hung up/, /Ada\s*Incoming · Missed/]);
  await expect(bob.page.getByText('1 missed'), 'opening the list marks missed calls seen').toBeHidden();
  await expect(bob.page).toHaveTitle('LeanPhone');

  await bob.page.reload();
  await bob.expectSignedIn();
  await expect(ada.entry('Bob')).toHaveAccessibleName(/^Bob, online/);
  await bob.page.getByText('Recent calls').click();
  await expect(bob.page.getByRole('list', { name: 'Call history' }).getByRole('listitem')).toHaveCount(2);
  await expect(bob.page.getByText('1 missed'), 'seen stays seen after a reload').toBeHidden();

  await bob.page.getByRole('button', { name: 'Call back Ada' }).first().click();
  await ada.expectRinging();
  await ada.button('Decline').click();
  await bob.expectCallEnded('Ada declined the call');
  await expect(bob.page.getByRole('list', { name: 'Call history' }).getByRole('listitem').first()).toHaveText(/Ada\s*Outgoing · Ada declined/);
  await ada.page.getByText('Recent calls').click();
  await expect(ada.page.getByRole('list', { name: 'Call history' }).getByRole('listitem').first()).toHaveText(/Bob\s*Incoming · You declined/);
});

test('the history belongs to the signed-in name: the next user of the page never sees it', async ({ openPhone }) => {
  const ada = await openPhone('Ada');
  const bob = await openPhone('Bob');
  await connectAll(ada, bob);
  await establishCall(ada, bob, 'voice');
  await bob.button('Hang up').click();
  await ada.expectCallEnded('Call ended');

  await ada.button('Sign out').click();
  await ada.connect({ name: 'Cy' });
  await ada.page.getByText('Recent calls').click();
  await expect(ada.page.getByText('No calls yet.')).toBeVisible();
  await expect(ada.page.getByRole('list', { name: 'Call history' })).toHaveCount(0);

  await ada.button('Sign out').click();
  await ada.connect({ name: 'Ada' });
  await ada.page.getByText('Recent calls').click();
  await expect(ada.page.getByRole('list', { name: 'Call history' }).getByRole('listitem')).toHaveText([/Bob\s*Outgoing · Answered, Bob hung up/]);
});

test("a call refused while in do not disturb is kept as missed on the callee's phone", async ({ openPhone }) => {
  const ada = await openPhone('Ada');
  const bob = await openPhone('Bob');
  await connectAll(ada, bob);
  await bob.setDoNotDisturb(true);
  await expect(ada.entry('Bob')).toHaveAccessibleName(/do not disturb/);
  await ada.call(bob);
  await ada.expectCallEnded('Bob is unavailable');

  await expect(bob.page.getByText('1 missed')).toBeVisible();
  await bob.page.getByText('Recent calls').click();
  await expect(bob.page.getByRole('list', { name: 'Call history' }).getByRole('listitem')).toHaveText([/Ada\s*Incoming · Missed \(do not disturb\)/]);
  await ada.page.getByText('Recent calls').click();
  await expect(ada.page.getByRole('list', { name: 'Call history' }).getByRole('listitem')).toHaveText([/Bob\s*Outgoing · Unavailable/]);
});
