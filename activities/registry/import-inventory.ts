import type { Pool, PoolClient } from 'pg';
import { InvalidInputError, type InputProblem } from '../../schemas/errors';
import type { InventoryRecord } from '../../schemas/inventory';
import type { AdapterRegistry } from '../storage/adapter';
import { recordSubjectKeys, type RecordSubjectKeys } from '../matching/subject-keys';
import { findMatches, type FoundMatches } from './inquiry-matching';
import { getPolicy } from './policies';
import { inTransaction } from '../pg-pool';

export interface NumberedRecord {
  readonly line: number;
  readonly record: InventoryRecord;
}

export interface ImportRequest {
  readonly sourceName: string;
  readonly sourceSha256: string;
  readonly policyVersion: string;
  readonly records: readonly NumberedRecord[];
  /** Problems already found in the file (rows that did not parse): reported together with the rest. */
  readonly fileProblems?: readonly InputProblem[];
  readonly adapters: AdapterRegistry;
  /** Key of the subject HMAC under which inquiries are matched to records. */
  readonly hmacKey: Buffer;
  readonly onProgress?: (done: number, total: number, stage: string) => void;
}

export interface ImportSummary {
  readonly added: number;
  readonly unchanged: number;
  readonly batchId?: number;
  /** Open inquiries the new records match (README, "Matching inquiries to records"): linked, or candidates for a reviewer. */
  readonly inquiryMatches?: readonly FoundMatches[];
}

const CHUNK = 1000;

const byLine = (problems: InputProblem[]) => [...problems].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));

const locationKey = (l: { system: string; locator: string }) => `${l.system}:${l.locator}`;
const sortedLocations = (ls: readonly { system: string; locator: string }[]) => ls.map(locationKey).sort().join(';');

/** Problems a record has before the database is asked: unknown systems, bad locators, duplicates. */
function checkRecords(records: readonly NumberedRecord[], adapters: AdapterRegistry): InputProblem[] {
  const problems: InputProblem[] = [];
  const firstLine = new Map<string, number>();
  for (const { line, record } of records) {
    const earlier = firstLine.get(record.recordId);
    if (earlier !== undefined) {
      problems.push({ line, field: 'recordId', message: `"${record.recordId}" is already on line ${earlier}; each record may appear once` });
    } else {
      firstLine.set(record.recordId, line);
    }
    const seen = new Set<string>();
    record.locations.forEach((location, i) => {
      const field = `locations[${i}]`;
      const adapter = adapters.get(location.system);
      if (!adapter) {
        problems.push({
          line,
          field: `${field}.system`,
          message: `no storage adapter for "${location.system}" is configured, so it could not be erased; supported: ${[...adapters.keys()].join(', ')}`,
        });
        return;
      }
      const problem = adapter.checkLocator(location.locator);
      if (problem) problems.push({ line, field: `${field}.locator`, message: problem });
      if (seen.has(locationKey(location))) problems.push({ line, field, message: `${locationKey(location)} is listed twice` });
      seen.add(locationKey(location));
    });
  }
  return problems;
}

interface ExistingRecord {
  record_id: string;
  dossier: string;
  subject_ref: string;
  policy_version: string;
  locations: string | null;
}

async function compareWithRegistry(
  db: PoolClient,
  request: ImportRequest,
): Promise<{ fresh: NumberedRecord[]; unchanged: number; problems: InputProblem[] }> {
  const fresh: NumberedRecord[] = [];
  const problems: InputProblem[] = [];
  let unchanged = 0;
  for (let start = 0; start < request.records.length; start += CHUNK) {
    const chunk = request.records.slice(start, start + CHUNK);
    const { rows } = await db.query<ExistingRecord>(
      `SELECT r.record_id, r.dossier, r.subject_ref, r.policy_version,
              string_agg(l.system || ':' || l.locator, ';' ORDER BY l.system || ':' || l.locator COLLATE "C") AS locations
         FROM records r LEFT JOIN record_locations l USING (record_id)
        WHERE r.record_id = ANY($1)
        GROUP BY r.record_id`,
      [chunk.map((c) => c.record.recordId)],
    );
    const existing = new Map(rows.map((r) => [r.record_id, r]));
    for (const item of chunk) {
      const known = existing.get(item.record.recordId);
      if (!known) {
        fresh.push(item);
        continue;
      }
      const differences = [
        known.dossier !== item.record.dossier ? `dossier "${known.dossier}"` : undefined,
        known.subject_ref !== item.record.subjectRef ? `subjectRef "${known.subject_ref}"` : undefined,
        known.policy_version !== request.policyVersion ? `policy "${known.policy_version}"` : undefined,
        (known.locations ?? '') !== sortedLocations(item.record.locations) ? `locations "${known.locations ?? ''}"` : undefined,
      ].filter((d): d is string => d !== undefined);
      if (differences.length === 0) unchanged += 1;
      else {
        problems.push({
          line: item.line,
          field: 'recordId',
          message: `"${item.record.recordId}" was imported before with ${differences.join(', ')}; an imported record is not changed by a later import (correct the file, or give the record a new id)`,
        });
      }
    }
    request.onProgress?.(Math.min(start + CHUNK, request.records.length), request.records.length, 'checked');
  }
  return { fresh, unchanged, problems };
}

/**
 * New records must point at data that exists: a location that holds nothing is a mistake
 * in the inventory, and erasing it would certify the destruction of nothing.
 */
async function findUnlocatable(fresh: readonly NumberedRecord[], request: ImportRequest): Promise<InputProblem[]> {
  const problems: InputProblem[] = [];
  for (const [system, adapter] of request.adapters) {
    const wanted = fresh.flatMap((item) =>
      item.record.locations.flatMap((l, i) =>
        // A malformed locator is already reported; it cannot be looked up.
        l.system === system && !adapter.checkLocator(l.locator) ? [{ item, i, locator: l.locator }] : [],
      ),
    );
    for (let start = 0; start < wanted.length; start += CHUNK) {
      const chunk = wanted.slice(start, start + CHUNK);
      const missing = new Set(await adapter.findMissing(chunk.map((w) => w.locator)));
      for (const w of chunk) {
        if (missing.has(w.locator)) {
          problems.push({
            line: w.item.line,
            field: `locations[${w.i}].locator`,
            message: `${system} holds nothing at "${w.locator}"; check the reference (a record is imported only where its data is)`,
          });
        }
      }
    }
  }
  return problems;
}

/**
 * The subject HMAC of each record, from the first system that knows the subject's name
 * and residence. The clear identifiers stay in this function's memory.
 */
async function subjectHmacs(chunk: readonly NumberedRecord[], request: ImportRequest): Promise<Map<string, RecordSubjectKeys>> {
  const hmacs = new Map<string, RecordSubjectKeys>();
  for (const [system, adapter] of request.adapters) {
    if (!adapter.subjects) continue;
    const wanted = chunk.flatMap(({ record }) => {
      const location = record.locations.find((l) => l.system === system);
      return location && !hmacs.has(record.recordId) ? [{ recordId: record.recordId, locator: location.locator }] : [];
    });
    const subjects = await adapter.subjects(wanted.map((w) => w.locator));
    for (const w of wanted) {
      const subject = subjects.get(w.locator);
      if (subject) hmacs.set(w.recordId, recordSubjectKeys(request.hmacKey, subject.name, subject.residence));
    }
  }
  return hmacs;
}

/**
 * New records whose subject was erased before (their keyed hash is on the suppression
 * list): the data came back from somewhere, and importing it would start it over silently.
 */
async function findSuppressed(db: PoolClient, fresh: readonly NumberedRecord[], hmacs: ReadonlyMap<string, RecordSubjectKeys>): Promise<InputProblem[]> {
  const problems: InputProblem[] = [];
  const wanted = [...new Set([...hmacs.values()].map((k) => k.exact))];
  for (let start = 0; start < wanted.length; start += CHUNK) {
    const { rows } = await db.query<{ subject_hmac: string; certificate_id: string; suppressed_at: Date }>(
      'SELECT subject_hmac, certificate_id, suppressed_at FROM suppressed_subjects WHERE subject_hmac = ANY($1)',
      [wanted.slice(start, start + CHUNK)],
    );
    const hits = new Map(rows.map((r) => [r.subject_hmac, r]));
    for (const { line, record } of fresh) {
      const hit = hits.get(hmacs.get(record.recordId)?.exact ?? '');
      if (hit) {
        problems.push({
          line,
          field: 'subjectRef',
          message:
            `the subject of "${record.recordId}" was erased on ${hit.suppressed_at.toISOString()} (certificate ${hit.certificate_id}) and is on the suppression list; ` +
            'their data is back where it should not be: erase it (`erasure backup check --erase --as <privacy-officer>`), do not import it again',
        });
      }
    }
  }
  return problems;
}

async function freshHmacs(fresh: readonly NumberedRecord[], request: ImportRequest): Promise<Map<string, RecordSubjectKeys>> {
  const hmacs = new Map<string, RecordSubjectKeys>();
  for (let start = 0; start < fresh.length; start += CHUNK) {
    for (const [recordId, hmac] of await subjectHmacs(fresh.slice(start, start + CHUNK), request)) hmacs.set(recordId, hmac);
  }
  return hmacs;
}

async function insertRecords(db: PoolClient, batchId: number, policyVersion: string, request: ImportRequest, fresh: NumberedRecord[], hmacs: ReadonlyMap<string, RecordSubjectKeys>) {
  for (let start = 0; start < fresh.length; start += CHUNK) {
    const chunk = fresh.slice(start, start + CHUNK).map((f) => f.record);
    await db.query(
      `INSERT INTO records (record_id, dossier, subject_ref, policy_version, import_batch, subject_hmac)
       SELECT unnest($1::text[]), unnest($2::text[]), unnest($3::text[]), $4, $5, unnest($6::text[])`,
      [
        chunk.map((r) => r.recordId),
        chunk.map((r) => r.dossier),
        chunk.map((r) => r.subjectRef),
        policyVersion,
        batchId,
        chunk.map((r) => hmacs.get(r.recordId)?.exact ?? null),
      ],
    );
    const keyed = chunk.flatMap((r) => (hmacs.get(r.recordId)?.variants ?? []).map((key) => [key, r.recordId] as const));
    await db.query('INSERT INTO subject_keys (key, record_id) SELECT unnest($1::bytea[]), unnest($2::text[]) ON CONFLICT DO NOTHING', [
      keyed.map((k) => k[0]),
      keyed.map((k) => k[1]),
    ]);
    const locations = chunk.flatMap((r) => r.locations.map((l) => [r.recordId, l.system, l.locator] as const));
    await db.query(
      `INSERT INTO record_locations (record_id, system, locator)
       SELECT unnest($1::text[]), unnest($2::text[]), unnest($3::text[])`,
      [locations.map((l) => l[0]), locations.map((l) => l[1]), locations.map((l) => l[2])],
    );
    request.onProgress?.(Math.min(start + CHUNK, fresh.length), fresh.length, 'imported');
  }
}

/**
 * Imports an inventory all-or-nothing: every record is checked first (all problems are
 * reported at once), and one problem anywhere refuses the whole file, in one transaction. Records that are already there
 * with the same content are left as they are, so importing a file twice changes nothing.
 */
export async function importInventory(pool: Pool, request: ImportRequest): Promise<ImportSummary> {
  const early = [...(request.fileProblems ?? []), ...checkRecords(request.records, request.adapters)];
  return inTransaction(pool, 'BEGIN ISOLATION LEVEL READ COMMITTED', async (db) => {
    // One import at a time: two concurrent imports of overlapping files would each see the other's records as new.
    await db.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['erasure-import']);
    await getPolicy(db, request.policyVersion);
    const { fresh, unchanged, problems } = await compareWithRegistry(db, request);
    problems.push(...early, ...(await findUnlocatable(fresh, request)));
    const hmacs = problems.length ? new Map<string, RecordSubjectKeys>() : await freshHmacs(fresh, request);
    problems.push(...(await findSuppressed(db, fresh, hmacs)));
    if (problems.length) throw new InvalidInputError(request.sourceName, byLine(problems));
    if (fresh.length === 0) {
      return { added: 0, unchanged };
    }
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO import_batches (source_name, source_sha256, policy_version, records_added, records_unchanged)
       VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [request.sourceName, request.sourceSha256, request.policyVersion, fresh.length, unchanged],
    );
    const batchId = Number(rows[0]?.id);
    await insertRecords(db, batchId, request.policyVersion, request, fresh, hmacs);
    // Until the cutoff, an inquiry is matched against records imported after it, too.
    const inquiryMatches = await findMatches(db, { importBatch: batchId });
    return { added: fresh.length, unchanged, batchId, inquiryMatches };
  });
}
