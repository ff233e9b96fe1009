import { pendingChart, pendingColours, progressChart } from './chart';
import { dossierSection, failureSection, holdSection, inquirySection, policySection, purgeRunSection, resurrectionSection, table } from './html-sections';
import { coord, html, trusted, type Markup } from './markup';
import type { OperationReport } from './model';
import { percent } from './text';

/**
 * One self-contained file a privacy officer can forward: inline CSS and SVG, no script,
 * no external resource (the Content-Security-Policy forbids any). It holds ids, counts,
 * instants, phases and reasons only; every string in it is escaped by `html`.
 */
export function renderHtml(r: OperationReport): string {
  return html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Erasure operation report ${r.generatedAt}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>Erasure operation report</h1>
<p class="meta">Generated ${r.generatedAt} · Temporal namespace ${r.namespace} · format ${r.format}</p>
<p class="meta">Ids, dossier ids, counts, dates, phases and reasons only: this report holds no personal data.</p>
</header>
${reportBody(r)}
</body>
</html>
`.value;
}

/** The report's sections, charts and notes: the file's body, and the console's report page (classes only, no inline style). */
export function reportBody(r: OperationReport): Markup {
  return html`${summary(r)}
${progress(r)}
${pending(r)}
${dossierSection(r.dossiers)}
${policySection(r.policies)}
${inquirySection(r)}
${holdSection(r)}
${purgeRunSection(r.purgeRuns)}
${resurrectionSection(r)}
${failureSection(r)}
<footer><h2>Notes</h2><ol>${r.notes.map((n) => html`<li>${n}</li>`)}</ol></footer>`;
}

function summary(r: OperationReport): Markup {
  const t = r.totals;
  const share = t.imported > 0 ? t.erased / t.imported : 0;
  const card = (value: number, label: string, extra = '') =>
    html`<div class="card"><div class="value">${value}</div><div class="label">${label}</div>${extra ? html`<div class="extra">${extra}</div>` : ''}</div>`;
  return html`<section class="summary">
<div class="cards">
${card(t.imported, 'records imported')}
${card(t.erased, 'erased and certified', percent(t.erased, t.imported))}
${card(t.pending, 'still pending')}
${card(r.holds.onHold, 'on hold')}
${card(r.erasureFailures.recordsNotErased, 'failed, not erased')}
${card(t.resurrected, 'came back after erasure')}
</div>
<svg class="meter" viewBox="0 0 1000 14" role="img" aria-label="${percent(t.erased, t.imported)} of the imported records erased"><rect class="meter-rest" width="1000" height="14"/><rect class="meter-done" width="${coord(1000 * share)}" height="14"/></svg>
</section>`;
}

function progress(r: OperationReport): Markup {
  const c = r.certificates;
  if (c.perDay.length === 0) return html`<section><h2>Progress over time</h2><p class="empty">No records destroyed yet.</p></section>`;
  return html`<section><h2>Progress over time</h2>
<p class="hint">${c.total} certificate(s) issued, the first ${c.firstIssuedAt ?? ''}, the last ${c.lastIssuedAt ?? ''}.</p>
${progressChart(c.perDay)}
<details><summary>Per day</summary>${table(
    ['day (UTC)', 'destroyed', 'in total'],
    c.perDay.map((d) => [d.day, d.issued, d.cumulative]),
  )}</details>
</section>`;
}

function pending(r: OperationReport): Markup {
  const rows = r.pending.filter((p) => p.records > 0);
  if (rows.length === 0) return html`<section><h2>Still pending, and why</h2><p class="empty">Nothing is pending.</p></section>`;
  const swatch = (key: keyof typeof pendingColours) =>
    html`<svg class="swatch" viewBox="0 0 10 10"><rect width="10" height="10" fill="${pendingColours[key]}"/></svg>`;
  return html`<section><h2>Still pending, and why</h2>
<p class="hint">${r.totals.pending} record(s) not erased. Phases from Temporal visibility [1].</p>
${pendingChart(rows)}
${table(
  ['', 'phase', 'records', 'why'],
  rows.map((p) => [swatch(p.key), p.key, p.records, p.reason]),
)}
</section>`;
}

const STYLE = trusted(`
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2733; max-width: 1000px; margin: 24px auto; padding: 0 16px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid #d5dbe1; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 16px 0 6px; }
.meta, .hint, .empty { color: #5b6773; margin: 2px 0 8px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 16px 0 10px; }
.card { flex: 1 1 130px; border: 1px solid #d5dbe1; border-radius: 6px; padding: 10px 12px; }
.card .value { font-size: 24px; font-weight: 600; }
.card .label, .card .extra { color: #5b6773; font-size: 12px; }
.meter { width: 100%; height: 14px; display: block; }
.meter-rest { fill: #e4e8ec; } .meter-done { fill: #3f8f5f; }
table { border-collapse: collapse; width: 100%; margin: 4px 0 8px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #e4e8ec; vertical-align: top; }
th { font-weight: 600; background: #f3f5f7; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
table.compact { width: auto; min-width: 50%; }
.chart { width: 100%; height: auto; display: block; margin: 8px 0; }
.chart .bar, .legend-bar { fill: #4f7fbf; }
.chart .cumulative { fill: none; stroke: #c0622b; stroke-width: 2; }
.chart .cumulative-end { fill: #c0622b; }
.chart .grid { stroke: #e4e8ec; } .chart .axis { stroke: #5b6773; }
.chart text { font-size: 11px; fill: #3a4652; } .chart .cum { fill: #c0622b; } .chart .count { font-weight: 600; }
.swatch { width: 12px; height: 12px; }
details { margin: 6px 0; } summary { cursor: pointer; color: #35597f; }
footer ol { padding-left: 20px; color: #3a4652; }
@media print { body { margin: 0; max-width: none; } details > *:not(summary) { display: block; } section { break-inside: avoid; } }
`);
