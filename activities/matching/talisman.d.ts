// talisman ships no type declarations for its phonetics modules.
declare module 'talisman/phonetics/double-metaphone' {
  /** The primary and secondary Double Metaphone codes of a word. */
  export default function doubleMetaphone(word: string): [string, string];
}
