/**
 * Whether a word mixes writing systems, as look-alike names do ("Аlice" with a Cyrillic А).
 * Follows UTS #39's "highly restrictive" level, per word, using Unicode's Script_Extensions;
 * shared by the server and the renderer, so no Node or DOM imports here.
 */

/** ISO 15924 codes of every script with letters, digits or marks, up to Unicode 17. */
const SCRIPT_CODES = `Adlm Aghb Ahom Arab Armi Armn Avst Bali Bamu Bass Batk Beng Berf Bhks Bopo Brah Brai Bugi
  Buhd Cakm Cans Cari Cham Cher Chrs Copt Cpmn Cprt Cyrl Deva Diak Dogr Dsrt Dupl Egyp Elba Elym Ethi
  Gara Geor Glag Gong Gonm Goth Gran Grek Gujr Gukh Guru Hang Hani Hano Hatr Hebr Hira Hluw Hmng Hmnp
  Hung Ital Java Kali Kana Kawi Khar Khmr Khoj Kits Knda Krai Kthi Lana Laoo Latn Lepc Limb Lina Linb
  Lisu Lyci Lydi Mahj Maka Mand Mani Marc Medf Mend Merc Mero Mlym Modi Mong Mroo Mtei Mult Mymr Nagm
  Nand Narb Nbat Newa Nkoo Nshu Ogam Olck Onao Orkh Orya Osge Osma Ougr Palm Pauc Perm Phag Phli Phlp
  Phnx Plrd Prti Rjng Rohg Runr Samr Sarb Saur Sgnw Shaw Shrd Sidd Sidt Sind Sinh Sogd Sogo Sora Soyo
  Sund Sunu Sylo Syrc Tagb Takr Tale Talu Taml Tang Tavt Tayo Telu Tfng Tglg Thaa Thai Tibt Tirh Tnsa
  Todr Tols Toto Tutg Ugar Vaii Vith Wara Wcho Xpeo Xsux Yezi Yiii Zanb`.split(/\s+/);

/** A regex per script this engine knows; an older engine lacks the newest scripts, and then
 *  refuses their letters anyway, as unassigned code points are not letters to it. */
const SCRIPTS = SCRIPT_CODES.flatMap((code) => {
  try {
    return [{ code, pattern: new RegExp(`\\p{Script_Extensions=${code}}`, 'u') }];
  } catch {
    return [];
  }
});

/** Digits, punctuation and most combining marks belong to every script. */
const SHARED = /[\p{Script_Extensions=Common}\p{Script_Extensions=Inherited}]/u;

/** The mixes UTS #39 allows beyond a single script: Japanese, Chinese with Bopomofo, Korean. */
const ALLOWED_MIXES = [
  ['Latn', 'Hani', 'Hira', 'Kana'],
  ['Latn', 'Hani', 'Bopo'],
  ['Latn', 'Hani', 'Hang'],
];

/** Scripts of letters seen before: testing a letter against every script's pattern takes about 25 µs. */
const knownScripts = new Map<string, string[]>();
const MAX_KNOWN_SCRIPTS = 4_096;

function scriptsOf(char: string): string[] {
  const known = knownScripts.get(char);
  if (known) return known;
  const scripts = SCRIPTS.filter(({ pattern }) => pattern.test(char)).map(({ code }) => code);
  if (knownScripts.size < MAX_KNOWN_SCRIPTS) knownScripts.set(char, scripts);
  return scripts;
}

/** ASCII letters are all Latin, and the rest of ASCII belongs to every script. */
const ASCII = /^[\x00-\x7f]*$/;

/** True when no single script, and no allowed mix, covers every letter of the word. */
export function mixesScripts(word: string): boolean {
  if (ASCII.test(word)) return false;
  const letters = [...word].filter((char) => !SHARED.test(char)).map(scriptsOf);
  const first = letters[0];
  if (first === undefined) return false;
  const candidates = [...first.map((code) => [code]), ...ALLOWED_MIXES];
  return !candidates.some((group) => letters.every((scripts) => scripts.some((code) => group.includes(code))));
}
