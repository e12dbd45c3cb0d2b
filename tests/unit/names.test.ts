import { describe, expect, it } from 'vitest';
import { nameKey, nameProblem, normalizeName } from '../../common/protocol.js';
import { mixesScripts } from '../../common/scripts.js';
import { nameKeys } from '../../signal-server/name-key.js';

const problemOf = (raw: string) => nameProblem(normalizeName(raw));

describe('display names', () => {
  it('accepts letters of any script, digits, spaces and . _ - \'', () => {
    const names = ['Ada', 'José Ramírez', "O'Brien", 'Zoë_2', 'Мария', '山田 太郎', 'a.b-c', 'José', 'Zoë', '王小明', '홍길동', 'Ørjan', 'Anne-Marie', 'Agent 007', 'R2D2'];
    for (const name of names) expect(problemOf(name), name).toBeNull();
  });

  it('accepts the script mixes of Japanese and Korean, and different scripts in different words', () => {
    for (const name of ['田中ひろし', 'スズキ一郎', 'ラーメン', '金민수', 'Alice Иванова', '\u0410\u04CF\u0456\u0441\u0435']) {
      expect(problemOf(name), name).toBeNull();
    }
  });

  it('refuses markup, control characters, empty and over-long names with a reason', () => {
    expect(problemOf('<b>x</b>')).toMatch(/only letters/);
    expect(problemOf('bell\u0007')).toMatch(/only letters/);
    expect(problemOf('   ')).toBe('name is empty');
    expect(problemOf('x'.repeat(33))).toMatch(/longer than 32/);
  });

  it('normalises to NFKC, trims and collapses runs of spaces', () => {
    expect(normalizeName('  Zoe\u0301 ')).toBe('Zoé');
    expect(normalizeName('Ａｌｉｃｅ')).toBe('Alice');
    expect(normalizeName('Al  ice')).toBe('Al ice');
    expect(normalizeName('山田\u3000\u3000太郎')).toBe('山田 太郎');
  });

  it('refuses invisible and default-ignorable code points', () => {
    const hidden = ['Alice\u200B', 'Alice\uFE0F', 'Al\u034Fice', '\u3164Alice', '\u115FAlice', 'Alice\u1160', '\uFFA0Alice', 'Ali\u00ADce', '\u3164'];
    for (const name of hidden) expect(problemOf(name), JSON.stringify(name)).toMatch(/invisible/);
  });

  it('refuses a word that mixes scripts', () => {
    // Cyrillic А, Cyrillic е, Greek Α, Cyrillic а, Cyrillic і
    for (const name of ['\u0410lice', 'Alic\u0435', '\u0391lice', 'p\u0430ypal', 'Bob Sm\u0456th']) {
      expect(problemOf(name), name).toMatch(/mixes scripts/);
    }
  });

  it('knows the script of every letter, digit and mark this engine knows', () => {
    const unplaced: string[] = [];
    for (let codePoint = 0; codePoint <= 0x10ffff; codePoint += 1) {
      const char = String.fromCodePoint(codePoint);
      if (/[\p{L}\p{M}\p{N}]/u.test(char) && mixesScripts(char)) unplaced.push(codePoint.toString(16));
    }
    expect(unplaced).toEqual([]);
  });

  it('keys the phone book case-insensitively', () => {
    expect(nameKey('ADA')).toBe(nameKey('ada'));
  });
});

describe('look-alike keys (UTS #39 skeleton, server side)', () => {
  const keys = (raw: string) => nameKeys(normalizeName(raw));
  const clash = (a: string, b: string): boolean => {
    const [x, y] = [keys(a), keys(b)];
    return x.caseless === y.caseless || x.skeleton === y.skeleton;
  };

  it('gives names that differ only in case, or look alike, one key', () => {
    const alikes = [
      // all-Cyrillic Аӏісе and АӀІСЕ; full-width; capital I and digit 1 for l.
      ['Alice', 'ALICE', 'alice', '\u0410\u04CF\u0456\u0441\u0435', '\u0410\u04C0\u0406\u0421\u0415', 'Ａｌｉｃｅ', 'AIice', 'A1ice'],
      ['Sam', 'Sarn'],
      ['Max', '\u041C\u0430\u0445'], // Cyrillic Мах: its м is a small capital, its М is M
      ['Becca', '\u0412\u0435\u0441\u0441\u0430'], // Cyrillic Вecca
      ['Tom K', 'Tom \u041A'], // a Cyrillic initial is a word of its own
      ['Eva', '\u0395\u03BD\u03B1'], // Greek Ενα
      ['Bob', 'B0b'],
    ];
    for (const [first, ...rest] of alikes) {
      for (const other of rest) expect(clash(first!, other!), `${first} / ${other}`).toBe(true);
    }
  });

  it('keeps names that look different apart', () => {
    const distinct = ['José', 'Jose', 'Zoë', 'Zoe', 'Ørjan', 'Orjan', 'Anna', 'Anne', 'Ada', 'Bob', 'Ella', 'Elia', 'Ila', 'Lia', 'Ali', 'All', '王小明', '홍길동', 'Мария'];
    for (const [index, first] of distinct.entries()) {
      for (const other of distinct.slice(index + 1)) expect(clash(first, other), `${first} / ${other}`).toBe(false);
    }
  });
});
