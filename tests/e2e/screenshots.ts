/**
 * Screenshots for a person to inspect, in test-results/screenshots/ (CI keeps them as artifacts;
 * git does not): each screen in light and dark, on a 1280x800 desktop and a 390x844 phone, which
 * never scrolls sideways.
 */
import type { Phone } from './phone.js';
import { expect } from './fixtures.js';

const DIR = 'test-results/screenshots';

async function shoot(phone: Phone, name: string): Promise<void> {
  await phone.page.screenshot({ path: `${DIR}/${name}.png`, fullPage: true });
}

/** Nothing sticks out sideways: a narrow phone never has to scroll horizontally. */
async function expectNoSidewaysScroll(phone: Phone): Promise<void> {
  const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow, `${phone.name}: horizontal overflow in px`).toBeLessThanOrEqual(0);
}

/** One screen in light and dark, on a 1280 px desktop and a 390 px phone; back to the desktop after. */
export async function shootEveryWay(phone: Phone, name: string): Promise<void> {
  for (const [width, height] of [[390, 844], [1280, 800]] as const) {
    await phone.page.setViewportSize({ width, height });
    for (const colorScheme of ['light', 'dark'] as const) {
      await phone.page.emulateMedia({ colorScheme });
      await shoot(phone, `${name}-${colorScheme}-${width}`);
    }
    if (width === 390) await expectNoSidewaysScroll(phone);
  }
}

