import type { Language } from '../../schemas/actions';
import type { DataCategory } from '../storage/adapter';

export interface RenderedMail {
  readonly subject: string;
  readonly text: string;
}

const CATEGORY_TEXT: Record<Language, Record<string, string>> = {
  nl: {
    'identity-residence-belief': 'uw naam, woonplaats en levensovertuiging',
    'notes-behaviour-statements': 'aantekeningen over uw gedrag en uitlatingen',
    'note-sources': 'de bronnen van die aantekeningen',
    'organisation-links': 'de organisaties waarin u actief was en de context daarvan',
  },
  en: {
    'identity-residence-belief': 'your name, place of residence and religious belief',
    'notes-behaviour-statements': 'notes on your behaviour and statements',
    'note-sources': 'the sources of those notes',
    'organisation-links': 'the organisations you were active in, and the context',
  },
};

const date = (iso: string, language: Language) =>
  new Intl.DateTimeFormat(language === 'nl' ? 'nl-NL' : 'en-GB', { dateStyle: 'long', timeStyle: 'short', timeZone: 'Europe/Amsterdam' }).format(new Date(iso));

function categoryLines(categories: readonly DataCategory[], language: Language): string {
  return categories.map((c) => `  - ${CATEGORY_TEXT[language][c.category] ?? c.category} (${c.count})`).join('\n');
}

/**
 * The explanation ("tekst en uitleg") of what was processed. It names categories and
 * counts, not the data itself: sending the data by e-mail would make a new copy of it.
 */
export function explanationMail(language: Language, input: { reference: string; categories: readonly DataCategory[]; objectionPeriodEnds: string }): RenderedMail {
  const until = date(input.objectionPeriodEnds, language);
  if (language === 'en') {
    return {
      subject: `Your inquiry ${input.reference}: what was processed about you`,
      text: `Dear Sir or Madam,

You asked whether we processed personal data about you. We did, without a legal basis. A screened
employee consulted the data with your consent. It concerns:

${categoryLines(input.categories, 'en')}

We will destroy this data, including your inquiry and your contact details. If you object to the
destruction, you can tell us until ${until} (the objection period). After that date the
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
vernietiging, kunt u dat tot en met ${until} laten weten (de bezwaartermijn). Na die
datum worden de gegevens vernietigd en ontvangt u een bevestiging.

U kunt de gegevens desgewenst op afspraak inzien; beantwoord dit bericht om een afspraak te maken.

Kenmerk: ${input.reference}
`,
  };
}

export function destructionConfirmationMail(language: Language, input: { reference: string; erasedAt: string; certificateRef: string }): RenderedMail {
  const on = date(input.erasedAt, language);
  if (language === 'en') {
    return {
      subject: `Your inquiry ${input.reference}: your data has been destroyed`,
      text: `Dear Sir or Madam,

The personal data about you that we processed without a legal basis was destroyed on ${on}.
Your inquiry and your contact details are destroyed with it; this is the last message you receive
from us about this matter. The destruction is recorded in a deletion certificate (${input.certificateRef})
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
De vernietiging is vastgelegd in een vernietigingsverklaring (${input.certificateRef}) zonder persoonsgegevens.

Kenmerk: ${input.reference}
`,
  };
}

export function noDataFoundMail(language: Language, input: { reference: string; beingDestroyed?: boolean }): RenderedMail {
  if (input.beingDestroyed) {
    return language === 'en'
      ? {
          subject: `Your inquiry ${input.reference}: your data is being destroyed`,
          text: `Dear Sir or Madam,\n\nYou asked whether we processed personal data about you. The data we held about you was\nalready being destroyed when your inquiry arrived; it can no longer be consulted. Your inquiry and\nyour contact details will be destroyed after the inquiry period closes.\n\nReference: ${input.reference}\n`,
        }
      : {
          subject: `Uw verzoek ${input.reference}: uw gegevens worden vernietigd`,
          text: `Geachte heer, mevrouw,\n\nU vroeg of wij persoonsgegevens over u hebben verwerkt. De gegevens die wij over u hadden, werden al\nvernietigd toen uw verzoek binnenkwam; inzage is niet meer mogelijk. Uw verzoek en uw contactgegevens\nworden vernietigd zodra de termijn voor verzoeken is gesloten.\n\nKenmerk: ${input.reference}\n`,
        };
  }
  if (language === 'en') {
    return {
      subject: `Your inquiry ${input.reference}: no data found`,
      text: `Dear Sir or Madam,

You asked whether we processed personal data about you. We found no such data. Your inquiry and
your contact details will be destroyed after the inquiry period closes.

Reference: ${input.reference}
`,
    };
  }
  return {
    subject: `Uw verzoek ${input.reference}: geen gegevens gevonden`,
    text: `Geachte heer, mevrouw,

U vroeg of wij persoonsgegevens over u hebben verwerkt. Wij hebben geen gegevens over u gevonden.
Uw verzoek en uw contactgegevens worden vernietigd zodra de termijn voor verzoeken is gesloten.

Kenmerk: ${input.reference}
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
