import { z } from 'zod';
import { certificateOfRecord, type ExportedCertificate } from '../../cli/certificates/ledger-entries';
import { lookupPerson, subjectFileSchema } from '../../cli/commands/certificates';
import { reportBody } from '../../cli/report/html';
import type { OperationReport } from '../../cli/report/model';
import { officers } from '../../service/command-table';
import { html, trusted, type HtmlValue } from '../html';
import { defineMessages } from '../i18n';
import { field, postForm } from '../layout';
import { localTime, ConsoleRefusal, formFields, queryParam, routeParam, type ConsoleAnswer, type ConsoleRoute, type SignedInRequest } from '../page';
import { noticeOf, runCommand, runJson, runWork } from '../run-command';

const texts = defineMessages({
  en: {
    title: 'Operation report',
    reportIntro:
      'The state of the whole operation, for the people accountable. Ids, counts, dates, phases and reasons only (the sections are in English, as the report file is).',
    download: 'Download the report as a file',
    certificatesTitle: 'Certificates',
    lookup: 'Was this person’s data destroyed?',
    lookupIntro: 'The name and place of residence go in the form body only, never in an address; every record found is logged in the access log.',
    name: 'Name',
    residence: 'Place of residence',
    purpose: 'Purpose',
    purposeHint: 'Why you look; it is kept in the access log.',
    lookUp: 'Look up',
    ledger: 'The ledger',
    verify: 'Check the whole ledger now',
    latest: 'The latest certificates',
    none: 'No certificate has been issued yet.',
    sequence: 'Entry',
    certificate: 'Certificate',
    record: 'Record',
    issued: 'Issued',
    from: 'Show from entry',
    show: 'Show',
    certificateTitle: 'Deletion certificate',
    verification: 'Verification',
    hashOk: 'The body matches its SHA-256 hash.',
    hashBad: 'The body does NOT match its hash.',
    signatureOk: 'The Ed25519 signature verifies with key {key}.',
    signatureBad: 'The signature does NOT verify.',
    unsigned: 'This entry was written before certificates were signed.',
    chain: 'Chained to the entry before it by hash {hash}.',
    firstEntry: 'The first entry of the ledger.',
    body: 'The signed body',
    exportJson: 'Export as JSON',
    exportHtml: 'Export as a document to forward',
    lookupResult: 'Lookup',
  },
  nl: {
    title: 'Rapport over de operatie',
    reportIntro:
      'De stand van de hele operatie, voor wie verantwoording draagt. Alleen kenmerken, aantallen, data, fasen en redenen (de onderdelen zijn in het Engels, zoals het rapportbestand).',
    download: 'Het rapport als bestand downloaden',
    certificatesTitle: 'Verklaringen',
    lookup: 'Zijn de gegevens van deze persoon vernietigd?',
    lookupIntro: 'Naam en woonplaats gaan alleen in het formulier, nooit in een adres; elke gevonden registratie wordt in het inzagelogboek vastgelegd.',
    name: 'Naam',
    residence: 'Woonplaats',
    purpose: 'Doel',
    purposeHint: 'Waarom u zoekt; dit wordt in het inzagelogboek vastgelegd.',
    lookUp: 'Opzoeken',
    ledger: 'Het register',
    verify: 'Het hele register nu controleren',
    latest: 'De laatste verklaringen',
    none: 'Er is nog geen verklaring afgegeven.',
    sequence: 'Nummer',
    certificate: 'Verklaring',
    record: 'Registratie',
    issued: 'Afgegeven',
    from: 'Tonen vanaf nummer',
    show: 'Tonen',
    certificateTitle: 'Verklaring van vernietiging',
    verification: 'Controle',
    hashOk: 'De inhoud klopt met haar SHA-256-hash.',
    hashBad: 'De inhoud klopt NIET met haar hash.',
    signatureOk: 'De Ed25519-handtekening klopt met sleutel {key}.',
    signatureBad: 'De handtekening klopt NIET.',
    unsigned: 'Dit nummer is geschreven voordat verklaringen werden ondertekend.',
    chain: 'Gekoppeld aan het nummer ervoor met hash {hash}.',
    firstEntry: 'Het eerste nummer van het register.',
    body: 'De ondertekende inhoud',
    exportJson: 'Exporteren als JSON',
    exportHtml: 'Exporteren als document om door te sturen',
    lookupResult: 'Opzoeken',
  },
});

const date = localTime;
const lines = (ls: readonly string[]) => html`<ul class="lines">${ls.map((l) => html`<li>${l}</li>`)}</ul>`;

async function reportPage(c: SignedInRequest): Promise<ConsoleAnswer> {
  const t = texts(c.language);
  const result = await runJson<OperationReport>(c, 'report');
  const body: HtmlValue = result.ok
    ? html`<div class="report">${trusted(reportBody(result.data).value)}</div>`
    : html`<p class="notice refused">${result.message}</p>`;
  return {
    page: {
      title: t('title'),
      body: html`<h1>${t('title')}</h1><p>${t('reportIntro')}</p>${postForm(c, '/report/download', t('download'))}${body}`,
    },
  };
}

async function certificatesPage(c: SignedInRequest, extra?: { title: string; result: Awaited<ReturnType<typeof runCommand>> }): Promise<ConsoleAnswer> {
  const t = texts(c.language);
  const from = Number(queryParam(c, 'from') ?? '0');
  const { rows } = await c.deps.connections
    .registry()
    .query<{ sequence: string; certificate_id: string; record_id: string; issued_at: Date }>(
      'SELECT sequence, certificate_id, record_id, issued_at FROM certificates WHERE ($1 = 0 OR sequence <= $1) ORDER BY sequence DESC LIMIT 100',
      [Number.isInteger(from) && from > 0 ? from : 0],
    );
  const body = html`<h1>${t('certificatesTitle')}</h1>
${extra ? html`<section aria-labelledby="h-result"><h2 id="h-result">${extra.title}</h2>${extra.result.outcome.ok ? lines(extra.result.lines) : html`<p>${extra.result.outcome.message}</p>`}</section>` : ''}
<section aria-labelledby="h-lookup"><h2 id="h-lookup">${t('lookup')}</h2><p>${t('lookupIntro')}</p>
${postForm(
  c,
  '/certificates/lookup',
  t('lookUp'),
  html`${field('name', t('name'), { required: true })}${field('residence', t('residence'), { required: true })}${field('purpose', t('purpose'), { required: true, hint: t('purposeHint') })}`,
)}</section>
<section aria-labelledby="h-ledger"><h2 id="h-ledger">${t('ledger')}</h2>${postForm(c, '/certificates/verify', t('verify'))}</section>
<section aria-labelledby="h-latest"><h2 id="h-latest">${t('latest')}</h2>
<form method="get" action="/certificates" class="filter">${field('from', t('from'), { type: 'number', value: from > 0 ? String(from) : '' })}<button type="submit">${t('show')}</button></form>
${
  rows.length
    ? html`<table><thead><tr><th scope="col">${t('sequence')}</th><th scope="col">${t('certificate')}</th><th scope="col">${t('record')}</th><th scope="col">${t('issued')}</th></tr></thead>
<tbody>${rows.map(
        (r) =>
          html`<tr><td>#${r.sequence}</td><td><a href="/certificates/${r.certificate_id}">${r.certificate_id}</a></td><td>${r.record_id}</td><td>${date(c, r.issued_at)}</td></tr>`,
      )}</tbody></table>`
    : html`<p>${t('none')}</p>`
}</section>`;
  return { page: { title: t('certificatesTitle'), body, ...(extra ? { notice: noticeOf(extra.result) } : {}) } };
}

async function certificateOf(c: SignedInRequest): Promise<ExportedCertificate> {
  const id = routeParam(c, 'id', z.uuid(), 'certificate');
  const registry = c.deps.connections.registry();
  const { rows } = await registry.query<{ record_id: string }>('SELECT record_id FROM certificates WHERE certificate_id = $1', [id]);
  const found = rows[0] && (await certificateOfRecord(registry, rows[0].record_id));
  if (!found) throw new ConsoleRefusal(404, `there is no certificate ${id} in the ledger`);
  return found;
}

async function certificatePage(c: SignedInRequest): Promise<ConsoleAnswer> {
  const t = texts(c.language);
  const e = await certificateOf(c);
  const check = e.checkedAtExport;
  const recordId = typeof e.certificate.recordId === 'string' ? e.certificate.recordId : '';
  const body = html`<h1>${t('certificateTitle')} #${e.sequence}</h1>
<section aria-labelledby="h-verification"><h2 id="h-verification">${t('verification')}</h2>
<ul class="lines">
<li class="${check.hashMatches ? 'ok' : 'bad'}">${check.hashMatches ? t('hashOk') : t('hashBad')}</li>
<li class="${check.signatureValid === false ? 'bad' : 'ok'}">${e.signature ? (check.signatureValid ? t('signatureOk', { key: e.signature.keyId }) : t('signatureBad')) : t('unsigned')}</li>
<li>${e.previousSha256 ? t('chain', { hash: e.previousSha256 }) : t('firstEntry')}</li>
</ul></section>
<section aria-labelledby="h-body"><h2 id="h-body">${t('body')}</h2><pre class="letter">${JSON.stringify(e.certificate, null, 2)}</pre></section>
${postForm(c, '/certificates/export', t('exportJson'), html`<input type="hidden" name="record" value="${recordId}"><input type="hidden" name="format" value="json">`, { id: 'export-json' })}
${postForm(c, '/certificates/export', t('exportHtml'), html`<input type="hidden" name="record" value="${recordId}"><input type="hidden" name="format" value="html">`, { id: 'export-html' })}`;
  return { page: { title: `${t('certificateTitle')} #${e.sequence}`, body } };
}

const exportFields = z.object({
  record: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,128}$/, 'name the record')
    .optional(),
  run: z
    .string()
    .regex(/^purge-run-[A-Za-z0-9._-]{1,100}$/, 'name the purge run')
    .optional(),
  format: z.enum(['json', 'html'], 'choose json or html'),
});

/** The report, the certificates and the ledger (docs/ARCHITECTURE.md, "The console"). */
export function reportRoutes(): ConsoleRoute[] {
  return [
    { method: 'GET', url: '/report', access: { roles: officers }, what: 'the operation report', handle: reportPage },
    {
      method: 'POST',
      url: '/report/download',
      access: { roles: officers },
      what: '`erasure report --html`',
      handle: async (c) => {
        const result = await runCommand(c, 'report', { values: { html: 'erasure-report.html' } });
        const file = result.files[0];
        if (!result.outcome.ok || !file) return reportPage(c);
        return { download: { filename: 'erasure-report.html', type: 'text/html; charset=utf-8', content: file.content } };
      },
    },
    { method: 'GET', url: '/certificates', access: { roles: officers }, what: 'the certificates', handle: (c) => certificatesPage(c) },
    { method: 'GET', url: '/certificates/:id', access: { roles: officers }, what: 'a certificate', handle: certificatePage },
    {
      method: 'POST',
      url: '/certificates/verify',
      access: { roles: officers },
      what: '`erasure certificates verify`',
      handle: async (c) => certificatesPage(c, { title: texts(c.language)('ledger'), result: await runCommand(c, 'certificates verify') }),
    },
    {
      method: 'POST',
      url: '/certificates/lookup',
      access: { roles: officers },
      what: '`erasure certificates lookup`',
      handle: async (c) => {
        const f = formFields(c, subjectFileSchema.extend({ purpose: z.string().trim().min(3, 'say why (it is kept in the access log)').max(200) }));
        const result = await runWork(c, 'certificates lookup', (ctx) => lookupPerson(ctx, { name: f.name, residence: f.residence }, f.purpose));
        return certificatesPage(c, { title: texts(c.language)('lookupResult'), result });
      },
    },
    {
      method: 'POST',
      url: '/certificates/export',
      access: { roles: officers },
      what: '`erasure certificates export`',
      handle: async (c) => {
        const f = formFields(c, exportFields);
        const result = await runCommand(c, 'certificates export', {
          values: { ...(f.record ? { record: f.record } : {}), ...(f.run ? { run: f.run } : {}), out: '.' },
        });
        const file = result.files.find((d) => d.path.endsWith(`.${f.format}`));
        if (!result.outcome.ok || !file) return certificatesPage(c, { title: texts(c.language)('certificatesTitle'), result });
        const name = file.path.split('/').at(-1) ?? `certificate.${f.format}`;
        return { download: { filename: name, type: f.format === 'json' ? 'application/json' : 'text/html; charset=utf-8', content: file.content } };
      },
    },
  ];
}
