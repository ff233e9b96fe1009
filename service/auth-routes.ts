import { z } from 'zod';
import type { ServiceDeps } from './app';
import { HttpRefusal, type ServiceRoute } from './routes';
import { finishConsoleSso } from '../console/pages/sign-in';

const loginBody = z.strictObject({
  account: z.string().min(1, 'give your account id').max(64),
  password: z.string().min(1, 'give your password').max(1024),
  code: z.string().regex(/^\d{6}$/, 'the second-factor code is the 6 digits your authenticator app shows'),
});
const codeBody = z.strictObject({ code: z.string().regex(/^\d{6}$/, 'the second-factor code is the 6 digits your authenticator app shows') });
const pollBody = z.strictObject({ loginId: z.string().min(1).max(200) });

function parse<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new HttpRefusal(400, 'BAD_REQUEST', `${issue?.path.join('.') || '(body)'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

const page = (title: string, text: string) =>
  `<!doctype html><html lang="en"><meta charset="utf-8"><title>${title}</title><body><h1>${title}</h1><p>${text}</p></body></html>`;

/** Signing in and out: public routes for the sign-in itself, signed-in routes for the rest. */
export function authRoutes(deps: ServiceDeps): ServiceRoute[] {
  const sessionAnswer = (token: { token: string; expiresAt: Date }, account: { id: string; role: string }, method: string) => ({
    token: token.token,
    expiresAt: token.expiresAt.toISOString(),
    account: account.id,
    role: account.role,
    method,
    idleMinutes: deps.config.ERASURE_SESSION_IDLE_MINUTES,
  });
  const sso = () => {
    if (!deps.sso)
      throw new HttpRefusal(
        404,
        'SSO_OFF',
        'single sign-on is not configured on this service (ERASURE_OIDC_ISSUER); sign in with `erasure login --account <id>`',
      );
    return deps.sso;
  };
  return [
    {
      method: 'POST',
      url: '/api/auth/login',
      access: { public: true },
      handle: async (request) => {
        const body = parse(loginBody, request.body);
        const result = await deps.auth.signIn(body.account, body.password, body.code, request.ip);
        if (!result.ok) {
          throw result.retryAfterSeconds !== undefined
            ? new HttpRefusal(429, 'LOCKED', result.message, result.retryAfterSeconds)
            : new HttpRefusal(401, 'SIGN_IN_FAILED', result.message);
        }
        return sessionAnswer(await deps.auth.createSession(result.account, 'password', request.ip), result.account, 'password');
      },
    },
    {
      method: 'POST',
      url: '/api/auth/logout',
      access: { signedIn: true },
      handle: async (_request, _reply, caller) => {
        await deps.auth.endSession(caller?.token ?? '');
        return { ended: true };
      },
    },
    {
      method: 'GET',
      url: '/api/auth/whoami',
      access: { signedIn: true },
      handle: (_request, _reply, caller) => {
        const s = caller?.session;
        return Promise.resolve({
          account: s?.accountId,
          role: s?.role,
          method: s?.method,
          expiresAt: s?.expiresAt.toISOString(),
          stepUpAt: s?.stepUpAt?.toISOString() ?? null,
        });
      },
    },
    {
      method: 'POST',
      url: '/api/auth/step-up',
      access: { signedIn: true },
      handle: async (request, _reply, caller) => {
        const { code } = parse(codeBody, request.body);
        if (!caller) throw new HttpRefusal(401, 'SIGNED_OUT', 'sign in first');
        if (caller.session.method === 'sso') {
          throw new HttpRefusal(403, 'STEP_UP_SSO', 'a single sign-on session re-authenticates at the provider: run `erasure login --sso` again, then consult');
        }
        if (!(await deps.auth.verifyStepUp(caller.session.accountId, code, request.ip))) {
          throw new HttpRefusal(401, 'STEP_UP_FAILED', 'that second-factor code is not right (or was used already); wait for the next one and try again');
        }
        await deps.auth.stepUp(caller.token);
        return { stepUpAt: new Date().toISOString() };
      },
    },
    {
      method: 'POST',
      url: '/api/auth/sso/start',
      access: { public: true },
      handle: () => Promise.resolve(sso().start()),
    },
    {
      method: 'GET',
      url: '/api/auth/sso/callback',
      access: { public: true },
      handle: async (request, reply) => {
        reply.type('text/html; charset=utf-8');
        try {
          const done = await sso().finish(new URL(request.url, `http://${request.headers.host ?? 'localhost'}`));
          // Started from the console (its cookie names this login): the console's session begins here.
          const consolePage = await finishConsoleSso(request, reply, deps, done);
          if (consolePage) return consolePage;
          return page('Signed in', `Signed in as ${done.accountId} (${done.role}). Return to your terminal; you can close this page.`);
        } catch (err) {
          await deps.auth.log('sso-failed', null, request.ip, (err as Error).message.slice(0, 200));
          reply.status(401);
          return page('Sign-in refused', (err as Error).message.replace(/[<>&"]/g, ''));
        }
      },
    },
    {
      method: 'POST',
      url: '/api/auth/sso/poll',
      access: { public: true },
      handle: async (request, reply) => {
        const { loginId } = parse(pollBody, request.body);
        const state = sso().poll(loginId);
        if (state === 'pending') return reply.status(202).send({ pending: true });
        if ('problem' in state) throw new HttpRefusal(401, 'SIGN_IN_FAILED', state.problem);
        await deps.auth.upsertSsoAccount(state.accountId, state.role);
        const account = { id: state.accountId, role: state.role };
        const session = await deps.auth.createSession(account, 'sso', request.ip);
        await deps.auth.log('sso-login', account.id, request.ip, `role ${account.role} from the provider's groups`);
        return sessionAnswer(session, account, 'sso');
      },
    },
  ];
}
