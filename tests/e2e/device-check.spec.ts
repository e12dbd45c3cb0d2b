/**
 * Device settings check the devices: a live microphone level meter on the chosen microphone, a
 * microphone test that records a few seconds and plays them back, and a ringtone and volume that
 * are remembered across a reload.
 */
import { expect, test } from './fixtures.js';

test('a live microphone level, a microphone test that plays back, and a ringtone choice remembered', async ({ openPhone }) => {
  const ada = await openPhone('Ada');
  await ada.connect();
  const page = ada.page;
  await page.getByText('Devices', { exact: true }).click();

  // Chromium's fake microphone beeps: the meter moves above zero.
  const meter = page.getByRole('meter', { name: 'Microphone level', exact: true });
  await expect(meter).toBeVisible();
  // The fake microphone beeps briefly once a second: the page keeps the highest level it showed, so
  // no beep falls between two looks.
  const peak = await meter.evaluate(
    (element) =>
      new Promise<number>((done) => {
        let highest = Number(element.getAttribute('aria-valuenow'));
        const finish = (): void => {
          watcher.disconnect();
          done(highest);
        };
        const watcher = new MutationObserver(() => {
          highest = Math.max(highest, Number(element.getAttribute('aria-valuenow')));
          if (highest > 0) finish();
        });
        watcher.observe(element, { attributes: true, attributeFilter: ['aria-valuenow'] });
        setTimeout(finish, 10_000);
      }),
  );
  expect(peak, 'the meter shows sound').toBeGreaterThan(0);

  const test = ada.button('Test microphone');
  await test.click();
  await expect(page.getByText('Recording… say something', { exact: true })).toBeVisible();
  await expect(test).toBeDisabled();
  await expect(page.getByText('Playing back…', { exact: true })).toBeVisible({ timeout: 10_000 });
  const heard = page.getByTestId('mic-test-playback');
  await expect.poll(() => heard.evaluate((audio: HTMLAudioElement) => audio.currentTime), { message: 'the recording plays' }).toBeGreaterThan(0);
  await expect(test).toBeEnabled({ timeout: 15_000 });

  const ringtone = page.getByRole('combobox', { name: 'Ringtone', exact: true });
  const volume = page.getByRole('slider', { name: 'Ringtone volume', exact: true });
  await expect(ringtone.locator('option')).toHaveText(['Classic', 'Chime', 'Pulse']);
  await ringtone.selectOption({ label: 'Chime' });
  await volume.fill('30');
  await ada.button('Play ringtone').click();
  await expect(ada.button('Stop ringtone')).toBeVisible();
  await ada.button('Stop ringtone').click();

  await page.reload();
  await ada.expectSignedIn(); // by itself, with this tab's resume token
  await page.getByText('Devices', { exact: true }).click();
  await expect(ringtone).toHaveValue('chime');
  await expect(volume).toHaveValue('30');
});
