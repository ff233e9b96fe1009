import { Pool, type PoolClient } from 'pg';

/**
 * A pool whose idle connections may be closed under it (a database restart, Ctrl-C
 * reaching the embedded server first) without crashing the process: pg emits such
 * losses as 'error' events, and the next query simply opens a new connection.
 */
export function createPool(connectionString: string, max = 10): Pool {
  const pool = new Pool({ connectionString, max });
  pool.on('error', (err) => {
    console.error(`PostgreSQL connection lost (${err.message}); it will be reopened on next use`);
  });
  // A connection reset while a client is checked out is emitted on the client: without a
  // listener it would end the process; the query in flight fails and is retried instead.
  pool.on('connect', (client) => {
    client.on('error', (err) => console.error(`PostgreSQL connection lost during use (${err.message}); the operation fails and is retried`));
  });
  return pool;
}

/** Runs `work` in one transaction on one connection: committed if it returns, rolled back if it throws. */
export async function inTransaction<T>(pool: Pool, begin: string, work: (db: PoolClient) => Promise<T>): Promise<T> {
  const db = await pool.connect();
  try {
    await db.query(begin);
    const result = await work(db);
    await db.query('COMMIT');
    return result;
  } catch (err) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    db.release();
  }
}
