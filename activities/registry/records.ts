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

/**
 * What a system held of a record before its first erase attempt: taken on the first
 * call, returned unchanged by every later one.
 */
export async function snapshotOnce(
  db: Pool | PoolClient,
  recordId: string,
  system: StorageSystem,
  take: () => Promise<Record<string, number>>,
): Promise<Record<string, number>> {
  const existing = await db.query<{ found: Record<string, number> }>('SELECT found FROM erasure_snapshots WHERE record_id = $1 AND system = $2', [
    recordId,
    system,
  ]);
  if (existing.rows[0]) return existing.rows[0].found;
  await db.query('INSERT INTO erasure_snapshots (record_id, system, found) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [
    recordId,
    system,
    JSON.stringify(await take()),
  ]);
  const { rows } = await db.query<{ found: Record<string, number> }>('SELECT found FROM erasure_snapshots WHERE record_id = $1 AND system = $2', [
    recordId,
    system,
  ]);
  return rows[0]?.found ?? {};
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
