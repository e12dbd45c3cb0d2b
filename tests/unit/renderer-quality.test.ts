import { describe, expect, it } from 'vitest';
import { qualityGrade } from '../../renderer/src/rtc/quality.js';

describe('qualityGrade: call quality in plain words', () => {
  it('is null until something is measured', () => {
    expect(qualityGrade({ rttMs: null, lossPercent: null })).toBeNull();
  });
  it.each([
    [{ rttMs: 3, lossPercent: 0 }, 'good'],
    [{ rttMs: 149, lossPercent: 0.9 }, 'good'],
    [{ rttMs: 150, lossPercent: 0 }, 'fair'],
    [{ rttMs: 20, lossPercent: 1 }, 'fair'],
    [{ rttMs: 400, lossPercent: 0 }, 'poor'],
    [{ rttMs: 20, lossPercent: 5 }, 'poor'],
    [{ rttMs: null, lossPercent: 7 }, 'poor'],
    [{ rttMs: 180, lossPercent: null }, 'fair'],
  ] as const)('%o is %s', (quality, grade) => {
    expect(qualityGrade(quality)).toBe(grade);
  });
});
