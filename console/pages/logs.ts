import { z } from 'zod';
import { accessEntry, accessLogRows, csvCell } from '../../cli/commands/consult';
import { html, type HtmlValue } from '../html';
import { defineMessages } from '../i18n';
import { field, postForm } from '../layout';
import { localTime, formFields, queryParam, type ConsoleAnswer, type ConsoleRoute, type SignedInRequest } from '../page';
import { runCommand, runJson } from '../run-command';

const texts = defineMessages({
  en: {
    accessTitle: 'Access log',
    accessIntro: 'Who looked at what, when and why: consultations, reviews, lookups, exports.',
    securityTitle: 'Security log',
    securityIntro: 'Sign-ins, failures, lockouts, sign-outs, refusals and account changes.',
    record: 'Record',
    account: 'Account',
    action: 'What',
    event: 'Event',
    filter: 'Show',
    from: 'From',
    detail: 'Detail',
    purpose: 'Purpose',
    actor: 'By',
    at: 'When',
    inquiry: 'Inquiry',
    none: 'No entry matches.',
    exportCsv: 'Export as CSV',
    exportJson: 'Export as JSON',
    count: '{count} entries',
    exportIntro: 'The export is itself logged in the access log.',
  },
  nl: {
    accessTitle: 'Inzagelogboek',
    accessIntro: 'Wie wat heeft bekeken, wanneer en waarom: inzagen, beoordelingen, opzoekingen, exports.',
    securityTitle: 'Beveiligingslogboek',
    securityIntro: 'Aanmeldingen, mislukte pogingen, blokkeringen, afmeldingen, weigeringen en wijzigingen van accounts.',
    record: 'Registratie',
    account: 'Account',
    action: 'Wat',
    event: 'Gebeurtenis',
    filter: 'Tonen',
    from: 'Vanaf',
    detail: 'Toelichting',
    purpose: 'Doel',
    actor: 'Door',
    at: 'Wanneer',
    inquiry: 'Verzoek',
    none: 'Geen regel voldoet.',
    exportCsv: 'Exporteren als CSV',
    exportJson: 'Exporteren als JSON',
    count: '{count} regels',
    exportIntro: 'De export wordt zelf ook in het inzagelogboek vastgelegd.',
  },
});

const IDENT = /^[A-Za-z0-9._:-]{1,128}$/;
const filterValue = (c: SignedInRequest, name: string) => {
  const value = queryParam(c, name);
  return value && IDENT.test(value) ? value : undefined;
};
const date = localTime;

/** The access log, from its own export (the same rows, the same columns), filtered by record. */
async function accessLog(c: SignedInRequest): Promise<ConsoleAnswer> {
  const t = texts(c.language);
  const record = filterValue(c, 'record');
  const entries = (await accessLogRows(c.deps.connections.registry(), record)).reverse().slice(0, 1000).map(accessEntry);
  const table: HtmlValue = entries.length
    ? html`<p>${t('count', { count: entries.length })}</p><table><thead><tr><th scope="col">${t('at')}</th><th scope="col">${t('record')}</th><th scope="col">${t('action')}</th><th scope="col">${t('actor')}</th><th scope="col">${t('purpose')}</th><th scope="col">${t('inquiry')}</th></tr></thead>
<tbody>${entries.map((e) => html`<tr><td>${date(c, e.at)}</td><td>${e.recordId ?? '—'}</td><td>${e.action}</td><td>${e.actor}</td><td>${e.purpose}</td><td>${e.inquiryId ?? '—'}</td></tr>`)}</tbody></table>`
    : html`<p>${t('none')}</p>`;
  const exportFields = html`${record ? html`<input type="hidden" name="record" value="${record}">` : ''}`;
  const body = html`<h1>${t('accessTitle')}</h1><p>${t('accessIntro')}</p>
<form method="get" action="/logs/access" class="filter">${field('record', t('record'), { value: record ?? '' })}<button type="submit">${t('filter')}</button></form>
<p class="hint">${t('exportIntro')}</p>
${postForm(c, '/logs/access/export', t('exportCsv'), html`${exportFields}<input type="hidden" name="format" value="csv">`, { id: 'export-csv' })}
${postForm(c, '/logs/access/export', t('exportJson'), html`${exportFields}<input type="hidden" name="format" value="json">`, { id: 'export-json' })}
${table}`;
  return { page: { title: t('accessTitle'), body } };
}

interface SecurityEntry {
  at: string;
  event: string;
  accountId: string | null;
  from: string | null;
  detail: string;
}

async function securityEntries(c: SignedInRequest) {
  const account = filterValue(c, 'account');
  const result = await runJson<SecurityEntry[]>(c, 'security-log', { values: account ? { account } : {} });
  return { account, result };
}

async function securityLog(c: SignedInRequest): Promise<ConsoleAnswer> {
  const t = texts(c.language);
  const { account, result } = await securityEntries(c);
  const event = filterValue(c, 'event');
  const entries = result.ok ? result.data.filter((e) => !event || e.event === event).reverse() : [];
  const events = result.ok ? [...new Set(result.data.map((e) => e.event))].sort() : [];
  const query = new URLSearchParams({ ...(account ? { account } : {}), ...(event ? { event } : {}) }).toString();
  const table: HtmlValue = !result.ok
    ? html`<p class="notice refused">${result.message}</p>`
    : entries.length
      ? html`<p>${t('count', { count: entries.length })}</p><table><thead><tr><th scope="col">${t('at')}</th><th scope="col">${t('event')}</th><th scope="col">${t('account')}</th><th scope="col">${t('from')}</th><th scope="col">${t('detail')}</th></tr></thead>
<tbody>${entries.slice(0, 1000).map((e) => html`<tr><td>${date(c, e.at)}</td><td>${e.event}</td><td>${e.accountId ?? '—'}</td><td>${e.from ?? '—'}</td><td>${e.detail}</td></tr>`)}</tbody></table>`
      : html`<p>${t('none')}</p>`;
  const body = html`<h1>${t('securityTitle')}</h1><p>${t('securityIntro')}</p>
<form method="get" action="/logs/security" class="filter">${field('account', t('account'), { value: account ?? '' })}
${field('event', t('event'), { value: event ?? '', choices: [{ value: '', label: '—' }, ...events.map((e) => ({ value: e, label: e }))] })}
<button type="submit">${t('filter')}</button></form>
<p><a href="/logs/security.csv${query ? `?${query}` : ''}" download>${t('exportCsv')}</a></p>
${table}`;
  return { page: { title: t('securityTitle'), body } };
}

/** The privacy officer's logs (docs/ARCHITECTURE.md, "The console"): filterable, exportable. */
export function logsRoutes(): ConsoleRoute[] {
  return [
    { method: 'GET', url: '/logs/access', access: { roles: ['privacy-officer'] }, what: 'the access log', handle: accessLog },
    {
      method: 'POST',
      url: '/logs/access/export',
      access: { roles: ['privacy-officer'] },
      what: '`erasure access-log --export`',
      handle: async (c) => {
        const f = formFields(
          c,
          z.object({ record: z.string().regex(IDENT, 'name a record id').optional(), format: z.enum(['csv', 'json'], 'choose csv or json') }),
        );
        const filename = `access-log-${new Date().toISOString().slice(0, 10)}.${f.format}`;
        // The command logs the export in the access log, as from the CLI.
        const result = await runCommand(c, 'access-log', { values: { ...(f.record ? { record: f.record } : {}), export: filename } });
        const file = result.files[0];
        if (!result.outcome.ok || !file) return accessLog(c);
        return { download: { filename, type: f.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json', content: file.content } };
      },
    },
    { method: 'GET', url: '/logs/security', access: { roles: ['privacy-officer', 'administrator'] }, what: 'the security log', handle: securityLog },
    {
      method: 'GET',
      url: '/logs/security.csv',
      access: { roles: ['privacy-officer', 'administrator'] },
      what: 'the security log export',
      handle: async (c) => {
        const { result } = await securityEntries(c);
        const event = filterValue(c, 'event');
        const entries = result.ok ? result.data.filter((e) => !event || e.event === event) : [];
        const csv = [
          'at,event,account,from,detail',
          ...entries.map((e) => [e.at, e.event, e.accountId ?? '', e.from ?? '', e.detail].map(csvCell).join(',')),
        ].join('\r\n');
        return { download: { filename: `security-log-${new Date().toISOString().slice(0, 10)}.csv`, type: 'text/csv; charset=utf-8', content: `${csv}\r\n` } };
      },
    },
  ];
}
