import type { Pool } from 'pg';
import type { Policy } from '../../schemas/policy';
import { importInventory } from '../../activities/registry/import-inventory';
import { storePolicy } from '../../activities/registry/policies';
import { adapterRegistry } from '../../activities/storage/adapter';
import { caseAdminAdapter } from '../../activities/storage/case-admin';
import { testKeys, uniqueId } from './services';

export interface SeededPerson {
  readonly personId: string;
  readonly fullName: string;
  readonly residence: string;
}

export interface Identity {
  readonly fullName: string;
  readonly residence: string;
}

/** A synthetic person with rows in every dependent table of the case administration; by default with a name of its own. */
export async function seedPerson(caseAdmin: Pool, personId = uniqueId('P'), identity?: Identity): Promise<SeededPerson> {
  const person = { personId, fullName: identity?.fullName ?? `Fixture Person ${personId}`, residence: identity?.residence ?? `Fixture Town ${personId}` };
  const organisationId = uniqueId('O');
  await caseAdmin.query('INSERT INTO persons (id, full_name, residence, belief) VALUES ($1, $2, $3, $4)', [
    personId,
    person.fullName,
    person.residence,
    'fixture-belief',
  ]);
  await caseAdmin.query('INSERT INTO organisations (id, name) VALUES ($1, $2)', [organisationId, 'Fixture Organisation']);
  await caseAdmin.query("INSERT INTO person_organisations (person_id, organisation_id, role) VALUES ($1, $2, 'member')", [personId, organisationId]);
  for (const body of ['first fixture note', 'second fixture note']) {
    const note = await caseAdmin.query<{ id: string }>("INSERT INTO notes (person_id, observed_on, body) VALUES ($1, DATE '2020-02-02', $2) RETURNING id", [
      personId,
      body,
    ]);
    await caseAdmin.query("INSERT INTO note_sources (note_id, source) VALUES ($1, 'fixture-source')", [note.rows[0]?.id]);
  }
  return person;
}

/** Counts the person's rows per table; all zero once erased. */
export async function personRows(caseAdmin: Pool, personId: string): Promise<Record<string, number>> {
  const { rows } = await caseAdmin.query<Record<string, number>>(
    `SELECT (SELECT count(*)::int FROM persons WHERE id = $1) AS persons,
            (SELECT count(*)::int FROM notes WHERE person_id = $1) AS notes,
            (SELECT count(*)::int FROM note_sources WHERE note_id IN (SELECT id FROM notes WHERE person_id = $1)) AS note_sources,
            (SELECT count(*)::int FROM person_organisations WHERE person_id = $1) AS person_organisations`,
    [personId],
  );
  return rows[0] as Record<string, number>;
}

export const testAdapters = (caseAdmin: Pool) => adapterRegistry([caseAdminAdapter(caseAdmin)]);

/** Seeds `count` persons (with the given names, or names of their own), stores the policy and imports one record per person. */
export async function seedRecords(
  dbs: { registry: Pool; caseAdmin: Pool },
  policy: Policy,
  count = 1,
  identities: readonly Identity[] = [],
): Promise<{ recordId: string; dossier: string; person: SeededPerson }[]> {
  await storePolicy(dbs.registry, policy);
  const dossier = uniqueId('D');
  const seeded = [];
  for (let i = 0; i < count; i += 1) {
    seeded.push({ recordId: uniqueId('R'), dossier, person: await seedPerson(dbs.caseAdmin, uniqueId('P'), identities[i]) });
  }
  await importInventory(dbs.registry, {
    sourceName: 'fixture',
    sourceSha256: 'fixture',
    policyVersion: policy.version,
    adapters: testAdapters(dbs.caseAdmin),
    hmacKey: testKeys.hmacKey,
    records: seeded.map((s, i) => ({
      line: i + 1,
      record: {
        recordId: s.recordId,
        dossier,
        subjectRef: s.person.personId,
        locations: [{ system: 'case-admin', locator: `persons/${s.person.personId}` }],
      },
    })),
  });
  return seeded;
}

export async function certificatesFor(registry: Pool, recordId: string): Promise<{ certificate_id: string; body: Record<string, unknown> }[]> {
  const { rows } = await registry.query<{ certificate_id: string; body: Record<string, unknown> }>(
    'SELECT certificate_id, body FROM certificates WHERE record_id = $1',
    [recordId],
  );
  return rows;
}

/** Seeds `count` persons in bulk (a person row and a note each) and imports one record per person, in one dossier. */
export async function seedBulk(
  dbs: { registry: Pool; caseAdmin: Pool },
  policy: Policy,
  count: number,
): Promise<{ dossier: string; recordIds: string[]; personIds: string[] }> {
  await storePolicy(dbs.registry, policy);
  const prefix = uniqueId('B');
  const dossier = uniqueId('D');
  const personIds = Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(6, '0')}`);
  await dbs.caseAdmin.query(
    "INSERT INTO persons (id, full_name, residence, belief) SELECT id, 'Bulk Person ' || id, 'Bulk Town', 'bulk-belief' FROM unnest($1::text[]) AS id",
    [personIds],
  );
  await dbs.caseAdmin.query(
    "INSERT INTO notes (person_id, observed_on, body) SELECT id, DATE '2020-02-02', 'bulk fixture note' FROM unnest($1::text[]) AS id",
    [personIds],
  );
  const recordIds = personIds.map((p) => `R${p}`);
  await importInventory(dbs.registry, {
    sourceName: 'bulk-fixture',
    sourceSha256: prefix,
    policyVersion: policy.version,
    adapters: testAdapters(dbs.caseAdmin),
    hmacKey: testKeys.hmacKey,
    records: personIds.map((personId, i) => ({
      line: i + 1,
      record: { recordId: recordIds[i] as string, dossier, subjectRef: personId, locations: [{ system: 'case-admin', locator: `persons/${personId}` }] },
    })),
  });
  return { dossier, recordIds, personIds };
}
