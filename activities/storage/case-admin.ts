import type { Pool, PoolClient } from 'pg';
import { ErasureError } from '../../schemas/errors';
import type { SystemErasure, SystemVerification } from '../../schemas/erasure';
import type { ConsultationSection, DataCategory, StorageAdapter, SubjectIdentifiers, SystemLocation } from './adapter';

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
    if (!match?.[1]) throw new ErasureError('INVALID_INPUT', `not a case-admin locator: ${locator} (expected persons/<person id>)`);
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
      return { system: 'case-admin', method: 'sql-delete-cascade-in-one-transaction', locations: [...locators], found: {}, removed };
    },

    categories(present): DataCategory[] {
      const categories: DataCategory[] = [];
      if (present.persons) categories.push({ category: 'identity-residence-belief', count: present.persons });
      if (present.notes) categories.push({ category: 'notes-behaviour-statements', count: present.notes });
      if (present.note_sources) categories.push({ category: 'note-sources', count: present.note_sources });
      if (present.person_organisations) categories.push({ category: 'organisation-links', count: present.person_organisations });
      return categories;
    },

    async consult(locators): Promise<ConsultationSection> {
      const ids = personIds(locators);
      const persons = await db.query<{ id: string; full_name: string; residence: string; belief: string | null }>(
        'SELECT id, full_name, residence, belief FROM persons WHERE id = ANY($1) ORDER BY id',
        [ids],
      );
      const notes = await db.query<{ person_id: string; observed_on: Date; body: string; sources: string | null }>(
        `SELECT n.person_id, n.observed_on, n.body, string_agg(s.source, ', ') AS sources
           FROM notes n LEFT JOIN note_sources s ON s.note_id = n.id
          WHERE n.person_id = ANY($1) GROUP BY n.id ORDER BY n.person_id, n.observed_on`,
        [ids],
      );
      const links = await db.query<{ person_id: string; name: string; role: string; context: string | null }>(
        `SELECT po.person_id, o.name, po.role, po.context FROM person_organisations po JOIN organisations o ON o.id = po.organisation_id
          WHERE po.person_id = ANY($1) ORDER BY po.person_id, o.name`,
        [ids],
      );
      return {
        system: 'case-admin',
        items: [
          ...persons.rows.map((p) => ({ kind: 'person', fields: { id: p.id, name: p.full_name, residence: p.residence, belief: p.belief ?? '' } })),
          ...notes.rows.map((n) => ({
            kind: 'note',
            fields: { person: n.person_id, observed: n.observed_on.toISOString().slice(0, 10), text: n.body, sources: n.sources ?? '' },
          })),
          ...links.rows.map((l) => ({ kind: 'organisation', fields: { person: l.person_id, organisation: l.name, role: l.role, context: l.context ?? '' } })),
        ],
      };
    },

    async subjects(locators): Promise<Map<string, SubjectIdentifiers>> {
      const ids = personIds(locators);
      const { rows } = await db.query<{ id: string; full_name: string; residence: string }>(
        'SELECT id, full_name, residence FROM persons WHERE id = ANY($1)',
        [ids],
      );
      const byId = new Map(rows.map((r) => [r.id, { name: r.full_name, residence: r.residence }]));
      const result = new Map<string, SubjectIdentifiers>();
      locators.forEach((locator, i) => {
        const found = byId.get(ids[i] as string);
        if (found) result.set(locator, found);
      });
      return result;
    },

    async verifyErased(locators): Promise<SystemVerification> {
      const remaining = await countRows(db, personIds(locators));
      const verified = Object.values(remaining).every((n) => n === 0);
      return { system: 'case-admin', verified, remaining, checkedAt: new Date().toISOString() };
    },
  };
}
