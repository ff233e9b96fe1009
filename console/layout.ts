import type { AccountRole } from '../schemas/roles';
import { html, type Html, type HtmlValue } from './html';
import { defineMessages, formatInstant, type ConsoleLanguage } from './i18n';
import type { ConsolePage, ConsoleRequest, Notice } from './page';

const texts = defineMessages({
  en: {
    product: 'Erasure console',
    skip: 'Skip to the content',
    nav: 'Main',
    dashboard: 'Dashboard',
    inbox: 'Inbox',
    inquiries: 'Inquiries',
    records: 'Records',
    purge: 'Purge runs',
    report: 'Report',
    certificates: 'Certificates',
    accessLog: 'Access log',
    securityLog: 'Security log',
    accounts: 'Accounts',
    signedInAs: 'Signed in as {account} ({role})',
    expires: 'Session ends at {time} unless you use it',
    signOut: 'Sign out',
    language: 'Language',
    change: 'Change',
    done: 'Done',
    refused: 'Refused',
    'role-coordinator': 'coordinator',
    'role-screened-reviewer': 'screened reviewer',
    'role-privacy-officer': 'privacy officer',
    'role-administrator': 'administrator',
  },
  nl: {
    product: 'Verwijderconsole',
    skip: 'Naar de inhoud',
    nav: 'Hoofdmenu',
    dashboard: 'Overzicht',
    inbox: 'Postvak',
    inquiries: 'Inzageverzoeken',
    records: 'Registraties',
    purge: 'Verwijderrondes',
    report: 'Rapport',
    certificates: 'Verklaringen',
    accessLog: 'Inzagelogboek',
    securityLog: 'Beveiligingslogboek',
    accounts: 'Accounts',
    signedInAs: 'Aangemeld als {account} ({role})',
    expires: 'Sessie eindigt om {time} als u haar niet gebruikt',
    signOut: 'Afmelden',
    language: 'Taal',
    change: 'Wijzigen',
    done: 'Gedaan',
    refused: 'Geweigerd',
    'role-coordinator': 'coördinator',
    'role-screened-reviewer': 'gescreende beoordelaar',
    'role-privacy-officer': 'privacyfunctionaris',
    'role-administrator': 'beheerder',
  },
});

/** The role's name in the person's language. */
export const roleName = (role: AccountRole, language: ConsoleLanguage) => texts(language)(`role-${role}`);

/** The console's sections, each for the roles whose pages it holds (the pages check the role themselves). */
const NAV: readonly { href: string; key: Parameters<ReturnType<typeof texts>>[0]; roles: readonly AccountRole[] }[] = [
  { href: '/', key: 'dashboard', roles: ['coordinator', 'screened-reviewer', 'privacy-officer'] },
  { href: '/inbox', key: 'inbox', roles: ['coordinator'] },
  { href: '/inquiries', key: 'inquiries', roles: ['coordinator', 'screened-reviewer', 'privacy-officer'] },
  { href: '/records', key: 'records', roles: ['coordinator', 'screened-reviewer', 'privacy-officer'] },
  { href: '/purge', key: 'purge', roles: ['coordinator', 'privacy-officer'] },
  { href: '/report', key: 'report', roles: ['coordinator', 'privacy-officer'] },
  { href: '/certificates', key: 'certificates', roles: ['coordinator', 'privacy-officer'] },
  { href: '/logs/access', key: 'accessLog', roles: ['privacy-officer'] },
  { href: '/logs/security', key: 'securityLog', roles: ['privacy-officer', 'administrator'] },
  { href: '/accounts', key: 'accounts', roles: ['administrator'] },
];

/** The hidden anti-forgery field every form carries. */
export const csrfField = (c: ConsoleRequest): Html => html`<input type="hidden" name="_csrf" value="${c.csrf}">`;

/**
 * A form that posts to `action` (a path of this console): its fields, the anti-forgery
 * token and one submit button. Every action in the console is such a form, so it works
 * with the keyboard alone and without scripts.
 */
export function postForm(c: ConsoleRequest, action: string, submit: string, fields: HtmlValue = '', options: { danger?: boolean; id?: string } = {}): Html {
  return html`<form method="post" action="${action}" class="action"${options.id ? html` id="${options.id}"` : ''}>
${csrfField(c)}${fields}
<button type="submit"${options.danger ? html` class="danger"` : ''}>${submit}</button>
</form>`;
}

/** A labelled form field: text, select or textarea, with an optional hint tied to it for screen readers. */
export function field(
  name: string,
  label: string,
  options: {
    type?: string;
    value?: string;
    required?: boolean;
    hint?: string;
    choices?: readonly { value: string; label: string }[];
    autocomplete?: string;
    /** When two forms of a page have a field of the same name. */
    id?: string;
  } = {},
): Html {
  const id = options.id ?? `f-${name}`;
  const hint = options.hint ? html`<p class="hint" id="${id}-hint">${options.hint}</p>` : '';
  const described = options.hint ? html` aria-describedby="${id}-hint"` : '';
  const required = options.required ? html` required` : '';
  const control = options.choices
    ? html`<select id="${id}" name="${name}"${described}${required}>${options.choices.map(
        (ch) => html`<option value="${ch.value}"${ch.value === options.value ? html` selected` : ''}>${ch.label}</option>`,
      )}</select>`
    : options.type === 'textarea'
      ? html`<textarea id="${id}" name="${name}" rows="3"${described}${required}>${options.value ?? ''}</textarea>`
      : html`<input id="${id}" name="${name}" type="${options.type ?? 'text'}" value="${options.value ?? ''}" autocomplete="${options.autocomplete ?? 'off'}"${described}${required}>`;
  return html`<div class="field"><label for="${id}">${label}</label>${hint}${control}</div>`;
}

const noticeBlock = (notice: Notice | undefined, language: ConsoleLanguage): HtmlValue => {
  if (!notice) return '';
  const t = texts(language);
  return html`<div class="notice ${notice.kind}" role="${notice.kind === 'refused' ? 'alert' : 'status'}">
<p><strong>${notice.kind === 'done' ? t('done') : t('refused')}</strong></p>
${notice.lines.length === 1 ? html`<p>${notice.lines[0]}</p>` : html`<ul>${notice.lines.map((l) => html`<li>${l}</li>`)}</ul>`}
</div>`;
};

/** The header of a signed-in page: who, until when, the sections of their role, language and sign-out. */
function header(c: ConsoleRequest): HtmlValue {
  const t = texts(c.language);
  const session = c.caller?.session;
  if (!session) return html`<header class="top"><p class="product">${t('product')}</p></header>`;
  const path = c.request.url.split('?')[0] ?? '/';
  const current = (href: string) => (href === '/' ? path === '/' : path === href || path.startsWith(`${href}/`));
  const zone = c.deps.config.ERASURE_CONSOLE_TIME_ZONE;
  // After a form (POST /records/R/recordConsent), back to the page it was sent from (GET /records/R).
  const back = c.request.method === 'GET' ? path : path.replace(/\/[^/]*$/, '') || '/';
  return html`<header class="top">
<p class="product"><a href="/">${t('product')}</a></p>
<p class="who">${t('signedInAs', { account: session.accountId, role: roleName(session.role, c.language) })}<br>
<span class="expires" data-expires-at="${session.expiresAt.toISOString()}">${t('expires', { time: formatInstant(session.expiresAt, c.language, zone) })}</span></p>
<form method="post" action="/language" class="inline">${csrfField(c)}<input type="hidden" name="back" value="${back}">
<label for="f-ui-language">${t('language')}</label>
<select id="f-ui-language" name="language"><option value="en"${c.language === 'en' ? html` selected` : ''}>English</option><option value="nl"${c.language === 'nl' ? html` selected` : ''}>Nederlands</option></select>
<button type="submit">${t('change')}</button></form>
<form method="post" action="/sign-out" class="inline">${csrfField(c)}<button type="submit">${t('signOut')}</button></form>
<nav aria-label="${t('nav')}"><ul>${NAV.filter((n) => n.roles.includes(session.role)).map(
    (n) => html`<li><a href="${n.href}"${current(n.href) ? html` aria-current="page"` : ''}>${t(n.key)}</a></li>`,
  )}</ul></nav>
</header>`;
}

/** The whole document of a page: one stylesheet and one script of this console, nothing inline. */
export function renderPage(c: ConsoleRequest, page: ConsolePage): string {
  const t = texts(c.language);
  return html`<!doctype html>
<html lang="${c.language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${page.title} · ${t('product')}</title>
<link rel="stylesheet" href="/assets/console.css">
<script src="/assets/console.js" defer></script>
</head>
<body>
<a class="skip" href="#main">${t('skip')}</a>
${header(c)}
<main id="main" tabindex="-1">
${noticeBlock(page.notice, c.language)}
${page.body}
</main>
</body>
</html>
`.text;
}
