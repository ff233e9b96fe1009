import type { Pool, PoolClient } from 'pg';
import { ErasureError } from '../../schemas/errors';
import type { StorageSystem } from '../../schemas/inventory';

export interface RecordSummary {
  readonly recordId: string;
  readonly dossier: string;
  readonly policyVersion: string;
  readonly systems: StorageSystem[];
}

/** One page of records in id order, after `afterId`: a cursor, never the whole list. */
export async function listRecords(db: Pool | PoolClient, options: { dossier?: string; afterId?: string; limit: number }): Promise<RecordSummary[]> {
  const { rows } = await db.query<{ record_id: string; dossier: string; policy_version: string; systems: StorageSystem[] }>(
    `SELECT r.record_id, r.dossier, r.policy_version,
            array(SELECT DISTINCT l.system FROM record_locations l WHERE l.record_id = r.record_id ORDER BY 1) AS systems
       FROM records r
      WHERE ($1::text IS NULL OR r.dossier = $1) AND ($2::text IS NULL OR r.record_id > $2)
      ORDER BY r.record_id
      LIMIT $3`,
    [options.dossier ?? null, options.afterId ?? null, options.limit],
  );
  return rows.map((r) => ({ recordId: r.record_id, dossier: r.dossier, policyVersion: r.policy_version, systems: r.systems }));
}

export async function markLifecycleStarted(db: Pool | PoolClient, recordIds: readonly string[]): Promise<void> {
  await db.query('UPDATE records SET lifecycle_started_at = now() WHERE record_id = ANY($1) AND lifecycle_started_at IS NULL', [recordIds]);
}

/** The record's locators in one system; unknown records are an error, not an empty list. */
export async function recordLocators(db: Pool | PoolClient, recordId: string, system: StorageSystem): Promise<string[]> {
  const { rows } = await db.query<{ locator: string | null }>(
    `SELECT l.locator FROM records r LEFT JOIN record_locations l ON l.record_id = r.record_id AND l.system = $2
      WHERE r.record_id = $1 ORDER BY l.locator`,
    [recordId, system],
  );
  if (rows.length === 0) throw new ErasureError('UNKNOWN_RECORD', `record ${recordId} is not in the registry`);
  return rows.flatMap((r) => (r.locator === null ? [] : [r.locator]));
}

export async function recordDetails(
  db: Pool | PoolClient,
  recordId: string,
): Promise<{ dossier: string; policyVersion: string; subjectRef: string; subjectHmac: string | null } | undefined> {
  const { rows } = await db.query<{ dossier: string; policy_version: string; subject_ref: string; subject_hmac: string | null }>(
    'SELECT dossier, policy_version, subject_ref, subject_hmac FROM records WHERE record_id = $1',
    [recordId],
  );
  const row = rows[0];
  return row && { dossier: row.dossier, policyVersion: row.policy_version, subjectRef: row.subject_ref, subjectHmac: row.subject_hmac };
}

/** The locators of a set of records, per system; a record the registry does not know is absent from the map. */
export async function batchLocators(db: Pool | PoolClient, recordIds: readonly string[]): Promise<Map<string, Map<StorageSystem, string[]>>> {
  const { rows } = await db.query<{ record_id: string; system: StorageSystem | null; locator: string | null }>(
    `SELECT r.record_id, l.system, l.locator FROM records r LEFT JOIN record_locations l ON l.record_id = r.record_id
      WHERE r.record_id = ANY($1) ORDER BY r.record_id, l.system, l.locator`,
    [recordIds],
  );
  const byRecord = new Map<string, Map<StorageSystem, string[]>>();
  for (const row of rows) {
    const systems = byRecord.get(row.record_id) ?? new Map<StorageSystem, string[]>();
    byRecord.set(row.record_id, systems);
    if (row.system && row.locator !== null) systems.set(row.system, [...(systems.get(row.system) ?? []), row.locator]);
  }
  return byRecord;
}

/**
 * What a system held of each record before its first erase attempt, for a set of
 * records: taken on the first call (`take` is asked for those without one), returned
 * unchanged by every later one.
 */
export async function snapshotsOnce(
  db: Pool | PoolClient,
  system: StorageSystem,
  recordIds: readonly string[],
  take: (missing: readonly string[]) => Promise<ReadonlyMap<string, Record<string, number>>>,
): Promise<Map<string, Record<string, number>>> {
  const read = async () => {
    const { rows } = await db.query<{ record_id: string; found: Record<string, number> }>(
      'SELECT record_id, found FROM erasure_snapshots WHERE record_id = ANY($1) AND system = $2',
      [recordIds, system],
    );
    return new Map(rows.map((r) => [r.record_id, r.found]));
  };
  const existing = await read();
  const missing = recordIds.filter((id) => !existing.has(id));
  if (missing.length === 0) return existing;
  const taken = await take(missing);
  await db.query(
    `INSERT INTO erasure_snapshots (record_id, system, found)
     SELECT id, $2, found FROM unnest($1::text[], $3::jsonb[]) AS t(id, found) ON CONFLICT DO NOTHING`,
    [missing, system, missing.map((id) => JSON.stringify(taken.get(id) ?? {}))],
  );
  return read();
}
