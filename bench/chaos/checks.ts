import { verifyLedger } from '../../activities/registry/ledger-verify';
import type { PurgeReport } from '../../schemas/purge';
import type { ChaosEnvironment } from './harness';

/** What the registry and the case database say after a scenario: the figures the issue asks for. */
export interface Outcome {
  readonly records: number;
  /** Records with a certificate. */
  readonly erased: number;
  /** Records without a certificate whose erasure failure is on file (erasure-failed, visible to a coordinator). */
  readonly failed: number;
  /** Records the run's report still counts as pending. */
  readonly pending: number;
  /** Due records neither erased nor reported failed or pending: silently dropped. */
  readonly lost: number;
  /** Records with more than one certificate, over the whole ledger. */
  readonly duplicateCertificates: number;
  readonly ledger: { readonly entries: number; readonly intact: boolean; readonly problem?: string };
  /** Certified, yet case rows of the person are still there: reported erased when it is not. */
  readonly certifiedWithDataLeft: number;
  /** No certificate, yet the case rows are gone: erased without proof. */
  readonly erasedWithoutCertificate: number;
  /** What the run's report says it erased. */
  readonly reportedErased: number;
  /** Erased records the run's report does not count (not among its releases). */
  readonly erasedOutsideReport: number;
}

/** Reads the outcome of the scenario's records, and holds the run's report against it. */
export async function inspect(env: ChaosEnvironment, report: PurgeReport): Promise<Outcome> {
  const reportedPending = report.pending;
  const ids = env.records.map((r) => r.recordId);
  const persons = env.records.map((r) => r.personId);
  const certified = new Set(
    (await env.registry.query<{ record_id: string }>('SELECT DISTINCT record_id FROM certificates WHERE record_id = ANY($1)', [ids])).rows.map(
      (r) => r.record_id,
    ),
  );
  const duplicates = Number(
    (await env.registry.query<{ n: string }>('SELECT count(*) AS n FROM (SELECT record_id FROM certificates GROUP BY record_id HAVING count(*) > 1) d')).rows[0]
      ?.n ?? 0,
  );
  const withFailure = new Set(
    (await env.registry.query<{ record_id: string }>('SELECT DISTINCT record_id FROM erasure_failures WHERE record_id = ANY($1)', [ids])).rows.map(
      (r) => r.record_id,
    ),
  );
  // Any row of the person in any table the case-admin adapter erases from.
  const dataLeft = new Set(
    (
      await env.caseAdmin.query<{ pid: string }>(
        `SELECT t.pid FROM unnest($1::text[]) AS t(pid)
          WHERE EXISTS (SELECT 1 FROM persons p WHERE p.id = t.pid)
             OR EXISTS (SELECT 1 FROM notes n WHERE n.person_id = t.pid)
             OR EXISTS (SELECT 1 FROM person_organisations po WHERE po.person_id = t.pid)`,
        [persons],
      )
    ).rows.map((r) => r.pid),
  );
  const outside = Number(
    (
      await env.registry.query<{ n: string }>(
        `SELECT count(DISTINCT c.record_id) AS n FROM certificates c
          WHERE c.record_id = ANY($1) AND NOT EXISTS (SELECT 1 FROM purge_releases pr WHERE pr.run_ref = $2 AND pr.record_id = c.record_id)`,
        [ids, report.runRef],
      )
    ).rows[0]?.n ?? 0,
  );
  const ledger = await verifyLedger(env.registry);
  const total = await env.certificates();
  let failed = 0;
  let certifiedWithDataLeft = 0;
  let erasedWithoutCertificate = 0;
  for (const r of env.records) {
    const hasCertificate = certified.has(r.recordId);
    if (!hasCertificate && withFailure.has(r.recordId)) failed += 1;
    if (hasCertificate && dataLeft.has(r.personId)) certifiedWithDataLeft += 1;
    if (!hasCertificate && !dataLeft.has(r.personId)) erasedWithoutCertificate += 1;
  }
  const problem = ledger.firstProblem
    ? `entry ${ledger.firstProblem.sequence} (record ${ledger.firstProblem.recordId}): ${ledger.firstProblem.problem}`
    : ledger.entries !== total
      ? `${ledger.entries} entries verified of ${total} certificates`
      : undefined;
  return {
    records: ids.length,
    erased: certified.size,
    failed,
    pending: reportedPending,
    lost: Math.max(0, ids.length - certified.size - failed - reportedPending),
    duplicateCertificates: duplicates,
    ledger: { entries: ledger.entries, intact: problem === undefined, ...(problem ? { problem } : {}) },
    certifiedWithDataLeft,
    erasedWithoutCertificate,
    reportedErased: report.erased,
    erasedOutsideReport: outside,
  };
}

/** The checks a scenario must pass; each failure is a sentence. */
export function failedChecks(o: Outcome): string[] {
  const failures: string[] = [];
  if (o.erased !== o.records) failures.push(`${o.records - o.erased} of ${o.records} records not erased (${o.failed} failed, ${o.pending} pending)`);
  if (o.lost > 0) failures.push(`${o.lost} records lost`);
  if (o.duplicateCertificates > 0) failures.push(`${o.duplicateCertificates} records with more than one certificate`);
  if (!o.ledger.intact) failures.push(`ledger does not verify: ${o.ledger.problem ?? '?'}`);
  if (o.certifiedWithDataLeft > 0) failures.push(`${o.certifiedWithDataLeft} records certified with case data left`);
  if (o.erasedWithoutCertificate > 0) failures.push(`${o.erasedWithoutCertificate} records erased without a certificate`);
  if (o.erasedOutsideReport > 0) {
    failures.push(
      `the run's report counts ${o.reportedErased} erased, but ${o.erasedOutsideReport} more records it released were erased and certified without being counted (not in purge_releases)`,
    );
  }
  return failures;
}

/** `kill-worker: 1000 records, 1000 erased, 0 lost, 0 duplicate certificates, ledger intact (1000 entries), 0 reported erased with data left, 41.2 s` */
export function resultLine(scenario: string, o: Outcome, seconds: number): string {
  const ledger = o.ledger.intact ? `ledger intact (${o.ledger.entries} entries)` : `ledger BROKEN (${o.ledger.problem ?? '?'})`;
  const notErased = o.failed + o.pending > 0 ? `, ${o.failed} failed, ${o.pending} pending` : '';
  const unproven = o.erasedWithoutCertificate > 0 ? `, ${o.erasedWithoutCertificate} erased without certificate` : '';
  return (
    `${scenario}: ${o.records} records, ${o.erased} erased${notErased}, ${o.lost} lost, ${o.duplicateCertificates} duplicate certificates, ` +
    `${ledger}, ${o.certifiedWithDataLeft} reported erased with data left${unproven}, ${seconds.toFixed(1)} s`
  );
}
