/** `npm run serve -- --phone-book-limit N`: past N people phones search the phone book. */
import { describe, expect, it } from 'vitest';
import { parseCli } from '../../signal-server/cli-options.js';

describe('--phone-book-limit', () => {
  it('reads a whole number, 0 making every phone search', () => {
    expect(parseCli(['--phone-book-limit', '5000'])).toMatchObject({ kind: 'serve', options: { phoneBookLimit: 5000 } });
    expect(parseCli(['--phone-book-limit', '0'])).toMatchObject({ kind: 'serve', options: { phoneBookLimit: 0 } });
  });

  it('refuses anything else with the reason', () => {
    expect(parseCli(['--phone-book-limit', 'lots'])).toEqual({ kind: 'error', message: '--phone-book-limit must be a whole number from 0 to 1000000, not "lots"' });
  });
});
