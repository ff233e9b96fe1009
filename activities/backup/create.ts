import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { Pool, PoolClient } from 'pg';
import { inTransaction } from '../pg-pool';
import { encrypt } from '../crypto';
import { syncDir } from '../storage/fsync';
import { unitRowQueries, type RelationMap } from '../storage/relation-map';
import { BACKUP_FORMAT, sealContext, type BackupHeader, type UnitContent } from './format';
import { backupKeyStore } from './key-store';
import { baseTables, NOT_BACKED_UP } from './tables';

export interface BackupSummary {
  readonly backupId: string;
  readonly file: string;
  readonly sha256: string;
  /** Persons whose rows are sealed, each under their own key. */
  readonly units: number;
  readonly clearRows: { readonly caseAdmin: number; readonly registry: number };
  readonly bytes: number;
}

type Row = Record<string, unknown>;
interface Snapshot {
  units: Map<string, UnitContent['rows']>;
  clear: { source: 'case-admin' | 'registry'; table: string; unit?: string; rows: Row[] }[];
}

/** Each schema is read inside one snapshot, so a backup is consistent. */
const SNAPSHOT = 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY';

const nulled = (row: Row, columns: readonly string[]): Row => ({ ...row, ...Object.fromEntries(columns.map((c) => [c, null])) });

/** The case administration: mapped tables grouped per person, everything else in the clear. */
async function readCaseAdmin(db: PoolClient, map: RelationMap, into: Snapshot): Promise<void> {
  const queries = unitRowQueries(map);
  const mapped = new Set(queries.map((q) => q.table));
  for (const q of queries) {
    const { rows } = await db.query<{ row: Row; unit: string | null }>(q.sql);
    const loose: Row[] = [];
    const nulledCopies = new Map<string, Row[]>();
    for (const { row, unit: key } of rows) {
      if (key === null) {
        loose.push(row);
        continue;
      }
      const unit = `${map.root.table}/${key}`;
      const content = into.units.get(unit) ?? {};
      (content[q.table] ??= []).push(row);
      into.units.set(unit, content);
      if (q.action === 'nullify') nulledCopies.set(unit, [...(nulledCopies.get(unit) ?? []), nulled(row, q.nullify)]);
    }
    if (loose.length) into.clear.push({ source: 'case-admin', table: q.table, rows: loose });
    for (const [unit, copies] of nulledCopies) into.clear.push({ source: 'case-admin', table: q.table, unit, rows: copies });
  }
  for (const table of await baseTables(db, NOT_BACKED_UP['case-admin'])) {
    if (mapped.has(table)) continue;
    const { rows } = await db.query<{ row: Row }>(`SELECT to_jsonb(t) AS row FROM ${table} t`);
    into.clear.push({ source: 'case-admin', table, rows: rows.map((r) => r.row) });
  }
}

async function readRegistry(db: PoolClient, into: Snapshot): Promise<void> {
  for (const table of await baseTables(db, NOT_BACKED_UP.registry)) {
    const { rows } = await db.query<{ row: Row }>(`SELECT to_jsonb(t) AS row FROM ${table} t`);
    into.clear.push({ source: 'registry', table, rows: rows.map((r) => r.row) });
  }
}

/** Writes JSON lines through gzip (waiting when the stream asks to), then fsyncs the file. */
async function writeLines(path: string, lines: Iterable<unknown>): Promise<void> {
  const gzip = createGzip();
  const done = pipeline(gzip, createWriteStream(path, { mode: 0o600 }));
  for (const line of lines) {
    if (!gzip.write(`${JSON.stringify(line)}\n`)) await new Promise((resolve) => gzip.once('drain', resolve));
  }
  gzip.end();
  await done;
  const handle = await open(path, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function fileSha256(path: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

/**
 * `erasure backup create`: the case administration and the registry in one file. Each
 * person's rows are sealed with that person's own key from the key store (created on first
 * backup); erasing the person destroys the key, which makes every copy in every backup
 * unreadable. The file is written aside and renamed when complete, then registered.
 */
export async function createBackup(options: { registry: Pool; caseAdmin: Pool; map: RelationMap; dir: string; now?: Date }): Promise<BackupSummary> {
  const createdAt = options.now ?? new Date();
  const backupId = `backup-${createdAt.toISOString().replace(/[-:.]/g, '')}`;
  const snapshot: Snapshot = { units: new Map(), clear: [] };
  await inTransaction(options.caseAdmin, SNAPSHOT, (db) => readCaseAdmin(db, options.map, snapshot));
  await inTransaction(options.registry, SNAPSHOT, (db) => readRegistry(db, snapshot));
  const unitNames = [...snapshot.units.keys()].sort();
  const keys = await backupKeyStore(options.registry).ensure(unitNames);

  await mkdir(options.dir, { recursive: true, mode: 0o700 });
  const file = join(options.dir, `${backupId}.jsonl.gz`);
  const header: BackupHeader = { format: BACKUP_FORMAT, backupId, createdAt: createdAt.toISOString(), root: options.map.root.table };
  function* lines() {
    let count = 1;
    yield header;
    for (const clear of snapshot.clear) {
      for (let start = 0; start < clear.rows.length || start === 0; start += 1000) {
        count += 1;
        yield { clear: { ...clear, rows: clear.rows.slice(start, start + 1000) } };
      }
    }
    for (const unit of unitNames) {
      const key = keys.get(unit);
      if (!key) throw new Error(`no backup key for ${unit} after creating it`);
      count += 1;
      yield { unit, sealed: encrypt(key, JSON.stringify({ rows: snapshot.units.get(unit) }), sealContext(unit)) };
    }
    // The end line counts the lines before it: a truncated copy is recognised as such.
    yield { end: { units: unitNames.length, lines: count } };
  }
  const partial = `${file}.partial`;
  await writeLines(partial, lines());
  await rename(partial, file);
  await syncDir(options.dir);
  const { sha256, bytes } = await fileSha256(file);

  await inTransaction(options.registry, 'BEGIN', async (db) => {
    await db.query('INSERT INTO backups (backup_id, file_name, sha256, units, created_at) VALUES ($1, $2, $3, $4, $5)', [
      backupId,
      `${backupId}.jsonl.gz`,
      sha256,
      unitNames.length,
      createdAt,
    ]);
    for (let start = 0; start < unitNames.length; start += 1000) {
      await db.query('INSERT INTO backup_units (backup_id, unit) SELECT $1, unnest($2::text[])', [backupId, unitNames.slice(start, start + 1000)]);
    }
  });
  const count = (source: string) => snapshot.clear.filter((c) => c.source === source).reduce((n, c) => n + c.rows.length, 0);
  return { backupId, file, sha256, units: unitNames.length, clearRows: { caseAdmin: count('case-admin'), registry: count('registry') }, bytes };
}
