import { ApplicationFailure } from '@temporalio/activity';
import { ErasureError } from '../schemas/errors';

/**
 * Errors that retrying cannot fix become non-retryable failures typed by their code.
 * A database error's message can quote the values it choked on (`invalid input syntax
 * ... "<value>"`), and failures are kept in workflow history: it crosses the boundary as
 * its SQLSTATE, table and constraint only; the full text stays in this worker's log.
 */
export async function classify<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof ErasureError && err.code !== 'VERIFICATION_FAILED') {
      throw ApplicationFailure.nonRetryable(err.message, err.code);
    }
    const db = err as { code?: unknown; severity?: unknown; table?: string; constraint?: string; routine?: string };
    if (typeof db.code === 'string' && typeof db.severity === 'string') {
      console.error(`database error in an activity: ${(err as Error).message}`);
      const where = [db.table && `table ${db.table}`, db.constraint && `constraint ${db.constraint}`, db.routine && `in ${db.routine}`].filter(Boolean).join(', ');
      throw ApplicationFailure.retryable(`database error SQLSTATE ${db.code}${where ? ` (${where})` : ''}`, 'DATABASE_ERROR');
    }
    throw err;
  }
}

