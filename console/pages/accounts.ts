import { z } from 'zod';
import { accountRoleSchema } from '../../schemas/roles';
import { html } from '../html';
import { defineMessages, formatInstant } from '../i18n';
import { field, postForm, roleName } from '../layout';
import { withOutcome, formFields, type ConsoleAnswer, type ConsoleRoute, type Notice, type SignedInRequest } from '../page';
import { noticeOf, runCommand } from '../run-command';

const texts = defineMessages({
  en: {
    title: 'Accounts',
    add: 'Add an account',
    addIntro:
      'An account id names a function or a person’s login, never their full name. The password and second factor are shown once, on the next page: hand them over in person.',
    id: 'Account id',
    idHint: 'Lower-case letters, digits and . _ -, e.g. "reviewer-3".',
    role: 'Role',
    create: 'Create the account',
    accounts: 'The accounts',
    method: 'Sign-in',
    state: 'State',
    since: 'Since',
    active: 'active',
    disabled: 'disabled {time}',
    actions: 'Actions',
    disable: 'Disable {id}',
    reset: 'New second factor for {id}',
    secretTitle: 'Hand over in person',
    secretIntro: 'Shown this once: it is stored nowhere in clear. Close this page once handed over.',
  },
  nl: {
    title: 'Accounts',
    add: 'Een account toevoegen',
    addIntro:
      'Een account-id noemt een functie of een inlognaam, nooit een volledige naam. Wachtwoord en tweede factor worden eenmaal getoond, op de volgende pagina: geef ze persoonlijk af.',
    id: 'Account-id',
    idHint: 'Kleine letters, cijfers en . _ -, bijv. "reviewer-3".',
    role: 'Rol',
    create: 'Account aanmaken',
    accounts: 'De accounts',
    method: 'Aanmelden',
    state: 'Stand',
    since: 'Sinds',
    active: 'actief',
    disabled: 'uitgeschakeld {time}',
    actions: 'Acties',
    disable: '{id} uitschakelen',
    reset: 'Nieuwe tweede factor voor {id}',
    secretTitle: 'Persoonlijk afgeven',
    secretIntro: 'Eenmaal getoond: het wordt nergens leesbaar bewaard. Sluit deze pagina na het afgeven.',
  },
});

const ACCOUNT_ID = z.string().regex(/^[a-z][a-z0-9._-]{0,63}$/);

async function accountsPage(c: SignedInRequest, notice?: Notice, status?: number): Promise<ConsoleAnswer> {
  const t = texts(c.language);
  const zone = c.deps.config.ERASURE_CONSOLE_TIME_ZONE;
  const all = await c.deps.accounts.accounts.list();
  const self = c.caller.session.accountId;
  const body = html`<h1>${t('title')}</h1>
<section aria-labelledby="h-add"><h2 id="h-add">${t('add')}</h2><p>${t('addIntro')}</p>
${postForm(
  c,
  '/accounts/add',
  t('create'),
  html`${field('id', t('id'), { required: true, hint: t('idHint') })}${field('role', t('role'), { choices: accountRoleSchema.options.map((r) => ({ value: r, label: roleName(r, c.language) })) })}`,
)}</section>
<section aria-labelledby="h-accounts"><h2 id="h-accounts">${t('accounts')}</h2>
<table><thead><tr><th scope="col">${t('id')}</th><th scope="col">${t('role')}</th><th scope="col">${t('method')}</th><th scope="col">${t('state')}</th><th scope="col">${t('since')}</th><th scope="col">${t('actions')}</th></tr></thead>
<tbody>${all.map(
    (a) =>
      html`<tr><td>${a.id}</td><td>${roleName(a.role, c.language)}</td><td>${a.method}</td><td>${a.disabledAt ? t('disabled', { time: formatInstant(a.disabledAt, c.language, zone) }) : t('active')}</td><td>${formatInstant(a.createdAt, c.language, zone)}</td><td>${
        a.disabledAt || a.id === self
          ? ''
          : html`${postForm(c, '/accounts/disable', t('disable', { id: a.id }), html`<input type="hidden" name="id" value="${a.id}">`, { danger: true, id: `disable-${a.id}` })}${
              a.method === 'password'
                ? postForm(c, '/accounts/reset-2fa', t('reset', { id: a.id }), html`<input type="hidden" name="id" value="${a.id}">`, { id: `reset-${a.id}` })
                : ''
            }`
      }</td></tr>`,
  )}</tbody></table></section>`;
  return { page: withOutcome({ title: t('title'), body }, notice, status) };
}

/** A new secret, shown once and never again (the command prints it once; nothing keeps it). */
function secretPage(c: SignedInRequest, lines: readonly string[]): ConsoleAnswer {
  const t = texts(c.language);
  return {
    page: {
      title: t('secretTitle'),
      body: html`<h1>${t('secretTitle')}</h1><p>${t('secretIntro')}</p><pre class="letter">${lines.join('\n')}</pre><p><a href="/accounts">${t('title')}</a></p>`,
    },
  };
}

/** The administrator's accounts (docs/ARCHITECTURE.md, "The console"): the same commands as `erasure users`. */
export function accountsRoutes(): ConsoleRoute[] {
  const admin = { roles: ['administrator'] } as const;
  const onAccount = (what: 'disable' | 'reset-2fa', showsSecret: boolean): ConsoleRoute => ({
    method: 'POST',
    url: `/accounts/${what}`,
    access: admin,
    what: `\`erasure users ${what}\``,
    handle: async (c) => {
      const { id } = formFields(c, z.object({ id: ACCOUNT_ID }));
      const result = await runCommand(c, `users ${what}`, { args: [id] });
      if (result.outcome.ok && showsSecret) return secretPage(c, result.lines);
      return accountsPage(c, noticeOf(result), result.outcome.ok ? undefined : 409);
    },
  });
  return [
    { method: 'GET', url: '/accounts', access: admin, what: 'the accounts', handle: (c) => accountsPage(c) },
    {
      method: 'POST',
      url: '/accounts/add',
      access: admin,
      what: '`erasure users add`',
      handle: async (c) => {
        const f = formFields(c, z.object({ id: z.string().trim().min(1, 'give the account id'), role: accountRoleSchema }));
        const result = await runCommand(c, 'users add', { args: [f.id], values: { role: f.role } });
        if (!result.outcome.ok) return accountsPage(c, noticeOf(result), 409);
        return secretPage(c, result.lines);
      },
    },
    onAccount('disable', false),
    onAccount('reset-2fa', true),
  ];
}
