import { lifecyclePhases, type LifecyclePhase } from '../../schemas/lifecycle';
import { deadlineIn } from '../../schemas/zoned-time';
import type { DossierReport, OperationReport, PolicyEntry, PurgeRunEntry } from './model';

/** Days of the per-day certificate table in the text output (--json and --html give all). */
const TEXT_DAYS = 14;

const row = (label: string, value: number | string, extra = ''): string => `  ${label.padEnd(46)} ${String(value).padStart(8)}${extra ? `  ${extra}` : ''}`;
export const percent = (part: number, whole: number): string => (whole > 0 ? `${((100 * part) / whole).toFixed(1)} %` : '–');

/** The plain-text report, one line per element, for a terminal or a mail. */
export function formatOperationReport(r: OperationReport): string[] {
  return [
    `Erasure operation report, ${r.generatedAt} (namespace ${r.namespace})`,
    '',
    ...records(r),
    '',
    ...dossierTable(r.dossiers),
    '',
    ...policies(r.policies),
    '',
    ...inquiries(r),
    '',
    ...holds(r),
    '',
    ...certificates(r),
    '',
    ...purgeRuns(r.purgeRuns),
    '',
    ...resurrectionsAndFailures(r),
    '',
    'Notes',
    ...r.notes.map((n, i) => `  [${i + 1}] ${n}`),
  ];
}

function records(r: OperationReport): string[] {
  const t = r.totals;
  const lines = [
    'Records',
    row('imported', t.imported),
    row('erased and certified (ledger) [1]', t.erased, percent(t.erased, t.imported)),
    row('still pending', t.pending),
    row('data came back after erasure (erased again)', t.resurrected),
    '',
    'Still pending, and why (phases from Temporal visibility [1])',
  ];
  const shown = r.pending.filter((p) => p.records > 0);
  if (shown.length === 0) lines.push('  nothing pending');
  for (const p of shown) lines.push(`  ${p.key.padEnd(22)} ${String(p.records).padStart(8)}  ${p.reason}`);
  return lines;
}

function dossierTable(dossiers: readonly DossierReport[]): string[] {
  if (dossiers.length === 0) return ['Records by dossier', '  no records imported yet (erasure import)'];
  const phases = lifecyclePhases.filter((p): p is Exclude<LifecyclePhase, 'erased'> => p !== 'erased' && dossiers.some((d) => d.phases[p] > 0));
  const columns: { title: string; value: (d: DossierReport) => number }[] = [
    { title: 'imported', value: (d) => d.imported },
    { title: 'erased', value: (d) => d.erased },
    { title: 'no-lifecycle', value: (d) => d.withoutLifecycle },
    ...(dossiers.some((d) => d.lifecycleNotRunning > 0) ? [{ title: 'not-running', value: (d: DossierReport) => d.lifecycleNotRunning }] : []),
    ...phases.map((p) => ({ title: p, value: (d: DossierReport) => d.phases[p] })),
  ];
  const width = Math.max(7, ...dossiers.map((d) => d.dossier.length));
  const cells = (first: string, values: readonly string[]) =>
    `  ${first.padEnd(width)} ${values.map((v, i) => v.padStart(Math.max(6, columns[i]?.title.length ?? 0))).join(' ')}`;
  return [
    'Records by dossier (erased: ledger; other phases: Temporal visibility)',
    cells(
      'DOSSIER',
      columns.map((c) => c.title.toUpperCase()),
    ),
    ...dossiers.map((d) =>
      cells(
        d.dossier,
        columns.map((c) => String(c.value(d))),
      ),
    ),
  ];
}

function policies(entries: readonly PolicyEntry[]): string[] {
  if (entries.length === 0) return ['Policies', '  none in use yet'];
  return [
    "Policies in use (deadlines in each policy's time zone)",
    ...entries.flatMap((p) => [
      `  ${p.version}  (${p.records} record(s), objection period ${p.objectionPeriod})`,
      `    inquiry cutoff  ${deadlineIn(p.inquiryCutoff, p.timeZone ?? undefined)}`,
      `    purge start     ${deadlineIn(p.purgeStart, p.timeZone ?? undefined)}`,
    ]),
  ];
}

function inquiries(r: OperationReport): string[] {
  const q = r.inquiries;
  return [
    'Inquiries',
    row('open (contact data held, encrypted)', q.open, `${q.openMatched} matched to records, ${q.openUnmatched} without a match`),
    row('closed (inquiry and contact data destroyed)', q.destroyed),
    row('explanations sent (one per record)', q.explanationsSent),
    row('"no data found" answers', q.noDataAnswers),
    row('destruction confirmations sent', q.destructionConfirmations),
    row('records with an open inquiry', q.recordsWithOpenInquiry),
    row('  of which past the response deadline now', q.recordsResponseOverdue),
    row('response-deadline alerts (GDPR art. 12(3))', q.responseOverdueAlerts),
  ];
}

function holds(r: OperationReport): string[] {
  const h = r.holds;
  const lines = [
    'Objections and legal holds',
    row('on hold', h.onHold),
    row('  objections awaiting a decision', h.objectionsAwaitingDecision),
    row('  legal holds', h.legalHolds),
    ...(h.unclassified > 0 ? [row('  not classified (see notes)', h.unclassified)] : []),
    row('retained after a decision on an objection', h.retained),
  ];
  for (const i of h.items) {
    const extra = i.pendingObjection ? ` (objection ${i.pendingObjection} waits for its release)` : '';
    lines.push(`    ${i.recordId.padEnd(20)} ${i.dossier.padEnd(16)} ${i.kind.padEnd(10)} ${i.reference} since ${i.since}${extra}`);
  }
  return lines;
}

function certificates(r: OperationReport): string[] {
  const c = r.certificates;
  if (c.total === 0) return ['Certificates', '  none issued yet'];
  const days = c.perDay.slice(-TEXT_DAYS);
  return [
    'Certificates',
    row('issued', c.total, `first ${c.firstIssuedAt ?? '–'}, last ${c.lastIssuedAt ?? '–'}`),
    `  per day${c.perDay.length > days.length ? ` (the last ${days.length} of ${c.perDay.length} days; --html or --json for all)` : ''}:`,
    ...days.map((d) => `    ${d.day}  ${String(d.issued).padStart(8)}  cumulative ${String(d.cumulative).padStart(8)}`),
  ];
}

export function purgeRunLine(run: PurgeRunEntry): string {
  const how = run.dryRun ? 'dry run ' : run.scheduled ? 'schedule' : 'manual  ';
  const o = run.outcome;
  if (!o) return `  ${run.startedAt}  ${run.runRef.padEnd(44)} ${how}  running (or ended without a report)`;
  const skipped = Object.entries(o.skipped);
  const skips = skipped.length ? ` (${skipped.map(([reason, n]) => `${reason} ${n}`).join(', ')})` : '';
  const figures = run.dryRun
    ? `${o.candidates} candidates, ${o.released + o.restarted} would be released`
    : `${o.erased} erased, ${o.failed} failed, ${o.pending} pending`;
  return `  ${run.startedAt}  ${run.runRef.padEnd(44)} ${how}  ${figures}, ${skipped.reduce((a, [, n]) => a + n, 0)} skipped${skips}${o.stoppedBecause ? `; stopped: ${o.stoppedBecause}` : ''}`;
}

function purgeRuns(runs: readonly PurgeRunEntry[]): string[] {
  if (runs.length === 0) return ['Purge runs', '  none yet (erasure purge run, or the schedule: erasure purge schedule create)'];
  return [`Purge runs (the last ${runs.length}, newest first)`, ...runs.map(purgeRunLine)];
}

function resurrectionsAndFailures(r: OperationReport): string[] {
  const s = r.resurrections;
  const f = r.erasureFailures;
  return [
    'Data that came back after erasure (reconciliation)',
    row('found', s.total, `${s.records} record(s); ${s.unverified} not verified gone`),
    ...s.bySystem.map((b) => row(`  in ${b.system}`, b.count)),
    ...s.recent.map(
      (x) =>
        `    ${x.detectedAt}  ${x.recordId.padEnd(20)} ${x.dossier.padEnd(16)} ${x.system.padEnd(12)} ${x.verified ? 'erased again' : 'NOT VERIFIED'}  ${x.runRef}`,
    ),
    '',
    'Erasure failures',
    row('failures logged', f.total, `${f.records} record(s), ${f.recordsNotErased} still not erased`),
    ...f.reasons.map((x) => `    ${String(x.records).padStart(6)} × ${x.reason}`),
    ...(f.recent.length ? ['  latest:'] : []),
    ...f.recent.map((x) => `    ${x.failedAt}  ${x.recordId.padEnd(20)} ${x.dossier.padEnd(16)} ${x.reason}`),
  ];
}
