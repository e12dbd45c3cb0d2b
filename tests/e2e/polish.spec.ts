/**
 * The last polish of issue 10: on a wide window a call shows at the top beside the phone book, with
 * no dead space, even when the page was scrolled down into the settings; the incoming-call banner's
 * Answer and Decline are strong coloured buttons with white words, from the moment it shows; with
 * no call, the settings (and a voicemail offer) fill the wide window's right column; the STUN/TURN
 * example fits a narrow phone.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Locator } from '@playwright/test';
import type { Phone } from './phone.js';
import { connectAll, expect, test } from './fixtures.js';
import { establishCall } from './phone.js';

const WIDE = { width: 1280, height: 800 };

/** Opens the settings sections and scrolls to the bottom of the page, as someone changing a device would. */
async function scrollDownIntoSettings(phone: Phone): Promise<void> {
  for (const section of ['Devices', 'STUN and TURN servers']) {
    const summary = phone.page.getByText(section, { exact: true });
    if ((await summary.locator('xpath=ancestor::details[1]').getAttribute('open')) === null) await summary.click();
  }
  await phone.page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
  await expect.poll(() => phone.page.evaluate(() => window.scrollY), 'the page is scrolled down').toBeGreaterThan(100);
}

/** The call is wholly on screen and starts level with the Dial box at the top of the phone book's column. */
async function expectCallBesidePhoneBook(phone: Phone, call: Locator): Promise<void> {
  await expect(call, `${phone.name}: the whole call is on screen`).toBeInViewport({ ratio: 1 });
  const dial = phone.page.getByRole('form', { name: 'Dial a number', exact: true });
  await expect(dial).toBeInViewport({ ratio: 1 });
  const [callTop, dialTop] = [(await call.boundingBox())!.y, (await dial.boundingBox())!.y];
  expect(Math.abs(callTop - dialTop), `${phone.name}: no dead space above the Dial box (call at ${callTop} px, Dial at ${dialTop} px)`).toBeLessThanOrEqual(1);
}

test('wide window: a call placed or answered while scrolled into the settings shows at the top, level with the phone book', async ({ openPhone }) => {
  const ada = await openPhone('Ada', { viewport: WIDE });
  const bob = await openPhone('Bob', { viewport: WIDE });
  await connectAll(ada, bob);
  const call = bob.page.getByRole('region', { name: 'Call', exact: true });

  // The positive control: not scrolled, a placed call already sits level with the Dial box.
  await bob.call(ada);
  await expectCallBesidePhoneBook(bob, call);
  await bob.button('Cancel').click();
  await bob.expectCallEnded(/./);

  await scrollDownIntoSettings(bob);
  await bob.call(ada);
  await expectCallBesidePhoneBook(bob, call);
  await bob.button('Cancel').click();
  await bob.expectCallEnded(/./);

  await scrollDownIntoSettings(bob);
  await establishCall(ada, bob, 'voice');
  await expectCallBesidePhoneBook(bob, call);
  await expect(bob.button('Hang up')).toBeFocused();
});

/** WCAG relative luminance of a CSS rgb()/rgba() colour. */
function luminance(css: string): number {
  const [r, g, b] = css.match(/[\d.]+/g)!.slice(0, 3).map((part) => {
    const channel = Number(part) / 255;
    return channel <= 0.03928 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

const contrast = (a: string, b: string): number => {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (light! + 0.05) / (dark! + 0.05);
};

test('the incoming banner: Answer and Decline are white on strong green and red in light and dark, never faded in', async ({ openPhone }) => {
  const ada = await openPhone('Ada');
  const bob = await openPhone('Bob', { viewport: { width: 390, height: 844 } });
  await connectAll(ada, bob);
  // The banner's opacity as it is inserted, before any animation could run its course.
  await bob.page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { bannerOpacity: string[] }).bannerOpacity = seen;
    new MutationObserver(() => {
      const banner = document.querySelector('section[aria-label="Incoming call"]');
      if (banner && seen.length === 0) seen.push(getComputedStyle(banner).opacity);
    }).observe(document.body, { childList: true, subtree: true });
  });
  await ada.call(bob);
  await bob.expectRinging();
  const opacity = await bob.page.evaluate(() => (window as unknown as { bannerOpacity: string[] }).bannerOpacity);
  expect(opacity, 'the banner shows at full strength at once').toEqual(['1']);

  const banner = bob.page.getByRole('region', { name: 'Incoming call', exact: true });
  for (const colorScheme of ['light', 'dark'] as const) {
    await bob.page.emulateMedia({ colorScheme });
    for (const [name, hue] of [['Answer', 'green'], ['Decline', 'red']] as const) {
      const button = banner.getByRole('button', { name, exact: true });
      const { fill, text } = await button.evaluate((element) => ({ fill: getComputedStyle(element).backgroundColor, text: getComputedStyle(element).color }));
      const [r, g] = fill.match(/[\d.]+/g)!.map(Number);
      const what = `${name}, ${colorScheme}: ${text} on ${fill}`;
      expect(text, `${what}: white words`).toBe('rgb(255, 255, 255)');
      expect(contrast(text, fill), `${what}: contrast`).toBeGreaterThanOrEqual(4.5);
      expect(hue === 'green' ? g! > r! * 1.5 : r! > g! * 2.5, `${what}: clearly ${hue}`).toBe(true);
    }
  }
  // The positive control: the strong Decline still declines.
  await banner.getByRole('button', { name: 'Decline', exact: true }).click();
  await ada.expectCallEnded(/declined/);
});

test.describe('on a host that keeps voicemail', () => {
  test.use({
    serverOptions: async ({}, use) => {
      const dataDir = await mkdtemp(join(tmpdir(), 'leanphone-e2e-polish-'));
      await use({ dataDir, ringTimeoutMs: 1_500 });
      await rm(dataDir, { recursive: true, force: true });
    },
  });

  test('wide window, no call: the settings, and a voicemail offer above them, reach the right edge level with the header', async ({ openPhone }) => {
    const ada = await openPhone('Ada', { viewport: WIDE });
    const bob = await openPhone('Bob', { viewport: WIDE });
    await connectAll(ada, bob);
    const devices = ada.page.locator('details', { has: ada.page.getByText('Devices', { exact: true }) });
    await expectRightEdgeLevelWithHeader(ada, devices, 'Devices');

    // Bob's phone rings for 1.5 s only: too short to wait for on a busy machine, and not the point.
    await ada.call(bob);
    await ada.expectCallEnded('No answer');
    const offer = ada.page.getByRole('region', { name: 'Voicemail for Bob', exact: true });
    await expect(offer).toBeVisible();
    await expectRightEdgeLevelWithHeader(ada, offer, 'the voicemail offer');
    await expectRightEdgeLevelWithHeader(ada, devices, 'Devices');
    const [offerBox, devicesBox] = [(await offer.boundingBox())!, (await devices.boundingBox())!];
    expect(Math.abs(offerBox.x - devicesBox.x), 'the offer starts where the settings do').toBeLessThanOrEqual(1);
    expect(offerBox.y, 'the offer is above the settings').toBeLessThan(devicesBox.y);
  });
});

async function expectRightEdgeLevelWithHeader(phone: Phone, panel: Locator, what: string): Promise<void> {
  const header = (await phone.header.boundingBox())!;
  const box = (await panel.boundingBox())!;
  const [right, headerRight] = [box.x + box.width, header.x + header.width];
  expect(Math.abs(right - headerRight), `${phone.name}, ${what}: right edge at ${right} px, the header's at ${headerRight} px`).toBeLessThanOrEqual(1);
}

test('narrow phone: the STUN/TURN example fits its box, each line unbroken', async ({ openPhone }) => {
  const bob = await openPhone('Bob', { viewport: { width: 390, height: 844 } });
  await bob.connect();
  await bob.page.getByText('STUN and TURN servers', { exact: true }).click();
  const servers = bob.page.getByRole('textbox', { name: 'Your STUN/TURN servers', exact: true });
  await expect(servers).toBeVisible();
  const overflow = await servers.evaluate((element) => {
    const area = element as HTMLTextAreaElement;
    const style = getComputedStyle(area);
    const context = document.createElement('canvas').getContext('2d')!;
    context.font = `${style.fontSize} ${style.fontFamily}`;
    const room = area.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    return area.placeholder.split('\n').map((line) => ({ line, widthPx: Math.ceil(context.measureText(line).width), room })).filter((line) => line.widthPx > line.room);
  });
  expect(overflow, 'example lines wider than the box').toEqual([]);
});
