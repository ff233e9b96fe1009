import { lifecyclePhases, type LifecyclePhase } from '../../schemas/lifecycle';
import { instantIn } from '../../schemas/zoned-time';
import { html, type Interpolation, type Markup } from './markup';
import type { DossierReport, OperationReport, PolicyEntry, PurgeRunEntry } from './model';

type Cell = string | number | Markup;

/** A table; numbers (and their headings) are right-aligned. Every cell is escaped by `html`. */
export function table(headers: readonly string[], rows: readonly (readonly Cell[])[], empty = 'none'): Markup {
  if (rows.length === 0) return html`<p class="empty">${empty}</p>`;
  const cell = (c: Cell) => (typeof c === 'number' ? html`<td class="n">${c}</td>` : html`<td>${c}</td>`);
  const numeric = (i: number) => typeof rows[0]?.[i] === 'number';
  return html`<table class="${headers.length <= 2 ? 'compact' : 'wide'}"><thead><tr>${headers.map((h, i) => (numeric(i) ? html`<th class="n">${h}</th>` : html`<th>${h}</th>`))}</tr></thead>
<tbody>${rows.map((r) => html`<tr>${r.map(cell)}</tr>\n`)}</tbody></table>`;
}

const section = (title: string, ...body: readonly Interpolation[]): Markup => html`<section><h2>${title}</h2>${body.map((b) => html`${b}`)}</section>\n`;

export function dossierSection(dossiers: readonly DossierReport[]): Markup {
  const phases = lifecyclePhases.filter((p): p is Exclude<LifecyclePhase, 'erased'> => p !== 'erased' && dossiers.some((d) => d.phases[p] > 0));
  const notRunning = dossiers.some((d) => d.lifecycleNotRunning > 0);
  const headers = ['dossier', 'imported', 'erased', 'no lifecycle', ...(notRunning ? ['not running'] : []), ...phases];
  const rows = dossiers.map((d) => [
    d.dossier,
    d.imported,
    d.erased,
    d.withoutLifecycle,
    ...(notRunning ? [d.lifecycleNotRunning] : []),
    ...phases.map((p) => d.phases[p]),
  ]);
  return section(
    'Records by dossier',
    html`<p class="hint">Erased: certificates in the ledger. Other columns: phases in Temporal visibility [1].</p>`,
    table(headers, rows, 'No records imported yet.'),
  );
}

export function policySection(policies: readonly PolicyEntry[]): Markup {
  const zone = (p: PolicyEntry) => p.timeZone ?? 'offset as written';
  const rows = policies.map((p) => [
    p.version,
    p.records,
    zone(p),
    instantIn(p.inquiryCutoff, p.timeZone ?? undefined),
    instantIn(p.purgeStart, p.timeZone ?? undefined),
    p.objectionPeriod,
  ]);
  return section(
    'Policies in use',
    html`<p class="hint">Deadlines in each policy's own time zone.</p>`,
    table(['policy', 'records', 'time zone', 'inquiry cutoff', 'purge start', 'objection period'], rows, 'No records imported yet.'),
  );
}

export function inquirySection(r: OperationReport): Markup {
  const q = r.inquiries;
  return section(
    'Inquiries',
    table(
      ['', 'count'],
      [
        ['open (contact data held, encrypted)', q.open],
        ['— matched to records', q.openMatched],
        ['— without a match (answered "no data found", destroyed after the cutoff)', q.openUnmatched],
        ['closed: inquiry and contact data destroyed', q.destroyed],
        ['explanations sent (one per record)', q.explanationsSent],
        ['"no data found" answers', q.noDataAnswers],
        ['destruction confirmations sent', q.destructionConfirmations],
        ['records with an open inquiry', q.recordsWithOpenInquiry],
        ['— past the response deadline now (GDPR art. 12(3))', q.recordsResponseOverdue],
        ['response-deadline alerts sent to the coordinators', q.responseOverdueAlerts],
      ],
    ),
  );
}

export function holdSection(r: OperationReport): Markup {
  const h = r.holds;
  const counts: Cell[][] = [
    ['on hold', h.onHold],
    ['— objections awaiting a decision', h.objectionsAwaitingDecision],
    ['— legal holds', h.legalHolds],
    ...(h.unclassified > 0 ? [['— not classified (see the notes)', h.unclassified]] : []),
    ['retained after a decision on an objection', h.retained],
  ];
  const items = h.items.map((i) => [i.recordId, i.dossier, i.kind, i.reference, i.since, i.pendingObjection ?? '']);
  return section(
    'Objections and legal holds',
    table(['', 'records'], counts),
    h.items.length
      ? html`<h3>On hold now</h3>${table(['record', 'dossier', 'kind', 'reference', 'since', 'objection waiting for the release'], items)}`
      : undefined,
  );
}

function runOutcome(run: PurgeRunEntry): Cell[] {
  const o = run.outcome;
  const kind = run.dryRun ? 'dry run' : run.scheduled ? 'scheduled' : 'manual';
  if (!o) return [run.runRef, kind, run.startedAt, 'running', '', '', '', '', ''];
  const skipped = Object.entries(o.skipped)
    .map(([reason, n]) => `${reason} ${n}`)
    .join(', ');
  const total = Object.values(o.skipped).reduce((a, b) => a + b, 0);
  return [
    run.runRef,
    kind,
    run.startedAt,
    run.finishedAt ?? '',
    o.candidates,
    run.dryRun ? o.released + o.restarted : o.erased,
    o.failed,
    o.pending,
    `${total}${skipped ? ` (${skipped})` : ''}${o.stoppedBecause ? `; stopped: ${o.stoppedBecause}` : ''}`,
  ];
}

export function purgeRunSection(runs: readonly PurgeRunEntry[]): Markup {
  return section(
    'Purge runs',
    html`<p class="hint">The last ${runs.length} run(s), newest first. For a dry run, "erased" is what would be released.</p>`,
    table(['run', 'kind', 'started', 'finished', 'candidates', 'erased', 'failed', 'pending', 'skipped'], runs.map(runOutcome), 'No purge run yet.'),
  );
}

export function resurrectionSection(r: OperationReport): Markup {
  const s = r.resurrections;
  return section(
    'Data that came back after erasure',
    html`<p>${s.total} finding(s) in ${s.records} record(s) by reconciliation; ${s.unverified} not verified gone after erasing again.</p>`,
    s.bySystem.length
      ? table(
          ['system', 'findings'],
          s.bySystem.map((b) => [b.system, b.count]),
        )
      : undefined,
    s.recent.length
      ? html`<h3>Latest</h3>${table(
          ['detected', 'record', 'dossier', 'system', 'verified gone', 'run'],
          s.recent.map((x) => [x.detectedAt, x.recordId, x.dossier, x.system, x.verified ? 'yes' : 'NO', x.runRef]),
        )}`
      : undefined,
  );
}

export function failureSection(r: OperationReport): Markup {
  const f = r.erasureFailures;
  return section(
    'Erasure failures',
    html`<p>${f.total} failure(s) logged for ${f.records} record(s); ${f.recordsNotErased} record(s) still not erased.</p>`,
    f.reasons.length
      ? html`<h3>Latest reason of each record not erased</h3>${table(
          ['records', 'reason'],
          f.reasons.map((x) => [x.records, x.reason]),
        )}`
      : undefined,
    f.recent.length
      ? html`<h3>Latest</h3>${table(
          ['failed', 'record', 'dossier', 'reason'],
          f.recent.map((x) => [x.failedAt, x.recordId, x.dossier, x.reason]),
        )}`
      : undefined,
  );
}
