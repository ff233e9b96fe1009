import type { Pool } from 'pg';
import type { Config } from '../schemas/config';
import type { AuthBackend } from './auth-backend';
import type { Accounts } from './auth/accounts';
import { appendSecurityLog, readSecurityLog } from './auth/security-log';
import { Sessions } from './auth/sessions';
import type { AccountsCommands } from './users-commands';

/** The HTTP layer's view of the accounts, sessions and security log in the registry database. */
export function authBackend(pool: Pool, accounts: Accounts, sessions: Sessions): AuthBackend {
  return {
    signIn: (id, password, code, from) => accounts.signIn(id, password, code, from),
    verifyStepUp: (id, code, from) => accounts.verifyStepUp(id, code, from),
    upsertSsoAccount: async (id, role) => void (await accounts.upsertSsoAccount(id, role)),
    createSession: (account, method, from) => sessions.create(account, method, from),
    checkSession: async (token) => {
      const checked = await sessions.check(token);
      return checked.ok ? { ok: true, session: checked.session } : { ok: false, message: checked.message };
    },
    stepUp: async (token) => void (await sessions.stepUp(token)),
    endSession: async (token) => void (await sessions.end(token)),
    setLanguage: (accountId, language) => accounts.setLanguage(accountId, language),
    log: (event, accountId, from, detail) => appendSecurityLog(pool, { event, accountId, from, detail }),
  };
}

/** What `erasure users …` and `erasure security-log` run against. */
export function accountsCommands(pool: Pool, accounts: Accounts): AccountsCommands {
  return {
    accounts: {
      add: (id, role, by) => accounts.add(id, role, by),
      disable: (id, by) => accounts.disable(id, by ?? 'administrator'),
      resetSecondFactor: (id, by) => accounts.resetSecondFactor(id, by ?? 'administrator'),
      list: () => accounts.list(),
    },
    // Oldest first, as a log is read.
    readSecurityLog: async (filter) => (await readSecurityLog(pool, filter)).reverse(),
  };
}

/** The session check the codec server uses: the same sessions as the service's, so one identity. */
export function sessionChecker(pool: Pool, config: Config) {
  const sessions = new Sessions(pool, { idleMs: config.ERASURE_SESSION_IDLE_MINUTES * 60_000, absoluteMs: config.ERASURE_SESSION_MAX_HOURS * 3_600_000 });
  return async (token: string) => {
    const checked = await sessions.check(token);
    return checked.ok ? ({ ok: true, session: checked.session } as const) : ({ ok: false, message: checked.message } as const);
  };
}
