import type { Pool } from 'pg';
import type { StorageSystem } from '../../schemas/inventory';
import type { AdapterRegistry } from '../storage/adapter';

export interface ReconcileRequest {
  /** Id of the run that asks (a purge run, or `cli-<time>`), kept with every finding. */
  readonly runRef: string;
  /** Cursor: the last record id of the previous page. */
  readonly afterRecordId?: string;
  readonly limit: number;
  readonly dossier?: string;
  /** Share of the erased records to re-check (1 = all); the sample differs per run. */
  readonly sample?: number;
  /** Only records erased before this instant (a run leaves its own erasures alone). */
  readonly erasedBefore?: string;
}

export interface Resurrection {
  readonly recordId: string;
  readonly system: StorageSystem;
  readonly found: Readonly<Record<string, number>>;
  readonly verified: boolean;
}

export interface ReconcilePage {
  readonly checked: number;
  /** Erased records the page passed over (outside the sample). */
  readonly scanned: number;
  readonly resurrected: readonly Resurrection[];
  /** Undefined when this was the last page. */
  readonly nextCursor?: string;
}

/**
 * Re-checks one page of certified erasures with each system's `verifyErased`. Data that
 * came back is erased again, verified, and recorded (counts only); the record is flagged.
 * Idempotent: a page checked twice finds nothing the second time.
 */
export async function reconcilePage(registry: Pool, adapters: AdapterRegistry, request: ReconcileRequest): Promise<ReconcilePage> {
  const { rows } = await registry.query<{
    record_id: string;
    system: StorageSystem;
    locators: string[];
    sampled: boolean;
    last_scanned: string;
    page_size: string;
  }>(
    `SELECT r.record_id, l.system, array_agg(l.locator ORDER BY l.locator) AS locators, r.sampled, r.last_scanned, r.page_size
       FROM (SELECT record_id,
                    $5::float8 >= 1 OR abs(hashtext(record_id || $6)) % 10000 < $5::float8 * 10000 AS sampled,
                    max(record_id) OVER () AS last_scanned, count(*) OVER () AS page_size
               FROM (SELECT record_id FROM records
                      WHERE erased_at IS NOT NULL AND ($2::text IS NULL OR record_id > $2) AND ($3::text IS NULL OR dossier = $3)
                        AND ($4::timestamptz IS NULL OR erased_at < $4)
                      ORDER BY record_id LIMIT $1) page) r
       JOIN record_locations l USING (record_id)
      GROUP BY r.record_id, l.system, r.sampled, r.last_scanned, r.page_size
      ORDER BY r.record_id, l.system`,
    [request.limit, request.afterRecordId ?? null, request.dossier ?? null, request.erasedBefore ?? null, request.sample ?? 1, request.runRef],
  );
  const resurrected: Resurrection[] = [];
  for (const row of rows.filter((r) => r.sampled)) {
    const adapter = adapters.get(row.system);
    if (!adapter) throw new Error(`no storage adapter for "${row.system}" is configured; reconciliation cannot check record ${row.record_id}`);
    const check = await adapter.verifyErased(row.locators);
    if (check.verified) continue;
    const erased = await adapter.erase(row.locators);
    const again = await adapter.verifyErased(row.locators);
    await registry.query('INSERT INTO resurrections (record_id, system, found, removed, verified, run_ref) VALUES ($1, $2, $3, $4, $5, $6)', [
      row.record_id,
      row.system,
      JSON.stringify(check.remaining),
      JSON.stringify(erased.removed),
      again.verified,
      request.runRef,
    ]);
    await registry.query('UPDATE records SET resurrected_at = now() WHERE record_id = $1', [row.record_id]);
    resurrected.push({ recordId: row.record_id, system: row.system, found: check.remaining, verified: again.verified });
  }
  const scanned = Number(rows[0]?.page_size ?? 0);
  const checked = new Set(rows.filter((r) => r.sampled).map((r) => r.record_id)).size;
  const last = rows[0]?.last_scanned;
  return { checked, scanned, resurrected, ...(scanned === request.limit && last ? { nextCursor: last } : {}) };
}
