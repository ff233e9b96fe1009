import type { Pool, PoolClient } from 'pg';
import { ErasureError } from '../../schemas/errors';
import type { InquiryReviewSnapshot, LinkHow, MatchReason, VariantKind } from '../../schemas/inquiry-review';
import type { Actor, Role } from '../../schemas/roles';
import { matchVerdict } from '../matching/subject-keys';
import { inTransaction } from '../pg-pool';

type Db = Pool | PoolClient;

export interface FoundMatches {
  readonly inquiryId: string;
  readonly links: string[];
  readonly candidates: { recordId: string; reasons: MatchReason[] }[];
}

/**
 * Which records an inquiry's keys meet: the inquiry's exact key against the records'
 * `subject_hmac`, and its variant keys against `subject_keys`. Records already linked to
 * it or already a candidate are left out, as are erased records. The verdict per pair
 * comes from `matchVerdict`, the one rule for both the registration and later imports.
 */
const PAIRS_SQL = (scope: string) => `
  WITH pairs AS (
    SELECT i.inquiry_id, r.record_id, true AS exact, NULL::text AS kind
      FROM inquiries i JOIN records r ON r.subject_hmac = i.subject_hmac
     WHERE ${scope} AND r.erased_at IS NULL
    UNION ALL
    SELECT i.inquiry_id, r.record_id, false, k.kind
      FROM inquiries i JOIN inquiry_keys k ON k.inquiry_id = i.inquiry_id
      JOIN subject_keys s ON s.key = k.key JOIN records r ON r.record_id = s.record_id
     WHERE ${scope} AND r.erased_at IS NULL
  )
  SELECT p.inquiry_id, p.record_id, bool_or(p.exact) AS exact, i.initials,
         array_remove(array_agg(DISTINCT p.kind), NULL) AS kinds
    FROM pairs p JOIN inquiries i ON i.inquiry_id = p.inquiry_id
   WHERE NOT EXISTS (SELECT 1 FROM inquiry_records l WHERE l.inquiry_id = p.inquiry_id AND l.record_id = p.record_id)
     AND NOT EXISTS (SELECT 1 FROM inquiry_candidates c WHERE c.inquiry_id = p.inquiry_id AND c.record_id = p.record_id)
   GROUP BY p.inquiry_id, p.record_id, i.initials
   ORDER BY p.inquiry_id, p.record_id`;

/**
 * Links and candidates for one inquiry (at its registration) or for the records of one
 * import batch against every open inquiry (received before, and its policy's cutoff not
 * passed): stored, and returned per inquiry.
 */
export async function findMatches(db: PoolClient, scope: { inquiryId: string } | { importBatch: number }): Promise<FoundMatches[]> {
  const { rows } = await db.query<{ inquiry_id: string; record_id: string; exact: boolean; initials: boolean; kinds: VariantKind[] }>(
    'inquiryId' in scope
      ? PAIRS_SQL('i.inquiry_id = $1')
      : PAIRS_SQL(`r.import_batch = $1 AND now() <= (SELECT (p.body->>'inquiryCutoff')::timestamptz FROM policies p WHERE p.version = i.policy_version)`),
    ['inquiryId' in scope ? scope.inquiryId : scope.importBatch],
  );
  const found = new Map<string, FoundMatches>();
  for (const row of rows) {
    const verdict = matchVerdict({ exact: row.exact, initials: row.initials, kinds: row.kinds });
    if (!verdict) continue;
    const entry = found.get(row.inquiry_id) ?? { inquiryId: row.inquiry_id, links: [], candidates: [] };
    found.set(row.inquiry_id, entry);
    if (verdict.link) {
      await db.query(`INSERT INTO inquiry_records (inquiry_id, record_id, linked_by) VALUES ($1, $2, 'exact-match')`, [row.inquiry_id, row.record_id]);
      entry.links.push(row.record_id);
    } else {
      await db.query('INSERT INTO inquiry_candidates (inquiry_id, record_id, reasons) VALUES ($1, $2, $3)', [row.inquiry_id, row.record_id, verdict.reasons]);
      entry.candidates.push({ recordId: row.record_id, reasons: [...verdict.reasons] });
    }
  }
  return [...found.values()];
}

const actorText = (actor: Actor) => `${actor.user} (${actor.role})`;

/** What the registry holds of an inquiry's matching, for its review workflow (ids and instants only). */
export async function inquirySnapshot(db: Db, inquiryId: string): Promise<InquiryReviewSnapshot> {
  const inquiry = await db.query<{ no_match_confirmed_by: string | null; no_match_confirmed_at: Date | null }>(
    'SELECT no_match_confirmed_by, no_match_confirmed_at FROM inquiries WHERE inquiry_id = $1',
    [inquiryId],
  );
  const row = inquiry.rows[0];
  if (!row) return { exists: false, links: [], candidates: [] };
  const links = await db.query<{ record_id: string; linked_by: LinkHow; linked_at: Date; registered_at: Date | null }>(
    `SELECT l.record_id, l.linked_by, coalesce(c.decided_at, i.registered_at) AS linked_at, l.registered_at
       FROM inquiry_records l JOIN inquiries i USING (inquiry_id) LEFT JOIN inquiry_candidates c USING (inquiry_id, record_id)
      WHERE l.inquiry_id = $1 ORDER BY l.record_id`,
    [inquiryId],
  );
  const candidates = await db.query<{
    record_id: string;
    reasons: MatchReason[];
    found_at: Date;
    decision: 'confirmed' | 'rejected' | null;
    decided_by: string | null;
    decided_role: Role | null;
    decided_at: Date | null;
  }>('SELECT record_id, reasons, found_at, decision, decided_by, decided_role, decided_at FROM inquiry_candidates WHERE inquiry_id = $1 ORDER BY record_id', [
    inquiryId,
  ]);
  const letters = await db.query<{ kind: 'no-data' | 'being-destroyed'; message_id: string; sent_at: Date }>(
    `SELECT kind, message_id, sent_at FROM notifications WHERE inquiry_id = $1 AND record_id = '' AND kind IN ('no-data', 'being-destroyed') ORDER BY sent_at LIMIT 1`,
    [inquiryId],
  );
  const letter = letters.rows[0];
  return {
    exists: true,
    links: links.rows.map((l) => ({
      recordId: l.record_id,
      how: l.linked_by,
      linkedAt: l.linked_at.toISOString(),
      ...(l.registered_at ? { registeredAt: l.registered_at.toISOString() } : {}),
    })),
    candidates: candidates.rows.map((c) => ({
      recordId: c.record_id,
      reasons: c.reasons,
      foundAt: c.found_at.toISOString(),
      ...(c.decision && c.decided_by && c.decided_role && c.decided_at
        ? { decision: { outcome: c.decision, by: { user: c.decided_by, role: c.decided_role }, at: c.decided_at.toISOString() } }
        : {}),
    })),
    ...(row.no_match_confirmed_by && row.no_match_confirmed_at
      ? { noMatch: { by: row.no_match_confirmed_by, at: row.no_match_confirmed_at.toISOString() } }
      : {}),
    ...(letter ? { letter: { kind: letter.kind, messageId: letter.message_id, sentAt: letter.sent_at.toISOString() } } : {}),
  };
}

/**
 * The screened reviewer must have seen the inquiry and its candidates (`erasure inquiry
 * review`, logged) after the newest candidate was found, before deciding anything.
 */
async function assertReviewed(db: PoolClient, inquiryId: string, actor: Actor): Promise<void> {
  const { rows } = await db.query<{ reviewed: boolean; candidates: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM inquiry_candidates WHERE inquiry_id = $1) AS candidates, EXISTS (
       SELECT 1 FROM access_log a
        WHERE a.inquiry_id = $1 AND a.action = 'inquiry-review' AND a.actor = $2
          AND a.at >= coalesce((SELECT max(found_at) FROM inquiry_candidates WHERE inquiry_id = $1), (SELECT registered_at FROM inquiries WHERE inquiry_id = $1))
     ) AS reviewed`,
    [inquiryId, actorText(actor)],
  );
  if (!rows[0]?.reviewed) {
    throw new ErasureError(
      'INVALID_INPUT',
      `${actor.user} has not reviewed inquiry ${inquiryId} since ${rows[0]?.candidates ? 'its newest candidate was found' : 'it was registered'}: ` +
        `run \`erasure inquiry review ${inquiryId} --purpose <why> --as ${actor.user}\` first, and decide on what it shows`,
    );
  }
}

async function lockInquiry(db: PoolClient, inquiryId: string): Promise<void> {
  const { rowCount } = await db.query('SELECT 1 FROM inquiries WHERE inquiry_id = $1 FOR UPDATE', [inquiryId]);
  if (!rowCount)
    throw new ErasureError('UNKNOWN_RECORD', `inquiry ${inquiryId} is no longer in the registry (destroyed with its last record, or after the cutoff)`);
}

/**
 * A screened reviewer's decision on a candidate, in one transaction: the decision, the
 * link when confirmed, and the access-log entry. Idempotent: the same decision again
 * changes nothing; another decision on a decided candidate is refused.
 */
export async function recordCandidateDecision(
  pool: Pool,
  input: { inquiryId: string; recordId: string; outcome: 'confirm' | 'reject'; actor: Actor; reason?: string },
): Promise<void> {
  const decision = input.outcome === 'confirm' ? 'confirmed' : 'rejected';
  await inTransaction(pool, 'BEGIN', async (db) => {
    await lockInquiry(db, input.inquiryId);
    const { rows } = await db.query<{ decision: string | null }>('SELECT decision FROM inquiry_candidates WHERE inquiry_id = $1 AND record_id = $2', [
      input.inquiryId,
      input.recordId,
    ]);
    const current = rows[0];
    if (!current) throw new ErasureError('INVALID_INPUT', `record ${input.recordId} is not a candidate of inquiry ${input.inquiryId}`);
    if (current.decision === decision) return;
    if (current.decision) throw new ErasureError('INVALID_INPUT', `record ${input.recordId} was already ${current.decision} for inquiry ${input.inquiryId}`);
    await assertReviewed(db, input.inquiryId, input.actor);
    await db.query(
      'UPDATE inquiry_candidates SET decision = $3, decided_by = $4, decided_role = $5, decided_at = now() WHERE inquiry_id = $1 AND record_id = $2',
      [input.inquiryId, input.recordId, decision, input.actor.user, input.actor.role],
    );
    if (decision === 'confirmed') {
      await db.query(`INSERT INTO inquiry_records (inquiry_id, record_id, linked_by) VALUES ($1, $2, 'confirmed-candidate') ON CONFLICT DO NOTHING`, [
        input.inquiryId,
        input.recordId,
      ]);
    }
    await db.query('INSERT INTO access_log (actor, record_id, inquiry_id, action, purpose) VALUES ($1, $2, $3, $4, $5)', [
      actorText(input.actor),
      input.recordId,
      input.inquiryId,
      `candidate-${decision}`,
      input.reason ?? `candidate of inquiry ${input.inquiryId} ${decision}`,
    ]);
  });
}

/** A screened reviewer's confirmation that no record is the requester's: recorded and logged, once. */
export async function recordNoMatch(pool: Pool, input: { inquiryId: string; actor: Actor }): Promise<void> {
  await inTransaction(pool, 'BEGIN', async (db) => {
    await lockInquiry(db, input.inquiryId);
    const { rows } = await db.query<{ pending: number; linked: number; confirmed: boolean }>(
      `SELECT (SELECT count(*)::int FROM inquiry_candidates WHERE inquiry_id = $1 AND decision IS NULL) AS pending,
              (SELECT count(*)::int FROM inquiry_records WHERE inquiry_id = $1) AS linked,
              (SELECT no_match_confirmed_at IS NOT NULL FROM inquiries WHERE inquiry_id = $1) AS confirmed`,
      [input.inquiryId],
    );
    const state = rows[0];
    if (state?.confirmed) return;
    if (state && (state.pending > 0 || state.linked > 0)) {
      throw new ErasureError(
        'INVALID_INPUT',
        `inquiry ${input.inquiryId} has ${state.linked} linked record(s) and ${state.pending} undecided candidate(s): "no match" cannot be confirmed`,
      );
    }
    await assertReviewed(db, input.inquiryId, input.actor);
    await db.query('UPDATE inquiries SET no_match_confirmed_by = $2, no_match_confirmed_at = now() WHERE inquiry_id = $1', [
      input.inquiryId,
      actorText(input.actor),
    ]);
    await db.query('INSERT INTO access_log (actor, record_id, inquiry_id, action, purpose) VALUES ($1, NULL, $2, $3, $4)', [
      actorText(input.actor),
      input.inquiryId,
      'no-match-confirmed',
      `no record is the requester's of inquiry ${input.inquiryId}`,
    ]);
  });
}

/** The inquiry is registered on the record's lifecycle. */
export async function markLinkRegistered(db: Db, inquiryId: string, recordId: string): Promise<void> {
  await db.query('UPDATE inquiry_records SET registered_at = now() WHERE inquiry_id = $1 AND record_id = $2 AND registered_at IS NULL', [inquiryId, recordId]);
}

/**
 * Open inquiries whose matching has something for their review to do — links not yet on
 * a lifecycle, undecided candidates — among the records of one dossier, or all.
 */
export async function inquiriesAwaitingReview(db: Db, dossier?: string): Promise<string[]> {
  const { rows } = await db.query<{ inquiry_id: string }>(
    `SELECT l.inquiry_id FROM inquiry_records l JOIN records r USING (record_id) WHERE l.registered_at IS NULL AND ($1::text IS NULL OR r.dossier = $1)
     UNION SELECT c.inquiry_id FROM inquiry_candidates c JOIN records r USING (record_id) WHERE c.decision IS NULL AND ($1::text IS NULL OR r.dossier = $1)
     ORDER BY 1`,
    [dossier ?? null],
  );
  return rows.map((r) => r.inquiry_id);
}
