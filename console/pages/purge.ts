import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { PurgeProgress, PurgeReport } from '../../schemas/purge';
import { everyActingRole, officers } from '../../service/command-table';
import { html, type HtmlValue } from '../html';
import { defineMessages } from '../i18n';
import { field, postForm } from '../layout';
import {
  localTime,
  withOutcome,
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
    title: 'Purge runs',
    runTitle: 'Purge run',
    runs: 'The last runs',
    none: 'No purge run yet.',
    run: 'Run',
    started: 'Started',
    kind: 'Kind',
    outcome: 'Outcome',
    dry: 'dry run',
    scheduled: 'schedule',
    manual: 'manual',
    running: 'running',
    outcomeLine: '{erased} erased, {failed} failed, {pending} pending',
    dryOutcome: '{released} would be released',
    dryRun: 'Dry run: list what would be destroyed',
    dryIntro: 'A dry run changes nothing: it lists, per dossier and storage system, what a run would destroy now.',
    start: 'Start a purge run',
    startIntro: 'A run releases the due records in waves; each wave can wait for a privacy officer other than the one who started it (four eyes).',
    dossier: 'Only this dossier (optional)',
    dossierColumn: 'Dossier',
    approval: 'Each wave needs a privacy officer’s approval',
    waveSize: 'Records per wave (optional)',
    stage: 'Stage',
    wave: 'Wave',
    waitsFor: 'Wave {wave} waits for the approval of a privacy officer other than the one who started the run.',
    approve: 'Approve wave {wave}',
    totals: 'So far',
    candidates: 'Candidates',
    released: 'Released',
    restarted: 'Lifecycles restarted',
    skipped: 'Skipped',
    erased: 'Erased and certified',
    failed: 'Failed',
    pending: 'Still pending',
    report: 'The run’s report',
    wouldDestroy: 'What would be destroyed',
    system: 'Storage system',
    records: 'Records',
    locations: 'Locations',
    nothing: 'Nothing would be destroyed.',
    recordIds: 'The records',
    more: '… and {count} more (the full list is in {file} on the worker’s machine)',
    failures: 'Failures',
    reason: 'Reason',
    stopped: 'Stopped',
    reconciled: 'Earlier erasures re-checked',
    resurrected: 'Data that came back (erased again, flagged)',
    duration: 'Duration',
    certificates: 'Export the run’s certificates',
    live: 'This page follows the run while it works.',
  },
  nl: {
    title: 'Verwijderrondes',
    runTitle: 'Verwijderronde',
    runs: 'De laatste rondes',
    none: 'Nog geen verwijderronde.',
    run: 'Ronde',
    started: 'Gestart',
    kind: 'Soort',
    outcome: 'Uitkomst',
    dry: 'proefronde',
    scheduled: 'schema',
    manual: 'handmatig',
    running: 'loopt',
    outcomeLine: '{erased} vernietigd, {failed} mislukt, {pending} open',
    dryOutcome: '{released} zouden worden vrijgegeven',
    dryRun: 'Proefronde: tonen wat vernietigd zou worden',
    dryIntro: 'Een proefronde verandert niets: zij toont per dossier en opslagsysteem wat een ronde nu zou vernietigen.',
    start: 'Een verwijderronde starten',
    startIntro:
      'Een ronde geeft de te vernietigen registraties in golven vrij; elke golf kan wachten op een andere privacyfunctionaris dan degene die haar startte (vier ogen).',
    dossier: 'Alleen dit dossier (niet verplicht)',
    dossierColumn: 'Dossier',
    approval: 'Elke golf vraagt de goedkeuring van een privacyfunctionaris',
    waveSize: 'Registraties per golf (niet verplicht)',
    stage: 'Stadium',
    wave: 'Golf',
    waitsFor: 'Golf {wave} wacht op de goedkeuring van een andere privacyfunctionaris dan degene die de ronde startte.',
    approve: 'Golf {wave} goedkeuren',
    totals: 'Tot nu toe',
    candidates: 'Kandidaten',
    released: 'Vrijgegeven',
    restarted: 'Levenslopen herstart',
    skipped: 'Overgeslagen',
    erased: 'Vernietigd met verklaring',
    failed: 'Mislukt',
    pending: 'Nog open',
    report: 'Het verslag van de ronde',
    wouldDestroy: 'Wat vernietigd zou worden',
    system: 'Opslagsysteem',
    records: 'Registraties',
    locations: 'Vindplaatsen',
    nothing: 'Er zou niets worden vernietigd.',
    recordIds: 'De registraties',
    more: '… en nog {count} (de hele lijst staat in {file} op de machine van de worker)',
    failures: 'Mislukkingen',
    reason: 'Reden',
    stopped: 'Gestopt',
    reconciled: 'Eerdere vernietigingen opnieuw gecontroleerd',
    resurrected: 'Teruggekomen gegevens (opnieuw vernietigd, gemeld)',
    duration: 'Duur',
    certificates: 'De verklaringen van de ronde exporteren',
    live: 'Deze pagina volgt de ronde terwijl zij loopt.',
  },
});
type T = ReturnType<typeof texts>;

const RUN_ID = z.string().regex(/^purge-run-[A-Za-z0-9._-]{1,100}$/);
const runIdOf = (c: SignedInRequest) => routeParam(c, 'id', RUN_ID, 'purge run');
const date = localTime;
const sum = (skipped: Readonly<Record<string, number>>) => Object.values(skipped).reduce((a, b) => a + b, 0);

interface RunRow {
  run_ref: string;
  dry_run: boolean;
  scheduled: boolean;
  started_at: string;
  report: PurgeReport | null;
}

async function runList(c: SignedInRequest, notice?: Notice, status?: number): Promise<ConsoleAnswer> {
  const t = texts(c.language);
  const rows = await runJson<RunRow[]>(c, 'purge status');
  const list: HtmlValue = !rows.ok
    ? html`<p class="notice refused">${rows.message}</p>`
    : rows.data.length === 0
      ? html`<p>${t('none')}</p>`
      : html`<table><thead><tr><th scope="col">${t('run')}</th><th scope="col">${t('started')}</th><th scope="col">${t('kind')}</th><th scope="col">${t('outcome')}</th></tr></thead>
<tbody>${rows.data.map((r) => {
          const outcome = !r.report
            ? t('running')
            : r.report.dryRun
              ? t('dryOutcome', { released: r.report.released + r.report.restarted })
              : t('outcomeLine', { erased: r.report.erased, failed: r.report.failed, pending: r.report.pending });
          return html`<tr><td><a href="/purge/runs/${r.run_ref}">${r.run_ref}</a></td><td>${date(c, r.started_at)}</td><td>${r.dry_run ? t('dry') : r.scheduled ? t('scheduled') : t('manual')}</td><td>${outcome}</td></tr>`;
        })}</tbody></table>`;
  const mayStart = (officers as readonly string[]).includes(c.caller.session.role);
  const body = html`<h1>${t('title')}</h1>
${
  mayStart
    ? html`<section aria-labelledby="h-dry"><h2 id="h-dry">${t('dryRun')}</h2><p>${t('dryIntro')}</p>
${postForm(c, '/purge/run', t('dryRun'), html`<input type="hidden" name="dryRun" value="yes">${field('dossier', t('dossier'))}`, { id: 'dry-run' })}</section>
<section aria-labelledby="h-start"><h2 id="h-start">${t('start')}</h2><p>${t('startIntro')}</p>
${postForm(
  c,
  '/purge/run',
  t('start'),
  html`<input type="hidden" name="dryRun" value="no"><div class="field"><input type="checkbox" id="f-approval" name="approval" value="yes" checked> <label for="f-approval">${t('approval')}</label></div>
${field('dossier', t('dossier'), { id: 'f-run-dossier' })}${field('waveSize', t('waveSize'), { type: 'number' })}`,
  { danger: true, id: 'start-run' },
)}</section>`
    : ''
}
<section aria-labelledby="h-runs"><h2 id="h-runs">${t('runs')}</h2>${list}</section>`;
  return { page: withOutcome({ title: t('title'), body }, notice, status) };
}

/** The record ids of a dry run, from its list on this machine when the service shares it with the worker (as `npm start` does). */
async function dryRunRecords(file: string | undefined): Promise<{ ids: string[]; total: number } | undefined> {
  if (!file) return undefined;
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const ids = text
    .split('\n')
    .filter(Boolean)
    .map((line) => (JSON.parse(line) as { recordId?: string }).recordId ?? '')
    .filter(Boolean);
  return { ids: ids.slice(0, 200), total: ids.length };
}

function reportSection(c: SignedInRequest, t: T, r: PurgeReport, records: { ids: string[]; total: number } | undefined): HtmlValue {
  const row = (label: string, value: HtmlValue) => html`<tr><th scope="row">${label}</th><td>${value}</td></tr>`;
  return html`<section aria-labelledby="h-report"><h2 id="h-report">${t('report')}</h2>
<table class="compact"><tbody>
${row(t('started'), `${date(c, r.startedAt)} → ${date(c, r.finishedAt)}`)}${row(t('duration'), `${(r.durationMs / 1000).toFixed(1)} s`)}${row(t('wave'), r.waves)}
${row(t('candidates'), r.candidates)}${row(t('released'), r.released)}${row(t('restarted'), r.restarted)}
${r.dryRun ? '' : html`${row(t('erased'), r.erased)}${row(t('failed'), r.failed)}${row(t('pending'), r.pending)}${row(t('reconciled'), r.reconciled)}${row(t('resurrected'), r.resurrected)}`}
${row(t('skipped'), sum(r.skipped))}
${r.stoppedBecause ? row(t('stopped'), r.stoppedBecause) : ''}
</tbody></table>
${r.failures.length ? html`<h3>${t('failures')}</h3><ul>${r.failures.map((f) => html`<li>${f.records} × ${f.reason}</li>`)}</ul>` : ''}
${
  r.wouldDestroy
    ? html`<h3>${t('wouldDestroy')}</h3>${
        r.wouldDestroy.length
          ? html`<table><thead><tr><th scope="col">${t('dossierColumn')}</th><th scope="col">${t('system')}</th><th scope="col">${t('records')}</th><th scope="col">${t('locations')}</th></tr></thead>
<tbody>${r.wouldDestroy.map((w) => html`<tr><td>${w.dossier}</td><td>${w.system}</td><td>${w.records}</td><td>${w.locations}</td></tr>`)}</tbody></table>`
          : html`<p>${t('nothing')}</p>`
      }
${
  records && records.ids.length
    ? html`<h3>${t('recordIds')}</h3><ul class="columns">${records.ids.map((id) => html`<li><a href="/records/${id}">${id}</a></li>`)}</ul>${
        records.total > records.ids.length ? html`<p>${t('more', { count: records.total - records.ids.length, file: r.reportFile ?? '' })}</p>` : ''
      }`
    : ''
}`
    : ''
}
</section>`;
}

async function runPage(c: SignedInRequest, notice?: Notice, status?: number): Promise<ConsoleAnswer> {
  const t = texts(c.language);
  const runId = runIdOf(c);
  const result = await runJson<PurgeReport | PurgeProgress>(c, 'purge status', { args: [runId] });
  if (!result.ok) throw new ConsoleRefusal(404, result.message);
  const data = result.data;
  let body: HtmlValue;
  if ('stage' in data) {
    const p = data;
    const tt = p.totals;
    const officer = c.caller.session.role === 'privacy-officer';
    body = html`<div id="run-progress" data-poll="3" data-poll-url="/purge/runs/${runId}">
<p>${t('live')}</p>
<dl class="facts"><dt>${t('stage')}</dt><dd>${p.stage}</dd><dt>${t('wave')}</dt><dd>${p.wave}</dd>
<dt>${t('candidates')}</dt><dd>${tt.candidates}</dd><dt>${t('released')}</dt><dd>${tt.released}</dd><dt>${t('restarted')}</dt><dd>${tt.restarted}</dd><dt>${t('skipped')}</dt><dd>${sum(tt.skipped)}</dd>
${p.settled ? html`<dt>${t('erased')}</dt><dd>${p.settled.erased}</dd><dt>${t('failed')}</dt><dd>${p.settled.failed}</dd><dt>${t('pending')}</dt><dd>${p.settled.pending}</dd>` : ''}</dl>
${
  p.awaitingApprovalOfWave
    ? html`<p class="notice">${t('waitsFor', { wave: p.awaitingApprovalOfWave })}</p>${
        officer
          ? postForm(
              c,
              `/purge/runs/${runId}/approve`,
              t('approve', { wave: p.awaitingApprovalOfWave }),
              html`<input type="hidden" name="wave" value="${p.awaitingApprovalOfWave}">`,
              {
                id: 'approve-wave',
              },
            )
          : ''
      }`
    : ''
}
</div>`;
  } else {
    // The same block as while it ran, without data-poll: the polling page takes the report and stops.
    body = html`<div id="run-progress">${reportSection(c, t, data, data.dryRun ? await dryRunRecords(data.reportFile) : undefined)}
${!data.dryRun && c.caller.session.role !== 'screened-reviewer' ? postForm(c, `/certificates/export`, t('certificates'), html`<input type="hidden" name="run" value="${runId}"><input type="hidden" name="format" value="html">`) : ''}</div>`;
  }
  return { page: withOutcome({ title: `${t('runTitle')} ${runId}`, body: html`<h1>${t('runTitle')} ${runId}</h1>${body}` }, notice, status) };
}

const startFields = z.object({
  dryRun: z.enum(['yes', 'no']),
  dossier: z.string().trim().optional(),
  approval: z.literal('yes').optional(),
  waveSize: z.string().trim().optional(),
});

/** The purge runs' pages (docs/ARCHITECTURE.md, "The console"): the same commands as `erasure purge`, so the same four eyes. */
export function purgeRoutes(): ConsoleRoute[] {
  return [
    { method: 'GET', url: '/purge', access: { roles: officers }, what: 'the purge runs', handle: (c) => runList(c) },
    { method: 'GET', url: '/purge/runs/:id', access: { roles: everyActingRole }, what: 'a purge run', handle: (c) => runPage(c) },
    {
      method: 'POST',
      url: '/purge/run',
      access: { roles: officers },
      what: '`erasure purge run`',
      handle: async (c) => {
        const f = formFields(c, startFields);
        const result = await runCommand(c, 'purge run', {
          values: {
            'no-wait': true,
            'dry-run': f.dryRun === 'yes',
            ...(f.dossier ? { dossier: f.dossier } : {}),
            approval: f.approval === 'yes',
            ...(f.waveSize ? { 'wave-size': f.waveSize } : {}),
          },
        });
        const runId = result.lines.at(-1);
        if (!result.outcome.ok || !runId) return runList(c, noticeOf(result), 409);
        return { redirect: `/purge/runs/${runId}` };
      },
    },
    {
      method: 'POST',
      url: '/purge/runs/:id/approve',
      access: { roles: ['privacy-officer'] },
      what: '`erasure purge approve`',
      handle: async (c) => {
        const { wave } = formFields(c, z.object({ wave: z.string().regex(/^\d+$/, 'give the wave number') }));
        const result = await runCommand(c, 'purge approve', { args: [runIdOf(c)], values: { wave } });
        return runPage(c, noticeOf(result), result.outcome.ok ? undefined : 409);
      },
    },
  ];
}
