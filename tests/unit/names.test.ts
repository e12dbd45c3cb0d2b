import { describe, expect, it } from 'vitest';
import { nameKey, nameProblem, normalizeName } from '../../common/protocol.js';

describe('display names', () => {
  it('accepts letters of any script, digits, spaces and . _ - \'', () => {
    for (const name of ['Ada', 'José Ramírez', "O'Brien", 'Zoë_2', 'Мария', '山田 太郎', 'a.b-c']) {
      expect(nameProblem(normalizeName(name)), name).toBeNull();
    }
  });

  it('refuses markup, control characters, empty and over-long names with a reason', () => {
    expect(nameProblem(normalizeName('<b>x</b>'))).toMatch(/only letters/);
    expect(nameProblem(normalizeName('bell\u0007'))).toMatch(/only letters/);
    expect(nameProblem(normalizeName('   '))).toBe('name is empty');
    expect(nameProblem(normalizeName('x'.repeat(33)))).toMatch(/longer than 32/);
  });

  it('normalises to NFC and compares case-insensitively', () => {
    expect(normalizeName('  Zoe\u0301 ')).toBe('Zoé');
    expect(nameKey('ADA')).toBe(nameKey('ada'));
  });
});
