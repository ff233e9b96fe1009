import { createHmac } from 'node:crypto';
import { subjectHmac } from '../crypto';
import { foldText } from './fold';
import { variantKinds, type MatchReason, type VariantKind } from '../../schemas/inquiry-review';
import { nameParts, phoneticCode, type NameParts } from './name-tokens';

/**
 * Each variant key is an HMAC (keyed with the subject key, its kind bound into the input,
 * cut to 16 bytes): the registry never holds a clear or reversible form of a name. A
 * variant match makes a candidate for a screened reviewer, never a link. The kinds:
 *
 * - `name-parts`: the name's parts in any order, particles left out, and the residence
 *   (Yilmaz Ömer / Ömer Yılmaz; Fatima el Idrissi / Fatima Idrissi; Abd al-Rahman / Abdel Rahman).
 * - `sounds-alike`: the parts' phonetic codes in any order, and the residence
 *   (Mohammed / Muhammad; Youssef / Yusuf; Hoessein / Hussein).
 * - `name-any-residence`: the name's parts without the residence (someone who moved).
 * - `initial-and-surname`: first initial, family name and residence, when the inquiry
 *   gives initials (F. El Idrissi / Fatima el Idrissi).
 * - `initial-and-surname-of-record`: the same, when the record's name is written with initials.
 */
const KEY_BYTES = 16;

const variantKey = (hmacKey: Buffer, kind: VariantKind, parts: readonly string[]): Buffer =>
  createHmac('sha256', hmacKey)
    .update([kind, ...parts].join('\u0000'))
    .digest()
    .subarray(0, KEY_BYTES);

interface Keyed {
  readonly kind: VariantKind;
  readonly key: Buffer;
}

function variants(hmacKey: Buffer, name: NameParts, residence: string, side: 'record' | 'inquiry'): Keyed[] {
  const place = foldText(residence);
  const sorted = [...name.tokens].sort();
  if (sorted.length === 0) return [];
  const keyed: Keyed[] = [
    { kind: 'name-parts', key: variantKey(hmacKey, 'name-parts', [sorted.join(' '), place]) },
    { kind: 'sounds-alike', key: variantKey(hmacKey, 'sounds-alike', [name.tokens.map(phoneticCode).sort().join(' '), place]) },
    { kind: 'name-any-residence', key: variantKey(hmacKey, 'name-any-residence', [sorted.join(' ')]) },
  ];
  const first = name.tokens[0];
  const surname = name.tokens.at(-1);
  if (first && surname && name.tokens.length >= 2) {
    const initialAndSurname = [first.slice(0, 1), surname, place];
    // Keyed on both sides, but made by a side only where it should match: a record always
    // offers the first kind, an inquiry only when it gives initials; the second the other
    // way round. So Farid el Idrissi's inquiry never finds Fatima el Idrissi's record.
    if (side === 'record' || name.initials) keyed.push({ kind: 'initial-and-surname', key: variantKey(hmacKey, 'initial-and-surname', initialAndSurname) });
    if (side === 'inquiry' || name.initials) {
      keyed.push({ kind: 'initial-and-surname-of-record', key: variantKey(hmacKey, 'initial-and-surname-of-record', initialAndSurname) });
    }
  }
  return keyed;
}

export interface RecordSubjectKeys {
  /** HMAC (hex) of the folded name and residence: the record's `subject_hmac`. */
  readonly exact: string;
  /** Variant keys, stored in `subject_keys`. */
  readonly variants: readonly Buffer[];
}

/** The keys a record's subject is found by, from the name and residence in the system of record. */
export function recordSubjectKeys(hmacKey: Buffer, name: string, residence: string): RecordSubjectKeys {
  return { exact: subjectHmac(hmacKey, name, residence), variants: variants(hmacKey, nameParts(name), residence, 'record').map((v) => v.key) };
}

export interface InquirySubjectKeys {
  readonly exact: string;
  /** The requester gave initials: even an exact match is only a candidate. */
  readonly initials: boolean;
  readonly variants: readonly Keyed[];
}

/** The keys an inquiry looks for, from the name and residence the requester gave. */
export function inquirySubjectKeys(hmacKey: Buffer, name: string, residence: string): InquirySubjectKeys {
  const parts = nameParts(name);
  return { exact: subjectHmac(hmacKey, name, residence), initials: parts.initials, variants: variants(hmacKey, parts, residence, 'inquiry') };
}

export type MatchVerdict = { readonly link: true } | { readonly link: false; readonly reasons: readonly MatchReason[] };

/**
 * What an inquiry and a record have in common decides what happens: the exact key links
 * automatically unless the requester gave initials; any other common key makes the record
 * a candidate for a screened reviewer; nothing in common, no verdict.
 */
export function matchVerdict(found: { exact: boolean; initials: boolean; kinds: readonly VariantKind[] }): MatchVerdict | undefined {
  if (found.exact && !found.initials) return { link: true };
  const reasons: MatchReason[] = [...(found.exact ? (['exact-with-initials'] as const) : []), ...variantKinds.filter((k) => found.kinds.includes(k))];
  return reasons.length ? { link: false, reasons } : undefined;
}

/** The verdict for one inquiry and one record, computed in memory (the registry does the same with its stored keys). */
export function compareSubjects(
  hmacKey: Buffer,
  inquiry: { name: string; residence: string },
  record: { name: string; residence: string },
): MatchVerdict | undefined {
  const asked = inquirySubjectKeys(hmacKey, inquiry.name, inquiry.residence);
  const held = recordSubjectKeys(hmacKey, record.name, record.residence);
  const heldKeys = new Set(held.variants.map((k) => k.toString('hex')));
  return matchVerdict({
    exact: asked.exact === held.exact,
    initials: asked.initials,
    kinds: asked.variants.filter((v) => heldKeys.has(v.key.toString('hex'))).map((v) => v.kind),
  });
}
