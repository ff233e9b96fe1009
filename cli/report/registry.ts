import type { Pool } from 'pg';
import { policySchema } from '../../schemas/policy';
import type { CertificateDay, CertificateReport, FailureReport, InquiryReport, PolicyEntry, PurgeOutcome, PurgeRunEntry, ResurrectionReport } from './model';

/** How many purge runs, resurrections and failures the report lists one by one. */
export const RECENT_RUNS = 10;
export const RECENT_ROWS = 20;

export interface DossierFacts {
  readonly dossier: string;
  readonly imported: number;
  readonly erased: number;
  readonly withoutLifecycle: number;
  readonly resurrected: number;
}

/** What the registry knows: the authoritative figures (records, ledger, inquiries, runs). */
export interface RegistryFacts {
  readonly dossiers: readonly DossierFacts[];
  readonly policies: readonly PolicyEntry[];
  readonly certificates: CertificateReport;
  readonly inquiries: Omit<InquiryReport, 'recordsWithOpenInquiry' | 'recordsResponseOverdue'>;
  readonly purgeRuns: readonly PurgeRunEntry[];
  readonly resurrections: ResurrectionReport;
  readonly erasureFailures: FailureReport;
}

export async function readRegistry(db: Pool): Promise<RegistryFacts> {
  const [dossiers, policies, certificates, inquiries, purgeRuns, resurrections, erasureFailures] = await Promise.all([
    readDossiers(db),
    readPolicies(db),
    readCertificates(db),
    readInquiries(db),
    readPurgeRuns(db),
    readResurrections(db),
    readFailures(db),
  ]);
  return { dossiers, policies, certificates, inquiries, purgeRuns, resurrections, erasureFailures };
}

/** The policies in use (records imported under them), read from their stored bodies. */
async function readPolicies(db: Pool): Promise<PolicyEntry[]> {
  const { rows } = await db.query<{ body: unknown; records: number }>(
    `SELECT p.body, count(*)::int AS records FROM policies p JOIN records r ON r.policy_version = p.version GROUP BY p.version, p.body`,
  );
  return rows
    .map((r) => ({ policy: policySchema.parse(r.body), records: r.records }))
    .map(({ policy, records }) => ({
      version: policy.version,
      timeZone: policy.timeZone ?? null,
      inquiryCutoff: policy.inquiryCutoff,
      purgeStart: policy.purgeStart,
      objectionPeriod: policy.objectionPeriod,
      records,
    }))
    .sort((a, b) => Date.parse(a.purgeStart) - Date.parse(b.purgeStart) || a.version.localeCompare(b.version));
}

async function readDossiers(db: Pool): Promise<DossierFacts[]> {
  // "Erased" is a certificate in the ledger; a record without one is pending whatever else says so.
  const { rows } = await db.query<{ dossier: string; imported: number; erased: number; without_lifecycle: number; resurrected: number }>(
    `SELECT r.dossier,
            count(*)::int AS imported,
            count(c.record_id)::int AS erased,
            count(*) FILTER (WHERE r.lifecycle_started_at IS NULL AND r.erased_at IS NULL AND c.record_id IS NULL)::int AS without_lifecycle,
            count(r.resurrected_at)::int AS resurrected
       FROM records r LEFT JOIN certificates c USING (record_id)
      GROUP BY r.dossier ORDER BY r.dossier`,
  );
  return rows.map((r) => ({ dossier: r.dossier, imported: r.imported, erased: r.erased, withoutLifecycle: r.without_lifecycle, resurrected: r.resurrected }));
}

async function readCertificates(db: Pool): Promise<CertificateReport> {
  const { rows } = await db.query<{ day: string; n: number; first: Date; last: Date }>(
    `SELECT to_char(issued_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, count(*)::int AS n, min(issued_at) AS first, max(issued_at) AS last
       FROM certificates GROUP BY 1 ORDER BY 1`,
  );
  const first = rows[0];
  const last = rows.at(-1);
  return {
    total: rows.reduce((sum, r) => sum + r.n, 0),
    firstIssuedAt: first ? first.first.toISOString() : null,
    lastIssuedAt: last ? last.last.toISOString() : null,
    perDay: everyDay(new Map(rows.map((r) => [r.day, r.n]))),
  };
}

/** Every UTC day from the first to the last key, with the running total; gaps are days without certificates. */
export function everyDay(issuedByDay: ReadonlyMap<string, number>): CertificateDay[] {
  const days = [...issuedByDay.keys()].sort();
  const first = days[0];
  const last = days.at(-1);
  if (first === undefined || last === undefined) return [];
  const result: CertificateDay[] = [];
  let cumulative = 0;
  for (let t = Date.parse(`${first}T00:00:00Z`); t <= Date.parse(`${last}T00:00:00Z`); t += 86_400_000) {
    const day = new Date(t).toISOString().slice(0, 10);
    const issued = issuedByDay.get(day) ?? 0;
    cumulative += issued;
    result.push({ day, issued, cumulative });
  }
  return result;
}

async function readInquiries(db: Pool): Promise<RegistryFacts['inquiries']> {
  const { rows } = await db.query<Record<'open' | 'open_matched' | 'destroyed' | 'explanations' | 'no_data' | 'confirmations' | 'overdue_alerts', number>>(
    `SELECT (SELECT count(*)::int FROM inquiries) AS open,
            (SELECT count(*)::int FROM inquiries i WHERE EXISTS (SELECT 1 FROM inquiry_records l WHERE l.inquiry_id = i.inquiry_id)) AS open_matched,
            (SELECT count(DISTINCT inquiry_id)::int FROM inquiry_closures WHERE result->'destroyed' ? 'inquiry') AS destroyed,
            (SELECT count(*)::int FROM notifications WHERE kind = 'explanation') AS explanations,
            (SELECT count(*)::int FROM notifications WHERE kind = 'no-data') AS no_data,
            (SELECT count(*)::int FROM notifications WHERE kind = 'destroyed') AS confirmations,
            (SELECT count(*)::int FROM notifications WHERE kind LIKE 'response-overdue:%') AS overdue_alerts`,
  );
  const r = rows[0];
  if (!r) throw new Error('the registry returned no inquiry counts');
  return {
    open: r.open,
    openMatched: r.open_matched,
    openUnmatched: r.open - r.open_matched,
    destroyed: r.destroyed,
    explanationsSent: r.explanations,
    noDataAnswers: r.no_data,
    destructionConfirmations: r.confirmations,
    responseOverdueAlerts: r.overdue_alerts,
  };
}

async function readPurgeRuns(db: Pool): Promise<PurgeRunEntry[]> {
  const { rows } = await db.query<{ run_ref: string; dry_run: boolean; scheduled: boolean; started_at: Date; finished_at: Date | null; report: unknown }>(
    'SELECT run_ref, dry_run, scheduled, started_at, finished_at, report FROM purge_runs ORDER BY started_at DESC LIMIT $1',
    [RECENT_RUNS],
  );
  return rows.map((r) => ({
    runRef: r.run_ref,
    dryRun: r.dry_run,
    scheduled: r.scheduled,
    startedAt: r.started_at.toISOString(),
    finishedAt: r.finished_at ? r.finished_at.toISOString() : null,
    outcome: outcomeOf(r.report),
  }));
}

/**
 * The figures of a stored PurgeReport, read field by field: reports written by earlier
 * versions lack some fields, and the dry run's record-id file stays out of this report.
 */
export function outcomeOf(stored: unknown): PurgeOutcome | null {
  if (typeof stored !== 'object' || stored === null) return null;
  const s = stored as Record<string, unknown>;
  const n = (key: string): number => {
    const value = s[key];
    return typeof value === 'number' ? value : 0;
  };
  const skipped = typeof s.skipped === 'object' && s.skipped !== null ? (s.skipped as Record<string, unknown>) : {};
  const failures = Array.isArray(s.failures) ? (s.failures as unknown[]) : [];
  return {
    candidates: n('candidates'),
    released: n('released'),
    restarted: n('restarted'),
    erased: n('erased'),
    failed: n('failed'),
    pending: n('pending'),
    skipped: Object.fromEntries(Object.entries(skipped).filter((e): e is [string, number] => typeof e[1] === 'number' && e[1] > 0)),
    reconciled: n('reconciled'),
    resurrected: n('resurrected'),
    waves: n('waves'),
    durationMs: n('durationMs'),
    stoppedBecause: typeof s.stoppedBecause === 'string' ? s.stoppedBecause : null,
    failures: failures.flatMap((f) => {
      const { reason, records } = (f ?? {}) as { reason?: unknown; records?: unknown };
      return typeof reason === 'string' && typeof records === 'number' ? [{ reason, records }] : [];
    }),
  };
}

async function readResurrections(db: Pool): Promise<ResurrectionReport> {
  const [totals, bySystem, recent] = await Promise.all([
    db.query<{ total: number; records: number; unverified: number }>(
      'SELECT count(*)::int AS total, count(DISTINCT record_id)::int AS records, count(*) FILTER (WHERE NOT verified)::int AS unverified FROM resurrections',
    ),
    db.query<{ system: string; n: number }>('SELECT system, count(*)::int AS n FROM resurrections GROUP BY system ORDER BY n DESC, system'),
    db.query<{ record_id: string; dossier: string; system: string; detected_at: Date; run_ref: string; verified: boolean }>(
      `SELECT s.record_id, r.dossier, s.system, s.detected_at, s.run_ref, s.verified
         FROM resurrections s JOIN records r USING (record_id) ORDER BY s.detected_at DESC, s.id DESC LIMIT $1`,
      [RECENT_ROWS],
    ),
  ]);
  const t = totals.rows[0];
  return {
    total: t?.total ?? 0,
    records: t?.records ?? 0,
    unverified: t?.unverified ?? 0,
    bySystem: bySystem.rows.map((r) => ({ system: r.system, count: r.n })),
    recent: recent.rows.map((r) => ({
      recordId: r.record_id,
      dossier: r.dossier,
      system: r.system,
      detectedAt: r.detected_at.toISOString(),
      runRef: r.run_ref,
      verified: r.verified,
    })),
  };
}

async function readFailures(db: Pool): Promise<FailureReport> {
  const [totals, reasons, recent] = await Promise.all([
    db.query<{ total: number; records: number; not_erased: number }>(
      `SELECT count(*)::int AS total, count(DISTINCT f.record_id)::int AS records,
              count(DISTINCT f.record_id) FILTER (WHERE r.erased_at IS NULL)::int AS not_erased
         FROM erasure_failures f JOIN records r USING (record_id)`,
    ),
    db.query<{ reason: string; n: number }>(
      `SELECT latest.reason, count(*)::int AS n
         FROM (SELECT DISTINCT ON (f.record_id) f.reason
                 FROM erasure_failures f JOIN records r USING (record_id)
                WHERE r.erased_at IS NULL ORDER BY f.record_id, f.failed_at DESC, f.id DESC) latest
        GROUP BY latest.reason ORDER BY n DESC, latest.reason LIMIT $1`,
      [RECENT_ROWS],
    ),
    db.query<{ record_id: string; dossier: string; reason: string; failed_at: Date }>(
      `SELECT f.record_id, r.dossier, f.reason, f.failed_at
         FROM erasure_failures f JOIN records r USING (record_id) ORDER BY f.failed_at DESC, f.id DESC LIMIT $1`,
      [RECENT_ROWS],
    ),
  ]);
  const t = totals.rows[0];
  return {
    total: t?.total ?? 0,
    records: t?.records ?? 0,
    recordsNotErased: t?.not_erased ?? 0,
    reasons: reasons.rows.map((r) => ({ reason: r.reason, records: r.n })),
    recent: recent.rows.map((r) => ({ recordId: r.record_id, dossier: r.dossier, reason: r.reason, failedAt: r.failed_at.toISOString() })),
  };
}
