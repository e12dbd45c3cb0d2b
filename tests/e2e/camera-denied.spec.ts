/**
 * A phone whose camera is refused says so plainly, and its calls go on with voice. Bob's browser
 * runs without the flag that accepts every media prompt, and his context allows the microphone
 * only: the camera prompt is refused by the browser itself, as when a user blocks the camera.
 */
import { chromium } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../support/chromium.js';
import { connectAll, expect, test } from './fixtures.js';
import { PROBE_SCRIPT, expectRemoteAudioSounding } from './media.js';
import { Phone } from './phone.js';

test('with the camera blocked, answering with video says why and the call goes on with voice', async ({ openPhone, server }) => {
  const promptingBrowser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS.filter((arg) => arg !== '--use-fake-ui-for-media-stream'),
  });
  try {
    const context = await promptingBrowser.newContext({ permissions: ['microphone'] });
    await context.addInitScript(PROBE_SCRIPT);
    const page = await context.newPage();
    await page.goto(server.pageUrl);
    const bob = new Phone(page, 'Bob');
    const ada = await openPhone('Ada');
    await connectAll(ada, bob);

    await ada.call(bob, 'video');
    await bob.expectRinging();
    await bob.button('Answer with video').click();
    await ada.expectInCallWith(bob);
    await bob.expectInCallWith(ada);
    await expect(page.getByText('Camera permission was denied: the call goes on with voice only')).toBeVisible();
    await expect(bob.button('Camera')).toHaveAttribute('aria-pressed', 'false');
    await expectRemoteAudioSounding(ada);
    await expectRemoteAudioSounding(bob);
  } finally {
    await promptingBrowser.close();
  }
});
