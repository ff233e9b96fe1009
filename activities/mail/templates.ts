import type { Language } from '../../schemas/actions';
import type { DataCategoryId } from '../../schemas/data-categories';
import { ErasureError } from '../../schemas/errors';
import type { DataCategory } from '../storage/adapter';

export interface RenderedMail {
  readonly subject: string;
  readonly text: string;
}

/**
 * Every category any system reports, in the requester's words. A `Record` over the one
 * list of categories: a category without a label in each language does not compile.
 */
export const CATEGORY_LABELS: Readonly<Record<Language, Readonly<Record<DataCategoryId, string>>>> = {
  nl: {
    'identity-residence-belief': 'uw naam, woonplaats en levensovertuiging',
    'notes-behaviour-statements': 'aantekeningen over uw gedrag en uitlatingen',
    'note-sources': 'de bronnen van die aantekeningen',
    'organisation-links': 'de organisaties waarin u actief was en de context daarvan',
    'documents-reports': 'onderzoeksrapporten en andere documenten over u',
    'document-copies-extracts': 'kopieën en tekstuittreksels van die documenten',
    'e-mails': 'e-mailberichten over of van u',
    'backup-copies': 'kopieën van deze gegevens in onze back-ups',
  },
  en: {
    'identity-residence-belief': 'your name, place of residence and religious belief',
    'notes-behaviour-statements': 'notes on your behaviour and statements',
    'note-sources': 'the sources of those notes',
    'organisation-links': 'the organisations you were active in, and the context',
    'documents-reports': 'research reports and other documents about you',
    'document-copies-extracts': 'copies and text extracts of those documents',
    'e-mails': 'e-mail messages about or from you',
    'backup-copies': 'copies of this data in our backups',
  },
};

/** Letters show times where the body works unless the policy names its own zone. */
const DEFAULT_ZONE = 'Europe/Amsterdam';

/** A date and time in the requester's language and the policy's zone, e.g. "13 mei 2024 om 12:00 CEST". */
export function letterDate(iso: string, language: Language, timeZone: string | undefined): string {
  return new Intl.DateTimeFormat(language === 'nl' ? 'nl-NL' : 'en-GB', {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone: timeZone ?? DEFAULT_ZONE,
    timeZoneName: 'short',
  }).format(new Date(iso));
}

function categoryLines(categories: readonly DataCategory[], language: Language): string {
  return categories
    .map((c) => {
      const label = CATEGORY_LABELS[language][c.category] as string | undefined;
      // Never the raw id in a letter: a category without a label stops the mail instead.
      if (!label)
        throw new ErasureError('INVALID_INPUT', `no ${language} label for the data category ${JSON.stringify(c.category)}; add it to CATEGORY_LABELS`);
      return `  - ${label} (${c.count})`;
    })
    .join('\n');
}

/**
 * The explanation ("tekst en uitleg") of what was processed. It names categories and
 * counts, not the data itself: sending the data by e-mail would make a new copy of it.
 */
export function explanationMail(
  language: Language,
  input: { reference: string; categories: readonly DataCategory[]; objectionPeriodEnds: string; timeZone?: string },
): RenderedMail {
  const until = letterDate(input.objectionPeriodEnds, language, input.timeZone);
  if (language === 'en') {
    return {
      subject: `Your inquiry ${input.reference}: what was processed about you`,
      text: `Dear Sir or Madam,

You asked whether we processed personal data about you. We did, without a legal basis. A screened
employee consulted the data with your consent. It concerns:

${categoryLines(input.categories, 'en')}

We will destroy this data, including your inquiry and your contact details. If you object to the
destruction, you can tell us until ${until} (the objection period). After that moment the
data is destroyed and you receive a confirmation.

You are welcome to view the data in person; reply to this message to make an appointment.

Reference: ${input.reference}
`,
    };
  }
  return {
    subject: `Uw verzoek ${input.reference}: welke gegevens over u zijn verwerkt`,
    text: `Geachte heer, mevrouw,

U vroeg of wij persoonsgegevens over u hebben verwerkt. Dat is gebeurd, zonder wettelijke grondslag.
Een gescreende medewerker heeft de gegevens met uw toestemming ingezien. Het gaat om:

${categoryLines(input.categories, 'nl')}

Wij vernietigen deze gegevens, met uw verzoek en uw contactgegevens. Als u bezwaar hebt tegen de
vernietiging, kunt u dat tot ${until} laten weten (de bezwaartermijn). Daarna
worden de gegevens vernietigd en ontvangt u een bevestiging.

U kunt de gegevens desgewenst op afspraak inzien; beantwoord dit bericht om een afspraak te maken.

Kenmerk: ${input.reference}
`,
  };
}

/** The last letter: the data is destroyed; the certificate is named by the record's id (it holds no personal data). */
export function destructionConfirmationMail(
  language: Language,
  input: { reference: string; erasedAt: string; recordId: string; timeZone?: string },
): RenderedMail {
  const on = letterDate(input.erasedAt, language, input.timeZone);
  if (language === 'en') {
    return {
      subject: `Your inquiry ${input.reference}: your data has been destroyed`,
      text: `Dear Sir or Madam,

The personal data about you that we processed without a legal basis was destroyed on ${on}.
Your inquiry and your contact details are destroyed with it; this is the last message you receive
from us about this matter. The destruction is recorded in a deletion certificate (record ${input.recordId})
that holds no personal data.

Reference: ${input.reference}
`,
    };
  }
  return {
    subject: `Uw verzoek ${input.reference}: uw gegevens zijn vernietigd`,
    text: `Geachte heer, mevrouw,

De persoonsgegevens over u die wij zonder wettelijke grondslag verwerkten, zijn op ${on} vernietigd.
Uw verzoek en uw contactgegevens worden daarbij ook vernietigd; dit is ons laatste bericht hierover.
De vernietiging is vastgelegd in een vernietigingsverklaring (registratie ${input.recordId}) zonder persoonsgegevens.

Kenmerk: ${input.reference}
`,
  };
}

/**
 * "No data found" — sent only after a screened employee checked the candidates and found
 * none to be the requester, so the letter says a person checked — or (beingDestroyed)
 * "your data was already being destroyed". With the cutoff, it says when the inquiry goes.
 */
export function noDataFoundMail(
  language: Language,
  input: { reference: string; beingDestroyed?: boolean; inquiryCutoff?: string; timeZone?: string },
): RenderedMail {
  const closes = input.inquiryCutoff ? letterDate(input.inquiryCutoff, language, input.timeZone) : undefined;
  const afterEn = closes ? `after the inquiry period closes on ${closes}` : 'after the inquiry period closes';
  const afterNl = closes ? `zodra de termijn voor verzoeken op ${closes} sluit` : 'zodra de termijn voor verzoeken is gesloten';
  if (input.beingDestroyed) {
    return language === 'en'
      ? {
          subject: `Your inquiry ${input.reference}: your data is being destroyed`,
          text: `Dear Sir or Madam,

You asked whether we processed personal data about you. The data we held about you was already
being destroyed when your inquiry arrived; it can no longer be consulted. Your inquiry and your
contact details will be destroyed ${afterEn}.

Reference: ${input.reference}
`,
        }
      : {
          subject: `Uw verzoek ${input.reference}: uw gegevens worden vernietigd`,
          text: `Geachte heer, mevrouw,

U vroeg of wij persoonsgegevens over u hebben verwerkt. De gegevens die wij over u hadden, werden al
vernietigd toen uw verzoek binnenkwam; inzage is niet meer mogelijk. Uw verzoek en uw contactgegevens
worden vernietigd ${afterNl}.

Kenmerk: ${input.reference}
`,
        };
  }
  if (language === 'en') {
    return {
      subject: `Your inquiry ${input.reference}: no data found`,
      text: `Dear Sir or Madam,

You asked whether we processed personal data about you. A screened employee checked the data we
hold and found no data about you. Your inquiry and your contact details will be destroyed
${afterEn}.

Reference: ${input.reference}
`,
    };
  }
  return {
    subject: `Uw verzoek ${input.reference}: geen gegevens gevonden`,
    text: `Geachte heer, mevrouw,

U vroeg of wij persoonsgegevens over u hebben verwerkt. Een gescreende medewerker heeft de gegevens
die wij hebben nagekeken en geen gegevens over u gevonden. Uw verzoek en uw contactgegevens worden
vernietigd ${afterNl}.

Kenmerk: ${input.reference}
`,
  };
}

/**
 * The answer to an inquiry that arrived after the cutoff: it does not open the inquiry
 * path (no consultation, no explanation), and the data is destroyed as announced.
 */
export function lateInquiryMail(language: Language, input: { inquiryCutoff: string; timeZone?: string }): RenderedMail {
  const closed = letterDate(input.inquiryCutoff, language, input.timeZone);
  if (language === 'en') {
    return {
      subject: 'Your inquiry: received after the period for inquiries closed',
      text: `Dear Sir or Madam,

You asked whether we processed personal data about you. We received your message after the period
for inquiries closed on ${closed}. We can therefore no longer show or explain the data: it is
destroyed as announced, and your message with it.

`,
    };
  }
  return {
    subject: 'Uw verzoek: ontvangen na het sluiten van de termijn voor verzoeken',
    text: `Geachte heer, mevrouw,

U vroeg of wij persoonsgegevens over u hebben verwerkt. Wij ontvingen uw bericht nadat de termijn
voor verzoeken op ${closed} was gesloten. Wij kunnen de gegevens daarom niet meer tonen of toelichten:
ze worden vernietigd zoals aangekondigd, en uw bericht ook.

`,
  };
}

/** What the coordinators are alerted about: a record's or an inquiry's deadline; ids and dates only. */
export type CoordinatorAlert =
  | { readonly recordId: string; readonly inquiryId?: string; readonly what: 'response-overdue' | 'retention-review'; readonly due: string }
  | { readonly recordId?: undefined; readonly inquiryId: string; readonly what: 'inquiry-review-overdue'; readonly due: string };

/** Internal, to the coordinators: ids and dates only. */
export function coordinatorAlertMail(input: CoordinatorAlert): RenderedMail {
  if (input.what === 'inquiry-review-overdue') {
    return {
      subject: `Response deadline passed: inquiry ${input.inquiryId} awaits its review`,
      text: `The response deadline (GDPR art. 12(3)) for inquiry ${input.inquiryId} passed on ${input.due}, and the requester has not been answered: a screened reviewer has yet to decide on its candidates, or to confirm that no record is the requester's.\nSee: erasure inquiry status ${input.inquiryId}\n`,
    };
  }
  const about = input.inquiryId ? `inquiry ${input.inquiryId}, record ${input.recordId}` : `record ${input.recordId}`;
  return input.what === 'response-overdue'
    ? {
        subject: `Response deadline passed: ${about}`,
        text: `The response deadline (GDPR art. 12(3)) for ${about} passed on ${input.due} without an explanation being sent.\nSee: erasure status ${input.recordId}\n`,
      }
    : {
        subject: `Retention review due: record ${input.recordId}`,
        text: `Record ${input.recordId} was retained after an objection; its review was due on ${input.due}.\nRecord a new decision with: erasure decide ${input.recordId} ...\n`,
      };
}
