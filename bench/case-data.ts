import type { Pool } from 'pg';

/** Person ids of a synthetic batch: `<prefix>0000001` … */
export const personIds = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}${String(i + 1).padStart(7, '0')}`);

/**
 * Writes `n` synthetic persons into the case administration, in bulk: a person row, two
 * notes with a source each and one organisation link, as the demo has. Generated labels
 * only; nothing real.
 */
export async function generateCaseData(caseAdmin: Pool, prefix: string, n: number): Promise<string[]> {
  const ids = personIds(prefix, n);
  await caseAdmin.query("INSERT INTO organisations (id, name) VALUES ('O-BENCH', 'Synthetic Bench Association') ON CONFLICT DO NOTHING");
  await caseAdmin.query(
    `INSERT INTO persons (id, full_name, residence, belief)
     SELECT id, 'Synthetic Person ' || id, 'Bench Town ' || (ord % 50), 'belief-category-' || (ord % 4)
       FROM unnest($1::text[]) WITH ORDINALITY AS t(id, ord)`,
    [ids],
  );
  await caseAdmin.query(
    `INSERT INTO notes (person_id, observed_on, body)
     SELECT id, DATE '2019-01-01' + k, 'Generated note ' || k || ' on synthetic person ' || id FROM unnest($1::text[]) AS id CROSS JOIN generate_series(1, 2) k`,
    [ids],
  );
  await caseAdmin.query("INSERT INTO note_sources (note_id, source) SELECT id, 'synthetic-field-report' FROM notes WHERE person_id = ANY($1)", [ids]);
  await caseAdmin.query("INSERT INTO person_organisations (person_id, organisation_id, role) SELECT id, 'O-BENCH', 'member' FROM unnest($1::text[]) AS id", [
    ids,
  ]);
  return ids;
}

/** The storage floor: the same rows removed with plain batched DELETEs in dependency order, one transaction per batch. */
export async function plainDelete(caseAdmin: Pool, ids: readonly string[], batch = 1000): Promise<void> {
  for (let i = 0; i < ids.length; i += batch) {
    const slice = ids.slice(i, i + batch);
    const db = await caseAdmin.connect();
    try {
      await db.query('BEGIN');
      await db.query('DELETE FROM note_sources WHERE note_id IN (SELECT id FROM notes WHERE person_id = ANY($1))', [slice]);
      await db.query('DELETE FROM notes WHERE person_id = ANY($1)', [slice]);
      await db.query('DELETE FROM person_organisations WHERE person_id = ANY($1)', [slice]);
      await db.query('DELETE FROM persons WHERE id = ANY($1)', [slice]);
      await db.query('COMMIT');
    } finally {
      db.release();
    }
  }
}
