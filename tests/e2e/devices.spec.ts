/**
 * Choosing devices: the lists show the machine's (fake) camera and microphone, and a choice is
 * remembered across a reload.
 */
import { expect, test } from './fixtures.js';

test('a chosen camera and microphone are listed and remembered across a reload', async ({ openPhone }) => {
  const ada = await openPhone('Ada');
  await ada.connect();
  const page = ada.page;
  const open = async () => {
    await page.getByText('Devices', { exact: true }).click();
    return { camera: page.getByRole('combobox', { name: 'Camera' }), microphone: page.getByRole('combobox', { name: 'Microphone' }) };
  };

  let boxes = await open();
  // Besides "System default", each list holds the devices Chromium's fake media offers.
  await expect.poll(async () => boxes.camera.locator('option').count()).toBeGreaterThan(1);
  await expect.poll(async () => boxes.microphone.locator('option').count()).toBeGreaterThan(1);
  const cameraChoice = await boxes.camera.locator('option').nth(1).getAttribute('value');
  const microphoneChoice = await boxes.microphone.locator('option').nth(1).getAttribute('value');
  await boxes.camera.selectOption(cameraChoice!);
  await boxes.microphone.selectOption(microphoneChoice!);

  await page.reload();
  await ada.expectSignedIn();
  boxes = await open();
  await expect(boxes.camera).toHaveValue(cameraChoice!);
  await expect(boxes.microphone).toHaveValue(microphoneChoice!);
});
