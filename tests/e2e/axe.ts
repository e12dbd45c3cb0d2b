/**
 * axe-core scans of a phone's page: every serious or critical violation fails, and so does any
 * content outside a landmark or a page without <main> (moderate in axe, required here), listed
 * with its rule and the elements it names, so a failure says what to fix.
 */
import { AxeBuilder } from '@axe-core/playwright';
import { expect } from '@playwright/test';
import type { Phone } from './phone.js';

export type ColorScheme = 'light' | 'dark';
export const SCHEMES: readonly ColorScheme[] = ['light', 'dark'];
const ALWAYS = new Set(['landmark-one-main', 'region']);

/** Scans the whole page (or only `rules`) and expects no serious or critical violation. */
export async function expectNoSeriousViolations(phone: Phone, screen: string, rules?: string[]): Promise<void> {
  // Legacy mode runs axe inside the page: the default opens a second page per scan, which hangs
  // beside live calls on a busy machine (and the phone has no frames for it to reach).
  let builder = new AxeBuilder({ page: phone.page }).setLegacyMode(true);
  if (rules) builder = builder.withRules(rules);
  const { violations } = await builder.analyze();
  const serious = violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical' || ALWAYS.has(violation.id))
    .map((violation) => `${violation.id} (${violation.impact}): ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`);
  expect(serious, `${phone.name}, ${screen}: serious or critical axe violations`).toEqual([]);
}

/** The same scan in the light and the dark colour scheme. */
export async function expectNoSeriousViolationsEitherScheme(phone: Phone, screen: string, rules?: string[]): Promise<void> {
  for (const colorScheme of SCHEMES) {
    await phone.page.emulateMedia({ colorScheme });
    await expectNoSeriousViolations(phone, `${screen}, ${colorScheme}`, rules);
  }
}
