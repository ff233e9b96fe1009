import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServiceDeps } from '../service/app';
import type { Caller } from '../service/routes';
import { html, type Html } from './html';
import { consoleLanguageSchema, defineMessages, type ConsoleLanguage } from './i18n';
import { clearSessionCookie, cookieValue, LANGUAGE_COOKIE, secureCookies, sessionToken, type CsrfTokens } from './cookies';
import { postForm, field, renderPage } from './layout';
import { ConsoleRefusal, type ConsoleAnswer, type ConsolePage, type ConsoleRequest, type ConsoleRoute } from './page';

const texts = defineMessages({
  en: {
    signInTitle: 'Sign in',
    endedTitle: 'Signed out',
    ended: 'Your session has ended. Sign in again; nothing was done with this request.',
    signInLink: 'Sign in',
    forbiddenTitle: 'Not for your role',
    forbidden: '{what} is for the role {roles}; you are signed in as {account} ({role}).',
    formTitle: 'Form no longer valid',
    form: 'This form does not belong to your current session (it is old, or was sent from elsewhere). Open the page again and send it from there.',
    stepUpTitle: 'Confirm it is you',
    stepUp: 'This page shows personal data. Re-enter the code from your authenticator app (you did not in the last {minutes} minutes).',
    stepUpSso: 'This page shows personal data. Sign in again with single sign-on to confirm it is you.',
    code: 'Code from your authenticator app',
    codeHint: 'The 6 digits it shows now.',
    confirm: 'Confirm',
    ssoAgain: 'Sign in again with single sign-on',
    refusedTitle: 'Not done',
    notFoundTitle: 'Not found',
    notFound: 'There is no such page. Use the menu to find what you need.',
    failedTitle: 'Something went wrong',
    failed: 'The erasure service could not answer this request; its log says why. Nothing was half done: try again, or ask the operator.',
    back: 'Back to the dashboard',
  },
  nl: {
    signInTitle: 'Aanmelden',
    endedTitle: 'Afgemeld',
    ended: 'Uw sessie is beëindigd. Meld u opnieuw aan; met dit verzoek is niets gedaan.',
    signInLink: 'Aanmelden',
    forbiddenTitle: 'Niet voor uw rol',
    forbidden: '{what} is voor de rol {roles}; u bent aangemeld als {account} ({role}).',
    formTitle: 'Formulier niet meer geldig',
    form: 'Dit formulier hoort niet bij uw huidige sessie (het is oud, of is van elders verstuurd). Open de pagina opnieuw en verstuur het vanaf daar.',
    stepUpTitle: 'Bevestig dat u het bent',
    stepUp: 'Deze pagina toont persoonsgegevens. Voer opnieuw de code uit uw authenticator-app in (dat deed u niet in de laatste {minutes} minuten).',
    stepUpSso: 'Deze pagina toont persoonsgegevens. Meld u opnieuw aan met single sign-on om te bevestigen dat u het bent.',
    code: 'Code uit uw authenticator-app',
    codeHint: 'De 6 cijfers die zij nu toont.',
    confirm: 'Bevestigen',
    ssoAgain: 'Opnieuw aanmelden met single sign-on',
    refusedTitle: 'Niet gedaan',
    notFoundTitle: 'Niet gevonden',
    notFound: 'Deze pagina bestaat niet. Gebruik het menu om te vinden wat u zoekt.',
    failedTitle: 'Er ging iets mis',
    failed:
      'De verwijderdienst kon dit verzoek niet beantwoorden; haar logboek zegt waarom. Er is niets half gedaan: probeer het opnieuw, of vraag het de beheerder.',
    back: 'Terug naar het overzicht',
  },
});

/** Headers of every console answer: its own strict Content-Security-Policy (no inline script or style), nothing cached. */
export function consoleHeaders(reply: FastifyReply, deps: ServiceDeps): void {
  reply.header(
    'Content-Security-Policy',
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  );
  reply.header('Cache-Control', 'no-store');
  reply.header('Cross-Origin-Opener-Policy', 'same-origin');
  reply.header('Cross-Origin-Resource-Policy', 'same-origin');
  reply.header('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), interest-cohort=()');
  if (secureCookies(deps.config)) reply.header('Strict-Transport-Security', 'max-age=31536000');
}

/** The language of a request before sign-in: the one asked for (`?lang=`), the choice made on the sign-in page, else the browser's first preference. */
export function requestLanguage(request: FastifyRequest): ConsoleLanguage {
  const asked = consoleLanguageSchema.safeParse((request.query as Record<string, unknown> | undefined)?.lang);
  if (asked.success) return asked.data;
  const chosen = consoleLanguageSchema.safeParse(cookieValue(request, LANGUAGE_COOKIE));
  if (chosen.success) return chosen.data;
  return (request.headers['accept-language'] ?? '').trim().toLowerCase().startsWith('nl') ? 'nl' : 'en';
}

/** A form posted from another origin is refused whatever it carries (the anti-forgery token aside). */
const foreignOrigin = (request: FastifyRequest) => {
  const origin = request.headers.origin;
  return origin !== undefined && origin !== 'null' && origin !== `${request.protocol}://${request.headers.host ?? ''}`;
};

class GateAnswer extends Error {
  constructor(
    readonly page: ConsolePage,
    readonly clearCookie = false,
  ) {
    super(page.title);
  }
}

/**
 * The console's gate, in front of every page (docs/ARCHITECTURE.md, "The console"): the
 * session from its cookie, the route's roles, the anti-forgery token on every form, and a
 * recent second factor where the route shows personal data. Refusals show no data.
 */
async function admit(route: ConsoleRoute<ConsoleRequest>, request: FastifyRequest, deps: ServiceDeps, csrf: CsrfTokens): Promise<ConsoleRequest> {
  const anonymous: ConsoleRequest = { request, caller: undefined, language: requestLanguage(request), csrf: '', deps };
  const t = texts(anonymous.language);
  if (request.method === 'POST' && foreignOrigin(request))
    throw new GateAnswer({ title: t('formTitle'), status: 403, body: html`<h1>${t('formTitle')}</h1><p>${t('form')}</p>` });
  if ('public' in route.access) return anonymous;
  const token = sessionToken(request, deps.config);
  const checked = token ? await deps.auth.checkSession(token) : undefined;
  if (!token || !checked?.ok) {
    if (request.method === 'GET') throw new RedirectToSignIn(Boolean(token));
    throw new GateAnswer(
      { title: t('endedTitle'), status: 401, body: html`<h1>${t('endedTitle')}</h1><p>${t('ended')}</p><p><a href="/sign-in">${t('signInLink')}</a></p>` },
      true,
    );
  }
  const caller: Caller = { token, session: checked.session, from: request.ip };
  const c: ConsoleRequest = { request, caller, language: checked.session.language, csrf: csrf.forSession(token), deps };
  const tc = texts(c.language);
  const { session } = checked;
  if ('roles' in route.access && !route.access.roles.includes(session.role)) {
    await deps.auth.log('forbidden', session.accountId, request.ip, `${route.method} ${route.url} refused to role ${session.role}`);
    const message = tc('forbidden', { what: route.what, roles: route.access.roles.join(' or '), account: session.accountId, role: session.role });
    throw new GateAnswer({
      title: tc('forbiddenTitle'),
      status: 403,
      body: html`<h1>${tc('forbiddenTitle')}</h1><p>${message}</p><p><a href="/">${tc('back')}</a></p>`,
    });
  }
  if (request.method === 'POST' && !csrf.matches(token, (request.body as Record<string, unknown> | undefined)?._csrf)) {
    await deps.auth.log('forbidden', session.accountId, request.ip, `${route.method} ${route.url} refused: no valid anti-forgery token`);
    throw new GateAnswer({
      title: tc('formTitle'),
      status: 403,
      body: html`<h1>${tc('formTitle')}</h1><p>${tc('form')}</p><p><a href="/">${tc('back')}</a></p>`,
    });
  }
  if ('stepUp' in route.access && route.access.stepUp) {
    const within = deps.config.ERASURE_STEP_UP_MINUTES * 60_000;
    if (!session.stepUpAt || Date.now() - session.stepUpAt.getTime() > within) throw new GateAnswer(stepUpPage(c));
  }
  return c;
}

class RedirectToSignIn extends Error {
  constructor(readonly ended: boolean) {
    super('signed out');
  }
}

/** Fields of the step-up form itself, never carried on. */
const STEP_UP_FIELDS = new Set(['_csrf', 'code', 'next', 'repost']);

/**
 * A form that needed the step-up is not lost: its fields ride along in the step-up form,
 * which then sends them on to where they were going (a 307 keeps the POST).
 */
function carriedFields(c: ConsoleRequest): Html | string {
  if (c.request.method !== 'POST') return '';
  const body = (c.request.body ?? {}) as Record<string, unknown>;
  const fields = Object.entries(body).filter((e): e is [string, string] => !STEP_UP_FIELDS.has(e[0]) && typeof e[1] === 'string');
  if (c.request.url !== '/step-up' || body.repost === '1') {
    return html`<input type="hidden" name="repost" value="1">${fields.map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}`;
  }
  return '';
}

/** The re-entry of the second factor, asked on the page that needs it; it returns there. */
export function stepUpPage(c: ConsoleRequest, next = c.request.url, problem?: string): ConsolePage {
  const t = texts(c.language);
  if (c.caller?.session.method === 'sso') {
    return {
      title: t('stepUpTitle'),
      status: 403,
      body: html`<h1>${t('stepUpTitle')}</h1><p>${t('stepUpSso')}</p><p><a href="/sign-in/sso?next=${encodeURIComponent(next)}">${t('ssoAgain')}</a></p>`,
    };
  }
  return {
    title: t('stepUpTitle'),
    status: 403,
    ...(problem ? { notice: { kind: 'refused' as const, lines: [problem] } } : {}),
    body: html`<h1>${t('stepUpTitle')}</h1><p>${t('stepUp', { minutes: c.deps.config.ERASURE_STEP_UP_MINUTES })}</p>
${postForm(
  c,
  '/step-up',
  t('confirm'),
  html`<input type="hidden" name="next" value="${next}">${carriedFields(c)}${field('code', t('code'), { hint: t('codeHint'), required: true, autocomplete: 'one-time-code' })}`,
)}`,
  };
}

function send(reply: FastifyReply, c: ConsoleRequest, answer: ConsoleAnswer): FastifyReply {
  if (answer.setCookie) reply.header('Set-Cookie', answer.setCookie);
  if ('redirect' in answer)
    return reply
      .status(answer.repost ? 307 : 303)
      .header('Location', answer.redirect)
      .send();
  if ('download' in answer) {
    const { filename, type, content } = answer.download;
    return reply
      .status(200)
      .type(type)
      .header('Content-Disposition', `attachment; filename="${filename.replace(/[^A-Za-z0-9._-]/g, '_')}"`)
      .send(content);
  }
  return reply
    .status(answer.page.status ?? 200)
    .type('text/html; charset=utf-8')
    .send(renderPage(c, answer.page));
}

/** The Fastify handler of a console route: the gate, then the page, and a page for every refusal. */
export function consoleHandler(route: ConsoleRoute<ConsoleRequest>, deps: ServiceDeps, csrf: CsrfTokens) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    consoleHeaders(reply, deps);
    let c: ConsoleRequest = { request, caller: undefined, language: requestLanguage(request), csrf: '', deps };
    try {
      c = await admit(route, request, deps, csrf);
      return send(reply, c, await route.handle(c));
    } catch (err) {
      if (err instanceof RedirectToSignIn) {
        return reply
          .status(303)
          .header('Set-Cookie', clearSessionCookie(deps.config))
          .header('Location', err.ended ? '/sign-in?ended=1' : '/sign-in')
          .send();
      }
      if (err instanceof GateAnswer) {
        if (err.clearCookie) reply.header('Set-Cookie', clearSessionCookie(deps.config));
        return send(reply, c, { page: err.page });
      }
      const t = texts(c.language);
      if (err instanceof ConsoleRefusal) {
        const title = err.status === 404 ? t('notFoundTitle') : t('refusedTitle');
        return send(reply, c, { page: { title, status: err.status, body: html`<h1>${title}</h1><p>${err.message}</p><p><a href="/">${t('back')}</a></p>` } });
      }
      request.log.error({ route: route.url, err: (err as Error).message }, 'console page failed');
      return send(reply, c, { page: { title: t('failedTitle'), status: 500, body: html`<h1>${t('failedTitle')}</h1><p>${t('failed')}</p>` } });
    }
  };
}

/** The console's 404 page (the API keeps its JSON one). */
export function consoleNotFound(request: FastifyRequest, reply: FastifyReply, deps: ServiceDeps) {
  consoleHeaders(reply, deps);
  const c: ConsoleRequest = { request, caller: undefined, language: requestLanguage(request), csrf: '', deps };
  const t = texts(c.language);
  return send(reply, c, { page: { title: t('notFoundTitle'), status: 404, body: html`<h1>${t('notFoundTitle')}</h1><p>${t('notFound')}</p>` } });
}
