import doubleMetaphone from 'talisman/phonetics/double-metaphone';
import { foldText } from './fold';

/**
 * Name particles that are spelled, joined and dropped in many ways: Dutch tussenvoegsels
 * (van, de, van der, 't, ...), their French, German, Spanish and Italian counterparts, and
 * the Arabic article as it is transliterated (al-, el-, ul-, and assimilated ad-, ar-,
 * as-, at-, az-, an-, ash-). Variant keys leave them out; the exact key keeps them.
 * "bin", "ben", "ibn", "bint" and "ould" stay: they carry part of the name.
 */
const PARTICLES = new Set([
  'van',
  'de',
  'der',
  'den',
  'het',
  'ter',
  'ten',
  'te',
  'in',
  'op',
  'onder',
  'over',
  'bij',
  'aan',
  'uit',
  'voor',
  'vd',
  'vander',
  'vanden',
  'la',
  'le',
  'les',
  'du',
  'des',
  'di',
  'da',
  'del',
  'della',
  'dos',
  'das',
  'do',
  'von',
  'vom',
  'zu',
  'zum',
  'zur',
  'al',
  'el',
  'ul',
  'il',
  'ad',
  'ar',
  'as',
  'at',
  'az',
  'an',
  'ash',
  'ed',
  'es',
  'et',
  'ez',
]);

/** `Abd` names ("servant of ..."): abd al-Rahman, Abdel Rahman, Abdul-Rahman, Abdelrahman, Abdurrahman. */
const ABD_ALONE = /^abd(?:u|ou|o|e|a)?l?$/;
const ABD_JOINED = /^abd(?:el|al|ul|ol|oul|ou|u|e|a|o)(.{3,})$/;
const LEADING_ARTICLE = /^(?:el|al|ul|ol)(?=.{3,})/;

/** `'t` and `'s` (the Dutch articles, as in 't Hart): particles, not initials. */
const APOSTROPHE_ARTICLE = /(^|[\s-])['’‘`ʼ]\s?[ts](?=[\s-]|$)/giu;

export interface NameParts {
  /** Tokens that variant keys are made of. */
  readonly tokens: readonly string[];
  /** The name holds an initial ("F. El Idrissi"): it never links automatically. */
  readonly initials: boolean;
}

/**
 * The parts of a name that variant keys are made of: folded, particles dropped, and an
 * `Abd` element joined with the name it belongs to (never with the last token, which is
 * taken as the family name).
 */
export function nameParts(name: string): NameParts {
  const written = name.replace(APOSTROPHE_ARTICLE, '$1 ');
  const folded = foldText(written)
    .split(' ')
    .filter((t) => t !== '');
  // An initial is a letter on its own between spaces or periods ("F. El Idrissi", "J.P. Smit");
  // a hyphen or an apostrophe joins (P-17, d'Ancona).
  const initials = written.split(/[\s.]+/).some((part) => foldText(part).replace(/ /g, '').length === 1);
  return { tokens: canonical(folded.filter((t) => !PARTICLES.has(t))), initials };
}

function canonical(tokens: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i += 1) {
    const token = tokens[i]!;
    const joined = ABD_JOINED.exec(token);
    if (joined) {
      out.push(`abd${joined[1]!.replace(LEADING_ARTICLE, '')}`);
    } else if (ABD_ALONE.test(token) && i + 2 < tokens.length) {
      out.push(`abd${tokens[i + 1]!.replace(LEADING_ARTICLE, '')}`);
      i += 1;
    } else {
      out.push(token);
    }
  }
  return out;
}

/**
 * Spellings that differ between the Dutch, French and English transliterations of Arabic
 * and Turkish names (Hoessein / Hussein, Youssouf / Yusuf, Chalid / Khalid / Halid,
 * Djamila / Jamila, Hisjam / Hisham, Ghassan / Gassan), brought together before Double
 * Metaphone (talisman), which already merges Mohammed / Mohamed / Muhammad and
 * Youssef / Yusuf.
 */
const TRANSLITERATION_SPELLINGS: readonly [RegExp, string][] = [
  [/oe/g, 'u'],
  [/ou/g, 'u'],
  [/kh/g, 'h'],
  [/ch/g, 'h'],
  [/dj/g, 'j'],
  [/sj/g, 'sh'],
  [/gh/g, 'g'],
];

/** The phonetic code of one folded token. */
export function phoneticCode(token: string): string {
  const spelled = TRANSLITERATION_SPELLINGS.reduce((t, [from, to]) => t.replace(from, to), token);
  return doubleMetaphone(spelled)[0] || token;
}
