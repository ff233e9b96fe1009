import { coord, html, type Markup } from './markup';
import type { CertificateDay, PendingEntry, PendingKey } from './model';

/** One colour per kind of wait, so the pending chart and its table read together. */
export const pendingColours: Readonly<Record<PendingKey, string>> = {
  'no-lifecycle': '#9aa5b1',
  'lifecycle-not-running': '#6b7785',
  registered: '#a9c4e4',
  'awaiting-cutoff': '#6f9fd8',
  'awaiting-consent': '#e5b04c',
  'identity-check': '#e0a03a',
  consultation: '#d98f2b',
  'explanation-sent': '#cf7a2d',
  'on-hold': '#b9542a',
  due: '#3f8f5f',
  erasing: '#2a9d8f',
  verifying: '#2a9d8f',
  certifying: '#2a9d8f',
  retained: '#7b5ea7',
  'erasure-failed': '#c0392b',
};

/** The smallest of 1, 2, 5 × 10ⁿ at or above `value` (at least 1): round axis maxima. */
export function niceCeiling(value: number): number {
  if (!(value > 1)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 5, 10].map((m) => m * power).find((v) => v >= value) ?? 10 * power;
}

const label = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(1));

/**
 * Records destroyed per day (bars, left axis) and in total (line, right axis), one bar per
 * day from the first certificate to the last. Tooltips are SVG titles: no script needed.
 */
export function progressChart(days: readonly CertificateDay[]): Markup {
  const [width, height, left, right, top, bottom] = [760, 290, 52, 60, 34, 52];
  const plotWidth = width - left - right;
  const plotHeight = height - top - bottom;
  const maxDaily = niceCeiling(Math.max(0, ...days.map((d) => d.issued)));
  const maxTotal = niceCeiling(days.at(-1)?.cumulative ?? 0);
  const slot = plotWidth / Math.max(1, days.length);
  const barWidth = Math.max(0.6, slot * 0.72);
  const y = (value: number, max: number) => top + plotHeight - (value / max) * plotHeight;
  const xCentre = (i: number) => left + i * slot + slot / 2;

  const bars = days.map(
    (d, i) =>
      html`<rect class="bar" x="${coord(xCentre(i) - barWidth / 2)}" y="${coord(y(d.issued, maxDaily))}" width="${coord(barWidth)}" height="${coord((d.issued / maxDaily) * plotHeight)}"><title>${d.day}: ${d.issued} destroyed, ${d.cumulative} in total</title></rect>`,
  );
  const points = days.map((d, i) => `${coord(xCentre(i))},${coord(y(d.cumulative, maxTotal))}`).join(' ');
  const last = days.at(-1);
  const ticks = (max: number) => [0, max / 2, max];
  const leftTicks = ticks(maxDaily).map(
    (v) =>
      html`<line class="grid" x1="${left}" x2="${width - right}" y1="${coord(y(v, maxDaily))}" y2="${coord(y(v, maxDaily))}"/><text class="tick" x="${left - 6}" y="${coord(y(v, maxDaily) + 4)}" text-anchor="end">${label(v)}</text>`,
  );
  const rightTicks = ticks(maxTotal).map((v) => html`<text class="tick cum" x="${width - right + 6}" y="${coord(y(v, maxTotal) + 4)}">${label(v)}</text>`);
  // At most about 8 dates; the last day always, so a regular label too close to it goes.
  const step = Math.max(1, Math.ceil(days.length / 8));
  const dayLabels = days.flatMap((d, i) =>
    (i % step === 0 && days.length - 1 - i >= step) || i === days.length - 1
      ? [html`<text class="tick" x="${coord(xCentre(i))}" y="${height - bottom + 16}" text-anchor="middle">${d.day}</text>`]
      : [],
  );

  return html`<svg class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="progress-title">
<title id="progress-title">Records destroyed per day (bars) and in total (line), ${days[0]?.day ?? ''} to ${last?.day ?? ''}</title>
<rect class="legend-bar" x="${left}" y="8" width="12" height="12"/><text class="legend" x="${left + 18}" y="18">destroyed per day (left axis)</text>
<line class="cumulative" x1="${left + 230}" x2="${left + 254}" y1="14" y2="14"/><text class="legend" x="${left + 260}" y="18">destroyed in total (right axis)</text>
${leftTicks}
${bars}
<polyline class="cumulative" points="${points}"/>
${last ? html`<circle class="cumulative-end" cx="${coord(xCentre(days.length - 1))}" cy="${coord(y(last.cumulative, maxTotal))}" r="3"><title>${last.day}: ${last.cumulative} in total</title></circle>` : ''}
${rightTicks}
<line class="axis" x1="${left}" x2="${width - right}" y1="${top + plotHeight}" y2="${top + plotHeight}"/>
${dayLabels}
<text class="tick" x="${left + plotWidth / 2}" y="${height - 8}" text-anchor="middle">day (UTC)</text>
</svg>`;
}

/** What is still pending, one bar per reason that has records. */
export function pendingChart(entries: readonly PendingEntry[]): Markup {
  const rows = entries.filter((e) => e.records > 0);
  const [width, rowHeight, labelWidth, countWidth] = [760, 26, 190, 80];
  const max = Math.max(1, ...rows.map((r) => r.records));
  const barSpace = width - labelWidth - countWidth;
  const bars = rows.map((r, i) => {
    const top = 6 + i * rowHeight;
    const barWidth = Math.max(2, (r.records / max) * barSpace);
    return html`<g><title>${r.key}: ${r.records} (${r.reason})</title>
<text class="tick" x="${labelWidth - 8}" y="${top + 16}" text-anchor="end">${r.key}</text>
<rect class="pending-bar" x="${labelWidth}" y="${top + 3}" width="${coord(barWidth)}" height="${rowHeight - 8}" fill="${pendingColours[r.key]}"/>
<text class="count" x="${coord(labelWidth + barWidth + 6)}" y="${top + 16}">${r.records}</text></g>`;
  });
  return html`<svg class="chart" viewBox="0 0 ${width} ${rows.length * rowHeight + 12}" role="img" aria-label="Records still pending, by reason">
${bars}
</svg>`;
}
