import type { Pool, PoolClient } from 'pg';
import { ErasureError } from '../../schemas/errors';
import { inTransaction } from '../pg-pool';
import { countByPersonSql, countSql, erasurePlan, relationMapSchema, stepSql, unknownInSchema, type RelationMap } from './relation-map';

export interface MappedErasure {
  /** Rows per kind that hang off these persons (nullified rows: those still pointing to them). */
  count(ids: readonly string[], db?: Pool | PoolClient): Promise<Record<string, number>>;
  /** The same counts per person, for a set of persons: one query per step. */
  countEach(ids: readonly string[], db?: Pool | PoolClient): Promise<Map<string, Record<string, number>>>;
  /** Every step in one transaction, dependants first: all or nothing. */
  erase(ids: readonly string[]): Promise<Record<string, number>>;
  /**
   * The same for a set of persons, with what was removed per person: counted in the
   * transaction just before its deletes (rows another session adds in between go too,
   * uncounted; the verification after the commit looks again).
   */
  eraseEach(ids: readonly string[]): Promise<Map<string, Record<string, number>>>;
  /** What `erase` removes and what `count` looks at, in the certificate's words. */
  readonly reach: { readonly removed: readonly string[]; readonly checked: readonly string[]; readonly notReached: readonly string[] };
}

/** What deleting rows in PostgreSQL leaves on the server, whatever the map. */
const POSTGRES_NOT_REACHED = [
  "dead row versions in the tables' files, until VACUUM reclaims them",
  "the write-ahead log (WAL), its archive and the database's replicas",
  'database backups and dumps made outside this product',
  "the database's file-system blocks, until overwritten",
];

/** Erasure of a person across a PostgreSQL schema, driven by its relation map (checked against the live schema once). */
export function mappedErasure(db: Pool, rawMap: RelationMap): MappedErasure {
  const map = relationMapSchema.parse(rawMap);
  const plan = erasurePlan(map);
  const perPerson = countByPersonSql(map);
  let checked: Promise<void> | undefined;
  const check = () =>
    (checked ??= unknownInSchema(map, (sql, params) => db.query(sql, params))
      .then((unknown) => {
        if (unknown.length) throw new ErasureError('INVALID_CONFIG', `the relation map names what the database does not have: ${unknown.join(', ')}`);
      })
      .catch((err: unknown) => {
        // Checked again next time: a database that was unreachable once must not stop erasure for the life of the worker.
        checked = undefined;
        throw err;
      }));
  const stepText = (step: (typeof plan)[number]) =>
    step.action === 'delete' ? `${step.table} rows deleted` : `${step.table}.${step.nullify.join(', ')} set to NULL`;
  const tables = plan.map((s) => s.table).join(', ');
  const countEach: MappedErasure['countEach'] = async (ids, on = db) => {
    await check();
    const counts = new Map(ids.map((id) => [id, Object.fromEntries(plan.map((step) => [step.kind, 0])) as Record<string, number>]));
    for (const step of plan) {
      const { rows } = await on.query<{ unit: string; n: number }>(perPerson.get(step.kind) as string, [ids]);
      for (const row of rows) {
        const person = counts.get(row.unit);
        if (person) person[step.kind] = row.n;
      }
    }
    return counts;
  };
  return {
    reach: {
      removed: [`the person's rows and the rows the relation map hangs off them, in one transaction, dependants first: ${plan.map(stepText).join('; ')}`],
      checked: [`the rows of ${tables} that the relation map reaches from these persons, counted after the transaction committed`],
      notReached: [...POSTGRES_NOT_REACHED, `tables and columns the relation map does not name (mapped: ${tables})`],
    },
    async count(ids, on = db) {
      await check();
      const counts: Record<string, number> = {};
      for (const step of plan) counts[step.kind] = (await on.query<{ n: number }>(countSql(step), [ids])).rows[0]?.n ?? 0;
      return counts;
    },
    countEach,
    async eraseEach(ids) {
      await check();
      return inTransaction(db, 'BEGIN', async (client) => {
        const removed = await countEach(ids, client);
        for (const step of plan) await client.query(stepSql(step), [ids]);
        return removed;
      });
    },
    async erase(ids) {
      await check();
      const removed: Record<string, number> = {};
      await inTransaction(db, 'BEGIN', async (client) => {
        for (const step of plan) removed[step.kind] = (await client.query(stepSql(step), [ids])).rowCount ?? 0;
      });
      return removed;
    },
  };
}
