import { html, trusted, type Markup } from '../report/markup';
import type { ExportedCertificate } from './ledger-entries';

interface SystemEntry {
  system?: string;
  method?: string;
  locations?: string[];
  found?: Record<string, number>;
  removed?: Record<string, number>;
  scope?: { removed?: string[]; notReached?: string[] };
  verification?: { verified?: boolean; remaining?: Record<string, number>; checked?: string[]; checkedAt?: string } | null;
}

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#1c2430}
h1{font-size:1.6em;margin:.2em 0}h2{font-size:1.15em;border-bottom:1px solid #d5dbe3;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;width:100%;margin:.5em 0}th,td{text-align:left;padding:.3em .5em;border-bottom:1px solid #e6e9ee;vertical-align:top}
th{background:#f3f5f8;font-weight:600}.meta{color:#5b6675}.ok{color:#1f7a3f;font-weight:600}.bad{color:#b42318;font-weight:600}
ul.scope{margin:0;padding-left:1.1em}ul.scope li{margin:.1em 0}
code,.mono{font-family:ui-monospace,monospace;font-size:12px;word-break:break-all}section{page-break-inside:avoid}`;

const counts = (c: Record<string, number> | undefined): string =>
  c
    ? Object.entries(c)
        .map(([k, n]) => `${n} ${k}`)
        .join(', ') || 'nothing'
    : '–';
const list = (items: string[] | undefined): Markup =>
  items?.length ? html`<ul class="scope">${items.map((i) => html`<li>${i}</li>`)}</ul>` : html`<span class="meta">–</span>`;
const check = (ok: boolean | null, yes: string, no: string, none: string): Markup =>
  ok === null ? html`<span class="meta">${none}</span>` : ok ? html`<span class="ok">${yes}</span>` : html`<span class="bad">${no}</span>`;

function certificateSection(e: ExportedCertificate): Markup {
  const c = e.certificate as Record<string, unknown> & {
    systems?: SystemEntry[];
    inquiry?: { inquiryId?: string; destroyed?: string[] } | null;
    identityCheck?: { method?: string; reference?: string; confirmedAt?: string };
    decisionRefs?: string[];
    categories?: { system?: string; category?: string; count?: number }[];
    performedBy?: { worker?: string; activity?: string; attempt?: number; verification?: string };
  };
  const str = (key: string): string => (typeof c[key] === 'string' ? c[key] : '–');
  return html`<section>
<h2>Record ${str('recordId')} · dossier ${str('dossier')}</h2>
<table>
<tr><th>certificate</th><td class="mono">${str('certificateId')}</td></tr>
<tr><th>erasure started / certified</th><td>${str('erasureStartedAt')} / ${str('issuedAt')}</td></tr>
<tr><th>policy version</th><td>${str('policyVersion')}</td></tr>
<tr><th>subject (keyed hash only)</th><td class="mono">${str('subjectHash')}</td></tr>
<tr><th>workflow / run</th><td class="mono">${str('workflowId')} / ${str('runId')}</td></tr>
<tr><th>decisions</th><td>${(c.decisionRefs ?? []).join(', ') || 'none'}</td></tr>
<tr><th>data categories</th><td>${(c.categories ?? []).map((k) => `${k.category ?? '?'} (${k.count ?? 0}, ${k.system ?? '?'})`).join('; ') || '–'}</td></tr>
<tr><th>performed by</th><td>${c.performedBy ? `worker ${c.performedBy.worker ?? '?'}, ${c.performedBy.activity ?? '?'} attempt ${c.performedBy.attempt ?? '?'}; ${c.performedBy.verification ?? ''}` : '–'}</td></tr>
<tr><th>requester's identity established</th><td>${c.identityCheck ? `${c.identityCheck.method ?? '?'}, reference ${c.identityCheck.reference ?? '?'} (${c.identityCheck.confirmedAt ?? '?'})` : c.inquiry ? 'not confirmed (no consultation)' : 'no inquiry'}</td></tr>
<tr><th>inquiry data destroyed</th><td>${c.inquiry ? `${c.inquiry.inquiryId ?? '?'}: ${(c.inquiry.destroyed ?? []).join(', ')}` : 'no inquiry'}</td></tr>
</table>
<table><tr><th>system</th><th>method</th><th>locations</th><th>held at the start</th><th>removed</th><th>verified empty</th></tr>
${(c.systems ?? []).map(
  (
    s,
  ) => html`<tr><td>${s.system ?? '?'}</td><td>${s.method ?? '?'}</td><td class="mono">${(s.locations ?? []).join(', ')}</td><td>${counts(s.found)}</td><td>${counts(s.removed)}</td>
<td>${s.verification ? check(s.verification.verified === true, `yes, ${s.verification.checkedAt ?? ''}`, `NO: ${counts(s.verification.remaining)}`, '') : '–'}</td></tr>`,
)}
</table>
<table><caption class="meta">"Verified empty" means empty where the verification looked: what each method removed, what was checked, and where copies may remain that it cannot reach.</caption>
<tr><th>system</th><th>removed</th><th>checked</th><th>not reached</th></tr>
${(c.systems ?? []).map((s) => html`<tr><td>${s.system ?? '?'}</td><td>${list(s.scope?.removed)}</td><td>${list(s.verification?.checked)}</td><td>${list(s.scope?.notReached)}</td></tr>`)}
</table>
<table>
<tr><th>ledger entry</th><td>#${e.sequence}</td></tr>
<tr><th>hash (SHA-256 of the canonical JSON)</th><td class="mono">${e.bodySha256} ${check(e.checkedAtExport.hashMatches, '✓ matches', '✗ does not match', '')}</td></tr>
<tr><th>previous entry's hash</th><td class="mono">${e.previousSha256 ?? 'none (first entry)'}</td></tr>
<tr><th>signature</th><td class="mono">${e.signature ? html`Ed25519, key ${e.signature.keyId}: ${e.signature.value} ${check(e.checkedAtExport.signatureValid, '✓ verifies', '✗ does not verify', '')}` : html`<span class="meta">unsigned (written before certificates were signed)</span>`}</td></tr>
</table>
</section>`;
}

/** A forwardable, self-contained document for one certificate or a run's certificates. */
export function certificateDocument(title: string, entries: readonly ExportedCertificate[], summary: readonly string[] = []): string {
  const keys = [...new Map(entries.flatMap((e) => (e.signature ? [[e.signature.keyId, e.signature.publicKey] as const] : []))).entries()];
  return html`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${title}</title><style>${trusted(STYLE)}</style></head>
<body>
<h1>${title}</h1>
<p class="meta">Exported ${entries[0]?.checkedAtExport.at ?? new Date().toISOString()}. This document holds ids, counts, instants and hashes only: no personal data.
Check it independently with <code>erasure certificates verify --public-key key.pem</code>, or by verifying the Ed25519 signature over the canonical JSON of the certificate in the accompanying JSON file.</p>
${summary.length ? html`<ul>${summary.map((line) => html`<li>${line}</li>`)}</ul>` : false}
${entries.map(certificateSection)}
${keys.length ? html`<h2>Public keys</h2>${keys.map(([id, pem]) => html`<p>key ${id}</p><pre class="mono">${pem}</pre>`)}` : false}
</body></html>
`.value;
}
