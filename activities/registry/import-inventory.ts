import type { Pool, PoolClient } from 'pg';
import { ProblemCollector, type InputProblem } from '../../schemas/errors';
import type { InventoryRecord } from '../../schemas/inventory';
import type { AdapterRegistry } from '../storage/adapter';
import { inTransaction } from '../pg-pool';
import { findMatches, type FoundMatches } from './inquiry-matching';
import { getPolicy } from './policies';
import { findDuplicates, findSuppressed, findUnlocatable, stageSubjectKeys } from './import-checks';
import { createStagingTables, indexStagedRows, stageChunk, type StagedRecord } from './import-staging';

export interface NumberedRecord {
  readonly line: number;
  readonly record: InventoryRecord;
}

/** What a reader of an inventory file yields, in file order: a valid record, or a problem of the file. */
export type InventoryItem = NumberedRecord | { readonly problem: InputProblem };

export type ImportStage = 'read' | 'located' | 'keyed' | 'imported';

export interface ImportRequest {
  readonly sourceName: string;
  /** The file's SHA-256; a function when it is known only once the records were read (a streamed file). */
  readonly sourceSha256: string | (() => string);
  readonly policyVersion: string;
  /** The records, and the problems the file's reader found, in file order: read once, as they come. */
  readonly records: Iterable<InventoryItem> | AsyncIterable<InventoryItem>;
  /** Where problems go; the command line's keeps the first in memory and writes all to a file. */
  readonly problems?: ProblemCollector;
  readonly adapters: AdapterRegistry;
  /** Key of the subject HMAC under which inquiries are matched to records. */
  readonly hmacKey: Buffer;
  /** Progress per stage; `total` is unknown while the file is read. */
  readonly onProgress?: (stage: ImportStage, done: number, total?: number) => void;
}

export interface ImportSummary {
  readonly added: number;
  readonly unchanged: number;
  readonly batchId?: number;
  /** Open inquiries the new records match (README, "Matching inquiries to records"): linked, or candidates for a reviewer. */
  readonly inquiryMatches?: readonly FoundMatches[];
}

/** Records per staging statement: large enough to keep round trips few, small enough to keep memory flat. */
const CHUNK = 5000;
/** Records per insert statement, for progress. */
const INSERT_RANGE = 50_000;

/** Reads the file into the staging tables, chunk by chunk; returns how many records were read and how many are there unchanged. */
async function stage(db: PoolClient, request: ImportRequest, problems: ProblemCollector): Promise<{ read: number; unchanged: number }> {
  let chunk: StagedRecord[] = [];
  let parseProblems: InputProblem[] = [];
  let read = 0;
  let unchanged = 0;
  const flush = async () => {
    if (chunk.length === 0 && parseProblems.length === 0) return;
    const staged = await stageChunk(db, chunk, parseProblems, request.policyVersion, request.adapters);
    for (const p of staged.problems) problems.add(p);
    unchanged += staged.unchanged;
    chunk = [];
    parseProblems = [];
    request.onProgress?.('read', read);
  };
  for await (const item of request.records) {
    if ('problem' in item) parseProblems.push(item.problem);
    else {
      read += 1;
      chunk.push({ ord: read, line: item.line, record: item.record });
    }
    if (chunk.length >= CHUNK || parseProblems.length >= CHUNK) await flush();
  }
  await flush();
  return { read, unchanged };
}

async function insertStaged(db: PoolClient, request: ImportRequest, batchId: number, read: number): Promise<void> {
  for (let from = 0; from < read; from += INSERT_RANGE) {
    const range = [from, from + INSERT_RANGE];
    await db.query(
      `INSERT INTO records (record_id, dossier, subject_ref, policy_version, import_batch, subject_hmac)
       SELECT r.record_id, r.dossier, r.subject_ref, $3, $4, h.subject_hmac
         FROM import_rows r LEFT JOIN import_hmacs h USING (ord)
        WHERE r.fresh AND r.ord > $1 AND r.ord <= $2 ORDER BY r.record_id`,
      [...range, request.policyVersion, batchId],
    );
    await db.query(
      `INSERT INTO record_locations (record_id, system, locator)
       SELECT r.record_id, l.system, l.locator FROM import_locations l JOIN import_rows r USING (ord)
        WHERE r.fresh AND l.ord > $1 AND l.ord <= $2`,
      range,
    );
    await db.query(
      `INSERT INTO subject_keys (key, record_id)
       SELECT DISTINCT k.key, r.record_id FROM import_keys k JOIN import_rows r USING (ord)
        WHERE k.ord > $1 AND k.ord <= $2
        ORDER BY k.key
       ON CONFLICT DO NOTHING`,
      range,
    );
    request.onProgress?.('imported', Math.min(from + INSERT_RANGE, read), read);
  }
}

/**
 * Imports an inventory all-or-nothing, in one transaction: the file is streamed into
 * staging tables (bounded memory at any size), every record is checked (duplicates,
 * conflicts with the registry, storage systems and locators, existence of every
 * location, the subject's name and residence, the suppression list) and every problem is
 * reported at once; one problem anywhere refuses the whole file. Records already there
 * with the same content are left as they are, so importing a file twice changes nothing.
 * Returns the import batch of the new records (their matching keys are in `subject_keys`).
 */
export async function importInventory(pool: Pool, request: ImportRequest): Promise<ImportSummary> {
  const problems = request.problems ?? new ProblemCollector();
  return inTransaction(pool, 'BEGIN ISOLATION LEVEL READ COMMITTED', async (db) => {
    // One import at a time: two concurrent imports of overlapping files would each see the other's records as new.
    await db.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['erasure-import']);
    await getPolicy(db, request.policyVersion);
    await createStagingTables(db);
    const { read, unchanged } = await stage(db, request, problems);
    await indexStagedRows(db);
    await findDuplicates(db, problems);
    await findUnlocatable(db, request.adapters, problems, (done, total) => request.onProgress?.('located', done, total));
    // Names and residences are read only for a file that is otherwise fine.
    if (problems.total === 0) {
      await stageSubjectKeys(db, request.adapters, request.hmacKey, problems, (done, total) => request.onProgress?.('keyed', done, total));
      await findSuppressed(db, problems);
    }
    if (problems.total > 0) throw await problems.refusal(request.sourceName);
    const added = read - unchanged;
    if (added === 0) return { added: 0, unchanged };
    const sha256 = typeof request.sourceSha256 === 'function' ? request.sourceSha256() : request.sourceSha256;
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO import_batches (source_name, source_sha256, policy_version, records_added, records_unchanged)
       VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [request.sourceName, sha256, request.policyVersion, added, unchanged],
    );
    const batchId = Number(rows[0]?.id);
    await insertStaged(db, request, batchId, read);
    // Until its cutoff, an inquiry is matched against records imported after it, too.
    const inquiryMatches = await findMatches(db, { importBatch: batchId });
    return { added, unchanged, batchId, inquiryMatches };
  });
}
