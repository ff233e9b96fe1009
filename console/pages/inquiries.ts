import { z } from 'zod';
import type { InquiryReviewStatus } from '../../schemas/inquiry-review';
import { everyActingRole } from '../../service/command-table';
import { html } from '../html';
import { defineMessages, formatInstant } from '../i18n';
import { field, postForm } from '../layout';
import {
  withOutcome,
  localTime,
  ConsoleRefusal,
  formFields,
  routeParam,
  type ConsoleAnswer,
  type ConsoleRoute,
  type Notice,
  type SignedInRequest,
} from '../page';
import { noticeOf, runCommand, runJson } from '../run-command';

const texts = defineMessages({
  en: {
    title: 'Inquiries',
    inquiryTitle: 'Inquiry',
    none: 'No inquiry is registered.',
    inquiry: 'Inquiry',
    receivedAt: 'Received',
    policy: 'Policy',
    registeredBy: 'Registered by',
    stage: 'Stage',
    cutoff: 'Inquiry cutoff',
    responseDue: 'Response due',
    links: 'Linked records',
    noLinks: 'No record is linked.',
    candidates: 'Candidates',
    noCandidates: 'No candidate awaits a decision.',
    record: 'Record',
    how: 'How',
    state: 'State',
    reasons: 'Why a candidate',
    decision: 'Decision',
    undecided: 'awaiting a screened reviewer',
    letter: 'Answered',
    noMatch: 'No match confirmed',
    actions: 'What you can do now',
    noActions: 'Nothing is for you to do on this inquiry now.',
    review: 'Review the candidates',
    purpose: 'Purpose',
    purposeHint: 'Why you look; it is kept in the access log before anything is shown.',
    confirm: 'Confirm: this record is the requester’s',
    reject: 'Reject: this record is not the requester’s',
    noMatchAction: 'Confirm that no record is the requester’s',
    expired: 'This review has expired: nothing is shown any more. Review again from the inquiry page if you still need it.',
    watermark: 'Reviewed by {account} at {time} — confidential, logged',
    reviewTitle: 'Inquiry review',
    history: 'History',
    at: 'When',
    by: 'By',
    note: 'What happened',
    back: 'Back to the inquiry',
  },
  nl: {
    title: 'Inzageverzoeken',
    inquiryTitle: 'Inzageverzoek',
    none: 'Er is geen inzageverzoek geregistreerd.',
    inquiry: 'Verzoek',
    receivedAt: 'Ontvangen',
    policy: 'Beleid',
    registeredBy: 'Geregistreerd door',
    stage: 'Stadium',
    cutoff: 'Sluiting verzoeken',
    responseDue: 'Antwoord uiterlijk',
    links: 'Gekoppelde registraties',
    noLinks: 'Geen registratie is gekoppeld.',
    candidates: 'Kandidaten',
    noCandidates: 'Geen kandidaat wacht op een beslissing.',
    record: 'Registratie',
    how: 'Hoe',
    state: 'Stand',
    reasons: 'Waarom kandidaat',
    decision: 'Beslissing',
    undecided: 'wacht op een gescreende beoordelaar',
    letter: 'Beantwoord',
    noMatch: 'Geen overeenkomst bevestigd',
    actions: 'Wat u nu kunt doen',
    noActions: 'Er is nu voor u niets te doen aan dit verzoek.',
    review: 'Kandidaten beoordelen',
    purpose: 'Doel',
    purposeHint: 'Waarom u kijkt; dit wordt in het inzagelogboek vastgelegd voordat iets wordt getoond.',
    confirm: 'Bevestigen: deze registratie is van de verzoeker',
    reject: 'Afwijzen: deze registratie is niet van de verzoeker',
    noMatchAction: 'Bevestigen dat geen registratie van de verzoeker is',
    expired: 'Deze beoordeling is verlopen: er wordt niets meer getoond. Beoordeel opnieuw vanaf het verzoek als dat nog nodig is.',
    watermark: 'Beoordeeld door {account} om {time} — vertrouwelijk, vastgelegd',
    reviewTitle: 'Beoordeling van het verzoek',
    history: 'Geschiedenis',
    at: 'Wanneer',
    by: 'Door',
    note: 'Wat er gebeurde',
    back: 'Terug naar het verzoek',
  },
});

const INQUIRY_ID = z.uuid();
const inquiryIdOf = (c: SignedInRequest) => routeParam(c, 'id', INQUIRY_ID, 'inquiry');
const date = localTime;

/** The registered inquiries, newest first: ids, times and who registered them (the contact data stays encrypted). */
async function inquiryList(c: SignedInRequest): Promise<ConsoleAnswer> {
  const t = texts(c.language);
  const { rows } = await c.deps.connections
    .registry()
    .query<{ inquiry_id: string; received_at: Date; policy_version: string; registered_by: string }>(
      'SELECT inquiry_id, received_at, policy_version, registered_by FROM inquiries ORDER BY received_at DESC LIMIT 500',
    );
  const body = rows.length
    ? html`<table><thead><tr><th scope="col">${t('inquiry')}</th><th scope="col">${t('receivedAt')}</th><th scope="col">${t('policy')}</th><th scope="col">${t('registeredBy')}</th></tr></thead>
<tbody>${rows.map(
        (r) =>
          html`<tr><td><a href="/inquiries/${r.inquiry_id}">${r.inquiry_id}</a></td><td>${date(c, r.received_at.toISOString())}</td><td>${r.policy_version}</td><td>${r.registered_by}</td></tr>`,
      )}</tbody></table>`
    : html`<p>${t('none')}</p>`;
  return { page: { title: t('title'), body: html`<h1>${t('title')}</h1>${body}` } };
}

async function inquiryPage(c: SignedInRequest, notice?: Notice, status?: number): Promise<ConsoleAnswer> {
  const t = texts(c.language);
  const inquiryId = inquiryIdOf(c);
  const result = await runJson<InquiryReviewStatus>(c, 'inquiry status', { args: [inquiryId] });
  if (!result.ok) throw new ConsoleRefusal(404, result.message);
  const s = result.data;
  const reviewer = c.caller.session.role === 'screened-reviewer';
  const open = s.candidates.filter((cand) => !cand.decision);
  const can = (a: 'confirm' | 'reject' | 'no-match') => reviewer && s.allowedActions.includes(a);
  const decide = (recordId: string) =>
    html`${can('confirm') ? postForm(c, `/inquiries/${inquiryId}/confirm`, t('confirm'), html`<input type="hidden" name="record" value="${recordId}">`, { id: `confirm-${recordId}` }) : ''}
${can('reject') ? postForm(c, `/inquiries/${inquiryId}/reject`, t('reject'), html`<input type="hidden" name="record" value="${recordId}">`, { danger: true, id: `reject-${recordId}` }) : ''}`;
  const body = html`<h1>${t('inquiryTitle')} ${inquiryId}</h1>
<dl class="facts"><dt>${t('stage')}</dt><dd>${s.stage}</dd><dt>${t('cutoff')}</dt><dd>${date(c, s.inquiryCutoff)}</dd><dt>${t('responseDue')}</dt><dd>${date(c, s.responseDue)}</dd>
${s.letter ? html`<dt>${t('letter')}</dt><dd>${s.letter.kind} (${date(c, s.letter.sentAt)})</dd>` : ''}
${s.noMatch ? html`<dt>${t('noMatch')}</dt><dd>${s.noMatch.by} (${date(c, s.noMatch.at)})</dd>` : ''}</dl>
<section aria-labelledby="h-links"><h2 id="h-links">${t('links')}</h2>
${
  s.links.length
    ? html`<table><thead><tr><th scope="col">${t('record')}</th><th scope="col">${t('how')}</th><th scope="col">${t('state')}</th></tr></thead>
<tbody>${s.links.map((l) => html`<tr><td><a href="/records/${l.recordId}">${l.recordId}</a></td><td>${l.how}</td><td>${l.state}${l.detail ? ` — ${l.detail}` : ''}</td></tr>`)}</tbody></table>`
    : html`<p>${t('noLinks')}</p>`
}</section>
<section aria-labelledby="h-candidates"><h2 id="h-candidates">${t('candidates')}</h2>
${
  s.candidates.length
    ? html`<table><thead><tr><th scope="col">${t('record')}</th><th scope="col">${t('reasons')}</th><th scope="col">${t('decision')}</th></tr></thead>
<tbody>${s.candidates.map(
        (cand) =>
          html`<tr><td>${cand.recordId}</td><td>${cand.reasons.join(', ')}</td><td>${cand.decision ? `${cand.decision.outcome} — ${cand.decision.by.user} (${date(c, cand.decision.at)})` : html`${t('undecided')}${decide(cand.recordId)}`}</td></tr>`,
      )}</tbody></table>`
    : html`<p>${t('noCandidates')}</p>`
}</section>
<section aria-labelledby="h-actions"><h2 id="h-actions">${t('actions')}</h2>
${
  reviewer && (open.length || can('no-match'))
    ? html`${postForm(c, `/inquiries/${inquiryId}/review`, t('review'), field('purpose', t('purpose'), { required: true, hint: t('purposeHint') }))}
${can('no-match') ? postForm(c, `/inquiries/${inquiryId}/no-match`, t('noMatchAction'), '', { danger: true }) : ''}`
    : html`<p>${t('noActions')}</p>`
}</section>
<section aria-labelledby="h-history"><h2 id="h-history">${t('history')}</h2>
<table><thead><tr><th scope="col">${t('at')}</th><th scope="col">${t('by')}</th><th scope="col">${t('note')}</th></tr></thead>
<tbody>${s.history.map((e) => html`<tr><td>${date(c, e.at)}</td><td>${e.by}</td><td>${e.note}</td></tr>`)}</tbody></table></section>`;
  return { page: withOutcome({ title: `${t('inquiryTitle')} ${inquiryId}`, body }, notice, status) };
}

/** The screened review: the requester's name beside each candidate's, logged first; never cached, expires like a consultation. */
async function inquiryReview(c: SignedInRequest): Promise<ConsoleAnswer> {
  const t = texts(c.language);
  const inquiryId = inquiryIdOf(c);
  const { purpose } = formFields(c, z.object({ purpose: z.string().trim().min(3, 'say why you look (it is kept in the access log)').max(200) }));
  const result = await runCommand(c, 'inquiry review', { args: [inquiryId], values: { purpose } });
  if (!result.outcome.ok) return inquiryPage(c, noticeOf(result), 409);
  const seconds = c.deps.config.ERASURE_CONSULTATION_VIEW_SECONDS;
  const status = await runJson<InquiryReviewStatus>(c, 'inquiry status', { args: [inquiryId] });
  const open = status.ok ? status.data.candidates.filter((cand) => !cand.decision) : [];
  const allowed = status.ok ? status.data.allowedActions : [];
  const mark = t('watermark', { account: c.caller.session.accountId, time: formatInstant(new Date(), c.language, c.deps.config.ERASURE_CONSOLE_TIME_ZONE) });
  const body = html`<h1>${t('reviewTitle')}</h1>
<div class="watermark" data-expires-in="${seconds}" data-expired-text="${t('expired')}">
<p class="stamp" aria-hidden="true">${mark}</p>
<p><strong>${mark}</strong></p>
<pre class="letter">${result.lines.join('\n')}</pre>
${open.map(
  (cand) => html`<h2>${t('record')} ${cand.recordId}</h2>
${allowed.includes('confirm') ? postForm(c, `/inquiries/${inquiryId}/confirm`, t('confirm'), html`<input type="hidden" name="record" value="${cand.recordId}">`, { id: `confirm-${cand.recordId}` }) : ''}
${allowed.includes('reject') ? postForm(c, `/inquiries/${inquiryId}/reject`, t('reject'), html`<input type="hidden" name="record" value="${cand.recordId}">`, { danger: true, id: `reject-${cand.recordId}` }) : ''}`,
)}
</div>
<p><a href="/inquiries/${inquiryId}">${t('back')}</a></p>`;
  return { page: { title: t('reviewTitle'), body } };
}

const decisionFields = z.object({
  record: z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'name the candidate record'),
  reason: z.string().trim().max(200).optional(),
});

/** The inquiries' pages and the screened reviewers' decisions (docs/ARCHITECTURE.md, "The console"). */
export function inquiriesRoutes(): ConsoleRoute[] {
  const decision = (outcome: 'confirm' | 'reject'): ConsoleRoute => ({
    method: 'POST',
    url: `/inquiries/:id/${outcome}`,
    access: { roles: ['screened-reviewer'] },
    what: `\`erasure inquiry ${outcome}\``,
    handle: async (c) => {
      const f = formFields(c, decisionFields);
      const result = await runCommand(c, `inquiry ${outcome}`, {
        args: [inquiryIdOf(c)],
        values: { record: f.record, ...(f.reason ? { reason: f.reason } : {}) },
      });
      return inquiryPage(c, noticeOf(result), result.outcome.ok ? undefined : 409);
    },
  });
  return [
    { method: 'GET', url: '/inquiries', access: { roles: everyActingRole }, what: 'the inquiry list', handle: inquiryList },
    { method: 'GET', url: '/inquiries/:id', access: { roles: everyActingRole }, what: 'an inquiry page', handle: (c) => inquiryPage(c) },
    {
      method: 'POST',
      url: '/inquiries/:id/review',
      access: { roles: ['screened-reviewer'], stepUp: true },
      what: '`erasure inquiry review`',
      handle: inquiryReview,
    },
    decision('confirm'),
    decision('reject'),
    {
      method: 'POST',
      url: '/inquiries/:id/no-match',
      access: { roles: ['screened-reviewer'] },
      what: '`erasure inquiry no-match`',
      handle: async (c) => {
        const result = await runCommand(c, 'inquiry no-match', { args: [inquiryIdOf(c)] });
        return inquiryPage(c, noticeOf(result), result.outcome.ok ? undefined : 409);
      },
    },
  ];
}
