import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ServiceDeps } from '../../service/app';
import type { AccountRole } from '../../schemas/roles';
import { html, type Html } from '../html';
import { consoleLanguageSchema, defineMessages, formatDuration } from '../i18n';
import { clearSessionCookie, clearSsoCookie, languageCookie, setSessionCookie, ssoCookie, ssoLoginId } from '../cookies';
import { consoleHeaders, requestLanguage, stepUpPage } from '../gate';
import { field, postForm, renderPage } from '../layout';
import { formFields, queryParam, type ConsoleAnswer, type ConsoleRequest, type ConsoleRoute, type SignedInRequest } from '../page';

const texts = defineMessages({
  en: {
    title: 'Sign in',
    intro: 'Sign in with your account, your password and the code from your authenticator app.',
    account: 'Account',
    password: 'Password',
    code: 'Code from your authenticator app',
    codeHint: 'The 6 digits it shows now.',
    submit: 'Sign in',
    sso: 'Sign in with single sign-on',
    or: 'Or',
    timeout: 'A session ends after {idle} without use, and after {max} in any case.',
    ended: 'Your session has ended. Sign in again.',
    failed: 'The account name, password or code is not right; check them and try again.',
    locked: 'Too many failed attempts: try again in {seconds} s.',
    otherLanguage: 'Nederlands',
    ssoDoneTitle: 'Signed in',
    ssoDone: 'You are signed in as {account} ({role}).',
    continue: 'Continue to the console',
    codeRefused: 'That code is not right (or was used already); wait for the next one and try again.',
    ssoRefusedTitle: 'Sign-in refused',
    ssoOff: 'Single sign-on is not configured on this service.',
  },
  nl: {
    title: 'Aanmelden',
    intro: 'Meld u aan met uw account, uw wachtwoord en de code uit uw authenticator-app.',
    account: 'Account',
    password: 'Wachtwoord',
    code: 'Code uit uw authenticator-app',
    codeHint: 'De 6 cijfers die zij nu toont.',
    submit: 'Aanmelden',
    sso: 'Aanmelden met single sign-on',
    or: 'Of',
    timeout: 'Een sessie eindigt na {idle} zonder gebruik, en in elk geval na {max}.',
    ended: 'Uw sessie is beëindigd. Meld u opnieuw aan.',
    failed: 'De accountnaam, het wachtwoord of de code klopt niet; controleer ze en probeer het opnieuw.',
    locked: 'Te veel mislukte pogingen: probeer het over {seconds} s opnieuw.',
    otherLanguage: 'English',
    ssoDoneTitle: 'Aangemeld',
    ssoDone: 'U bent aangemeld als {account} ({role}).',
    continue: 'Verder naar de console',
    codeRefused: 'Die code klopt niet (of is al gebruikt); wacht op de volgende en probeer het opnieuw.',
    ssoRefusedTitle: 'Aanmelding geweigerd',
    ssoOff: 'Single sign-on is op deze dienst niet ingesteld.',
  },
});

const signInFields = z.object({
  account: z.string().trim().min(1, 'give your account id').max(64),
  password: z.string().min(1, 'give your password').max(1024),
  code: z
    .string()
    .trim()
    .regex(/^\d{6}$/, 'the code is the 6 digits your authenticator app shows'),
});

/** A path of this console to return to (never another site: `//host` and schemes are refused). */
const localPath = (next: unknown) => (typeof next === 'string' && /^\/(?!\/)[^\s\\]*$/.test(next) ? next : '/');

function signInPage(c: ConsoleRequest, options: { problem?: string; account?: string; status?: number } = {}): ConsoleAnswer {
  const t = texts(c.language);
  const { config } = c.deps;
  const problem = options.problem ?? (queryParam(c, 'ended') ? t('ended') : undefined);
  const body: Html = html`<h1>${t('title')}</h1>
${problem ? html`<div class="notice refused" role="alert"><p>${problem}</p></div>` : ''}
<p>${t('intro')}</p>
${postForm(
  c,
  '/sign-in',
  t('submit'),
  html`${field('account', t('account'), { value: options.account ?? '', required: true, autocomplete: 'username' })}
${field('password', t('password'), { type: 'password', required: true, autocomplete: 'current-password' })}
${field('code', t('code'), { hint: t('codeHint'), required: true, autocomplete: 'one-time-code' })}`,
)}
${c.deps.sso ? html`<p>${t('or')}: <a href="/sign-in/sso">${t('sso')}</a></p>` : ''}
<p class="hint">${t('timeout', { idle: formatDuration(config.ERASURE_SESSION_IDLE_MINUTES * 60, c.language), max: formatDuration(config.ERASURE_SESSION_MAX_HOURS * 3600, c.language) })}</p>
<p lang="${c.language === 'en' ? 'nl' : 'en'}"><a href="/sign-in?lang=${c.language === 'en' ? 'nl' : 'en'}">${t('otherLanguage')}</a></p>`;
  return { page: { title: t('title'), body, ...(options.status ? { status: options.status } : {}) } };
}

const roleLabel: Record<AccountRole, string> = {
  coordinator: 'coordinator',
  'screened-reviewer': 'screened reviewer',
  'privacy-officer': 'privacy officer',
  administrator: 'administrator',
};

/** Signing in and out of the console, the second-factor re-entry and the person's language. */
export function signInRoutes(): ConsoleRoute<ConsoleRequest>[] {
  return [
    {
      method: 'GET',
      url: '/sign-in',
      access: { public: true },
      what: 'signing in',
      handle: (c) => {
        const lang = consoleLanguageSchema.safeParse(queryParam(c, 'lang'));
        if (lang.success) {
          return Promise.resolve({ ...signInPage(c), setCookie: languageCookie(c.deps.config, lang.data) });
        }
        return Promise.resolve(signInPage(c));
      },
    },
    {
      method: 'POST',
      url: '/sign-in',
      access: { public: true },
      what: 'signing in',
      handle: async (c) => {
        const body = (c.request.body ?? {}) as Record<string, unknown>;
        const account = typeof body.account === 'string' ? body.account.slice(0, 64) : '';
        const parsed = signInFields.safeParse(body);
        const t = texts(c.language);
        if (!parsed.success) return signInPage(c, { problem: t('failed'), account, status: 400 });
        const result = await c.deps.auth.signIn(parsed.data.account, parsed.data.password, parsed.data.code, c.request.ip);
        if (!result.ok) {
          const problem = result.retryAfterSeconds !== undefined ? t('locked', { seconds: result.retryAfterSeconds }) : t('failed');
          return signInPage(c, { problem, account, status: result.retryAfterSeconds !== undefined ? 429 : 401 });
        }
        const session = await c.deps.auth.createSession(result.account, 'password', c.request.ip);
        // The choice made on the sign-in page becomes the account's own.
        await c.deps.auth.setLanguage(result.account.id, requestLanguage(c.request));
        return { redirect: '/', setCookie: setSessionCookie(c.deps.config, session.token) };
      },
    },
    {
      method: 'GET',
      url: '/sign-in/sso',
      access: { public: true },
      what: 'signing in with single sign-on',
      handle: (c) => {
        const t = texts(c.language);
        if (!c.deps.sso)
          return Promise.resolve({ page: { title: t('ssoRefusedTitle'), status: 404, body: html`<h1>${t('ssoRefusedTitle')}</h1><p>${t('ssoOff')}</p>` } });
        const { loginId, url } = c.deps.sso.start();
        return Promise.resolve({ redirect: url, setCookie: ssoCookie(c.deps.config, loginId) });
      },
    },
    {
      method: 'POST',
      url: '/sign-out',
      access: { signedIn: true },
      what: 'signing out',
      handle: async (c) => {
        await c.deps.auth.endSession((c as SignedInRequest).caller.token);
        return { redirect: '/sign-in', setCookie: clearSessionCookie(c.deps.config) };
      },
    },
    {
      method: 'POST',
      url: '/language',
      access: { signedIn: true },
      what: 'choosing the language',
      handle: async (c) => {
        const { language, back } = formFields(c, z.object({ language: consoleLanguageSchema, back: z.string().optional() }));
        await c.deps.auth.setLanguage((c as SignedInRequest).caller.session.accountId, language);
        return { redirect: localPath(back) };
      },
    },
    {
      method: 'POST',
      url: '/step-up',
      access: { signedIn: true },
      what: 're-entering the second factor',
      handle: async (c) => {
        const { caller } = c as SignedInRequest;
        const { code, next, repost } = formFields(
          c,
          z.object({
            code: z
              .string()
              .trim()
              .regex(/^\d{6}$/, 'the code is the 6 digits your authenticator app shows'),
            next: z.string().optional(),
            repost: z.literal('1').optional(),
          }),
        );
        if (!(await c.deps.auth.verifyStepUp(caller.session.accountId, code, c.request.ip))) {
          return { page: stepUpPage(c, localPath(next), texts(c.language)('codeRefused')) };
        }
        await c.deps.auth.stepUp(caller.token);
        return repost ? { redirect: localPath(next), repost: true } : { redirect: localPath(next) };
      },
    },
  ];
}

/**
 * The provider's return to the service, when the sign-in was started from the console
 * (its cookie names the login): the console session begins and the page leads on. A fresh
 * sign-in at the provider counts as the second-factor re-entry.
 */
export async function finishConsoleSso(
  request: FastifyRequest,
  reply: FastifyReply,
  deps: ServiceDeps,
  done: { loginId: string; accountId: string; role: AccountRole },
): Promise<string | undefined> {
  if (ssoLoginId(request) !== done.loginId || !deps.sso) return undefined;
  deps.sso.poll(done.loginId);
  await deps.auth.upsertSsoAccount(done.accountId, done.role);
  const account = { id: done.accountId, role: done.role };
  const session = await deps.auth.createSession(account, 'sso', request.ip);
  await deps.auth.stepUp(session.token);
  await deps.auth.log('sso-login', account.id, request.ip, `role ${account.role} from the provider's groups (console)`);
  consoleHeaders(reply, deps);
  reply.header('Set-Cookie', [setSessionCookie(deps.config, session.token), clearSsoCookie(deps.config)]);
  const c: ConsoleRequest = { request, caller: undefined, language: requestLanguage(request), csrf: '', deps };
  const t = texts(c.language);
  // A page, not a redirect: the provider's redirect is cross-site, and a SameSite=Strict cookie is sent only from a navigation that starts here.
  return renderPage(c, {
    title: t('ssoDoneTitle'),
    body: html`<h1>${t('ssoDoneTitle')}</h1><p>${t('ssoDone', { account: account.id, role: roleLabel[account.role] })}</p><p><a href="/" id="continue" data-follow>${t('continue')}</a></p>`,
  });
}
