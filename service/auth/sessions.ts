import { createHash, randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import type { AccountRole } from '../../schemas/roles';
import type { SignInMethod } from './account-info';
import { appendSecurityLog } from './security-log';
import type { ConsoleLanguage } from '../../console/i18n';

/** A session as a route sees it. */
export interface Session {
  readonly accountId: string;
  readonly role: AccountRole;
  readonly method: SignInMethod;
  readonly createdAt: Date;
  readonly lastSeenAt: Date;
  /** The earlier of the idle and the absolute limit, from the last use. */
  readonly expiresAt: Date;
  readonly stepUpAt: Date | null;
  /** The account's own language for the console. */
  readonly language: ConsoleLanguage;
}

export type SessionRefusal = 'unknown' | 'expired' | 'ended' | 'disabled';
export type SessionCheck = { ok: true; session: Session } | { ok: false; reason: SessionRefusal; message: string };

export interface SessionsOptions {
  /** A session unused this long ends (default 15 min: an unattended screen with personal data on it). */
  readonly idleMs?: number;
  /** A session ends this long after sign-in however busy (default 8 h: one working day). */
  readonly absoluteMs?: number;
  readonly now?: () => number;
}

const SIGN_IN_AGAIN = 'sign in again with `erasure login`';

/** 900 000 → "15 min", 28 800 000 → "8 h": limits as a person reads them. */
export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${Math.round(ms / 1000)} s`;
}

/** The token travels in a cookie; the table holds its SHA-256 only, so a copy of the table opens nothing. */
const tokenHash = (token: string) => createHash('sha256').update(token, 'utf8').digest();
/** 32 bytes in base64url are 43 characters: anything else is no token of ours, and costs no query. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

interface SessionRow {
  account_id: string;
  role: AccountRole;
  method: SignInMethod;
  created_at: Date;
  last_seen_at: Date;
  step_up_at: Date | null;
  ended_at: Date | null;
  end_reason: 'logout' | 'expired' | 'disabled' | 'role-changed' | null;
  from_address: string | null;
  account_role: AccountRole;
  disabled_at: Date | null;
  language: ConsoleLanguage;
}

/**
 * Server-side sessions with an idle and an absolute limit. `check` is the one gate: it
 * refuses what is unknown, ended, expired or of a disabled account, and otherwise counts
 * the request as use.
 */
export class Sessions {
  private readonly idleMs: number;
  private readonly absoluteMs: number;
  private readonly now: () => number;

  constructor(
    private readonly pool: Pool,
    options: SessionsOptions = {},
  ) {
    this.idleMs = options.idleMs ?? 15 * 60_000;
    this.absoluteMs = options.absoluteMs ?? 8 * 3_600_000;
    this.now = options.now ?? Date.now;
  }

  /** Opens a session for an account that just signed in; the token is returned once and stored only as its hash. */
  async create(account: { id: string; role: AccountRole }, method: SignInMethod, from: string | null): Promise<{ token: string; expiresAt: Date }> {
    const token = randomBytes(32).toString('base64url');
    const now = new Date(this.now());
    await this.pool.query(
      `INSERT INTO sessions (token_hash, account_id, role, method, created_at, last_seen_at, from_address) VALUES ($1, $2, $3, $4, $5, $5, $6)`,
      [tokenHash(token), account.id, account.role, method, now, from],
    );
    return { token, expiresAt: this.expiry(now, now) };
  }

  /** The session of `token`, its use recorded; or why there is none, with what to do. */
  async check(token: string): Promise<SessionCheck> {
    const unknown: SessionCheck = { ok: false, reason: 'unknown', message: `you are not signed in; ${SIGN_IN_AGAIN}` };
    if (typeof token !== 'string' || !TOKEN_SHAPE.test(token)) return unknown;
    const hash = tokenHash(token);
    const { rows } = await this.pool.query<SessionRow>(
      `SELECT s.account_id, s.role, s.method, s.created_at, s.last_seen_at, s.step_up_at, s.ended_at, s.end_reason, s.from_address,
              a.role AS account_role, a.disabled_at, a.language
         FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE s.token_hash = $1`,
      [hash],
    );
    const row = rows[0];
    if (!row) return unknown;
    const nowMs = this.now();
    if (row.ended_at === null) {
      const idleEnd = row.last_seen_at.getTime() + this.idleMs;
      const absoluteEnd = row.created_at.getTime() + this.absoluteMs;
      // The account is checked on every use, so disabling it shuts its sessions at once.
      const reason = row.disabled_at
        ? 'disabled'
        : row.account_role !== row.role
          ? 'role-changed'
          : nowMs >= Math.min(idleEnd, absoluteEnd)
            ? 'expired'
            : undefined;
      if (reason) {
        const ended = await this.endRow(hash, reason, nowMs);
        if (ended && reason === 'expired') {
          const which =
            idleEnd <= absoluteEnd ? `${formatDuration(this.idleMs)} without use` : `${formatDuration(this.absoluteMs)}, the longest a session lasts`;
          await appendSecurityLog(
            this.pool,
            { event: 'session-expired', accountId: row.account_id, from: row.from_address, detail: `after ${which}` },
            new Date(nowMs),
          );
        }
        return this.refusal(reason, row, idleEnd <= absoluteEnd);
      }
      const seen = new Date(nowMs);
      const touched = await this.pool.query('UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1 AND ended_at IS NULL', [hash, seen]);
      // Ended between the read and the touch (a logout in another tab): refused like any ended session.
      if (!touched.rowCount) return this.check(token);
      return {
        ok: true,
        session: {
          accountId: row.account_id,
          role: row.role,
          method: row.method,
          createdAt: row.created_at,
          lastSeenAt: seen,
          expiresAt: this.expiry(row.created_at, seen),
          stepUpAt: row.step_up_at,
          language: row.language,
        },
      };
    }
    const idle = row.last_seen_at.getTime() + this.idleMs <= row.created_at.getTime() + this.absoluteMs;
    return this.refusal(row.end_reason ?? 'logout', row, idle);
  }

  /** Records a second-factor re-entry (after `Accounts.verifyStepUp` accepted it). False when the session is ended or unknown. */
  async stepUp(token: string): Promise<boolean> {
    if (typeof token !== 'string' || !TOKEN_SHAPE.test(token)) return false;
    const { rowCount } = await this.pool.query('UPDATE sessions SET step_up_at = $2 WHERE token_hash = $1 AND ended_at IS NULL', [
      tokenHash(token),
      new Date(this.now()),
    ]);
    return Boolean(rowCount);
  }

  /** Whether the second factor was re-entered in this session within the last `withinMs`. */
  hasRecentStepUp(session: Session, withinMs: number): boolean {
    return session.stepUpAt !== null && this.now() - session.stepUpAt.getTime() <= withinMs;
  }

  /** Logout: ends the session; logs `logout`. False when it was unknown or already ended. */
  async end(token: string): Promise<boolean> {
    if (typeof token !== 'string' || !TOKEN_SHAPE.test(token)) return false;
    const nowMs = this.now();
    const ended = await this.endRow(tokenHash(token), 'logout', nowMs);
    if (!ended) return false;
    await appendSecurityLog(this.pool, { event: 'logout', accountId: ended.account_id, from: ended.from_address }, new Date(nowMs));
    return true;
  }

  private expiry(createdAt: Date, lastSeenAt: Date): Date {
    return new Date(Math.min(lastSeenAt.getTime() + this.idleMs, createdAt.getTime() + this.absoluteMs));
  }

  /** Ends an open session; returns it only to the one caller that ended it (so each end is logged once). */
  private async endRow(hash: Buffer, reason: 'logout' | 'expired' | 'disabled' | 'role-changed', nowMs: number) {
    const { rows } = await this.pool.query<{ account_id: string; from_address: string | null }>(
      'UPDATE sessions SET ended_at = $2, end_reason = $3 WHERE token_hash = $1 AND ended_at IS NULL RETURNING account_id, from_address',
      [hash, new Date(nowMs), reason],
    );
    return rows[0];
  }

  private refusal(reason: NonNullable<SessionRow['end_reason']>, row: SessionRow, idle: boolean): SessionCheck {
    switch (reason) {
      case 'expired':
        return {
          ok: false,
          reason: 'expired',
          message: idle
            ? `your session expired after ${formatDuration(this.idleMs)} without use; ${SIGN_IN_AGAIN}`
            : `your session ended after ${formatDuration(this.absoluteMs)}, the longest a session lasts; ${SIGN_IN_AGAIN}`,
        };
      case 'disabled':
        return { ok: false, reason: 'disabled', message: `the account ${row.account_id} is disabled; ask an administrator if you need it again` };
      case 'role-changed':
        return { ok: false, reason: 'ended', message: `your role changed to ${row.account_role}; ${SIGN_IN_AGAIN}` };
      case 'logout':
        return { ok: false, reason: 'ended', message: `you signed out of this session; ${SIGN_IN_AGAIN}` };
    }
  }
}
