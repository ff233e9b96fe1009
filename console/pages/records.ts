import { z } from 'zod';
import { explanationMail } from '../../activities/mail/templates';
import { getPolicy } from '../../activities/registry/policies';
import { recordLocators } from '../../activities/registry/records';
import type { DataCategory } from '../../activities/storage/adapter';
import { configuredAdapters } from '../../activities/storage';
import { databaseUrls } from '../../infra/database-urls';
import { storageOptions } from '../../infra/storage-options';
import { actionLabels, actionRoles, identityMethods, languageSchema, type ActionName } from '../../schemas/actions';
import { durationMs } from '../../schemas/duration';
import { lifecyclePhases, type LifecyclePhase, type RecordStatus } from '../../schemas/lifecycle';
import { everyActingRole, type ServiceCommand } from '../../service/command-table';
import { html, type Html, type HtmlValue } from '../html';
import { defineMessages, formatInstant, type ConsoleLanguage } from '../i18n';
import { field, postForm } from '../layout';
import {
  withOutcome,
  localTime,
  ConsoleRefusal,
  formFields,
  queryParam,
  routeParam,
  type ConsoleAnswer,
  type ConsoleRoute,
  type Notice,
  type SignedInRequest,
} from '../page';
import { noticeOf, runCommand, runJson } from '../run-command';

const texts = defineMessages({
  en: {
    title: 'Records',
    recordTitle: 'Record',
    filter: 'Filter',
    phase: 'Phase',
    dossier: 'Dossier',
    any: 'any',
    show: 'Show',
    record: 'Record',
    workflow: 'Lifecycle',
    count: '{count} record(s)',
    none: 'No record matches.',
    facts: 'The record',
    policy: 'Policy',
    cutoff: 'Inquiry cutoff',
    purgeStart: 'Purge start',
    inquiry: 'Inquiry',
    receivedAt: 'Received',
    responseDue: 'Response due',
    consent: 'Consent',
    identity: 'Identity confirmed',
    explanation: 'Explanation sent',
    objectionEnds: 'Objection period ends',
    objection: 'Objection',
    hold: 'Legal hold',
    certificate: 'Certificate',
    lastError: 'Last error',
    yes: 'given',
    no: 'refused',
    overdue: 'overdue',
    actions: 'What you can do now',
    noActions: 'Nothing is for you to do on this record in its present phase.',
    history: 'History',
    at: 'When',
    by: 'By',
    note: 'What happened',
    consentGiven: 'The requester consents',
    consentRefused: 'The requester refuses',
    recordConsent: 'Record the consent',
    confirmIdentity: 'Confirm the identity',
    method: 'How the identity was established',
    'method-in-person-document': 'In person, with an identity document',
    'method-letter-to-registered-address': 'A letter to the registered address',
    'method-electronic-identity': 'An electronic identity',
    methodReference: 'Reference',
    methodReferenceHint: 'The desk register number, the letter’s id or the electronic sign-in’s transaction id — never a copy of the document.',
    sendExplanation: 'Preview the explanation',
    fileObjection: 'File the objection',
    decideObjection: 'Decide on the objection',
    placeHold: 'Place a legal hold',
    releaseHold: 'Release the hold',
    retryErasure: 'Retry the erasure',
    reference: 'Reference',
    referenceHint: 'The id of the document kept elsewhere, e.g. BEZW-2024-017.',
    reason: 'Reason',
    reasonHint: 'Say why, without names or other personal data.',
    outcome: 'Outcome',
    proceed: 'Proceed with the erasure',
    retain: 'Retain the record',
    decisionRef: 'Decision reference',
    consult: 'Consult the data',
    purpose: 'Purpose',
    purposeHint: 'Why you look; it is kept in the access log before anything is shown.',
    consultationTitle: 'Consultation',
    watermark: 'Consulted by {account} at {time} — confidential, logged',
    expired: 'This consultation has expired: nothing is shown any more. Consult again from the record page if you still need it.',
    expiresIn: 'This page empties itself after {minutes} minutes.',
    previewTitle: 'Explanation preview',
    previewIntro:
      'The letter exactly as it will be sent, in the requester’s language. The end of the objection period is counted from the moment of sending; sent now, it is the date shown.',
    subject: 'Subject',
    language: 'Language of the letter',
    send: 'Send the explanation',
    backToRecord: 'Back to the record',
    noPreview: 'There is no explanation to preview: {why}',
  },
  nl: {
    title: 'Registraties',
    recordTitle: 'Registratie',
    filter: 'Filter',
    phase: 'Fase',
    dossier: 'Dossier',
    any: 'alle',
    show: 'Tonen',
    record: 'Registratie',
    workflow: 'Levensloop',
    count: '{count} registratie(s)',
    none: 'Geen registratie voldoet.',
    facts: 'De registratie',
    policy: 'Beleid',
    cutoff: 'Sluiting verzoeken',
    purgeStart: 'Begin vernietiging',
    inquiry: 'Inzageverzoek',
    receivedAt: 'Ontvangen',
    responseDue: 'Antwoord uiterlijk',
    consent: 'Toestemming',
    identity: 'Identiteit bevestigd',
    explanation: 'Uitleg verstuurd',
    objectionEnds: 'Einde bezwaartermijn',
    objection: 'Bezwaar',
    hold: 'Juridische blokkade',
    certificate: 'Verklaring',
    lastError: 'Laatste fout',
    yes: 'gegeven',
    no: 'geweigerd',
    overdue: 'te laat',
    actions: 'Wat u nu kunt doen',
    noActions: 'In deze fase is er voor u niets te doen aan deze registratie.',
    history: 'Geschiedenis',
    at: 'Wanneer',
    by: 'Door',
    note: 'Wat er gebeurde',
    consentGiven: 'De verzoeker geeft toestemming',
    consentRefused: 'De verzoeker weigert',
    recordConsent: 'Toestemming vastleggen',
    confirmIdentity: 'Identiteit bevestigen',
    method: 'Hoe de identiteit is vastgesteld',
    'method-in-person-document': 'Persoonlijk, met een identiteitsbewijs',
    'method-letter-to-registered-address': 'Een brief naar het ingeschreven adres',
    'method-electronic-identity': 'Een elektronische identiteit',
    methodReference: 'Kenmerk',
    methodReferenceHint:
      'Het nummer in het balieregister, het kenmerk van de brief of de transactiecode van de elektronische aanmelding — nooit een kopie van het document.',
    sendExplanation: 'Uitleg bekijken',
    fileObjection: 'Bezwaar vastleggen',
    decideObjection: 'Over het bezwaar beslissen',
    placeHold: 'Juridische blokkade plaatsen',
    releaseHold: 'Blokkade opheffen',
    retryErasure: 'Vernietiging opnieuw proberen',
    reference: 'Kenmerk',
    referenceHint: 'Het kenmerk van het document dat elders wordt bewaard, bijv. BEZW-2024-017.',
    reason: 'Reden',
    reasonHint: 'Zeg waarom, zonder namen of andere persoonsgegevens.',
    outcome: 'Uitkomst',
    proceed: 'Vernietiging gaat door',
    retain: 'Registratie bewaren',
    decisionRef: 'Kenmerk besluit',
    consult: 'Gegevens inzien',
    purpose: 'Doel',
    purposeHint: 'Waarom u kijkt; dit wordt in het inzagelogboek vastgelegd voordat iets wordt getoond.',
    consultationTitle: 'Inzage',
    watermark: 'Ingezien door {account} om {time} — vertrouwelijk, vastgelegd',
    expired: 'Deze inzage is verlopen: er wordt niets meer getoond. Zie opnieuw in vanaf de registratie als dat nog nodig is.',
    expiresIn: 'Deze pagina maakt zichzelf na {minutes} minuten leeg.',
    previewTitle: 'Voorbeeld van de uitleg',
    previewIntro:
      'De brief precies zoals hij wordt verstuurd, in de taal van de verzoeker. Het einde van de bezwaartermijn telt vanaf het versturen; nu verstuurd is het de getoonde datum.',
    subject: 'Onderwerp',
    language: 'Taal van de brief',
    send: 'Uitleg versturen',
    backToRecord: 'Terug naar de registratie',
    noPreview: 'Er is geen uitleg om te bekijken: {why}',
  },
});

type T = ReturnType<typeof texts>;

const PHASE_NAMES: Record<ConsoleLanguage, Record<LifecyclePhase, string>> = {
  en: {
    registered: 'registered',
    'awaiting-cutoff': 'awaiting cutoff',
    'awaiting-consent': 'awaiting consent',
    'identity-check': 'identity check',
    consultation: 'consultation',
    'explanation-sent': 'explanation sent',
    'on-hold': 'on hold',
    due: 'due',
    erasing: 'erasing',
    verifying: 'verifying',
    certifying: 'certifying',
    erased: 'erased',
    retained: 'retained',
    'erasure-failed': 'erasure failed',
  },
  nl: {
    registered: 'geregistreerd',
    'awaiting-cutoff': 'wacht op sluiting',
    'awaiting-consent': 'wacht op toestemming',
    'identity-check': 'identiteitscontrole',
    consultation: 'inzage',
    'explanation-sent': 'uitleg verstuurd',
    'on-hold': 'geblokkeerd',
    due: 'te vernietigen',
    erasing: 'wordt vernietigd',
    verifying: 'wordt gecontroleerd',
    certifying: 'verklaring volgt',
    erased: 'vernietigd',
    retained: 'bewaard',
    'erasure-failed': 'vernietiging mislukt',
  },
};

/** A phase as the person reads it. */
export const phaseName = (phase: string, language: ConsoleLanguage): string => PHASE_NAMES[language][phase as LifecyclePhase] ?? phase;

const RECORD_ID = z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/);
const recordIdOf = (c: SignedInRequest) => routeParam(c, 'id', RECORD_ID, 'record');

/** The record list, filtered by phase and dossier (from Temporal's visibility: ids, phases, no personal data). */
async function recordList(c: SignedInRequest): Promise<ConsoleAnswer> {
  const t = texts(c.language);
  const phase = queryParam(c, 'phase');
  const dossier = queryParam(c, 'dossier');
  const rows = await runJson<{ recordId: string; dossier: string; phase: string; status: string }[]>(c, 'list', {
    values: { ...(phase ? { phase } : {}), ...(dossier ? { dossier } : {}) },
  });
  const filter = html`<form method="get" action="/records" class="filter">
${field('phase', t('phase'), { value: phase ?? '', choices: [{ value: '', label: t('any') }, ...lifecyclePhases.map((p) => ({ value: p, label: phaseName(p, c.language) }))] })}
${field('dossier', t('dossier'), { value: dossier ?? '' })}
<button type="submit">${t('show')}</button></form>`;
  const list: HtmlValue = !rows.ok
    ? html`<div class="notice refused" role="alert"><p>${rows.message}</p></div>`
    : rows.data.length === 0
      ? html`<p>${t('none')}</p>`
      : html`<p>${t('count', { count: rows.data.length })}</p><table><thead><tr><th scope="col">${t('record')}</th><th scope="col">${t('dossier')}</th><th scope="col">${t('phase')}</th><th scope="col">${t('workflow')}</th></tr></thead>
<tbody>${rows.data.map(
          (r) =>
            html`<tr><td><a href="/records/${r.recordId}">${r.recordId}</a></td><td>${r.dossier}</td><td>${phaseName(r.phase, c.language)}</td><td>${r.status}</td></tr>`,
        )}</tbody></table>`;
  return { page: { title: t('title'), body: html`<h1>${t('title')}</h1>${filter}${list}` } };
}

// Ids by action: two forms of one page (a decision and a hold) may each have a reason.
const reference = (t: T, action: string, name = 'reference', label = t('reference')) =>
  field(name, label, { required: true, hint: t('referenceHint'), id: `f-${action}-${name}` });
const reason = (t: T, action: string) => field('reason', t('reason'), { required: true, hint: t('reasonHint'), id: `f-${action}-reason` });

/** The form of each action, posted to /records/:id/<action>; only those the lifecycle allows now, for this role, are shown. */
function actionForm(c: SignedInRequest, t: T, recordId: string, action: ActionName, status: RecordStatus): Html {
  const to = `/records/${recordId}/${action}`;
  switch (action) {
    case 'recordConsent':
      return postForm(
        c,
        to,
        t('recordConsent'),
        field('consent', t('consent'), {
          choices: [
            { value: 'given', label: t('consentGiven') },
            { value: 'refused', label: t('consentRefused') },
          ],
        }),
      );
    case 'confirmIdentity':
      return postForm(
        c,
        to,
        t('confirmIdentity'),
        html`${field('method', t('method'), { choices: identityMethods.map((m) => ({ value: m, label: t(`method-${m}`) })) })}${field('reference', t('methodReference'), { required: true, hint: t('methodReferenceHint') })}`,
      );
    case 'sendExplanation':
      return html`<form method="get" action="/records/${recordId}/explanation" class="action">
${field('language', t('language'), { value: 'nl', choices: languageSchema.options.map((l) => ({ value: l, label: l === 'nl' ? 'Nederlands' : 'English' })) })}
<button type="submit">${t('sendExplanation')}</button></form>`;
    case 'fileObjection':
      return postForm(c, to, t('fileObjection'), reference(t, action));
    case 'decideObjection':
      return postForm(
        c,
        to,
        t('decideObjection'),
        html`${field('outcome', t('outcome'), {
          choices: [
            { value: 'proceed', label: t('proceed') },
            { value: 'retain', label: t('retain') },
          ],
        })}${reason(t, action)}${reference(t, action, 'decisionRef', t('decisionRef'))}`,
      );
    case 'placeHold':
      return postForm(c, to, t('placeHold'), html`${reference(t, action)}${reason(t, action)}`);
    case 'releaseHold':
      return postForm(c, to, t('releaseHold'), html`<input type="hidden" name="reference" value="${status.legalHold?.reference ?? ''}">`);
    case 'retryErasure':
      return postForm(c, to, t('retryErasure'), reason(t, action));
    case 'registerInquiry':
      return html``;
  }
}

const date = (c: SignedInRequest, at: string | undefined) => (at ? localTime(c, at) : '—');

async function recordPage(c: SignedInRequest, notice?: Notice, status?: number): Promise<ConsoleAnswer> {
  const t = texts(c.language);
  const recordId = recordIdOf(c);
  const result = await runJson<RecordStatus>(c, 'status', { args: [recordId] });
  if (!result.ok) throw new ConsoleRefusal(404, result.message);
  const s = result.data;
  const role = c.caller.session.role;
  const mine = (Object.keys(actionLabels) as ActionName[]).filter(
    (a) => a !== 'registerInquiry' && s.allowedActions.includes(actionLabels[a]) && (actionRoles[a] as readonly string[]).includes(role),
  );
  const consultNow = role === 'screened-reviewer' && s.phase === 'consultation';
  const fact = (label: string, value: HtmlValue) => html`<dt>${label}</dt><dd>${value}</dd>`;
  const inquiry = s.inquiry;
  const body = html`<h1>${t('recordTitle')} ${s.recordId}</h1>
<dl class="facts">
${fact(t('dossier'), s.dossier)}${fact(t('phase'), phaseName(s.phase, c.language))}${fact(t('policy'), s.policyVersion)}
${fact(t('cutoff'), date(c, s.deadlines.inquiryCutoff))}${fact(t('purgeStart'), date(c, s.deadlines.purgeStart))}
${
  inquiry
    ? html`${fact(t('inquiry'), html`<a href="/inquiries/${inquiry.inquiryId}">${inquiry.inquiryId}</a>`)}${fact(t('receivedAt'), date(c, inquiry.receivedAt))}
${fact(t('responseDue'), html`${date(c, inquiry.responseDue)}${inquiry.responseOverdue ? html` <span class="badge overdue">${t('overdue')}</span>` : ''}`)}
${inquiry.consent !== undefined ? fact(t('consent'), inquiry.consent ? t('yes') : t('no')) : ''}
${inquiry.identity ? fact(t('identity'), `${date(c, inquiry.identity.confirmedAt)} — ${t(`method-${inquiry.identity.method}`)}, ${inquiry.identity.reference}`) : ''}
${inquiry.explanationSentAt ? fact(t('explanation'), date(c, inquiry.explanationSentAt)) : ''}
${inquiry.objectionPeriodEnds ? fact(t('objectionEnds'), date(c, inquiry.objectionPeriodEnds)) : ''}`
    : ''
}
${s.objection ? fact(t('objection'), `${s.objection.reference} (${date(c, s.objection.filedAt)})`) : ''}
${s.legalHold ? fact(t('hold'), `${s.legalHold.reference} (${date(c, s.legalHold.placedAt)})`) : ''}
${s.certificateId ? fact(t('certificate'), html`<a href="/certificates/${s.certificateId}">${s.certificateId}</a>`) : ''}
${s.lastError ? fact(t('lastError'), s.lastError) : ''}
</dl>
<section aria-labelledby="h-actions"><h2 id="h-actions">${t('actions')}</h2>
${
  mine.length || consultNow
    ? html`${consultNow ? postForm(c, `/records/${s.recordId}/consult`, t('consult'), field('purpose', t('purpose'), { required: true, hint: t('purposeHint') })) : ''}${mine.map((a) => actionForm(c, t, s.recordId, a, s))}`
    : html`<p>${t('noActions')}</p>`
}
</section>
<section aria-labelledby="h-history"><h2 id="h-history">${t('history')}</h2>
<table><thead><tr><th scope="col">${t('at')}</th><th scope="col">${t('phase')}</th><th scope="col">${t('by')}</th><th scope="col">${t('note')}</th></tr></thead>
<tbody>${s.history.map((e) => html`<tr><td>${date(c, e.at)}</td><td>${phaseName(e.phase, c.language)}</td><td>${e.by}</td><td>${e.note}</td></tr>`)}</tbody></table>
</section>`;
  return { page: withOutcome({ title: `${t('recordTitle')} ${s.recordId}`, body }, notice, status) };
}

const consentFields = z.object({ consent: z.enum(['given', 'refused'], 'choose whether the requester consents') });
const identityFields = z.object({
  method: z.enum(identityMethods, 'choose how the identity was established'),
  reference: z.string().trim().min(1, 'give the reference of the identity check'),
});
const referenceFields = z.object({ reference: z.string().trim().min(1, 'give the reference') });
const reasonFields = z.object({ reason: z.string().trim().min(1, 'give a short reason') });
const decideFields = z.object({
  outcome: z.enum(['proceed', 'retain'], 'choose proceed or retain'),
  reason: z.string().trim().min(1, 'give a short reason'),
  decisionRef: z.string().trim().min(1, "give the decision's reference"),
});
const holdFields = referenceFields.extend(reasonFields.shape);
const explainFields = z.object({ language: languageSchema });

/** Each action's form, as the command the CLI and the API run: the same handler, the same refusals from the lifecycle. */
const ACTION_COMMANDS: {
  readonly [A in Exclude<ActionName, 'registerInquiry'>]: (c: SignedInRequest) => { command: ServiceCommand; values: Record<string, unknown> };
} = {
  recordConsent: (c) => ({ command: 'consent', values: { [formFields(c, consentFields).consent]: true } }),
  confirmIdentity: (c) => ({ command: 'identity', values: formFields(c, identityFields) }),
  sendExplanation: (c) => ({ command: 'explain', values: formFields(c, explainFields) }),
  fileObjection: (c) => ({ command: 'object', values: formFields(c, referenceFields) }),
  decideObjection: (c) => {
    const f = formFields(c, decideFields);
    return { command: 'decide', values: { [f.outcome]: true, reason: f.reason, 'decision-ref': f.decisionRef } };
  },
  placeHold: (c) => ({ command: 'hold', values: formFields(c, holdFields) }),
  releaseHold: (c) => ({ command: 'release', values: formFields(c, referenceFields) }),
  retryErasure: (c) => ({ command: 'retry', values: formFields(c, reasonFields) }),
};

/** What a record holds, per category, as the explanation names it (counts, never the data). */
async function recordCategories(c: SignedInRequest, recordId: string): Promise<DataCategory[]> {
  const registry = c.deps.connections.registry();
  const storage = configuredAdapters(databaseUrls(c.deps.config), storageOptions(c.deps.config));
  try {
    const systems = (await registry.query<{ system: string }>('SELECT DISTINCT system FROM record_locations WHERE record_id = $1 ORDER BY 1', [recordId])).rows;
    const categories: DataCategory[] = [];
    for (const { system } of systems) {
      const adapter = storage.adapters.get(system as never);
      if (adapter) categories.push(...adapter.categories((await adapter.locate(await recordLocators(registry, recordId, adapter.system))).present));
    }
    return categories;
  } finally {
    await storage.close();
  }
}

/** The explanation as it will be sent: the letter template the worker sends, filled from the same sources. */
async function explanationPreview(c: SignedInRequest): Promise<ConsoleAnswer> {
  const t = texts(c.language);
  const recordId = recordIdOf(c);
  const language = languageSchema.catch('nl').parse(queryParam(c, 'language'));
  const result = await runJson<RecordStatus>(c, 'status', { args: [recordId] });
  if (!result.ok) throw new ConsoleRefusal(404, result.message);
  const s = result.data;
  if (!s.inquiry || !s.allowedActions.includes(actionLabels.sendExplanation)) {
    throw new ConsoleRefusal(409, t('noPreview', { why: `record ${recordId} is ${phaseName(s.phase, c.language)}` }));
  }
  const policy = await getPolicy(c.deps.connections.registry(), s.policyVersion);
  const letter = explanationMail(language, {
    reference: s.inquiry.inquiryId,
    categories: await recordCategories(c, recordId),
    objectionPeriodEnds: new Date(Date.now() + durationMs(policy.objectionPeriod)).toISOString(),
    ...(policy.timeZone ? { timeZone: policy.timeZone } : {}),
  });
  const body = html`<h1>${t('previewTitle')}</h1>
<p>${t('previewIntro')}</p>
<dl class="facts">${html`<dt>${t('subject')}</dt><dd>${letter.subject}</dd>`}</dl>
<pre class="letter" lang="${language}">${letter.text}</pre>
${postForm(c, `/records/${recordId}/sendExplanation`, t('send'), html`<input type="hidden" name="language" value="${language}">`)}
<p><a href="/records/${recordId}">${t('backToRecord')}</a></p>`;
  return { page: { title: t('previewTitle'), body } };
}

/** The screened consultation: logged first (by the command), never cached, watermarked, and empty after its expiry. */
async function consultation(c: SignedInRequest): Promise<ConsoleAnswer> {
  const t = texts(c.language);
  const recordId = recordIdOf(c);
  const { purpose } = formFields(c, z.object({ purpose: z.string().trim().min(3, 'say why you look (it is kept in the access log)').max(200) }));
  const result = await runCommand(c, 'consult', { args: [recordId], values: { purpose } });
  if (!result.outcome.ok) return recordPage(c, noticeOf(result), 409);
  const seconds = c.deps.config.ERASURE_CONSULTATION_VIEW_SECONDS;
  const mark = t('watermark', { account: c.caller.session.accountId, time: formatInstant(new Date(), c.language, c.deps.config.ERASURE_CONSOLE_TIME_ZONE) });
  const body = html`<h1>${t('consultationTitle')}</h1>
<p class="hint">${t('expiresIn', { minutes: Math.round(seconds / 60) })}</p>
<div class="watermark" data-expires-in="${seconds}" data-expired-text="${t('expired')}">
<p class="stamp" aria-hidden="true">${mark}</p>
<p><strong>${mark}</strong></p>
<pre class="letter">${result.lines.join('\n')}</pre>
</div>
<p><a href="/records/${recordId}">${t('backToRecord')}</a></p>`;
  return { page: { title: t('consultationTitle'), body } };
}

/** The records' pages and forms (docs/ARCHITECTURE.md, "The console"). */
export function recordsRoutes(): ConsoleRoute[] {
  const actions = (Object.keys(ACTION_COMMANDS) as (keyof typeof ACTION_COMMANDS)[]).map((action): ConsoleRoute => ({
    method: 'POST',
    url: `/records/:id/${action}`,
    access: { roles: actionRoles[action] },
    what: `the action ${action}`,
    handle: async (c) => {
      const recordId = recordIdOf(c);
      const { command, values } = ACTION_COMMANDS[action](c);
      const result = await runCommand(c, command, { args: [recordId], values });
      return recordPage(c, noticeOf(result), result.outcome.ok ? undefined : 409);
    },
  }));
  return [
    { method: 'GET', url: '/records', access: { roles: everyActingRole }, what: 'the record list', handle: recordList },
    { method: 'GET', url: '/records/:id', access: { roles: everyActingRole }, what: 'a record page', handle: (c) => recordPage(c) },
    {
      method: 'GET',
      url: '/records/:id/explanation',
      access: { roles: actionRoles.sendExplanation },
      what: 'the explanation preview',
      handle: explanationPreview,
    },
    { method: 'POST', url: '/records/:id/consult', access: { roles: ['screened-reviewer'], stepUp: true }, what: 'a consultation', handle: consultation },
    ...actions,
  ];
}
