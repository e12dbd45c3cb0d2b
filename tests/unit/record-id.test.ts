/** newRecordId: unguessable ids that sort in the order they were made, many from one draw of random bytes. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { newRecordId } from '../../signal-server/store/record-id.js';

afterEach(() => vi.useRealTimers());

describe('newRecordId', () => {
  it('is 32 hex digits: the time in milliseconds, then 80 random bits', () => {
    vi.useFakeTimers({ now: 0x18f2a3b4c5d, toFake: ['Date'] });
    const id = newRecordId();
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(id.slice(0, 12)).toBe('018f2a3b4c5d');
  });

  it('sorts later ids after earlier ones', () => {
    vi.useFakeTimers({ now: 1_000_000, toFake: ['Date'] });
    const earlier = newRecordId();
    vi.setSystemTime(1_000_001);
    expect([newRecordId(), earlier].sort()[0]).toBe(earlier);
  });

  it('never repeats its random part, across many refills of its pool of random bytes', () => {
    vi.useFakeTimers({ now: 1_000_000, toFake: ['Date'] });
    const randoms = new Set(Array.from({ length: 3_000 }, () => newRecordId().slice(12)));
    expect(randoms.size).toBe(3_000);
  });
});
