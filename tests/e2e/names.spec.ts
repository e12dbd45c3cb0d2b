/**
 * Names are text, never markup: a refused name's reason is shown as text with nothing injected,
 * and a name with quotes and punctuation that the protocol allows shows exactly as typed.
 */
import { connectAll, expect, test } from './fixtures.js';

/** Within the protocol's 32 characters, so it is refused for its markup and not its length. */
const MARKUP_NAME = '<img id=pwn src=x onerror=f()>';

test('a name full of markup is refused with a reason shown as text, and nothing is injected', async ({ openPhone }) => {
  const eve = await openPhone(MARKUP_NAME);
  await eve.submitConnect();
  await expect(eve.alert).toBeVisible();
  await expect(eve.alert).not.toHaveText('');
  await expect(eve.phoneBook, "still on the connect screen").toHaveCount(0);
  await expect(eve.page.locator('#pwn')).toHaveCount(0);
  await expect(eve.page).toHaveTitle('LeanPhone');
  expect(await eve.alert.innerHTML(), 'the alert holds no element made from the name').not.toContain('<img');
  await expect(eve.nameBox, 'what the user typed is kept for correcting').toHaveValue(MARKUP_NAME);

  // A character the protocol refuses, in an otherwise ordinary name.
  const company = await openPhone("O'Brien & Co");
  await company.submitConnect();
  await expect(company.alert).toBeVisible();
  await expect(company.phoneBook, "still on the connect screen").toHaveCount(0);
});

test("a name with an apostrophe, dots and a hyphen shows exactly as typed", async ({ openPhone }) => {
  const ada = await openPhone('Ada');
  const obrien = await openPhone("O'Brien-Smith Jr.");
  await connectAll(ada, obrien);
  await expect(ada.phoneBook.getByText("O'Brien-Smith Jr.", { exact: true })).toBeVisible();

  await ada.call(obrien);
  await obrien.expectRinging();
  await obrien.button('Decline').click();
  await ada.expectCallEnded("O'Brien-Smith Jr. declined the call");
});
