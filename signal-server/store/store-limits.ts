/** The store limits a store opens with: the defaults (options.ts) under what was given, each checked. */
import { DEFAULTS } from '../options.js';
import type { StoreLimits } from './host-store.js';

export function checkedStoreLimits(given: Partial<StoreLimits> = {}): StoreLimits {
  const limits = { ...DEFAULTS.storeLimits, ...given };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`store limit ${name} must be a whole number above 0, not ${value}`);
  }
  return limits;
}
