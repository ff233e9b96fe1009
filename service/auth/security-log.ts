import type { Pool, PoolClient } from 'pg';
import { z } from 'zod';
import { InvalidInputError } from '../../schemas/errors';

/** What the security officer can see happen. */
export const securityEvents = [
  'login',
  'login-failed',
  'lockout',
  'logout',
  'step-up',
  'step-up-failed',
  'session-expired',
  'account-added',
  'account-disabled',
  'second-factor-reset',
  'sso-login',
  'sso-failed',
  'forbidden',
] as const;
export const securityEventSchema = z.enum(securityEvents);
export type SecurityEvent = z.infer<typeof securityEventSchema>;

/**
 * One entry as written. `detail` is a short plain text for the officer ("code",
 * "role coordinator, added by admin"): never a password, a code tried, or a name typed
 * into the account field that is no account (people type their password there).
 */
export const securityLogEntrySchema = z.strictObject({
  event: securityEventSchema,
  accountId: z.string().max(64).nullable().optional(),
  from: z.string().max(256).nullable().optional(),
  // One line: a newline in a log entry is how forged entries are made.
  detail: z
    .string()
    .max(500)
    .regex(/^[^\p{Cc}]*$/u, 'the detail is one line of text without control characters')
    .optional(),
});
export type SecurityLogEntry = z.input<typeof securityLogEntrySchema>;

export interface SecurityLogRow {
  readonly id: number;
  readonly at: Date;
  readonly event: SecurityEvent;
  readonly accountId: string | null;
  readonly from: string | null;
  readonly detail: string;
}

/** A pool, or the connection of a transaction the entry belongs to. */
export type Db = Pool | PoolClient;

/** Appends one entry (the table refuses UPDATE, DELETE and TRUNCATE). `at` defaults to the database's clock. */
export async function appendSecurityLog(db: Db, entry: SecurityLogEntry, at?: Date): Promise<void> {
  const parsed = securityLogEntrySchema.safeParse(entry);
  if (!parsed.success) {
    throw new InvalidInputError(
      'security log entry',
      parsed.error.issues.map((i) => ({ field: i.path.join('.') || 'entry', message: i.message })),
    );
  }
  const e = parsed.data;
  await db.query('INSERT INTO security_log (at, event, account_id, from_address, detail) VALUES (COALESCE($1, now()), $2, $3, $4, $5)', [
    at ?? null,
    e.event,
    e.accountId ?? null,
    e.from ?? null,
    e.detail ?? '',
  ]);
}

const readSchema = z.strictObject({
  accountId: z.string().max(64).optional(),
  since: z.date().optional(),
  limit: z.number().int().min(1).max(10_000).default(100),
});

/** The newest entries first, at most `limit` (default 100), optionally of one account and from `since` on. */
export async function readSecurityLog(db: Db, query: z.input<typeof readSchema> = {}): Promise<SecurityLogRow[]> {
  const parsed = readSchema.safeParse(query);
  if (!parsed.success) {
    throw new InvalidInputError(
      'security log query',
      parsed.error.issues.map((i) => ({ field: i.path.join('.') || 'query', message: i.message })),
    );
  }
  const q = parsed.data;
  const { rows } = await db.query<{ id: string; at: Date; event: SecurityEvent; account_id: string | null; from_address: string | null; detail: string }>(
    `SELECT id, at, event, account_id, from_address, detail FROM security_log
      WHERE ($1::text IS NULL OR account_id = $1) AND ($2::timestamptz IS NULL OR at >= $2)
      ORDER BY id DESC LIMIT $3`,
    [q.accountId ?? null, q.since ?? null, q.limit],
  );
  return rows.map((r) => ({ id: Number(r.id), at: r.at, event: r.event, accountId: r.account_id, from: r.from_address, detail: r.detail }));
}
