import type { PoolClient } from 'pg';
import type { InputProblem } from '../../schemas/errors';
import type { InventoryRecord } from '../../schemas/inventory';
import type { AdapterRegistry } from '../storage/adapter';

/**
 * The staging tables of one import: temporary, dropped at the end of the import's
 * transaction (committed or rolled back). `ord` is the record's place in the file (lines
 * are not unique: a minified JSON file has one).
 */
export async function createStagingTables(db: PoolClient): Promise<void> {
  await db.query(`
    CREATE TEMP TABLE import_rows (ord integer NOT NULL, line integer NOT NULL, record_id text NOT NULL, dossier text NOT NULL,
                                   subject_ref text NOT NULL, fresh boolean NOT NULL) ON COMMIT DROP;
    CREATE TEMP TABLE import_locations (ord integer NOT NULL, idx integer NOT NULL, system text NOT NULL, locator text NOT NULL,
                                        checkable boolean NOT NULL) ON COMMIT DROP;
    CREATE TEMP TABLE import_hmacs (ord integer NOT NULL, subject_hmac text NOT NULL) ON COMMIT DROP;
    CREATE TEMP TABLE import_keys (ord integer NOT NULL, key bytea NOT NULL) ON COMMIT DROP;`);
}

/** Indexes built once the rows are in (faster than keeping them up to date row by row), and statistics for the planner. */
export async function indexStagedRows(db: PoolClient): Promise<void> {
  await db.query(`
    CREATE INDEX ON import_rows (ord);
    CREATE INDEX ON import_locations (ord, idx);
    ANALYZE import_rows;
    ANALYZE import_locations;`);
}

export interface StagedRecord {
  readonly ord: number;
  readonly line: number;
  readonly record: InventoryRecord;
}

const locationKey = (l: { system: string; locator: string }) => `${l.system}:${l.locator}`;
const sortedLocations = (ls: readonly { system: string; locator: string }[]) => ls.map(locationKey).sort().join(';');

/** Problems a record has on its own: systems without an adapter, malformed locators, a location listed twice. */
function recordProblems(line: number, record: InventoryRecord, adapters: AdapterRegistry, into: InputProblem[]): boolean[] {
  const seen = new Set<string>();
  return record.locations.map((location, i) => {
    const field = `locations[${i}]`;
    const adapter = adapters.get(location.system);
    if (!adapter) {
      into.push({
        line,
        field: `${field}.system`,
        message: `no storage adapter for "${location.system}" is configured, so it could not be erased; supported: ${[...adapters.keys()].join(', ')}`,
      });
      return false;
    }
    const problem = adapter.checkLocator(location.locator);
    if (problem) into.push({ line, field: `${field}.locator`, message: problem });
    if (seen.has(locationKey(location))) into.push({ line, field, message: `${locationKey(location)} is listed twice` });
    seen.add(locationKey(location));
    // A malformed locator is already reported; it cannot be looked up.
    return !problem;
  });
}

interface ExistingRecord {
  record_id: string;
  dossier: string;
  subject_ref: string;
  policy_version: string;
  locations: string | null;
}

/**
 * One chunk of the file into the staging tables: each record compared with the registry
 * (an imported record is never changed by a later import), checked on its own, and
 * staged. Returns the problems (in line order, with the parser's for the same lines) and
 * how many records are already there unchanged.
 */
export async function stageChunk(
  db: PoolClient,
  chunk: readonly StagedRecord[],
  parseProblems: readonly InputProblem[],
  policyVersion: string,
  adapters: AdapterRegistry,
): Promise<{ problems: InputProblem[]; unchanged: number }> {
  const problems: InputProblem[] = [...parseProblems];
  let unchanged = 0;
  const { rows } = await db.query<ExistingRecord>(
    `SELECT r.record_id, r.dossier, r.subject_ref, r.policy_version,
            string_agg(l.system || ':' || l.locator, ';' ORDER BY l.system || ':' || l.locator COLLATE "C") AS locations
       FROM records r LEFT JOIN record_locations l USING (record_id)
      WHERE r.record_id = ANY($1)
      GROUP BY r.record_id`,
    [chunk.map((c) => c.record.recordId)],
  );
  const existing = new Map(rows.map((r) => [r.record_id, r]));
  const fresh: boolean[] = [];
  const locations = { ord: [] as number[], idx: [] as number[], system: [] as string[], locator: [] as string[], checkable: [] as boolean[] };
  for (const { ord, line, record } of chunk) {
    const known = existing.get(record.recordId);
    fresh.push(!known);
    if (known) {
      const differences = [
        known.dossier !== record.dossier ? `dossier "${known.dossier}"` : undefined,
        known.subject_ref !== record.subjectRef ? `subjectRef "${known.subject_ref}"` : undefined,
        known.policy_version !== policyVersion ? `policy "${known.policy_version}"` : undefined,
        (known.locations ?? '') !== sortedLocations(record.locations) ? `locations "${known.locations ?? ''}"` : undefined,
      ].filter((d): d is string => d !== undefined);
      if (differences.length === 0) unchanged += 1;
      else {
        problems.push({
          line,
          field: 'recordId',
          message: `"${record.recordId}" was imported before with ${differences.join(', ')}; an imported record is not changed by a later import (correct the file, or give the record a new id)`,
        });
      }
    }
    recordProblems(line, record, adapters, problems).forEach((checkable, i) => {
      const location = record.locations[i] as { system: string; locator: string };
      locations.ord.push(ord);
      locations.idx.push(i);
      locations.system.push(location.system);
      locations.locator.push(location.locator);
      locations.checkable.push(checkable);
    });
  }
  await db.query(
    `INSERT INTO import_rows (ord, line, record_id, dossier, subject_ref, fresh)
     SELECT * FROM unnest($1::int[], $2::int[], $3::text[], $4::text[], $5::text[], $6::bool[])`,
    [
      chunk.map((c) => c.ord),
      chunk.map((c) => c.line),
      chunk.map((c) => c.record.recordId),
      chunk.map((c) => c.record.dossier),
      chunk.map((c) => c.record.subjectRef),
      fresh,
    ],
  );
  await db.query(
    `INSERT INTO import_locations (ord, idx, system, locator, checkable)
     SELECT * FROM unnest($1::int[], $2::int[], $3::text[], $4::text[], $5::bool[])`,
    [locations.ord, locations.idx, locations.system, locations.locator, locations.checkable],
  );
  // Stable: a line's problems keep the order they were found in.
  problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return { problems, unchanged };
}
