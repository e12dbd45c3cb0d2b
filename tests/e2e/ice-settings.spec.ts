/**
 * The user's own STUN/TURN servers ("custom STUN/TURN servers"): a bad line is refused with a
 * reason and nothing saved; good ones are saved and still there after a reload.
 */
import { expect, test } from './fixtures.js';

test('own STUN/TURN servers are checked, saved, and kept across a reload', async ({ openPhone }) => {
  const ada = await openPhone('Ada');
  await ada.connect();
  const page = ada.page;
  await page.getByText('STUN and TURN servers').click();
  const box = page.getByRole('textbox', { name: 'Your STUN/TURN servers' });

  await box.fill('stun:127.0.0.1:3478\nhttp://not-a-relay');
  await page.getByRole('button', { name: 'Save servers' }).click();
  await expect(page.getByRole('alert')).toHaveText(/^Line 2 is not a STUN or TURN address/);

  await box.fill('stun:127.0.0.1:3478\nturn:alice:s3cret@127.0.0.1:3478');
  await page.getByRole('button', { name: 'Save servers' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved' })).toBeVisible();

  await page.reload();
  await ada.expectSignedIn();
  await page.getByText('STUN and TURN servers').click();
  await expect(page.getByRole('textbox', { name: 'Your STUN/TURN servers' })).toHaveValue('stun:127.0.0.1:3478\nturn:alice:s3cret@127.0.0.1:3478');
});
