import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import type { Pool } from 'pg';
import { inTransaction } from '../pg-pool';
import { InvalidInputError, type InputProblem } from '../../schemas/errors';
import { zodProblems } from '../../schemas/zod-problems';
import { decrypt } from '../crypto';
import type { RelationMap } from '../storage/relation-map';
import { fileSha256 } from './create';
import { backupLine, headerLine, sealContext, unitContent, type BackupHeader, type ClearLine, type UnitContent } from './format';
import { backupKeyStore } from './key-store';
import { rowSubjectHmac, suppressedAmong, type SuppressedUnit } from './suppression';
import { baseTables, insertRows, nonEmptyTables, parentsFirst, resetSequences } from './tables';

type Row = Record<string, unknown>;

export interface ParsedBackup {
  readonly header: BackupHeader;
  readonly clear: readonly ClearLine[];
  readonly sealed: ReadonlyMap<string, string>;
  /** Whether the file is the one `backup create` registered (same SHA-256); undefined when the registry does not know it. */
  readonly registered?: boolean;
}

/** Reads and checks a backup file line by line; any bad line, or a missing end, refuses the whole file. */
export async function readBackup(file: string): Promise<ParsedBackup> {
  const problems: InputProblem[] = [];
  const clear: ClearLine[] = [];
  const sealed = new Map<string, string>();
  let header: BackupHeader | undefined;
  let end: { units: number; lines: number } | undefined;
  let line = 0;
  const input = createReadStream(file).pipe(createGunzip());
  try {
    for await (const text of createInterface({ input, crlfDelay: Infinity })) {
      line += 1;
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        problems.push({ line, field: 'line', message: 'not JSON: the file is damaged' });
        continue;
      }
      if (line === 1) {
        const parsed = headerLine.safeParse(json);
        if (parsed.success) header = parsed.data;
        else problems.push(...zodProblems(parsed.error, line).map((p) => ({ ...p, message: `header: ${p.message} (is this an erasure backup?)` })));
        continue;
      }
      const parsed = backupLine.safeParse(json);
      if (!parsed.success) problems.push(...zodProblems(parsed.error, line));
      else if (end) problems.push({ line, field: 'end', message: 'lines after the end line: the file was appended to' });
      else if ('end' in parsed.data) end = parsed.data.end;
      else if ('clear' in parsed.data) clear.push(parsed.data.clear);
      else if (sealed.has(parsed.data.unit)) problems.push({ line, field: 'unit', message: `${parsed.data.unit} appears twice` });
      else sealed.set(parsed.data.unit, parsed.data.sealed);
    }
  } catch (err) {
    problems.push({
      line: line + 1,
      field: 'file',
      message: `cannot be read to the end (${(err as Error).message}): the file is damaged or not a gzip'd backup`,
    });
  }
  if (!end && problems.length === 0) problems.push({ line, field: 'end', message: 'the end line is missing: the file is truncated' });
  if (end && (end.lines !== line - 1 || end.units !== sealed.size)) {
    problems.push({
      line,
      field: 'end',
      message: `the end line counts ${end.lines} lines and ${end.units} units, the file has ${line - 1} and ${sealed.size}: lines were removed`,
    });
  }
  if (problems.length || !header) throw new InvalidInputError(basename(file), problems);
  return { header, clear, sealed };
}

export interface RestoreSummary {
  readonly backupId: string;
  readonly createdAt: string;
  /** The file's SHA-256 matches the registry's entry for it (false: unknown to this registry). */
  readonly registered: boolean;
  readonly restoredUnits: number;
  /** Persons whose key was destroyed (erased since the backup): their rows stay sealed for good. */
  readonly unreadable: readonly string[];
  /** Persons still readable whose subject is on the suppression list: not restored. */
  readonly suppressed: readonly SuppressedUnit[];
  readonly caseAdminRows: Readonly<Record<string, number>>;
  readonly registryRows?: Readonly<Record<string, number>>;
}

/** Inserts whole tables into an empty schema in one transaction: all rows, or none. */
async function restoreTables(pool: Pool, what: string, tables: ReadonlyMap<string, Row[]>, schemaHint: string): Promise<Record<string, number>> {
  return inTransaction(pool, 'BEGIN', async (db) => {
    const present = new Set(await baseTables(db, []));
    const missing = [...tables.keys()].filter((t) => !present.has(t));
    if (missing.length) throw new InvalidInputError(what, [{ field: 'tables', message: `the target database lacks ${missing.join(', ')}: ${schemaHint}` }]);
    const occupied = await nonEmptyTables(db, [...tables.keys()]);
    if (occupied.length) {
      throw new InvalidInputError(what, [
        {
          field: 'target',
          message: `a restore goes into an empty database; ${occupied.join(', ')} already hold data (create a fresh database, migrate it, and restore into that)`,
        },
      ]);
    }
    const counts: Record<string, number> = {};
    for (const table of await parentsFirst(db, [...tables.keys()])) {
      const rows = tables.get(table) ?? [];
      await insertRows(db, table, rows);
      counts[table] = rows.length;
    }
    await resetSequences(db, [...tables.keys()]);
    return counts;
  });
}

const add = (tables: Map<string, Row[]>, table: string, rows: readonly Row[]) => tables.set(table, [...(tables.get(table) ?? []), ...rows]);

/**
 * `erasure backup restore`: opens each person's rows with their key. A destroyed key
 * (the person was erased) leaves them sealed, and a person on the suppression list is
 * not brought back; both are reported by id. Everything is checked before anything is
 * written, and each database is restored in one transaction, into empty tables only.
 */
export async function restoreBackup(options: {
  file: string;
  registry: Pool;
  caseAdmin: Pool;
  map: RelationMap;
  hmacKey: Buffer;
  /** Also restore the registry's tables into this database, which must be empty (a disaster recovery). */
  restoreRegistryInto?: Pool;
}): Promise<RestoreSummary> {
  const backup = await readBackup(options.file);
  const source = basename(options.file);
  const known = await options.registry.query<{ sha256: string }>('SELECT sha256 FROM backups WHERE backup_id = $1', [backup.header.backupId]);
  const expected = known.rows[0]?.sha256;
  if (expected && expected !== (await fileSha256(options.file)).sha256) {
    throw new InvalidInputError(source, [
      { field: 'file', message: `its SHA-256 differs from the one registered when ${backup.header.backupId} was made: the file was altered` },
    ]);
  }

  let registryRows: Record<string, number> | undefined;
  if (options.restoreRegistryInto) {
    const tables = new Map<string, Row[]>();
    for (const c of backup.clear.filter((c) => c.source === 'registry')) add(tables, c.table, c.rows);
    registryRows = await restoreTables(options.restoreRegistryInto, `${source} (registry)`, tables, 'run `npm run migrate` on it first');
  }

  const keys = await backupKeyStore(options.registry).get([...backup.sealed.keys()]);
  const opened = new Map<string, UnitContent['rows']>();
  const unreadable: string[] = [];
  const problems: InputProblem[] = [];
  for (const [unit, sealed] of backup.sealed) {
    const key = keys.get(unit);
    if (!key) {
      unreadable.push(unit);
      continue;
    }
    try {
      opened.set(unit, unitContent.parse(JSON.parse(decrypt(key, sealed, sealContext(unit)))).rows);
    } catch {
      problems.push({
        field: unit,
        message: 'its sealed rows do not open with its key: the file was altered, or the key store belongs to another installation',
      });
    }
  }
  if (problems.length) throw new InvalidInputError(source, problems);

  const hmacOf = new Map<string, string>();
  for (const [unit, rows] of opened) {
    const hmac = rows[options.map.root.table]?.map((r) => rowSubjectHmac(options.map, options.hmacKey, r)).find((h) => h !== undefined);
    if (hmac) hmacOf.set(unit, hmac);
  }
  const suppressedList = await suppressedAmong(options.registry, [...new Set(hmacOf.values())]);
  const suppressed: SuppressedUnit[] = [];
  for (const [unit, hmac] of hmacOf) {
    const hit = suppressedList.get(hmac);
    if (hit) suppressed.push({ unit, ...hit });
  }

  const kept = new Set(suppressed.map((s) => s.unit));
  const tables = new Map<string, Row[]>();
  for (const c of backup.clear.filter((c) => c.source === 'case-admin')) {
    // A nulled copy stands in for a row only when its person's full rows are not restored.
    if (c.unit === undefined || !opened.has(c.unit) || kept.has(c.unit)) add(tables, c.table, c.rows);
    else tables.set(c.table, tables.get(c.table) ?? []);
  }
  for (const [unit, rows] of opened) {
    if (kept.has(unit)) continue;
    for (const [table, list] of Object.entries(rows)) add(tables, table, list);
  }
  const caseAdminRows = await restoreTables(
    options.caseAdmin,
    `${source} (case administration)`,
    tables,
    "create the case administration's schema in it first (its owner's DDL; for the embedded demo database, infra/migrations/case-admin)",
  );
  return {
    backupId: backup.header.backupId,
    createdAt: backup.header.createdAt,
    registered: expected !== undefined,
    restoredUnits: opened.size - suppressed.length,
    unreadable: unreadable.sort(),
    suppressed: suppressed.sort((a, b) => a.unit.localeCompare(b.unit)),
    caseAdminRows,
    ...(registryRows ? { registryRows } : {}),
  };
}
