/**
 * Signing in the browser phone: a reload or a reopened tab signs back in by itself (until Sign
 * out), the Server field shows the page's own server and cannot be changed, and a server with a
 * passcode says whether one is missing or wrong.
 */
import { connectAll, expect, test } from './fixtures.js';
import { Phone } from './phone.js';

test('a reload, or closing the tab and opening the phone again, signs back in by itself; Sign out stops that', async ({ openPhone, server }) => {
  const ada = await openPhone('Ada');
  const bob = await openPhone('Bob');
  await connectAll(ada, bob);

  await ada.page.reload();
  await ada.expectSignedIn();
  await expect(ada.page.getByRole('heading', { name: 'Ada', level: 1 })).toBeVisible();
  await expect(ada.entry('Bob')).toHaveAccessibleName('Bob, online');
  await expect(bob.entry('Ada')).toHaveAccessibleName('Ada, online');

  const context = ada.page.context();
  await ada.page.close();
  await expect(bob.entry('Ada')).toHaveAccessibleName('Ada, offline');
  const again = new Phone(await context.newPage(), 'Ada');
  await again.page.goto(server.pageUrl);
  await again.expectSignedIn();
  await expect(bob.entry('Ada')).toHaveAccessibleName('Ada, online');

  await again.button('Sign out').click();
  await expect(again.nameBox).toBeVisible();
  await again.page.reload();
  await expect(again.nameBox, 'signed out stays signed out').toBeVisible();
  await expect(again.phoneBook).toHaveCount(0);
});

test("the Server field shows the page's own server, read-only, and says why", async ({ openPhone, server }) => {
  const ada = await openPhone('Ada');
  await expect(ada.serverBox).toHaveValue(`ws://127.0.0.1:${server.port}`);
  await expect(ada.serverBox).not.toBeEditable();
  await expect(ada.serverBox).toHaveAccessibleDescription('The browser phone uses the server it came from');
  await ada.connect();
});

test.describe('on a server with a passcode', () => {
  test.use({ serverOptions: { passcode: 'open sesame' } });

  test('no passcode says one is needed, a wrong one says so, and a reload keeps the right one for this tab', async ({ openPhone }) => {
    const ada = await openPhone('Ada');
    await ada.submitConnect();
    await expect(ada.alert).toHaveText('This server needs a passcode');
    await ada.submitConnect({ passcode: 'guess' });
    await expect(ada.alert).toHaveText('Wrong passcode');
    await ada.connect({ passcode: 'open sesame' });
    await ada.page.reload();
    await ada.expectSignedIn();
  });
});
