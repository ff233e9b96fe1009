import type { Pool } from 'pg';
import { ErasureError } from '../../schemas/errors';
import type { SystemErasure, SystemVerification } from '../../schemas/erasure';
import type { ConsultationSection, DataCategory, StorageAdapter, SubjectIdentifiers, SystemLocation } from './adapter';
import { mappedErasure } from './mapped-erasure';
import type { RelationMap } from './relation-map';

const LOCATOR = /^persons\/([A-Za-z0-9._:-]+)$/;

/**
 * How the case administration's tables relate to a person; the erase order (dependants
 * first, in one transaction) is derived from it by `erasurePlan`.
 */
export const CASE_ADMIN_MAP: RelationMap = {
  root: { table: 'persons', key: 'id', subject: { name: 'full_name', residence: 'residence' } },
  relations: [
    { table: 'notes', column: 'person_id', parent: 'persons', parentKey: 'id', action: 'delete' },
    { table: 'note_sources', column: 'note_id', parent: 'notes', parentKey: 'id', action: 'delete' },
    { table: 'person_organisations', column: 'person_id', parent: 'persons', parentKey: 'id', action: 'delete' },
  ],
};

function personIds(locators: readonly string[]): string[] {
  return locators.map((locator) => {
    const match = LOCATOR.exec(locator);
    if (!match?.[1]) throw new ErasureError('INVALID_INPUT', `not a case-admin locator: ${locator} (expected persons/<person id>)`);
    return match[1];
  });
}

/** Per record, the sum of its persons' counts. */
function perRecord(
  byRecord: ReadonlyMap<string, readonly string[]>,
  byPerson: ReadonlyMap<string, Record<string, number>>,
): Map<string, Record<string, number>> {
  return new Map(
    [...byRecord].map(([recordId, locators]) => {
      const sum: Record<string, number> = {};
      for (const person of personIds(locators)) for (const [kind, n] of Object.entries(byPerson.get(person) ?? {})) sum[kind] = (sum[kind] ?? 0) + n;
      return [recordId, sum];
    }),
  );
}

/** The case-administration database: a person and every row that hangs off them. */
export function caseAdminAdapter(db: Pool): StorageAdapter {
  const mapped = mappedErasure(db, CASE_ADMIN_MAP);
  const erasure = (locators: readonly string[], removed: Record<string, number>): Omit<SystemErasure, 'found'> => ({
    system: 'case-admin',
    method: 'sql-delete-cascade-in-one-transaction',
    locations: [...locators],
    removed,
    scope: { removed: mapped.reach.removed, notReached: mapped.reach.notReached },
  });
  return {
    system: 'case-admin',

    checkLocator(locator) {
      return LOCATOR.test(locator) ? undefined : `case-admin locators look like "persons/<person id>", not "${locator}"`;
    },

    async locate(locators): Promise<SystemLocation> {
      return { system: 'case-admin', present: await mapped.count(personIds(locators)) };
    },

    async findMissing(locators): Promise<string[]> {
      const ids = personIds(locators);
      const { rows } = await db.query<{ id: string }>('SELECT id FROM persons WHERE id = ANY($1)', [ids]);
      const found = new Set(rows.map((r) => r.id));
      return locators.filter((_, i) => !found.has(ids[i] as string));
    },

    async erase(locators): Promise<SystemErasure> {
      return { ...erasure(locators, await mapped.erase(personIds(locators))), found: {} };
    },

    async locateEach(byRecord) {
      return perRecord(byRecord, await mapped.countEach(personIds([...byRecord.values()].flat())));
    },

    async eraseEach(byRecord) {
      const removed = perRecord(byRecord, await mapped.eraseEach(personIds([...byRecord.values()].flat())));
      return new Map([...byRecord].map(([id, locators]) => [id, erasure(locators, removed.get(id) ?? {})]));
    },

    async verifyEach(byRecord) {
      const remaining = perRecord(byRecord, await mapped.countEach(personIds([...byRecord.values()].flat())));
      const checkedAt = new Date().toISOString();
      return new Map(
        [...byRecord.keys()].map((id) => {
          const left = remaining.get(id) ?? {};
          return [id, { system: 'case-admin', verified: Object.values(left).every((n) => n === 0), remaining: left, checked: mapped.reach.checked, checkedAt }];
        }),
      );
    },

    categories: caseAdminCategories,

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
      const { rows } = await db.query<{ id: string; full_name: string; residence: string }>('SELECT id, full_name, residence FROM persons WHERE id = ANY($1)', [
        ids,
      ]);
      const byId = new Map(rows.map((r) => [r.id, { name: r.full_name, residence: r.residence }]));
      const result = new Map<string, SubjectIdentifiers>();
      locators.forEach((locator, i) => {
        const found = byId.get(ids[i] as string);
        if (found) result.set(locator, found);
      });
      return result;
    },

    async verifyErased(locators): Promise<SystemVerification> {
      const remaining = await mapped.count(personIds(locators));
      const verified = Object.values(remaining).every((n) => n === 0);
      return { system: 'case-admin', verified, remaining, checked: mapped.reach.checked, checkedAt: new Date().toISOString() };
    },
  };
}

/** What the case administration holds of a person, as a requester understands it. */
export function caseAdminCategories(present: Readonly<Record<string, number>>): DataCategory<'case-admin'>[] {
  const categories: DataCategory<'case-admin'>[] = [];
  if (present.persons) categories.push({ category: 'identity-residence-belief', count: present.persons });
  if (present.notes) categories.push({ category: 'notes-behaviour-statements', count: present.notes });
  if (present.note_sources) categories.push({ category: 'note-sources', count: present.note_sources });
  if (present.person_organisations) categories.push({ category: 'organisation-links', count: present.person_organisations });
  return categories;
}
