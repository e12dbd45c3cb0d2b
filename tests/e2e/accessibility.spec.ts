/**
 * axe-core on every screen of the browser phone, light and dark: zero serious or critical
 * violations on the connect form, the phone book, settings open, recent calls with a missed
 * call, ringing, a voice and a video call, call waiting, both dialogs and a conference.
 */
import { expectNoSeriousViolationsEitherScheme as scan } from './axe.js';
import { connectAll, expect, test } from './fixtures.js';
import { establishCall, startsWithName } from './phone.js';

const SMALL = { camera: { width: 320, height: 240, frameRate: 15 } };

test('connect form, phone book, settings, recent calls, ringing and a voice call', async ({ openPhone }) => {
  test.setTimeout(240_000);
  const ada = await openPhone('Ada');
  const bob = await openPhone('Bob');
  await expect(bob.nameBox).toBeVisible();
  await scan(bob, 'connect form');
  await connectAll(ada, bob);
  await scan(bob, 'phone book');

  await ada.call(bob);
  await bob.expectRinging();
  await scan(bob, 'ringing');
  await scan(ada, 'calling');
  await ada.button('Cancel').click();
  await bob.expectCallEnded('Missed call from Ada');

  for (const section of ['Recent calls', 'Devices', 'STUN and TURN servers']) await bob.page.getByText(section, { exact: true }).click();
  await expect(bob.page.getByRole('list', { name: 'Call history' }).getByRole('listitem')).toHaveCount(1);
  await expect(bob.page.getByRole('meter', { name: 'Microphone level' })).toBeVisible();
  await scan(bob, 'settings open, recent calls with a missed call');

  await establishCall(ada, bob, 'voice');
  await scan(bob, 'in a voice call');
});

test('a video call, call waiting, the Transfer and Add person dialogs, and a conference', async ({ openPhone }) => {
  test.setTimeout(240_000);
  const ada = await openPhone('Ada', SMALL);
  const bob = await openPhone('Bob', SMALL);
  const cy = await openPhone('Cy', SMALL);
  await connectAll(ada, bob, cy);
  await establishCall(ada, bob, 'video');
  await scan(bob, 'in a video call');

  await cy.call(bob, 'video');
  await expect(bob.page.getByRole('region', { name: 'Call waiting', exact: true })).toBeVisible();
  await scan(bob, 'call waiting');
  await bob.page.getByRole('region', { name: 'Call waiting', exact: true }).getByRole('button', { name: 'Decline', exact: true }).click();
  await cy.expectCallEnded(/declined/);

  await bob.button('Transfer').click();
  await expect(bob.page.getByRole('dialog', { name: 'Transfer', exact: true })).toBeVisible();
  await scan(bob, 'transfer dialog');
  await bob.page.getByRole('dialog', { name: 'Transfer', exact: true }).getByRole('button', { name: 'Close', exact: true }).click();

  await bob.button('Add person').click();
  const addPerson = bob.page.getByRole('dialog', { name: 'Add person', exact: true });
  await expect(addPerson).toBeVisible();
  await scan(bob, 'add-person dialog');
  await addPerson.getByRole('listitem', { name: startsWithName('Cy') }).getByRole('button', { name: 'Add', exact: true }).click();
  await cy.button('Answer with video').click();
  await expect(bob.status).toHaveText('In conference with Ada and Cy', { timeout: 30_000 });
  await scan(bob, 'conference');
});
