/**
 * A host past its phone book limit: the phone book is a search ("Find someone"). A phone finds Bob
 * by "Bo", sees him online and calls him; a phone that had the whole book is switched to searching
 * when the book outgrows the limit. axe-core scans the search view.
 */
import { expectNoSeriousViolationsEitherScheme as scan } from './axe.js';
import { expect, test } from './fixtures.js';
import { establishCall } from './phone.js';
import { TestClient } from '../server/client.js';

test.use({ serverOptions: { phoneBookLimit: 2 } });

test('a phone searches "Bo", sees Bob online and calls him; a listed phone is switched to searching', async ({ openPhone, server }) => {
  test.setTimeout(120_000);
  const bob = await openPhone('Bob');
  await bob.connect();
  const carl = await TestClient.register(`ws://127.0.0.1:${server.port}/signal`, 'Carl');
  try {
    await expect(bob.entry('Carl')).toBeVisible();
    await expect(bob.page.getByRole('searchbox', { name: 'Search' })).toBeVisible();

    const ada = await openPhone('Ada');
    await ada.connect();
    const find = ada.page.getByRole('searchbox', { name: 'Find someone' });
    await expect(find).toBeVisible();
    await expect(ada.page.getByText('Type a name to find someone among 3 people.')).toBeVisible();
    // Bob had the whole book; past the limit it is a search for him too, and Carl's row is gone.
    await expect(bob.page.getByRole('searchbox', { name: 'Find someone' })).toBeVisible();
    await expect(bob.entry('Carl')).toHaveCount(0);

    await find.fill('Bo');
    await expect(ada.phoneBook.getByRole('listitem', { name: 'Bob, online' })).toBeVisible();
    await expect(ada.entry('Carl')).toHaveCount(0);
    await scan(ada, 'phone book search with a result');
    await find.fill('Zed');
    await expect(ada.page.getByText('No one matches “Zed”.')).toBeVisible();
    await find.fill('bo');
    await expect(ada.entry('Bob')).toBeVisible();

    await establishCall(ada, bob, 'voice');
    // A watched person's presence stays current: Bob is in a call now.
    await expect(ada.phoneBook.getByRole('listitem', { name: 'Bob, in a call' })).toBeVisible();
  } finally {
    await carl.drop();
  }
});
