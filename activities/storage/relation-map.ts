import { z } from 'zod';

const identifier = z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a table or column name: lower-case letters, digits and _');

/**
 * How each table of a PostgreSQL system relates to a person: the root table holds the
 * person; every other table hangs off a parent through a foreign-key column, and its rows
 * are deleted, or only the named columns are nulled (a row that is kept but must forget
 * the person). The erase order is derived from this map, never written by hand.
 */
export const relationMapSchema = z.strictObject({
  root: z.strictObject({
    table: identifier,
    key: identifier,
    /** The root's columns holding the subject's name and residence: a restore checks them against the suppression list. */
    subject: z.strictObject({ name: identifier, residence: identifier }).optional(),
  }),
  relations: z.array(
    z.strictObject({
      table: identifier,
      /** The column of this table that points to the parent. */
      column: identifier,
      parent: identifier,
      /** The parent's column it points to (usually its key). */
      parentKey: identifier,
      action: z.enum(['delete', 'nullify']),
      /** For `nullify`: the columns set to NULL (the pointer itself by default). */
      nullify: z.array(identifier).optional(),
      /** The count's name in certificates (the table name by default). */
      kind: z
        .string()
        .regex(/^[a-z_][a-z0-9_-]{0,62}$/)
        .optional(),
    }),
  ),
});
export type RelationMap = z.infer<typeof relationMapSchema>;

export interface ErasureStep {
  readonly kind: string;
  readonly table: string;
  /** SQL that selects the step's rows: `WHERE <where>` with the person ids as $1. */
  readonly where: string;
  readonly action: 'delete' | 'nullify';
  readonly nullify: readonly string[];
  readonly depth: number;
}

/**
 * The steps, dependants first (deepest first, the root last), each with the WHERE clause
 * that reaches its rows from the person ids through its ancestors. Refuses a map with a
 * cycle, a parent that is not in the map, or a table listed twice.
 */
export function erasurePlan(map: RelationMap): ErasureStep[] {
  const tables = new Set([map.root.table]);
  for (const r of map.relations) {
    if (tables.has(r.table)) throw new Error(`relation map: table ${r.table} appears twice (or is the root); each table hangs off one parent`);
    tables.add(r.table);
  }
  const byTable = new Map(map.relations.map((r) => [r.table, r]));
  const whereOf = (table: string, seen: readonly string[]): { where: string; depth: number } => {
    if (seen.includes(table)) throw new Error(`relation map: cycle ${[...seen, table].join(' → ')}; a cycle has no erase order`);
    if (table === map.root.table) return { where: `${map.root.key} = ANY($1)`, depth: 0 };
    const relation = byTable.get(table);
    if (!relation) throw new Error(`relation map: parent table ${table} is neither the root nor a mapped table`);
    const parent = whereOf(relation.parent, [...seen, table]);
    return { where: `${relation.column} IN (SELECT ${relation.parentKey} FROM ${relation.parent} WHERE ${parent.where})`, depth: parent.depth + 1 };
  };
  const steps: ErasureStep[] = map.relations.map((r) => {
    const { where, depth } = whereOf(r.table, []);
    return { kind: r.kind ?? r.table, table: r.table, where, action: r.action, nullify: r.nullify ?? [r.column], depth };
  });
  // A nullified row keeps existing, so its own dependants must not be reached through it after the update.
  const ordered = steps.sort((a, b) => b.depth - a.depth || a.table.localeCompare(b.table));
  return [...ordered, { kind: map.root.table, table: map.root.table, where: `${map.root.key} = ANY($1)`, action: 'delete', nullify: [], depth: 0 }];
}

export const stepSql = (step: ErasureStep): string =>
  step.action === 'delete'
    ? `DELETE FROM ${step.table} WHERE ${step.where}`
    : `UPDATE ${step.table} SET ${step.nullify.map((c) => `${c} = NULL`).join(', ')} WHERE ${step.where}`;

export const countSql = (step: ErasureStep): string => `SELECT count(*)::int AS n FROM ${step.table} WHERE ${step.where}`;

/**
 * Per step (by kind), SQL that counts its rows per person: `unit` is the person's key the
 * row hangs off, for the person ids in $1. The chain is followed up to the column that
 * points at the person, never through the person's own row, so rows left behind by a
 * deleted person are still counted.
 */
export function countByPersonSql(map: RelationMap): Map<string, string> {
  const byTable = new Map(map.relations.map((r) => [r.table, r]));
  const sql = new Map<string, string>();
  sql.set(map.root.table, `SELECT ${map.root.key}::text AS unit, count(*)::int AS n FROM ${map.root.table} WHERE ${map.root.key} = ANY($1) GROUP BY 1`);
  for (const step of erasurePlan(map)) {
    if (step.table === map.root.table) continue;
    const joins: string[] = [];
    let alias = 't0';
    let relation = byTable.get(step.table) as RelationMap['relations'][number];
    for (let depth = 1; relation.parent !== map.root.table || relation.parentKey !== map.root.key; depth += 1) {
      joins.push(`JOIN ${relation.parent} t${depth} ON ${alias}.${relation.column} = t${depth}.${relation.parentKey}`);
      alias = `t${depth}`;
      if (relation.parent === map.root.table) {
        relation = { ...relation, column: map.root.key, parent: map.root.table, parentKey: map.root.key };
        break;
      }
      relation = byTable.get(relation.parent) as RelationMap['relations'][number];
    }
    const unit = `${alias}.${relation.column}`;
    sql.set(
      step.kind,
      `SELECT ${unit}::text AS unit, count(*)::int AS n FROM ${step.table} t0 ${joins.join(' ')} WHERE ${unit} = ANY($1) GROUP BY 1`.replace(/ {2,}/g, ' '),
    );
  }
  return sql;
}

/** The tables and columns the map names that the database does not have. */
export async function unknownInSchema(
  map: RelationMap,
  query: (sql: string, params: unknown[]) => Promise<{ rows: { table_name: string; column_name: string }[] }>,
): Promise<string[]> {
  const tables = [map.root.table, ...map.relations.map((r) => r.table)];
  const { rows } = await query(
    'SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ANY($1)',
    [tables],
  );
  const has = (table: string, column: string) => rows.some((r) => r.table_name === table && r.column_name === column);
  const problems: string[] = [];
  const need = (table: string, column: string) => {
    if (!rows.some((r) => r.table_name === table)) problems.push(`table ${table}`);
    else if (!has(table, column)) problems.push(`column ${table}.${column}`);
  };
  need(map.root.table, map.root.key);
  if (map.root.subject) for (const c of [map.root.subject.name, map.root.subject.residence]) need(map.root.table, c);
  for (const r of map.relations) {
    need(r.table, r.column);
    need(r.parent, r.parentKey);
    for (const c of r.nullify ?? []) need(r.table, c);
  }
  return [...new Set(problems)];
}

/**
 * Per mapped table (the root first), SQL that reads every row as JSON with the root key
 * it hangs off (`unit`, NULL for a row that reaches no person), joining up the parents.
 * A backup seals each person's rows together under that person's key.
 */
export function unitRowQueries(map: RelationMap): { table: string; action: 'root' | 'delete' | 'nullify'; nullify: readonly string[]; sql: string }[] {
  erasurePlan(map); // refuses cycles, unknown parents and duplicates first
  const byTable = new Map(map.relations.map((r) => [r.table, r]));
  const query = (table: string): string => {
    const joins: string[] = [];
    let alias = 't0';
    let current = table;
    for (let depth = 1; current !== map.root.table; depth += 1) {
      const relation = byTable.get(current) as RelationMap['relations'][number];
      joins.push(`LEFT JOIN ${relation.parent} t${depth} ON ${alias}.${relation.column} = t${depth}.${relation.parentKey}`);
      alias = `t${depth}`;
      current = relation.parent;
    }
    return `SELECT to_jsonb(t0) AS row, ${alias}.${map.root.key}::text AS unit FROM ${table} t0 ${joins.join(' ')}`.trim();
  };
  return [
    { table: map.root.table, action: 'root' as const, nullify: [], sql: query(map.root.table) },
    ...map.relations.map((r) => ({ table: r.table, action: r.action, nullify: r.nullify ?? [r.column], sql: query(r.table) })),
  ];
}
