import { setTimeout as sleep } from 'node:timers/promises';
import { callService, serviceUrl, signedIn, ServiceRefusal } from './service-client';
import { forgetSession, readSession, saveSession, type SavedSession } from './session-file';
import { ask } from './prompt';
import { UsageError } from './options';

type Env = Record<string, string | undefined>;

interface SessionAnswer {
  token: string;
  expiresAt: string;
  account: string;
  role: string;
  method: string;
  idleMinutes: number;
}

function keep(env: Env, service: string, answer: SessionAnswer): void {
  const file = saveSession(env, {
    service,
    token: answer.token,
    account: answer.account,
    role: answer.role,
    method: answer.method,
    expiresAt: answer.expiresAt,
  });
  console.log(
    `signed in as ${answer.account} (${answer.role}) at ${service}; the session ends after ${answer.idleMinutes} min without use, at ${answer.expiresAt} at the latest`,
  );
  console.error(`(session kept in ${file}, readable by you only; \`erasure logout\` ends it)`);
}

/**
 * `erasure login --account <id>` (password, then the second-factor code, asked on the
 * terminal or read from stdin) or `erasure login --sso` (the provider's sign-in page in a
 * browser; this command waits for it).
 */
export async function loginCommand(env: Env, options: { account?: string | undefined; sso: boolean; service?: string | undefined }): Promise<void> {
  const service = serviceUrl(env, options.service);
  if (options.sso === !!options.account) throw new UsageError('`erasure login` needs --account <id>, or --sso for single sign-on');
  if (options.account) {
    const password = await ask(`password for ${options.account}: `, { secret: true });
    const code = await ask('second-factor code: ', { secret: true });
    const { body } = await callService<SessionAnswer>(service, 'POST', '/api/auth/login', { body: { account: options.account, password, code } });
    keep(env, service, body);
    return;
  }
  const { body: started } = await callService<{ loginId: string; url: string }>(service, 'POST', '/api/auth/sso/start');
  console.error(`Open this address in your browser and sign in; this command waits (10 min at most):\n  ${started.url}`);
  const deadline = Date.now() + 10 * 60_000;
  while (Date.now() < deadline) {
    const { status, body } = await callService<SessionAnswer | { pending: true }>(service, 'POST', '/api/auth/sso/poll', {
      body: { loginId: started.loginId },
    });
    if (status === 200 && 'token' in body) {
      keep(env, service, body);
      return;
    }
    await sleep(500);
  }
  throw new ServiceRefusal(401, 'SSO_TIMEOUT', 'no sign-in at the provider within 10 minutes: run `erasure login --sso` again');
}

/** `erasure logout`: ends the session on the service (if it still runs) and forgets it here. */
export async function logoutCommand(env: Env): Promise<void> {
  const session = readSession(env);
  if (!session) {
    console.log('not signed in');
    return;
  }
  try {
    await callService(session.service, 'POST', '/api/auth/logout', { token: session.token });
  } catch (err) {
    if (!(err instanceof ServiceRefusal) || err.status !== 401) throw err;
  } finally {
    forgetSession(env);
  }
  console.log(`signed out (${session.account})`);
}

/** `erasure whoami [--token]`: the account and role the service sees, and when the session ends. */
export async function whoamiCommand(env: Env, showToken: boolean): Promise<void> {
  const session: SavedSession = signedIn(env);
  const { body } = await callService<{ account: string; role: string; method: string; expiresAt: string; stepUpAt: string | null }>(
    session.service,
    'GET',
    '/api/auth/whoami',
    { token: session.token },
  );
  console.log(`${body.account} (${body.role}), signed in by ${body.method === 'sso' ? 'single sign-on' : 'password and second factor'} at ${session.service}`);
  console.log(`  session ends at ${body.expiresAt} unless used before; ${body.stepUpAt ? `second factor re-entered ${body.stepUpAt}` : 'no step-up yet'}`);
  if (showToken) console.log(session.token);
}
