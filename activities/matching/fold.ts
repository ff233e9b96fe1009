import { transliterate } from 'transliteration';

/** O'Brien, d'Ancona, Ma'ruf: an apostrophe joins, it does not separate. */
const APOSTROPHES = /['’‘`ʼ]/g;

/**
 * Folds a name or place for matching: accents removed (NFKD, marks dropped), then every
 * letter without a decomposition transliterated by the `transliteration` library's table
 * (ı→i, ø→o, ł→l, ß→ss, æ→ae, đ→d, and other scripts to Latin), lower case, apostrophes
 * dropped, other punctuation and hyphens to spaces, white space folded: `Ömer Yılmaz` and
 * `omer yilmaz` fold alike, `El-Idrissi` and `el Idrissi` too. The README ("Matching
 * inquiries to records") shows the rule with examples.
 */
export function foldText(text: string): string {
  const unmarked = text.normalize('NFKD').replace(/\p{M}/gu, '');
  return transliterate(unmarked, { unknown: ' ' })
    .toLowerCase()
    .replace(APOSTROPHES, '')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/**
 * Why a name or place cannot be used for matching, or undefined. A replacement character
 * (U+FFFD) means the text was decoded from another encoding with losses: matching it would
 * quietly find nobody.
 */
export function identifierProblem(text: string): string | undefined {
  if (text.includes('\uFFFD')) {
    return 'holds a replacement character (U+FFFD): it was converted from another encoding with losses; correct it from the original (saved as UTF-8)';
  }
  if (foldText(text) === '') return 'has no letters or digits to match on';
  return undefined;
}
