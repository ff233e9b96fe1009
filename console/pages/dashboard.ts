import { lifecyclePhases, type RecordStatus } from '../../schemas/lifecycle';
import { html, type HtmlValue } from '../html';
import { defineMessages, formatInstant } from '../i18n';
import type { ConsoleRoute, SignedInRequest } from '../page';
import { runCommand, runJson } from '../run-command';
import { phaseName } from './records';

const texts = defineMessages({
  en: {
    title: 'Dashboard',
    perPhase: 'Records per phase, per dossier',
    dossier: 'Dossier',
    total: 'Total',
    noRecords: 'No records have a lifecycle yet.',
    deadlines: 'Deadlines coming',
    deadlinesIntro: 'GDPR-overdue responses first, then by date.',
    when: 'When',
    what: 'What',
    record: 'Record',
    noDeadlines: 'No deadline is coming.',
    overdue: 'overdue',
    'kind-cutoff': 'inquiry cutoff',
    'kind-response': 'response deadline (GDPR art. 12(3))',
    'kind-objection': 'objection period ends',
    'kind-purge': 'purge start',
    'kind-review': 'retention review',
    failures: 'Erasure failures',
    noFailures: 'No erasure has failed.',
    purge: 'The purge schedule',
    ledger: 'The certificate ledger',
    ledgerChecked: 'Checked just now, at {time}:',
    recordsLink: '{count} record(s) of dossier {dossier} in phase {phase}',
    more: 'Only the first {count} open records are read for deadlines; the lists have them all.',
    unanswered: '{count} lifecycle(s) did not answer in time (is their worker running?); their deadlines are not shown.',
  },
  nl: {
    title: 'Overzicht',
    perPhase: 'Registraties per fase, per dossier',
    dossier: 'Dossier',
    total: 'Totaal',
    noRecords: 'Nog geen registratie heeft een levensloop.',
    deadlines: 'Komende termijnen',
    deadlinesIntro: 'Eerst de antwoorden die de AVG-termijn overschrijden, dan op datum.',
    when: 'Wanneer',
    what: 'Wat',
    record: 'Registratie',
    noDeadlines: 'Er komt geen termijn aan.',
    overdue: 'te laat',
    'kind-cutoff': 'sluiting termijn voor verzoeken',
    'kind-response': 'antwoordtermijn (AVG art. 12(3))',
    'kind-objection': 'einde bezwaartermijn',
    'kind-purge': 'begin vernietiging',
    'kind-review': 'herbeoordeling bewaren',
    failures: 'Mislukte vernietigingen',
    noFailures: 'Geen vernietiging is mislukt.',
    purge: 'Het vernietigingsschema',
    ledger: 'Het register van verklaringen',
    ledgerChecked: 'Zojuist gecontroleerd, om {time}:',
    recordsLink: '{count} registratie(s) van dossier {dossier} in fase {phase}',
    more: 'Alleen de eerste {count} open registraties zijn gelezen voor termijnen; de lijsten bevatten ze alle.',
    unanswered: '{count} levensloop/levenslopen antwoordde(n) niet op tijd (draait hun worker?); hun termijnen ontbreken.',
  },
});

type Kind = 'cutoff' | 'response' | 'objection' | 'purge' | 'review';
interface Deadline {
  readonly at: string;
  readonly kind: Kind;
  readonly recordId: string;
  readonly overdue: boolean;
}

/** How many open records the dashboard asks for their deadlines (each is one query of its lifecycle). */
const DEADLINE_READS = 200;
/** How long the dashboard waits for the lifecycles' answers. */
const STATUS_WAIT_MS = 3_000;
const CLOSED = new Set(['erased', 'retained']);

/** The deadlines a lifecycle has ahead of it, from its own status (no personal data). */
function deadlinesOf(status: RecordStatus, now: number): Deadline[] {
  const out: Deadline[] = [];
  const add = (at: string | undefined, kind: Kind, overdue = false) => {
    if (at && (overdue || Date.parse(at) >= now)) out.push({ at, kind, recordId: status.recordId, overdue });
  };
  if (status.phase === 'registered' || status.phase === 'awaiting-cutoff') add(status.deadlines.inquiryCutoff, 'cutoff');
  if (!CLOSED.has(status.phase)) add(status.deadlines.purgeStart, 'purge');
  const inquiry = status.inquiry;
  if (inquiry && !inquiry.explanationSentAt) add(inquiry.responseDue, 'response', inquiry.responseOverdue);
  if (inquiry?.objectionPeriodEnds && status.phase === 'explanation-sent') add(inquiry.objectionPeriodEnds, 'objection');
  if (status.phase === 'retained') add(status.reviewDue, 'review');
  return out;
}

async function dashboard(c: SignedInRequest) {
  const t = texts(c.language);
  const zone = c.deps.config.ERASURE_CONSOLE_TIME_ZONE;
  const rows = await runJson<{ recordId: string; dossier: string; phase: string; status: string }[]>(c, 'list');
  const list = rows.ok ? rows.data : [];
  const dossiers = [...new Set(list.map((r) => r.dossier))].sort();
  const phases = lifecyclePhases.filter((p) => list.some((r) => r.phase === p));
  const count = (dossier: string, phase: string) => list.filter((r) => r.dossier === dossier && r.phase === phase).length;
  const countCell = (dossier: string, phase: string): HtmlValue => {
    const n = count(dossier, phase);
    if (!n) return html`<td>0</td>`;
    return html`<td><a href="/records?dossier=${encodeURIComponent(dossier)}&amp;phase=${phase}" aria-label="${t('recordsLink', { count: n, dossier, phase: phaseName(phase, c.language) })}">${n}</a></td>`;
  };
  const perPhase: HtmlValue = !rows.ok
    ? html`<p class="notice refused">${rows.message}</p>`
    : list.length === 0
      ? html`<p>${t('noRecords')}</p>`
      : html`<table><caption class="sr-only">${t('perPhase')}</caption>
<thead><tr><th scope="col">${t('dossier')}</th>${phases.map((p) => html`<th scope="col">${phaseName(p, c.language)}</th>`)}<th scope="col">${t('total')}</th></tr></thead>
<tbody>${dossiers.map(
          (d) =>
            html`<tr><th scope="row"><a href="/records?dossier=${encodeURIComponent(d)}">${d}</a></th>${phases.map((p) => countCell(d, p))}<td>${list.filter((r) => r.dossier === d).length}</td></tr>`,
        )}</tbody></table>`;

  const open = list.filter((r) => !CLOSED.has(r.phase) && r.status === 'RUNNING').slice(0, DEADLINE_READS);
  // A lifecycle answers its query through a worker: the page does not wait for one that is down.
  const answers = await Promise.all(
    open.map((r) =>
      Promise.race([
        runJson<RecordStatus>(c, 'status', { args: [r.recordId] }),
        new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), STATUS_WAIT_MS)),
      ]),
    ),
  );
  const statuses = answers.flatMap((s) => (s?.ok ? [s.data] : []));
  const unanswered = answers.filter((s) => s === undefined).length;
  const now = Date.now();
  const deadlines = statuses
    .flatMap((s) => deadlinesOf(s, now))
    .sort((a, b) => Number(b.overdue) - Number(a.overdue) || Date.parse(a.at) - Date.parse(b.at))
    .slice(0, 25);
  const failures = statuses.filter((s) => s.phase === 'erasure-failed');

  const schedule = await runCommand(c, 'purge schedule describe');
  const ledger = c.caller.session.role === 'screened-reviewer' ? undefined : await runCommand(c, 'certificates verify');
  const lines = (result: Awaited<ReturnType<typeof runCommand>>) =>
    result.outcome.ok ? html`<ul class="lines">${result.lines.map((l) => html`<li>${l}</li>`)}</ul>` : html`<p>${result.outcome.message}</p>`;

  const body = html`<h1>${t('title')}</h1>
<section aria-labelledby="h-phase"><h2 id="h-phase">${t('perPhase')}</h2>${perPhase}</section>
<section aria-labelledby="h-deadlines"><h2 id="h-deadlines">${t('deadlines')}</h2>
<p>${t('deadlinesIntro')}</p>
${
  deadlines.length
    ? html`<table><thead><tr><th scope="col">${t('when')}</th><th scope="col">${t('what')}</th><th scope="col">${t('record')}</th></tr></thead>
<tbody>${deadlines.map(
        (d) =>
          html`<tr${d.overdue ? html` class="overdue"` : ''}><td>${formatInstant(d.at, c.language, zone)}${d.overdue ? html` <span class="badge">${t('overdue')}</span>` : ''}</td><td>${t(`kind-${d.kind}`)}</td><td><a href="/records/${d.recordId}">${d.recordId}</a></td></tr>`,
      )}</tbody></table>`
    : html`<p>${t('noDeadlines')}</p>`
}
${list.filter((r) => !CLOSED.has(r.phase)).length > DEADLINE_READS ? html`<p class="hint">${t('more', { count: DEADLINE_READS })}</p>` : ''}
${unanswered ? html`<p class="hint">${t('unanswered', { count: unanswered })}</p>` : ''}
</section>
<section aria-labelledby="h-failures"><h2 id="h-failures">${t('failures')}</h2>
${
  failures.length
    ? html`<ul>${failures.map((f) => html`<li><a href="/records/${f.recordId}">${f.recordId}</a>: ${f.lastError ?? ''}</li>`)}</ul>`
    : html`<p>${t('noFailures')}</p>`
}
</section>
<section aria-labelledby="h-purge"><h2 id="h-purge">${t('purge')}</h2>${lines(schedule)}</section>
${
  ledger
    ? html`<section aria-labelledby="h-ledger"><h2 id="h-ledger">${t('ledger')}</h2><p>${t('ledgerChecked', { time: formatInstant(new Date(), c.language, zone) })}</p>${lines(ledger)}</section>`
    : ''
}`;
  return { page: { title: t('title'), body } };
}

/** The dashboard (docs/ARCHITECTURE.md, "The console"): the administrator, who acts on accounts only, goes to them. */
export function dashboardRoutes(): ConsoleRoute[] {
  return [
    {
      method: 'GET',
      url: '/',
      access: { signedIn: true },
      what: 'the dashboard',
      handle: async (c) => (c.caller.session.role === 'administrator' ? { redirect: '/accounts' } : dashboard(c)),
    },
  ];
}
