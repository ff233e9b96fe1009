import type { PoolClient } from 'pg';

/** Tables no backup holds: migrations state, the backup key store itself, and live correspondence with requesters. */
export const NOT_BACKED_UP: Readonly<Record<'case-admin' | 'registry', readonly string[]>> = {
  'case-admin': ['pgmigrations'],
  // The key store must never be in a backup (that would undo every crypto-shredding), and
  // an inquiry's contact data is destroyed with the inquiry: backups would keep it. The
  // erasure service's accounts (password hashes, second-factor secrets), sessions and the
  // names tried at sign-in are no backup's business: a restore would bring back old sessions.
  registry: [
    'pgmigrations',
    'backup_keys',
    'inquiries',
    'inquiry_records',
    'inquiry_keys',
    'inquiry_candidates',
    'notifications',
    'accounts',
    'sessions',
    'login_failures',
  ],
};

/** The base tables of the connection's schema, minus those excluded. */
export async function baseTables(db: PoolClient, excluded: readonly string[]): Promise<string[]> {
  const { rows } = await db.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables
      WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND NOT (table_name = ANY($1))
      ORDER BY table_name`,
    [[...excluded]],
  );
  return rows.map((r) => r.table_name);
}

/** The tables in an order that inserts every referenced row before the rows that point to it. */
export async function parentsFirst(db: PoolClient, tables: readonly string[]): Promise<string[]> {
  const { rows } = await db.query<{ child: string; parent: string }>(
    `SELECT c.relname AS child, p.relname AS parent
       FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class p ON p.oid = k.confrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE k.contype = 'f' AND n.nspname = current_schema()`,
  );
  const parents = new Map<string, Set<string>>(tables.map((t) => [t, new Set<string>()]));
  for (const r of rows) if (r.child !== r.parent && parents.has(r.child) && parents.has(r.parent)) parents.get(r.child)?.add(r.parent);
  const ordered: string[] = [];
  const visit = (table: string, path: readonly string[]) => {
    if (ordered.includes(table)) return;
    if (path.includes(table)) throw new Error(`foreign keys form a cycle (${[...path, table].join(' → ')}); such tables cannot be restored in order`);
    for (const parent of [...(parents.get(table) ?? [])].sort()) visit(parent, [...path, table]);
    ordered.push(table);
  };
  for (const table of [...tables].sort()) visit(table, []);
  return ordered;
}

/** Rows per table, counted, for the "restore into an empty database" check. */
export async function nonEmptyTables(db: PoolClient, tables: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  for (const table of tables) {
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
    if ((rows[0]?.n ?? 0) > 0) found.push(`${table} (${rows[0]?.n} rows)`);
  }
  return found;
}

/** Inserts rows as JSON through the table's own row type, so every column keeps its type. */
export async function insertRows(db: PoolClient, table: string, rows: readonly Record<string, unknown>[]): Promise<void> {
  for (let start = 0; start < rows.length; start += 1000) {
    await db.query(`INSERT INTO ${table} SELECT * FROM jsonb_populate_recordset(NULL::${table}, $1::jsonb)`, [JSON.stringify(rows.slice(start, start + 1000))]);
  }
}

/** After rows came in with their own ids: each serial column's sequence continues after the highest id. */
export async function resetSequences(db: PoolClient, tables: readonly string[]): Promise<void> {
  const { rows } = await db.query<{ table_name: string; column_name: string; seq: string }>(
    `SELECT table_name, column_name, pg_get_serial_sequence(quote_ident(table_name), column_name) AS seq
       FROM information_schema.columns
      WHERE table_schema = current_schema() AND table_name = ANY($1) AND column_default LIKE 'nextval(%'`,
    [[...tables]],
  );
  for (const r of rows) {
    if (!r.seq) continue;
    await db.query(`SELECT setval($1, COALESCE((SELECT max(${r.column_name}) FROM ${r.table_name}), 0) + 1, false)`, [r.seq]);
  }
}
