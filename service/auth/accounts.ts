import type { ConsoleLanguage } from '../../console/i18n';
import type { Pool } from 'pg';
import { inTransaction } from '../../activities/pg-pool';
import { InvalidInputError } from '../../schemas/errors';
import { accountRoleSchema, accountRoles, type AccountRole } from '../../schemas/roles';
import { accountIdSchema, lockedMessage, SIGN_IN_REFUSED, type AccountInfo, type NewCredentials, type SignInResult } from './account-info';
import { LoginThrottle } from './login-throttle';
import { generatePassword, hashPassword, verifyPassword } from './passwords';
import { appendSecurityLog, type Db } from './security-log';
import { newTotpSecret, totpUri, verifyTotp } from './totp';

export { accountIdSchema, lockedMessage, SIGN_IN_REFUSED, type AccountInfo, type NewCredentials, type SignInMethod, type SignInResult } from './account-info';

export interface AccountsOptions {
  readonly now?: () => number;
  readonly maxFailures?: number;
  readonly baseLockMs?: number;
}

interface AccountRow {
  id: string;
  role: AccountRole;
  password_hash: string | null;
  totp_secret: string | null;
  disabled_at: Date | null;
  created_at: Date;
  created_by: string | null;
}

const info = (r: AccountRow): AccountInfo => ({
  id: r.id,
  role: r.role,
  method: r.password_hash === null ? 'sso' : 'password',
  disabledAt: r.disabled_at,
  createdAt: r.created_at,
  createdBy: r.created_by,
});

/** An id as a message may quote it: bounded, and in quotes so that spaces and odd characters show. */
const quoted = (id: string) => JSON.stringify(id.length > 64 ? `${id.slice(0, 64)}…` : id);

const COLUMNS = 'id, role, password_hash, totp_secret, disabled_at, created_at, created_by';

/**
 * The accounts of the erasure service: adding and disabling them, and checking a sign-in
 * (password and TOTP, with a lockout per name tried). Every change is written to the
 * security log in the same transaction, so there is no change the log does not show.
 */
export class Accounts {
  private readonly now: () => number;
  private readonly throttle: LoginThrottle;
  private readonly maxFailures: number;

  constructor(
    private readonly pool: Pool,
    options: AccountsOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.maxFailures = options.maxFailures ?? 5;
    this.throttle = new LoginThrottle(pool, { maxFailures: this.maxFailures, baseLockMs: options.baseLockMs ?? 60_000 });
  }

  /** Adds a password account with a generated password and TOTP secret; refuses a bad or taken id. Logs `account-added`. */
  async add(id: string, role: AccountRole, by: string | null): Promise<NewCredentials> {
    const problems = [];
    if (!accountIdSchema.safeParse(id).success)
      problems.push({
        field: 'id',
        message: `${quoted(id)} is not an account name; use 1 to 64 lower-case letters, digits, . _ - starting with a letter (e.g. reviewer-3)`,
      });
    if (!accountRoleSchema.safeParse(role).success)
      problems.push({ field: 'role', message: `${quoted(String(role))} is not a role; use ${accountRoles.join(', ')}` });
    if (problems.length) throw new InvalidInputError('new account', problems);
    const password = generatePassword();
    const passwordHash = await hashPassword(password);
    const totpSecret = newTotpSecret();
    await inTransaction(this.pool, 'BEGIN', async (db) => {
      const { rowCount } = await db.query(
        `INSERT INTO accounts (id, role, password_hash, totp_secret, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING`,
        [id, role, passwordHash, totpSecret, new Date(this.now()), by],
      );
      if (!rowCount)
        throw new InvalidInputError('new account', [
          { field: 'id', message: `${quoted(id)} is taken: an account name is used once (a disabled account keeps its name); choose another name` },
        ]);
      await this.log(db, { event: 'account-added', accountId: id, detail: `role ${role}, password and TOTP, added by ${by ?? 'the set-up'}` });
    });
    return { id, role, password, totpSecret, otpauthUri: totpUri(id, totpSecret) };
  }

  /** Disables an account and ends its open sessions; disabling a disabled account changes nothing. Logs `account-disabled`. */
  async disable(id: string, by: string): Promise<void> {
    await inTransaction(this.pool, 'BEGIN', async (db) => {
      const at = new Date(this.now());
      const { rowCount } = await db.query('UPDATE accounts SET disabled_at = $2 WHERE id = $1 AND disabled_at IS NULL', [id, at]);
      if (!rowCount) {
        await this.existing(db, id);
        return;
      }
      const ended = await db.query(`UPDATE sessions SET ended_at = $2, end_reason = 'disabled' WHERE account_id = $1 AND ended_at IS NULL`, [id, at]);
      await this.log(db, { event: 'account-disabled', accountId: id, detail: `disabled by ${by}; ${ended.rowCount ?? 0} open session(s) ended` });
    });
  }

  /** A new TOTP secret for a password account (a lost phone); the old codes stop working. Logs `second-factor-reset`. */
  async resetSecondFactor(id: string, by: string): Promise<{ totpSecret: string; otpauthUri: string }> {
    const totpSecret = newTotpSecret();
    await inTransaction(this.pool, 'BEGIN', async (db) => {
      const { rowCount } = await db.query('UPDATE accounts SET totp_secret = $2, totp_last_step = NULL WHERE id = $1 AND password_hash IS NOT NULL', [
        id,
        totpSecret,
      ]);
      if (!rowCount) {
        await this.existing(db, id);
        throw new InvalidInputError('second factor reset', [
          { field: 'id', message: `${quoted(id)} signs in with single sign-on: its second factor is the identity provider's; reset it there` },
        ]);
      }
      await this.log(db, { event: 'second-factor-reset', accountId: id, detail: `reset by ${by}` });
    });
    return { totpSecret, otpauthUri: totpUri(id, totpSecret) };
  }

  /** The language the account reads the console in (its own choice). */
  async setLanguage(id: string, language: ConsoleLanguage): Promise<void> {
    await this.pool.query('UPDATE accounts SET language = $2 WHERE id = $1', [id, language]);
  }

  async list(): Promise<AccountInfo[]> {
    const { rows } = await this.pool.query<AccountRow>(`SELECT ${COLUMNS} FROM accounts ORDER BY id`);
    return rows.map(info);
  }

  async get(id: string): Promise<AccountInfo | undefined> {
    const row = await this.row(id);
    return row ? info(row) : undefined;
  }

  /**
   * Checks a password sign-in. Every refusal reads the same and the password is always
   * hashed (against a dummy for a name that is no account), so neither the answer nor its
   * time tells whether the account exists; a locked name is refused before any check.
   */
  async signIn(id: string, password: string, code: string, from: string | null): Promise<SignInResult> {
    const nowMs = this.now();
    const tried = typeof id === 'string' ? id.slice(0, 256) : '';
    const row = await this.row(tried);
    const accountId = row?.id ?? null;
    const lockedFor = await this.throttle.lockedFor(tried, nowMs);
    if (lockedFor !== undefined) {
      await this.log(this.pool, { event: 'login-failed', accountId, from, detail: 'locked' });
      return { ok: false, message: lockedMessage(lockedFor), retryAfterSeconds: lockedFor };
    }
    const passwordOk = await verifyPassword(row?.password_hash, typeof password === 'string' ? password : '');
    let failed: string | undefined;
    if (!row) failed = 'unknown-account';
    else if (row.password_hash === null) failed = 'sso-account';
    else if (!passwordOk) failed = 'password';
    else if (row.disabled_at) failed = 'disabled';
    else failed = await this.acceptCode(row, code, nowMs);
    if (failed) {
      const outcome = await this.failure(tried, accountId, from, 'login-failed', failed, nowMs);
      return outcome === undefined ? { ok: false, message: SIGN_IN_REFUSED } : { ok: false, message: lockedMessage(outcome), retryAfterSeconds: outcome };
    }
    await this.throttle.succeed(tried);
    await this.log(this.pool, { event: 'login', accountId, from, detail: 'password and TOTP' });
    return { ok: true, account: info(row as AccountRow) };
  }

  /**
   * Re-entry of the second factor before a weighty action. Replay-guarded like sign-in and
   * counted toward the same lockout. A single-sign-on account has no TOTP here: it steps
   * up at its identity provider, so this answers false for it.
   */
  async verifyStepUp(id: string, code: string, from: string | null): Promise<boolean> {
    const nowMs = this.now();
    const row = await this.row(id);
    const accountId = row?.id ?? null;
    if ((await this.throttle.lockedFor(id, nowMs)) !== undefined) {
      await this.log(this.pool, { event: 'step-up-failed', accountId, from, detail: 'locked' });
      return false;
    }
    let failed: string | undefined;
    if (!row) failed = 'unknown-account';
    else if (row.disabled_at) failed = 'disabled';
    else if (row.totp_secret === null) failed = 'sso-account';
    else failed = await this.acceptCode(row, code, nowMs);
    if (failed) {
      await this.failure(id, accountId, from, 'step-up-failed', failed, nowMs);
      return false;
    }
    await this.throttle.succeed(id);
    await this.log(this.pool, { event: 'step-up', accountId, from, detail: 'TOTP' });
    return true;
  }

  /**
   * The account of a single-sign-on user, made on first sign-in, its role refreshed from
   * the provider on each. Refused: a disabled account, and a name that belongs to a
   * password account (the provider must not take over a local account). Logs `sso-login` or `sso-failed`.
   */
  async upsertSsoAccount(
    id: string,
    role: AccountRole,
    from: string | null = null,
  ): Promise<{ ok: true; account: AccountInfo } | { ok: false; message: string }> {
    const problems = [];
    if (!accountIdSchema.safeParse(id).success)
      problems.push({ field: 'id', message: `${quoted(id)} from the identity provider is not an account name; map its users to lower-case names` });
    if (!accountRoleSchema.safeParse(role).success)
      problems.push({ field: 'role', message: `${quoted(String(role))} is not a role; map the provider's groups to ${accountRoles.join(', ')}` });
    if (problems.length) throw new InvalidInputError('single sign-on account', problems);
    return inTransaction(this.pool, 'BEGIN', async (db) => {
      const { rows } = await db.query<AccountRow & { inserted: boolean; old_role: AccountRole | null }>(
        `WITH old AS (SELECT role FROM accounts WHERE id = $1)
         INSERT INTO accounts (id, role, created_at) VALUES ($1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET role = EXCLUDED.role WHERE accounts.password_hash IS NULL
         RETURNING ${COLUMNS}, (xmax = 0) AS inserted, (SELECT role FROM old) AS old_role`,
        [id, role, new Date(this.now())],
      );
      const row = rows[0];
      if (!row) {
        await this.log(db, { event: 'sso-failed', accountId: id, from, detail: 'password-account' });
        return {
          ok: false,
          message: `${quoted(id)} is a password account here, not a single-sign-on one; sign in with its password and code, or ask an administrator`,
        };
      }
      if (row.inserted) await this.log(db, { event: 'account-added', accountId: id, detail: `role ${role}, single sign-on` });
      if (row.disabled_at) {
        await this.log(db, { event: 'sso-failed', accountId: id, from, detail: 'disabled' });
        return { ok: false, message: `the account ${quoted(id)} is disabled; ask an administrator` };
      }
      const changed = row.old_role && row.old_role !== role ? ` (was ${row.old_role})` : '';
      await this.log(db, { event: 'sso-login', accountId: id, from, detail: `role ${role}${changed}` });
      return { ok: true, account: info(row) };
    });
  }

  /** The code check: undefined when accepted (and its step stored), else why not, for the log. */
  private async acceptCode(row: AccountRow, code: string, nowMs: number): Promise<string | undefined> {
    const step = row.totp_secret && typeof code === 'string' ? await verifyTotp(row.totp_secret, code.trim(), { nowMs }) : undefined;
    if (step === undefined) return 'code';
    // Compare-and-set: of two sign-ins with the same code, one stores the step, the other is a replay.
    const { rowCount } = await this.pool.query('UPDATE accounts SET totp_last_step = $2 WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)', [
      row.id,
      step,
    ]);
    return rowCount ? undefined : 'code-replayed';
  }

  /** Counts a failure of `name` and logs it (and the lockout it caused). Returns the seconds locked, when it locked. */
  private async failure(name: string, accountId: string | null, from: string | null, event: 'login-failed' | 'step-up-failed', why: string, nowMs: number) {
    const outcome = await this.throttle.fail(name, nowMs);
    await this.log(this.pool, { event, accountId, from, detail: why });
    if (!outcome.locked) return undefined;
    if (outcome.lockedNow)
      await this.log(this.pool, {
        event: 'lockout',
        accountId,
        from,
        detail: `${this.maxFailures} failed attempts; locked for ${outcome.retryAfterSeconds} s`,
      });
    return outcome.retryAfterSeconds;
  }

  private async row(id: string): Promise<AccountRow | undefined> {
    if (!accountIdSchema.safeParse(id).success) return undefined;
    const { rows } = await this.pool.query<AccountRow>(`SELECT ${COLUMNS} FROM accounts WHERE id = $1`, [id]);
    return rows[0];
  }

  /** Refuses an id that is no account (for the administrator's commands, where existence is no secret). */
  private async existing(db: Db, id: string): Promise<void> {
    const { rowCount } = await db.query('SELECT 1 FROM accounts WHERE id = $1', [id]);
    if (!rowCount)
      throw new InvalidInputError('account', [{ field: 'id', message: `there is no account ${quoted(id)}; check the name against the list of accounts` }]);
  }

  private log(db: Db, entry: Parameters<typeof appendSecurityLog>[1]): Promise<void> {
    return appendSecurityLog(db, entry, new Date(this.now()));
  }
}
