import type { Pool } from 'pg';
import type { StorageSystem } from '../../schemas/inventory';
import type { PurgeFailure, PurgeRunSettings } from '../../schemas/purge';
import type { ErasureOrder } from '../../schemas/erasure-order';

export interface DueCandidate {
  readonly recordId: string;
  readonly dossier: string;
  readonly policyVersion: string;
  readonly started: boolean;
  readonly systems: StorageSystem[];
}

/** Not erased, and past its policy's purge start: what a purge run looks at (the lifecycle decides). */
const CANDIDATES = `FROM records r JOIN policies p ON p.version = r.policy_version
  WHERE r.erased_at IS NULL AND (p.body->>'purgeStart')::timestamptz <= now() AND ($1::text IS NULL OR r.record_id > $1)
    AND ($2::text IS NULL OR r.dossier = $2)`;

/** One page of candidates after the cursor, in id order. */
export async function dueCandidates(db: Pool, afterRecordId: string | undefined, limit: number, dossier?: string): Promise<DueCandidate[]> {
  const { rows } = await db.query<{ record_id: string; dossier: string; policy_version: string; started: boolean; systems: StorageSystem[] }>(
    `SELECT r.record_id, r.dossier, r.policy_version, r.lifecycle_started_at IS NOT NULL AS started,
            array(SELECT DISTINCT l.system FROM record_locations l WHERE l.record_id = r.record_id ORDER BY 1) AS systems
       ${CANDIDATES}
      ORDER BY r.record_id LIMIT $3`,
    [afterRecordId ?? null, dossier ?? null, limit],
  );
  return rows.map((r) => ({ recordId: r.record_id, dossier: r.dossier, policyVersion: r.policy_version, started: r.started, systems: r.systems }));
}

export async function countDueCandidates(db: Pool, afterRecordId?: string, dossier?: string): Promise<number> {
  const { rows } = await db.query<{ n: string }>(`SELECT count(*) AS n ${CANDIDATES}`, [afterRecordId ?? null, dossier ?? null]);
  return Number(rows[0]?.n ?? 0);
}

export async function beginRun(
  db: Pool,
  run: { runRef: string; dryRun: boolean; scheduled: boolean; settings: PurgeRunSettings; startedAt: string },
): Promise<void> {
  await db.query('INSERT INTO purge_runs (run_ref, dry_run, scheduled, settings, started_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (run_ref) DO NOTHING', [
    run.runRef,
    run.dryRun,
    run.scheduled,
    JSON.stringify(run.settings),
    run.startedAt,
  ]);
}

/**
 * Notes a release before it is made: a worker that dies between releasing a record and the
 * end of its page leaves no released record out of the run's counts. A release that is
 * refused (skipped) is forgotten again; `recordReleases` settles how each one went.
 */
export async function noteRelease(db: Pool, runRef: string, recordId: string): Promise<void> {
  await db.query("INSERT INTO purge_releases (run_ref, record_id, how) VALUES ($1, $2, 'released') ON CONFLICT DO NOTHING", [runRef, recordId]);
}

export async function forgetRelease(db: Pool, runRef: string, recordId: string): Promise<void> {
  await db.query('DELETE FROM purge_releases WHERE run_ref = $1 AND record_id = $2', [runRef, recordId]);
}

export async function recordReleases(db: Pool, runRef: string, released: readonly string[], restarted: readonly string[]): Promise<void> {
  if (released.length + restarted.length === 0) return;
  await db.query(
    `INSERT INTO purge_releases (run_ref, record_id, how)
     SELECT $1, id, how FROM unnest($2::text[], $3::text[]) AS t(id, how)
     ON CONFLICT (run_ref, record_id) DO UPDATE SET how = EXCLUDED.how`,
    [runRef, [...released, ...restarted], [...released.map(() => 'released'), ...restarted.map(() => 'restarted')]],
  );
  if (restarted.length)
    await db.query('UPDATE records SET lifecycle_started_at = now() WHERE record_id = ANY($1) AND lifecycle_started_at IS NULL', [restarted]);
}

export interface RunProgress {
  /** Every record the run released, restarted ones included. */
  readonly released: number;
  readonly restarted: number;
  readonly erased: number;
  readonly failed: number;
  readonly pending: number;
}

/** The reason column holds at most this much: a reason is ids, system names and codes, never a whole error report. */
const FAILURE_REASON_CHARS = 500;

/** Keeps the reason a record's erasure failed after its retries (id-only text), for the report of the run that released it. */
export async function storeErasureFailure(db: Pool, failure: { recordId: string; reason: string }): Promise<void> {
  await db.query('INSERT INTO erasure_failures (record_id, reason) VALUES ($1, $2)', [failure.recordId, failure.reason.slice(0, FAILURE_REASON_CHARS)]);
}

/** What became of the records a run released: erased (certified), failed after retries, or still pending. */
export async function runProgress(db: Pool, runRef: string): Promise<RunProgress> {
  const { rows } = await db.query<{ released: string; restarted: string; erased: string; failed: string }>(
    `SELECT count(*) AS released,
            count(*) FILTER (WHERE pr.how = 'restarted') AS restarted,
            count(r.erased_at) AS erased,
            count(*) FILTER (WHERE r.erased_at IS NULL AND EXISTS (
              SELECT 1 FROM erasure_failures f WHERE f.record_id = pr.record_id AND f.failed_at >= pr.released_at)) AS failed
       FROM purge_releases pr JOIN records r USING (record_id)
      WHERE pr.run_ref = $1`,
    [runRef],
  );
  const row = rows[0];
  const released = Number(row?.released ?? 0);
  const erased = Number(row?.erased ?? 0);
  const failed = Number(row?.failed ?? 0);
  return { released, restarted: Number(row?.restarted ?? 0), erased, failed, pending: released - erased - failed };
}

/** The failure reasons of a run's records that are not erased, most frequent first. */
export async function runFailures(db: Pool, runRef: string): Promise<PurgeFailure[]> {
  const { rows } = await db.query<{ reason: string; n: string }>(
    `SELECT last.reason, count(*) AS n
       FROM purge_releases pr JOIN records r USING (record_id)
       CROSS JOIN LATERAL (SELECT f.reason FROM erasure_failures f
                            WHERE f.record_id = pr.record_id AND f.failed_at >= pr.released_at
                            ORDER BY f.failed_at DESC LIMIT 1) last
      WHERE pr.run_ref = $1 AND r.erased_at IS NULL
      GROUP BY last.reason ORDER BY count(*) DESC, last.reason`,
    [runRef],
  );
  return rows.map((r) => ({ reason: r.reason, records: Number(r.n) }));
}

/** Locations per system of the given records (what a dry run says would be destroyed where). */
export async function locationCounts(db: Pool, recordIds: readonly string[]): Promise<Map<string, Partial<Record<StorageSystem, number>>>> {
  const { rows } = await db.query<{ record_id: string; system: StorageSystem; n: number }>(
    'SELECT record_id, system, count(*)::int AS n FROM record_locations WHERE record_id = ANY($1) GROUP BY record_id, system',
    [recordIds],
  );
  const counts = new Map<string, Partial<Record<StorageSystem, number>>>();
  for (const row of rows) counts.set(row.record_id, { ...counts.get(row.record_id), [row.system]: row.n });
  return counts;
}

export async function storeReport(db: Pool, runRef: string, finishedAt: string, report: object): Promise<void> {
  await db.query('UPDATE purge_runs SET finished_at = $2, report = $3 WHERE run_ref = $1', [runRef, finishedAt, JSON.stringify(report)]);
}

/** Keeps the erasure orders of a release chunk's records until their batch has erased them. */
export async function storeErasureOrders(db: Pool, runRef: string, batch: number, orders: readonly ErasureOrder[]): Promise<void> {
  if (orders.length === 0) return;
  await db.query(
    `UPDATE purge_releases pr SET erasure_batch = $2, erasure_order = t.erasure_order
       FROM unnest($3::text[], $4::jsonb[]) AS t(record_id, erasure_order)
      WHERE pr.run_ref = $1 AND pr.record_id = t.record_id`,
    [runRef, batch, orders.map((o) => o.recordId), orders.map((o) => JSON.stringify(o))],
  );
}

/**
 * One batch: the orders of a release chunk's records, in id order; those already erased
 * and told (their order dropped) are left out, so a retried batch redoes only the rest.
 */
export async function erasureOrders(db: Pool, runRef: string, batch: number, limit: number): Promise<unknown[]> {
  const { rows } = await db.query<{ erasure_order: unknown }>(
    `SELECT erasure_order FROM purge_releases
      WHERE run_ref = $1 AND erasure_batch = $2 AND erasure_order IS NOT NULL ORDER BY record_id LIMIT $3`,
    [runRef, batch, limit],
  );
  return rows.map((r) => r.erasure_order);
}

/** The orders of records that are erased and told: no copy is kept once the certificate holds what matters. */
export async function dropErasureOrders(db: Pool, runRef: string, recordIds: readonly string[]): Promise<void> {
  if (recordIds.length === 0) return;
  await db.query('UPDATE purge_releases SET erasure_order = NULL WHERE run_ref = $1 AND record_id = ANY($2)', [runRef, recordIds]);
}
