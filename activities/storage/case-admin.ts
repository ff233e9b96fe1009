import type { Pool, PoolClient } from 'pg';
import type { SystemErasure, SystemVerification } from '../../schemas/erasure';
import type { StorageAdapter, SystemLocation } from './adapter';

const LOCATOR = /^persons\/([A-Za-z0-9._:-]+)$/;

/**
 * The person's rows, dependants first: a DELETE of a parent before its children would
 * violate the foreign keys, and the whole plan runs in one transaction so that a crash
 * never leaves a person half-erased.
 */
const PLAN = [
  { kind: 'note_sources', sql: 'DELETE FROM note_sources WHERE note_id IN (SELECT id FROM notes WHERE person_id = ANY($1))', count: 'SELECT count(*)::int AS n FROM note_sources WHERE note_id IN (SELECT id FROM notes WHERE person_id = ANY($1))' },
  { kind: 'notes', sql: 'DELETE FROM notes WHERE person_id = ANY($1)', count: 'SELECT count(*)::int AS n FROM notes WHERE person_id = ANY($1)' },
  { kind: 'person_organisations', sql: 'DELETE FROM person_organisations WHERE person_id = ANY($1)', count: 'SELECT count(*)::int AS n FROM person_organisations WHERE person_id = ANY($1)' },
  { kind: 'persons', sql: 'DELETE FROM persons WHERE id = ANY($1)', count: 'SELECT count(*)::int AS n FROM persons WHERE id = ANY($1)' },
] as const;

function personIds(locators: readonly string[]): string[] {
  return locators.map((locator) => {
    const match = LOCATOR.exec(locator);
    if (!match?.[1]) throw new Error(`not a case-admin locator: ${locator}`);
    return match[1];
  });
}

async function countRows(db: Pool | PoolClient, ids: string[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const step of PLAN) {
    const { rows } = await db.query<{ n: number }>(step.count, [ids]);
    counts[step.kind] = rows[0]?.n ?? 0;
  }
  return counts;
}

/** The case-administration database: a person and every row that hangs off them. */
export function caseAdminAdapter(db: Pool): StorageAdapter {
  return {
    system: 'case-admin',

    checkLocator(locator) {
      return LOCATOR.test(locator) ? undefined : `case-admin locators look like "persons/<person id>", not "${locator}"`;
    },

    async locate(locators): Promise<SystemLocation> {
      return { system: 'case-admin', present: await countRows(db, personIds(locators)) };
    },

    async findMissing(locators): Promise<string[]> {
      const ids = personIds(locators);
      const { rows } = await db.query<{ id: string }>('SELECT id FROM persons WHERE id = ANY($1)', [ids]);
      const found = new Set(rows.map((r) => r.id));
      return locators.filter((_, i) => !found.has(ids[i] as string));
    },

    async erase(locators): Promise<SystemErasure> {
      const ids = personIds(locators);
      const client = await db.connect();
      const removed: Record<string, number> = {};
      try {
        await client.query('BEGIN');
        for (const step of PLAN) {
          const result = await client.query(step.sql, [ids]);
          removed[step.kind] = result.rowCount ?? 0;
        }
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
      return { system: 'case-admin', method: 'sql-delete-cascade-in-one-transaction', locations: [...locators], removed };
    },

    async verifyErased(locators): Promise<SystemVerification> {
      const remaining = await countRows(db, personIds(locators));
      const verified = Object.values(remaining).every((n) => n === 0);
      return { system: 'case-admin', verified, remaining, checkedAt: new Date().toISOString() };
    },
  };
}
