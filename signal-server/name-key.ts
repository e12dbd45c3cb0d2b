/**
 * The switchboard's key for a user: names that differ only in case, or that look alike (UTS #39
 * skeleton over confusables.txt, via unhomoglyph), share one. Server-only: the table is ~100 KB.
 */
import unhomoglyph from 'unhomoglyph';

/** UTS #39: skeleton(X) = NFD(map(NFD(X))), each confusable mapped to its prototype. */
const skeleton = (text: string): string => unhomoglyph(text.normalize('NFD')).normalize('NFD');

const isAscii = (text: string): boolean => /^[\x20-\x7e]*$/.test(text);

/**
 * confusables.txt is case-sensitive, and a lower-case letter can look like one Latin letter while
 * its capital looks like another: Cyrillic т is a small-capital ᴛ, Т is T. Taking the letter's own
 * skeleton, or its capital's when only that one is Latin, keeps "Мах" on the key of "Max".
 */
function letterKey(letter: string): string {
  const own = skeleton(letter).toLowerCase();
  if (isAscii(own)) return own;
  const capital = skeleton(letter.toUpperCase()).toLowerCase();
  return isAscii(capital) ? capital : own;
}

/** The key of a normalised name. Capital I looks like l and case is ignored, so i and l share it. */
export function lookAlikeKey(name: string): string {
  const letters = [...name.toLowerCase().normalize('NFD')];
  return skeleton(letters.map(letterKey).join('')).toLowerCase().replaceAll('i', 'l');
}
