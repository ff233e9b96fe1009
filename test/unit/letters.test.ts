import { CATEGORY_LABELS, destructionConfirmationMail, explanationMail, noDataFoundMail, type RenderedMail } from '../../activities/mail/templates';
import type { DataCategory } from '../../activities/storage/adapter';
import { backupCategories } from '../../activities/storage/backups';
import { caseAdminCategories } from '../../activities/storage/case-admin';
import { documentCategories } from '../../activities/storage/documents';
import { mailboxCategories } from '../../activities/storage/message-id';
import type { Language } from '../../schemas/actions';
import { dataCategoriesBySystem, dataCategoryIds, type DataCategoryId } from '../../schemas/data-categories';

/** Every category of every system, as the adapters turn their counts into categories. */
const everyCategory: DataCategory[] = [
  ...caseAdminCategories({ persons: 1, notes: 2, note_sources: 3, person_organisations: 4 }),
  ...documentCategories({ files: 5, 'derived-copies': 6 }),
  ...mailboxCategories({ messages: 7 }),
  ...backupCategories({ 'backup-copies': 8 }),
];

/** Words of the other language that would give away an untranslated phrase. */
const FOREIGN: Record<Language, RegExp> = {
  nl: /\b(the|your|you|and|data|record|records|inquiry|reference|backups?|copies|documents|reports|destroyed|destruction|objection|period|dear|sir|madam|employee|screened|until|with|this|that|from|january|february|march|april|may|june|july|august|september|october|november|december|at|on)\b/i,
  en: /\b(uw|u|de|het|een|gegevens|verzoek|kenmerk|vernietigd|vernietigen|wij|zijn|van|op|om|tot|met|bij|registratie|maart|mei|juni|juli|oktober)\b/i,
};

/** Every letter a requester can receive, in one language, with every category. */
function everyLetter(language: Language, timeZone?: string): Record<string, RenderedMail> {
  const reference = '7f0c2a9e-0000-4000-8000-000000000001';
  return {
    explanation: explanationMail(language, {
      reference,
      categories: everyCategory,
      objectionPeriodEnds: '2024-05-13T10:00:00.000Z',
      ...(timeZone ? { timeZone } : {}),
    }),
    confirmation: destructionConfirmationMail(language, {
      reference,
      erasedAt: '2024-05-14T08:30:00.000Z',
      recordId: 'R-17',
      ...(timeZone ? { timeZone } : {}),
    }),
    noData: noDataFoundMail(language, { reference }),
    noDataWithCutoff: noDataFoundMail(language, { reference, inquiryCutoff: '2024-03-31T23:59:59.999+02:00', ...(timeZone ? { timeZone } : {}) }),
    beingDestroyed: noDataFoundMail(language, { reference, beingDestroyed: true, inquiryCutoff: '2024-03-31T23:59:59.999+02:00' }),
  };
}

const idPattern = (id: string) => new RegExp(`(^|[^a-z-])${id.replace(/[-]/g, '\\-')}([^a-z-]|$)`);

describe('letters to requesters - every word in their language', () => {
  it("the category list - is the adapters' categories, every one of them", () => {
    expect(new Set(everyCategory.map((c) => c.category))).toEqual(new Set(dataCategoryIds));
    expect(Object.values(dataCategoriesBySystem).flat()).toHaveLength(dataCategoryIds.length);
  });

  it.each(['nl', 'en'] as const)('the labels (%s) - one per category, written out, none shared with the other language', (language) => {
    const other = language === 'nl' ? 'en' : 'nl';
    for (const id of dataCategoryIds) {
      const label = CATEGORY_LABELS[language][id];
      expect(label.length).toBeGreaterThan(8);
      expect(label).not.toMatch(idPattern(id));
      expect(label).not.toBe(CATEGORY_LABELS[other][id]);
      expect(label).not.toMatch(FOREIGN[language]);
    }
  });

  describe.each(['nl', 'en'] as const)('in %s', (language) => {
    const letters = everyLetter(language);

    it.each(Object.keys(letters))('%s - has no untranslated key, no raw category id, no word of the other language', (name) => {
      const letter = letters[name]!;
      const text = `${letter.subject}\n${letter.text}`;
      for (const id of dataCategoryIds) expect(text).not.toMatch(idPattern(id));
      expect(text).not.toMatch(/undefined|NaN|\[object|Invalid Date/);
      expect(text.replace(/7f0c2a9e-[0-9a-f-]+/g, '')).not.toMatch(FOREIGN[language]);
    });

    it('explanation - lists every category by its label, with its count', () => {
      const text = letters.explanation!.text;
      for (const c of everyCategory) expect(text).toContain(`  - ${CATEGORY_LABELS[language][c.category]} (${c.count})\n`);
    });
  });

  it('explanation - a category without a label - stops the letter instead of showing the id', () => {
    const unknown = { category: 'belief-scores' as DataCategoryId, count: 1 };
    expect(() => explanationMail('nl', { reference: 'x', categories: [unknown], objectionPeriodEnds: '2024-05-13T10:00:00Z' })).toThrow(
      'no nl label for the data category "belief-scores"',
    );
  });

  it("dates - in the requester's language and the policy's zone, named; Europe/Amsterdam without one", () => {
    expect(everyLetter('nl').explanation!.text).toContain('tot 13 mei 2024 om 12:00 CEST laten weten');
    expect(everyLetter('en').explanation!.text).toContain('until 13 May 2024 at 12:00 CEST (the objection period)');
    expect(everyLetter('nl', 'America/New_York').explanation!.text).toContain('tot 13 mei 2024 om 06:00 EDT laten weten');
    expect(everyLetter('en', 'Europe/London').confirmation!.text).toContain('destroyed on 14 May 2024 at 09:30 BST.');
    expect(everyLetter('nl').confirmation!.text).toContain('zijn op 14 mei 2024 om 10:30 CEST vernietigd.');
  });

  it('no data found - says a screened employee checked, and when the inquiry is destroyed', () => {
    const nl = everyLetter('nl', 'Europe/Amsterdam');
    const en = everyLetter('en', 'Europe/Amsterdam');
    expect(nl.noData!.text).toContain('Een gescreende medewerker heeft de gegevens\ndie wij hebben nagekeken en geen gegevens over u gevonden.');
    expect(en.noData!.text).toContain('A screened employee checked the data we\nhold and found no data about you.');
    expect(nl.noDataWithCutoff!.text).toContain('worden\nvernietigd zodra de termijn voor verzoeken op 31 maart 2024 om 23:59 CEST sluit.');
    expect(en.noDataWithCutoff!.text).toContain('will be destroyed\nafter the inquiry period closes on 31 March 2024 at 23:59 CEST.');
    expect(nl.noData!.text).toContain('zodra de termijn voor verzoeken is gesloten.');
    expect(nl.beingDestroyed!.text).toContain('werden al\nvernietigd toen uw verzoek binnenkwam');
  });

  it("confirmation - names the deletion certificate by the record, in the requester's words", () => {
    expect(everyLetter('nl').confirmation!.text).toContain('vernietigingsverklaring (registratie R-17) zonder persoonsgegevens');
    expect(everyLetter('en').confirmation!.text).toContain('deletion certificate (record R-17)');
  });
});
