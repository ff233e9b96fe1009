import type { Db } from './security-log';

/** Locks last at most an hour: long enough to make guessing hopeless, short enough that a locked-out colleague is not stuck for the day. */
export const MAX_LOCK_MS = 60 * 60 * 1000;

export interface ThrottleOptions {
  /** Consecutive failures that lock a name. */
  readonly maxFailures: number;
  /** The first lock; each further lock of the same name (without a success between) lasts twice the last, up to `MAX_LOCK_MS`. */
  readonly baseLockMs: number;
}

/** A failure as counted: whether it locked the name now, and for how long. */
export type FailureOutcome = { readonly locked: false } | { readonly locked: true; readonly retryAfterSeconds: number };

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
    const until = rows[0]?.locked_until?.getTime();
    return until !== undefined && until > nowMs ? Math.ceil((until - nowMs) / 1000) : undefined;
  }

  /**
   * Counts one failure of `name`; the `maxFailures`-th since the last lock locks it. The
   * locking UPDATE matches only while the count is at the limit, so of two concurrent
   * failures exactly one locks (and the caller logs one `lockout`).
   */
  async fail(name: string, nowMs: number): Promise<FailureOutcome> {
    const now = new Date(nowMs);
    const counted = await this.db.query<{ failures: number }>(
      `INSERT INTO login_failures (name, failures, last_failure_at) VALUES ($1, 1, $2)
       ON CONFLICT (name) DO UPDATE SET failures = login_failures.failures + 1, last_failure_at = $2
       RETURNING failures`,
      [name, now],
    );
    if ((counted.rows[0]?.failures ?? 0) < this.options.maxFailures) return { locked: false };
    const locked = await this.db.query<{ locked_until: Date }>(
      `UPDATE login_failures
          SET failures = 0, lockouts = lockouts + 1,
              locked_until = $2::timestamptz + make_interval(secs => LEAST($4::float8 * power(2, lockouts), $5::float8) / 1000)
        WHERE name = $1 AND failures >= $3
        RETURNING locked_until`,
      [name, now, this.options.maxFailures, this.options.baseLockMs, MAX_LOCK_MS],
    );
    const until = locked.rows[0]?.locked_until;
    return until ? { locked: true, retryAfterSeconds: Math.ceil((until.getTime() - nowMs) / 1000) } : { locked: false };
  }

  /** A success forgets the name's failures and its back-off. */
  async succeed(name: string): Promise<void> {
    await this.db.query('DELETE FROM login_failures WHERE name = $1', [name]);
  }
}
