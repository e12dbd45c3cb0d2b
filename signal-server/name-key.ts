/**
 * The switchboard's keys for a name. Two names clash when they differ only in case (the caseless
 * key) or look alike as written (the UTS #39 skeleton over confusables.txt, via unhomoglyph).
 * Server-only: the table is ~100 KB.
 */
import unhomoglyph from 'unhomoglyph';

/** How every module names a registered user: the caseless key of its name. */
export type UserKey = string;

export interface NameKeys {
  /** Case folded, each letter on its Latin look-alike where it has one: the user's primary key. */
  readonly caseless: UserKey;
  /** The skeleton of the name as written: `AIice` (capital I) and `Alice` share it, `Ella` and `Elia` do not. */
  readonly skeleton: string;
}

/** confusables.txt v13 maps Cyrillic palochka (Ӏ, ӏ), a dotless upright stroke, to a dotted i. */
const PALOCHKA = /[\u04C0\u04CF]/g;

/** UTS #39: skeleton(X) = NFD(map(NFD(X))), each confusable mapped to its prototype. */
const skeleton = (text: string): string => unhomoglyph(text.normalize('NFD').replace(PALOCHKA, 'l')).normalize('NFD');

const isAscii = (text: string): boolean => /^[\x20-\x7e]*$/.test(text);

/**
 * confusables.txt is case-sensitive, and a lower-case letter can look like one Latin letter while
 * its capital looks like another: Cyrillic т is a small-capital ᴛ, Т is T. Taking the letter's own
 * skeleton, or its capital's when only that one is Latin, keeps "мах" on the key of "max".
 */
function letterKey(letter: string): string {
  const own = skeleton(letter).toLowerCase();
  if (isAscii(own)) return own;
  const capital = skeleton(letter.toUpperCase()).toLowerCase();
  return isAscii(capital) ? capital : own;
}

/** Keys worked out before: about 30 µs a name, asked on every INVITE and MESSAGE to it. Emptied when full. */
const known = new Map<string, NameKeys>();
const MAX_KNOWN = 20_000;
/** Names are at most 32 characters; anything longer is not kept, so the cache stays small. */
const MAX_KNOWN_LENGTH = 64;

/** The keys of a normalised name. */
export function nameKeys(name: string): NameKeys {
  const cached = known.get(name);
  if (cached) return cached;
  const letters = [...name.toLowerCase().normalize('NFD')];
  const keys = { caseless: skeleton(letters.map(letterKey).join('')).toLowerCase(), skeleton: skeleton(name) };
  if (name.length > MAX_KNOWN_LENGTH) return keys;
  if (known.size >= MAX_KNOWN) known.clear();
  known.set(name, keys);
  return keys;
}
