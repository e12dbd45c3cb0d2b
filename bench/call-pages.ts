/**
 * The browser phones of `npm run bench:call`: one context per user with the call probe installed,
 * connected by its form, and what the benchmark reads and clicks in it, by role and name.
 */
import type { Browser, Locator, Page } from 'playwright-core';
import { callProbeScript, type CallProbe, type ProbeMarks } from './call-probe.js';

/** How long one step (a ring, a first frame, a button) may take before the run fails. */
export const STEP_TIMEOUT_MS = 15_000;

export interface User {
  name: string;
  page: Page;
}

export const button = (page: Page, name: string): Locator => page.getByRole('button', { name, exact: true });
export const entry = (page: Page, name: string): Locator =>
  page.getByRole('list', { name: 'Phone book', exact: true }).getByRole('listitem', { name: new RegExp(`^${name}\\b`) });

/** Opens the phone for `name` in a new context, with the probe and `scripts` run before the page's own. */
export async function openUser(browser: Browser, url: string, name: string, scripts: string[] = []): Promise<User> {
  const context = await browser.newContext({ viewport: { width: 1024, height: 720 }, permissions: ['camera', 'microphone'] });
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  for (const script of [callProbeScript(), ...scripts]) await context.addInitScript(script);
  const page = await context.newPage();
  await page.goto(url);
  await page.getByRole('textbox', { name: 'Name', exact: true }).fill(name);
  await button(page, 'Connect').click();
  return { name, page };
}

export const arm = (user: User): Promise<void> =>
  user.page.evaluate(() => (window as unknown as { __leanphoneCallProbe: CallProbe }).__leanphoneCallProbe.arm());
/** Arms `user`'s probe to click `label` itself the moment it shows (CallProbe.arm). */
export const armToAnswer = (user: User, label: string): Promise<void> =>
  user.page.evaluate((answerWith) => (window as unknown as { __leanphoneCallProbe: CallProbe }).__leanphoneCallProbe.arm(answerWith), label);
export const marksOf = (user: User): Promise<ProbeMarks> =>
  user.page.evaluate(() => (window as unknown as { __leanphoneCallProbe: CallProbe }).__leanphoneCallProbe.marks());

export function clickedAt(marks: ProbeMarks, label: string): number {
  const at = marks.clicks[label];
  if (at === undefined) throw new Error(`the page saw no click on "${label}"`);
  return at;
}

export const since = (later: number | null | undefined, earlier: number | null | undefined): number =>
  later == null || earlier == null ? Number.NaN : later - earlier;
