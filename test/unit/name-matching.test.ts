import { randomBytes } from 'node:crypto';
import { foldText, identifierProblem } from '../../activities/matching/fold';
import { compareSubjects, inquirySubjectKeys, recordSubjectKeys } from '../../activities/matching/subject-keys';
import type { MatchReason } from '../../schemas/inquiry-review';

const key = randomBytes(32);
const DH = 'Den Haag';

/** [inquiry name, inquiry residence, record name, record residence] */
type Pair = readonly [string, string, string, string];

const mustLink: Pair[] = [
  ['Omer Yilmaz', DH, 'Ömer Yılmaz', DH],
  ['OMER YILMAZ', ' den haag ', 'Ömer Yılmaz', DH],
  ['Lukasz Nowak', 'Rotterdam', 'Łukasz Nowak', 'Rotterdam'],
  ['Soren Brondum', 'Utrecht', 'Søren Brøndum', 'Utrecht'],
  ['Ines Strasse', 'Tilburg', 'Inés Straße', 'Tilburg'],
  ['Aeron Kaer', 'Breda', 'Æron Kær', 'Breda'],
  ['Dorde Dokic', 'Zwolle', 'Đorđe Đokić', 'Zwolle'],
  ['Fatima El-Idrissi', DH, 'Fatima el Idrissi', DH],
  ['Sean OBrien', 'Delft', "Seán O'Brien", 'Delft'],
  ['Jan de Vries', "'s-Hertogenbosch", 'Jan de Vries', '’s-Hertogenbosch'],
  ['Şükrü Çelik', 'Arnhem', 'Sukru Celik', 'Arnhem'],
];

const mustBeCandidate: [...Pair, MatchReason][] = [
  ['Yilmaz Omer', DH, 'Ömer Yılmaz', DH, 'name-parts'],
  ['Fatima Idrissi', DH, 'Fatima el Idrissi', DH, 'name-parts'],
  ['Mohamed Al-Amrani', 'Utrecht', 'Mohamed el Amrani', 'Utrecht', 'name-parts'],
  ['Abd al-Rahman Amrani', 'Utrecht', 'Abdel Rahman Amrani', 'Utrecht', 'name-parts'],
  ['Abdelrahman Amrani', 'Utrecht', 'Abdul-Rahman Amrani', 'Utrecht', 'name-parts'],
  ['Jan van den Berg', 'Leiden', 'Jan van der Berg', 'Leiden', 'name-parts'],
  ['Berg, Jan van der', 'Leiden', 'Jan van der Berg', 'Leiden', 'name-parts'],
  ['Mohammed Amrani', 'Utrecht', 'Muhammad Amrani', 'Utrecht', 'sounds-alike'],
  ['Mohamed Amrani', 'Utrecht', 'Mohammad Amrani', 'Utrecht', 'sounds-alike'],
  ['Youssef Bakkali', 'Almere', 'Yusuf Bakkali', 'Almere', 'sounds-alike'],
  ['Hoessein Aydin', 'Almere', 'Hussein Aydın', 'Almere', 'sounds-alike'],
  ['Chalid Ouali', 'Gouda', 'Khalid Ouali', 'Gouda', 'sounds-alike'],
  ['Achmed Tahiri', 'Gouda', 'Ahmed Tahiri', 'Gouda', 'sounds-alike'],
  ['Fatima el Idrissi', 'Utrecht', 'Fatima el Idrissi', DH, 'name-any-residence'],
  ['Ömer Yılmaz', 'The Hague', 'Omer Yilmaz', "'s-Gravenhage", 'name-any-residence'],
  ['F. El Idrissi', DH, 'Fatima el Idrissi', DH, 'initial-and-surname'],
  ['F El Idrissi', DH, 'Farid el Idrissi', DH, 'initial-and-surname'],
  ['Fatima el Idrissi', DH, 'F. el Idrissi', DH, 'initial-and-surname-of-record'],
  // Initials alone never link, even when the case administration spells the name the same way.
  ['F. El Idrissi', DH, 'F. el Idrissi', DH, 'exact-with-initials'],
];

const mustNotMatch: Pair[] = [
  ['Omer Yilmaz', DH, 'Mehmet Yılmaz', DH],
  ['Fatima el Idrissi', DH, 'Farid el Idrissi', DH],
  ['F. El Idrissi', DH, 'Karim el Idrissi', DH],
  ['F. El Idrissi', 'Utrecht', 'Fatima el Idrissi', DH],
  ['Mohammed Amrani', 'Utrecht', 'Ahmed Amrani', 'Utrecht'],
  ['Youssef Amrani', 'Utrecht', 'Yasmina Amrani', 'Utrecht'],
  ['Jan de Vries', 'Utrecht', 'Johan de Vries', 'Utrecht'],
  ['Omer Yilmaz', DH, 'Omer Yildiz', DH],
  ['Jan de Vries', 'Utrecht', 'Piet de Vries', 'Utrecht'],
];

describe('inquiry matching - name pairs', () => {
  it.each(mustLink)('links %s (%s) to %s (%s)', (inquiryName, inquiryResidence, recordName, recordResidence) => {
    expect(compareSubjects(key, { name: inquiryName, residence: inquiryResidence }, { name: recordName, residence: recordResidence })).toEqual({ link: true });
  });

  it.each(mustBeCandidate)(
    'makes %s (%s) a candidate for %s (%s), because of %s, without linking',
    (inquiryName, inquiryResidence, recordName, recordResidence, reason) => {
      const verdict = compareSubjects(key, { name: inquiryName, residence: inquiryResidence }, { name: recordName, residence: recordResidence });
      expect(verdict).toMatchObject({ link: false });
      expect(verdict && !verdict.link ? verdict.reasons : []).toContain(reason);
    },
  );

  it.each(mustNotMatch)('does not match %s (%s) with %s (%s)', (inquiryName, inquiryResidence, recordName, recordResidence) => {
    expect(compareSubjects(key, { name: inquiryName, residence: inquiryResidence }, { name: recordName, residence: recordResidence })).toBeUndefined();
  });
});

describe('inquiry matching - folding and keys', () => {
  it('foldText - letters without a decomposition - are transliterated, not kept', () => {
    expect(foldText('Ömer Yılmaz')).toBe('omer yilmaz');
    expect(foldText('Ø ø Ł ł ß Æ æ Đ đ Œ þ')).toBe('o o l l ss ae ae d d oe th');
    expect(foldText('  Jän   de Vriës-Smit ')).toBe('jan de vries smit');
    expect(foldText("O'Brien ’t Hart")).toBe('obrien t hart');
  });

  it('identifierProblem - a replacement character - is refused before it reaches a hash', () => {
    expect(identifierProblem('\uFFFDmer Yilmaz')).toMatch(/replacement character \(U\+FFFD\)/);
    expect(identifierProblem('--')).toMatch(/no letters or digits/);
    expect(identifierProblem('Ömer Yılmaz')).toBeUndefined();
  });

  it('keys - only keyed hashes, never the name or a reversible form', () => {
    const record = recordSubjectKeys(key, 'Ömer Yılmaz', DH);
    const inquiry = inquirySubjectKeys(key, 'F. El Idrissi', DH);
    const text = [record.exact, ...record.variants.map((k) => k.toString('latin1')), ...inquiry.variants.map((v) => v.key.toString('latin1'))]
      .join(' ')
      .toLowerCase();
    for (const needle of ['omer', 'yilmaz', 'idrissi', 'den haag', 'alms', 'amr']) expect(text).not.toContain(needle);
    expect(record.variants.every((k) => k.length === 16)).toBe(true);
    // Another key gives other hashes: nothing is comparable without the HMAC key.
    expect(recordSubjectKeys(randomBytes(32), 'Ömer Yılmaz', DH).exact).not.toBe(record.exact);
    expect(inquiry.initials).toBe(true);
  });
});
