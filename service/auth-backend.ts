import type { AccountRole } from '../schemas/roles';
import type { SignInResult } from './auth/account-info';
import type { Session } from './auth/sessions';
import type { ConsoleLanguage } from '../console/i18n';

/** A signed-in person's session, as the service checks it on every request (service/auth's own). */
export type SessionView = Session;

/**
 * What the HTTP layer needs of accounts, sessions and the security log (service/auth holds
 * them in PostgreSQL). An interface, so that the route table can be built and checked
 * without a database.
 */
export interface AuthBackend {
  signIn(id: string, password: string, code: string, from: string): Promise<SignInResult>;
  verifyStepUp(id: string, code: string, from: string): Promise<boolean>;
  upsertSsoAccount(id: string, role: AccountRole): Promise<void>;
  createSession(account: { id: string; role: AccountRole }, method: 'password' | 'sso', from: string): Promise<{ token: string; expiresAt: Date }>;
  checkSession(token: string): Promise<{ ok: true; session: SessionView } | { ok: false; message: string }>;
  stepUp(token: string): Promise<void>;
  endSession(token: string): Promise<void>;
  setLanguage(accountId: string, language: ConsoleLanguage): Promise<void>;
  log(event: 'forbidden' | 'sso-login' | 'sso-failed', accountId: string | null, from: string | null, detail: string): Promise<void>;
}

/** Single sign-on through an OpenID provider (service/auth/oidc.ts), when one is configured. */
export interface SsoBackend {
  start(): { loginId: string; url: string };
  finish(callbackUrl: URL): Promise<{ loginId: string; accountId: string; role: AccountRole }>;
  poll(loginId: string): 'pending' | { accountId: string; role: AccountRole } | { problem: string };
}
