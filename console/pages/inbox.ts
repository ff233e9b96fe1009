import { z } from 'zod';
import { lateInquiryMail } from '../../activities/mail/templates';
import { MESSAGE_ID_LOCATOR, messageIdOf } from '../../activities/storage/message-id';
import { inquiryInputSchema, registerInquiry } from '../../cli/commands/inquiry';
import { languageSchema } from '../../schemas/actions';
import type { Policy } from '../../schemas/policy';
import { html, type HtmlValue } from '../html';
import { defineMessages, formatInstant } from '../i18n';
import { field, postForm } from '../layout';
import { inquiryMailbox, type InquiryMailbox, type OpenedMessage } from '../mailbox';
import {
  withOutcome,
  ConsoleRefusal,
  formFields,
  queryParam,
  routeParam,
  type ConsoleAnswer,
  type ConsoleRoute,
  type Notice,
  type SignedInRequest,
} from '../page';
import { noticeOf, runWork } from '../run-command';

const texts = defineMessages({
  en: {
    title: 'Inbox',
    messageTitle: 'Inquiry message',
    intro:
      'The messages in the inquiry mailbox that are not registered yet. Open one, read it, and register it: its arrival time and its Message-ID are taken from the message itself, so the e-mail is destroyed with the inquiry.',
    noMailbox: 'No inquiry mailbox is configured: set ERASURE_MAILDIR (a Maildir) or ERASURE_IMAP_URL (an IMAP server) for the service and the workers.',
    empty: 'Every message in the mailbox is registered.',
    arrived: 'Arrived',
    message: 'Message',
    open: 'Open the message of {time}',
    late: 'after the cutoff',
    inTime: 'in time',
    noPolicy: 'No policy is added yet: add one (`erasure policy add`) before registering inquiries.',
    from: 'From',
    subject: 'Subject',
    text: 'The message',
    register: 'Register the inquiry',
    registerIntro:
      'Enter the requester’s name and place of residence as the message gives them. Nothing of this form is written to any file: it is stored encrypted with the inquiry and destroyed with it.',
    name: 'Name',
    residence: 'Place of residence',
    email: 'E-mail address for the answer',
    language: 'Language of the answer',
    policy: 'Policy',
    policyHint: 'Its inquiry cutoff decides whether the inquiry is in time.',
    lateTitle: 'Received after the cutoff',
    lateIntro: 'This message arrived after the inquiry cutoff of policy {policy} ({cutoff}): it does not open the inquiry path. The letter to send:',
    letterLanguage: 'Letter in',
    showLetter: 'Show',
    gone: 'This message is no longer in the mailbox, or is registered already.',
    nl: 'Nederlands',
    en: 'English',
  },
  nl: {
    title: 'Postvak',
    messageTitle: 'Bericht met verzoek',
    intro:
      'De berichten in het postvak voor verzoeken die nog niet geregistreerd zijn. Open er een, lees het, en registreer het: de ontvangsttijd en de Message-ID komen uit het bericht zelf, zodat het bericht met het verzoek wordt vernietigd.',
    noMailbox:
      'Er is geen postvak voor verzoeken ingesteld: stel ERASURE_MAILDIR (een Maildir) of ERASURE_IMAP_URL (een IMAP-server) in voor de dienst en de workers.',
    empty: 'Elk bericht in het postvak is geregistreerd.',
    arrived: 'Ontvangen',
    message: 'Bericht',
    open: 'Open het bericht van {time}',
    late: 'na de sluiting',
    inTime: 'op tijd',
    noPolicy: 'Er is nog geen beleid toegevoegd: voeg er een toe (`erasure policy add`) voordat u verzoeken registreert.',
    from: 'Van',
    subject: 'Onderwerp',
    text: 'Het bericht',
    register: 'Verzoek registreren',
    registerIntro:
      'Vul de naam en woonplaats van de verzoeker in zoals het bericht ze geeft. Niets van dit formulier wordt in een bestand geschreven: het wordt versleuteld bij het verzoek bewaard en ermee vernietigd.',
    name: 'Naam',
    residence: 'Woonplaats',
    email: 'E-mailadres voor het antwoord',
    language: 'Taal van het antwoord',
    policy: 'Beleid',
    policyHint: 'De sluitingsdatum daarvan bepaalt of het verzoek op tijd is.',
    lateTitle: 'Ontvangen na de sluiting',
    lateIntro:
      'Dit bericht kwam binnen na de sluiting voor verzoeken van beleid {policy} ({cutoff}): het opent de inzageprocedure niet. De brief om te versturen:',
    letterLanguage: 'Brief in het',
    showLetter: 'Tonen',
    gone: 'Dit bericht staat niet meer in het postvak, of is al geregistreerd.',
    nl: 'Nederlands',
    en: 'English',
  },
});

/** The policies, newest first: the first is the one the inbox measures arrivals against. */
async function policies(c: SignedInRequest): Promise<Policy[]> {
  const { rows } = await c.deps.connections.registry().query<{ body: Policy }>('SELECT body FROM policies ORDER BY created_at DESC');
  return rows.map((r) => r.body);
}

/**
 * The Message-IDs that are not inquiries to register (lower case): those registered with an
 * inquiry already, and those the inventory holds as a record's own data (a tip-off e-mail
 * in the same mailbox is erased with its record, not registered as an inquiry).
 */
async function registeredIds(c: SignedInRequest): Promise<Set<string>> {
  const { rows } = await c.deps.connections
    .registry()
    .query<{ ref: string }>(
      "SELECT mail_ref AS ref FROM inquiries WHERE mail_ref LIKE 'message-id:%' UNION SELECT locator FROM record_locations WHERE system = 'mailbox' AND locator LIKE 'message-id:%'",
    );
  return new Set(rows.flatMap((r) => (MESSAGE_ID_LOCATOR.test(r.ref) ? [messageIdOf(r.ref)] : [])));
}

const mailboxOf = (c: SignedInRequest): InquiryMailbox => {
  const mailbox = inquiryMailbox(c.deps.config);
  if (!mailbox) throw new ConsoleRefusal(404, texts(c.language)('noMailbox'));
  return mailbox;
};

const late = (arrivedAt: Date, policy: Policy | undefined) => policy !== undefined && arrivedAt.getTime() > Date.parse(policy.inquiryCutoff);

async function inboxList(c: SignedInRequest): Promise<ConsoleAnswer> {
  const t = texts(c.language);
  const mailbox = inquiryMailbox(c.deps.config);
  if (!mailbox) return { page: { title: t('title'), body: html`<h1>${t('title')}</h1><p>${t('noMailbox')}</p>` } };
  const registered = await registeredIds(c);
  const [policy] = await policies(c);
  const messages = (await mailbox.list()).filter((m) => !registered.has(m.messageId)).sort((a, b) => a.arrivedAt.getTime() - b.arrivedAt.getTime());
  const zone = c.deps.config.ERASURE_CONSOLE_TIME_ZONE;
  const list: HtmlValue = messages.length
    ? html`<table><thead><tr><th scope="col">${t('arrived')}</th><th scope="col">${t('message')}</th></tr></thead><tbody>${messages.map((m) => {
        const time = formatInstant(m.arrivedAt, c.language, zone);
        return html`<tr${late(m.arrivedAt, policy) ? html` class="overdue"` : ''}><td>${time}</td><td><a href="/inbox/${m.key}">${t('open', { time })}</a> ${
          late(m.arrivedAt, policy) ? html`<span class="badge">${t('late')}</span>` : html`<span class="badge">${t('inTime')}</span>`
        }</td></tr>`;
      })}</tbody></table>`
    : html`<p>${t('empty')}</p>`;
  return {
    page: {
      title: t('title'),
      body: html`<h1>${t('title')}</h1><p>${t('intro')}</p>${policy ? '' : html`<p class="notice refused">${t('noPolicy')}</p>`}${list}`,
    },
  };
}

const KEY = z.string().regex(/^[0-9a-f]{32}$/);

async function openMessage(c: SignedInRequest): Promise<OpenedMessage> {
  const key = routeParam(c, 'key', KEY, 'message');
  const message = await mailboxOf(c).open(key);
  if (!message || (await registeredIds(c)).has(message.messageId)) throw new ConsoleRefusal(404, texts(c.language)('gone'));
  return message;
}

async function messagePage(c: SignedInRequest, notice?: Notice, status?: number): Promise<ConsoleAnswer> {
  const t = texts(c.language);
  const message = await openMessage(c);
  const all = await policies(c);
  const [policy] = all;
  const zone = c.deps.config.ERASURE_CONSOLE_TIME_ZONE;
  const values = ((c.request.method === 'POST' ? c.request.body : {}) ?? {}) as Record<string, string | undefined>;
  const letterLanguage = languageSchema.catch('nl').parse(queryParam(c, 'language'));
  const lateLetter =
    policy && late(message.arrivedAt, policy)
      ? lateInquiryMail(letterLanguage, { inquiryCutoff: policy.inquiryCutoff, ...(policy.timeZone ? { timeZone: policy.timeZone } : {}) })
      : undefined;
  const languages = languageSchema.options.map((l) => ({ value: l, label: t(l) }));
  const body = html`<h1>${t('messageTitle')}</h1>
<dl class="facts"><dt>${t('arrived')}</dt><dd>${formatInstant(message.arrivedAt, c.language, zone)}</dd>
<dt>${t('from')}</dt><dd>${message.from ? `${message.from.name} <${message.from.address}>` : '—'}</dd>
<dt>${t('subject')}</dt><dd>${message.subject}</dd></dl>
<section aria-labelledby="h-text"><h2 id="h-text">${t('text')}</h2><pre class="letter">${message.text}</pre></section>
${
  lateLetter && policy
    ? html`<section aria-labelledby="h-late"><h2 id="h-late">${t('lateTitle')}</h2>
<p>${t('lateIntro', { policy: policy.version, cutoff: formatInstant(policy.inquiryCutoff, c.language, zone) })}</p>
<form method="get" action="/inbox/${message.key}" class="filter">${field('language', t('letterLanguage'), { value: letterLanguage, choices: languages, id: 'f-letter-language' })}<button type="submit">${t('showLetter')}</button></form>
<dl class="facts"><dt>${t('subject')}</dt><dd>${lateLetter.subject}</dd></dl>
<pre class="letter" lang="${letterLanguage}">${lateLetter.text}</pre></section>`
    : ''
}
${
  all.length
    ? html`<section aria-labelledby="h-register"><h2 id="h-register">${t('register')}</h2><p>${t('registerIntro')}</p>
${postForm(
  c,
  `/inbox/${message.key}/register`,
  t('register'),
  html`${field('name', t('name'), { required: true, value: values.name ?? '' })}
${field('residence', t('residence'), { required: true, value: values.residence ?? '' })}
${field('email', t('email'), { type: 'email', required: true, value: values.email ?? message.from?.address ?? '' })}
${field('language', t('language'), { value: values.language ?? 'nl', choices: languages })}
${field('policy', t('policy'), { value: values.policy ?? policy?.version ?? '', hint: t('policyHint'), choices: all.map((p) => ({ value: p.version, label: p.version })) })}`,
)}</section>`
    : html`<p class="notice refused">${t('noPolicy')}</p>`
}`;
  return { page: withOutcome({ title: t('messageTitle'), body }, notice, status) };
}

const registerFields = z.object({
  name: z.string(),
  residence: z.string(),
  email: z.string(),
  language: z.string(),
  policy: z.string().min(1, 'choose a policy'),
});

/** Registers the opened message's inquiry: the form gives name, residence and address; the message gives the time and the mail reference. */
async function registerMessage(c: SignedInRequest): Promise<ConsoleAnswer> {
  const message = await openMessage(c);
  const form = formFields(c, registerFields);
  const parsed = inquiryInputSchema.safeParse({
    name: form.name,
    residence: form.residence,
    email: form.email,
    language: form.language,
    receivedAt: message.arrivedAt.toISOString(),
    mailRef: `message-id:${message.messageId}`,
  });
  if (!parsed.success) {
    // The field and what to give, never what was typed (it is personal data).
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    return messagePage(c, { kind: 'refused', lines }, 400);
  }
  let inquiryId: string | undefined;
  const result = await runWork(c, 'inquiry register', async (ctx) => {
    ({ inquiryId } = await registerInquiry(ctx, parsed.data, form.policy, 'the inbox message'));
  });
  if (!result.outcome.ok || !inquiryId) return messagePage(c, noticeOf(result), 409);
  return { redirect: `/inquiries/${inquiryId}` };
}

/** The coordinator's inbox (docs/ARCHITECTURE.md, "The console"): no file of personal data is written anywhere. */
export function inboxRoutes(): ConsoleRoute[] {
  return [
    { method: 'GET', url: '/inbox', access: { roles: ['coordinator'] }, what: 'the inbox', handle: inboxList },
    { method: 'GET', url: '/inbox/:key', access: { roles: ['coordinator'] }, what: 'an inbox message', handle: (c) => messagePage(c) },
    { method: 'POST', url: '/inbox/:key/register', access: { roles: ['coordinator'] }, what: '`erasure inquiry register`', handle: registerMessage },
  ];
}
