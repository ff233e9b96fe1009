import type { Db } from './security-log';

/** Locks last at most an hour: long enough to make guessing hopeless, short enough that a locked-out colleague is not stuck for the day. */
export const MAX_LOCK_MS = 60 * 60 * 1000;

export interface ThrottleOptions {
  /** Consecutive failures that lock a name. */
  readonly maxFailures: number;
  /** The first lock; each further lock of the same name (without a success between) lasts twice the last, up to `MAX_LOCK_MS`. */
  readonly baseLockMs: number;
}

/** A failure as counted: whether the name is locked now, and whether this failure locked it (the one to log as `lockout`). */
export type FailureOutcome = { readonly locked: false } | { readonly locked: true; readonly retryAfterSeconds: number; readonly lockedNow: boolean };

/**
 * Counts failed sign-ins and second-factor entries per NAME TRIED (see the accounts
 * migration: unknown names are throttled the same). Every change is one statement on one
 * row, so concurrent attempts cannot slip past the count.
 */
export class LoginThrottle {
  constructor(
    private readonly db: Db,
    private readonly options: ThrottleOptions,
  ) {}

  /** Seconds until `name` may try again, or undefined when it is not locked. */
  async lockedFor(name: string, nowMs: number): Promise<number | undefined> {
    const { rows } = await this.db.query<{ locked_until: Date | null }>('SELECT locked_until FROM login_failures WHERE name = $1', [name]);
    return this.remaining(rows[0]?.locked_until, nowMs);
  }

  private remaining(until: Date | null | undefined, nowMs: number): number | undefined {
    return until && until.getTime() > nowMs ? Math.ceil((until.getTime() - nowMs) / 1000) : undefined;
  }

  /**
   * Counts one failure of `name`; the `maxFailures`-th since the last lock locks it. A
   * failure while locked (an attempt already past the lock check when the lock came) is
   * not counted, so it cannot lock again. The locking UPDATE matches only an unlocked row
   * at the limit, so of concurrent failures exactly one locks.
   */
  async fail(name: string, nowMs: number): Promise<FailureOutcome> {
    const now = new Date(nowMs);
    const counted = await this.db.query<{ failures: number; locked_until: Date | null }>(
      `INSERT INTO login_failures (name, failures, last_failure_at) VALUES ($1, 1, $2)
       ON CONFLICT (name) DO UPDATE
         SET failures = CASE WHEN login_failures.locked_until > $2 THEN login_failures.failures ELSE login_failures.failures + 1 END,
             last_failure_at = $2
       RETURNING failures, locked_until`,
      [name, now],
    );
    const row = counted.rows[0];
    const already = this.remaining(row?.locked_until, nowMs);
    if (already !== undefined) return { locked: true, retryAfterSeconds: already, lockedNow: false };
    if ((row?.failures ?? 0) < this.options.maxFailures) return { locked: false };
    const locked = await this.db.query<{ locked_until: Date }>(
      `UPDATE login_failures
          SET failures = 0, lockouts = lockouts + 1,
              locked_until = $2::timestamptz + make_interval(secs => LEAST($4::float8 * power(2, lockouts), $5::float8) / 1000)
        WHERE name = $1 AND failures >= $3 AND (locked_until IS NULL OR locked_until <= $2)
        RETURNING locked_until`,
      [name, now, this.options.maxFailures, this.options.baseLockMs, MAX_LOCK_MS],
    );
    const until = locked.rows[0]?.locked_until;
    if (until) return { locked: true, retryAfterSeconds: this.remaining(until, nowMs) ?? 0, lockedNow: true };
    // Another failure locked it between the two statements.
    const lockedFor = await this.lockedFor(name, nowMs);
    return lockedFor === undefined ? { locked: false } : { locked: true, retryAfterSeconds: lockedFor, lockedNow: false };
  }

  /** A success forgets the name's failures and its back-off. */
  async succeed(name: string): Promise<void> {
    await this.db.query('DELETE FROM login_failures WHERE name = $1', [name]);
  }
}
