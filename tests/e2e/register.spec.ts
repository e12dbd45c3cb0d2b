/**
 * Registration and presence in the browser phone: the live phone book, search, do-not-disturb,
 * and the plain message each refusal gets on the connect screen.
 */
import type { Locator } from '@playwright/test';
import { connectAll, expect, test } from './fixtures.js';

/** The phone book lists exactly these people, in this order (each item is named "<name>, <state>"). */
async function expectOrder(book: Locator, names: string[]): Promise<void> {
  const items = book.getByRole('listitem');
  await expect(items).toHaveCount(names.length);
  for (const [at, name] of names.entries()) await expect(items.nth(at)).toHaveAccessibleName(new RegExp(`^${name},`));
}

test('each user sees everyone else, live, with presence, and can search the phone book', async ({ openPhone }) => {
  const ada = await openPhone('Ada');
  const bob = await openPhone('Bob');
  await connectAll(ada, bob);
  await expect(ada.entry('Bob')).toHaveAccessibleName(/online/i);
  await expect(ada.entry('Ada'), 'own name is not listed').toHaveCount(0);

  const cy = await openPhone('Cy');
  await cy.connect();
  await expect(ada.entry('Cy')).toBeVisible();
  await expect(bob.entry('Cy')).toBeVisible();
  await expect(cy.phoneBook.getByRole('listitem')).toHaveCount(2);

  await bob.setDoNotDisturb(true);
  await expect(ada.entry('Bob')).toHaveAccessibleName(/dnd|do not disturb/i);
  await expect(cy.entry('Bob')).toHaveAccessibleName(/dnd|do not disturb/i);
  await bob.setDoNotDisturb(false);
  await expect(ada.entry('Bob')).toHaveAccessibleName(/online/i);

  await ada.search.fill('c');
  await expect(ada.entry('Cy')).toBeVisible();
  await expect(ada.entry('Bob')).toHaveCount(0);
  await ada.search.fill('');
  await expect(ada.entry('Bob')).toBeVisible();

  await cy.page.close();
  await expect(ada.entry('Cy'), 'a user who leaves stays in the phone book, offline').toHaveAccessibleName('Cy, offline');
  await expect(bob.entry('Cy')).toHaveAccessibleName('Cy, offline');
});

test('people seen before stay listed offline: calling one says so; favourites are pinned on top and kept', async ({ openPhone }) => {
  const ada = await openPhone('Ada');
  const bob = await openPhone('Bob');
  const zed = await openPhone('Zed');
  await connectAll(ada, bob, zed);
  await bob.button('Sign out').click();
  await expect(ada.entry('Bob')).toHaveAccessibleName('Bob, offline');
  await ada.call(bob);
  await ada.expectCallEnded('Bob is offline');

  const star = ada.entry('Zed').getByRole('button', { name: 'Favourite', exact: true });
  await expect(star).toHaveAttribute('aria-pressed', 'false');
  await star.click();
  await expect(star).toHaveAttribute('aria-pressed', 'true');
  await expectOrder(ada.phoneBook, ['Zed', 'Bob']);

  // Signed out and in again (the server forgot Bob): Bob is still listed, Zed still first.
  await ada.button('Sign out').click();
  await ada.connect();
  await expectOrder(ada.phoneBook, ['Zed', 'Bob']);
  await expect(ada.entry('Bob')).toHaveAccessibleName('Bob, offline');
  await expect(ada.entry('Zed').getByRole('button', { name: 'Favourite', exact: true })).toHaveAttribute('aria-pressed', 'true');
  // Favourites and the people seen are Ada's: another name on this page starts with none.
  await ada.button('Sign out').click();
  await ada.connect({ name: 'Cy' });
  await expect(ada.entry('Bob')).toHaveCount(0);
  await expect(ada.entry('Zed').getByRole('button', { name: 'Favourite', exact: true })).toHaveAttribute('aria-pressed', 'false');
});

test('a taken name is refused with a message, whatever its case', async ({ openPhone }) => {
  const ada = await openPhone('Ada');
  await ada.connect();

  const impostor = await openPhone('ada');
  await impostor.submitConnect();
  await expect(impostor.alert).toContainText('That name is taken');
  await expect(impostor.phoneBook, 'still on the connect screen').toHaveCount(0);
  await impostor.connect({ name: 'Ada Two' });
  await expect(ada.entry('Ada Two')).toBeVisible();
});

test('a server that has gone away is reported unreachable', async ({ openPhone, server }) => {
  const bob = await openPhone('Bob');
  expect(await bob.serverBox.inputValue(), 'the server address is prefilled with the serving host').toContain(`127.0.0.1:${server.port}`);
  // The browser phone may only talk to the server it came from (CSP connect-src 'self'), so the
  // way to find no server there is to stop it.
  await server.close();
  await bob.submitConnect();
  await expect(bob.alert).toContainText('Server unreachable');
  await expect(bob.phoneBook, 'still on the connect screen').toHaveCount(0);
});

test.describe('on a server with a passcode', () => {
  test.use({ serverOptions: { passcode: 'open sesame' } });

  test('a wrong passcode is refused with a message and the right one lets the user in', async ({ openPhone }) => {
    const ada = await openPhone('Ada');
    await ada.submitConnect({ passcode: 'guess' });
    await expect(ada.alert).toContainText('Wrong passcode');
    await expect(ada.phoneBook, "still on the connect screen").toHaveCount(0);
    await ada.connect({ passcode: 'open sesame' });
  });
});

test.describe('on a full server', () => {
  test.use({ serverOptions: { maxClients: 1 } });

  test('the second user is told the server is full', async ({ openPhone }) => {
    await (await openPhone('Ada')).connect();
    const bob = await openPhone('Bob');
    await bob.submitConnect();
    await expect(bob.alert).toContainText('Server is full');
  });
});
