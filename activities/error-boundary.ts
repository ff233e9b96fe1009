import { ApplicationFailure } from '@temporalio/activity';
import { ErasureError } from '../schemas/errors';

/**
 * What an error thrown inside an activity becomes at the boundary, where Temporal keeps it
 * in workflow history (docs/ARCHITECTURE.md, invariant 1: failures carry ids and metadata
 * only).
 *
 * - An `ErasureError` is ours: its text names ids, systems, codes and counts. Retrying
 *   cannot fix it, so it becomes a non-retryable failure typed by its code, except
 *   `VERIFICATION_FAILED`: data left after an erase may be gone on the next attempt.
 * - A PostgreSQL error's message can quote the values it choked on (`invalid input syntax
 *   ... "<value>"`, a unique violation's `Key (...)=(...)`): it crosses as its SQLSTATE,
 *   table and constraint only, retryable (a lost connection, a deadlock, a serialisation
 *   failure pass); the full text stays in this worker's log.
 * - Everything else passes unchanged, because its text holds no personal data:
 *   - Temporal client errors of the purge and inquiry activities (`WorkflowNotFoundError`,
 *     a gRPC `ServiceError`, ...) name workflow ids (`record-<recordId>`), update ids and
 *     status codes; arguments and results travel as encrypted payloads, never in the text.
 *   - The mailer reduces nodemailer's errors (which quote the recipient) to SMTP codes
 *     itself (mail/mailer.ts); the IMAP and doveadm adapters name the server and mailbox.
 *   - Node's system errors (`EACCES: permission denied, unlink '<path>'`) name a file
 *     under a configured root by its locator, which the inventory holds as a reference and
 *     the certificate names anyway; connection errors name host and port.
 *   - An `ApplicationFailure` thrown on purpose already is what history should hold.
 */
export function failureOf(err: unknown): unknown {
  if (err instanceof ErasureError) {
    return err.code === 'VERIFICATION_FAILED' ? ApplicationFailure.retryable(err.message, err.code) : ApplicationFailure.nonRetryable(err.message, err.code);
  }
  const db = err as { code?: unknown; severity?: unknown; table?: string; constraint?: string; routine?: string };
  if (typeof db.code === 'string' && typeof db.severity === 'string') {
    console.error(`database error in an activity: ${(err as Error).message}`);
    const where = [db.table && `table ${db.table}`, db.constraint && `constraint ${db.constraint}`, db.routine && `in ${db.routine}`]
      .filter(Boolean)
      .join(', ');
    return ApplicationFailure.retryable(`database error SQLSTATE ${db.code}${where ? ` (${where})` : ''}`, 'DATABASE_ERROR');
  }
  return err;
}

/** An activity: the worker calls it with its input and stores what it returns or throws. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the constraint must accept every parameter list
type ActivityFunction = (...args: any[]) => Promise<unknown>;

/**
 * The one error boundary: every function of an activity factory's result, wrapped so
 * that whatever it throws leaves as `failureOf` makes it. Each factory returns its
 * activities through this, so the worker and the tests that call activities directly see
 * the same failures.
 */
export function withErrorBoundary<A extends Record<string, ActivityFunction>>(activities: A): A {
  const wrapped: Record<string, ActivityFunction> = {};
  for (const [name, activity] of Object.entries(activities)) {
    wrapped[name] = async (...args: unknown[]) => {
      try {
        return await activity(...args);
      } catch (err) {
        throw failureOf(err);
      }
    };
  }
  return wrapped as A;
}
