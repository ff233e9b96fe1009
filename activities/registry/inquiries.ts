import { MESSAGE_ID_LOCATOR } from '../storage/message-id';
import type { Pool, PoolClient } from 'pg';
import type { Language } from '../../schemas/actions';
import { ErasureError } from '../../schemas/errors';
import { durationMs } from '../../schemas/duration';
import type { InquiryReviewInput, MatchReason } from '../../schemas/inquiry-review';
import type { Actor, Role } from '../../schemas/roles';
import { decrypt, encrypt, keyId, type Keys } from '../crypto';
import { inquirySubjectKeys } from '../matching/subject-keys';
import { findMatches, inquirySnapshot } from './inquiry-matching';
import type { Policy } from '../../schemas/policy';
import { getPolicy } from './policies';
import { inTransaction } from '../pg-pool';

export interface NewInquiry {
  readonly inquiryId: string;
  readonly receivedAt: string;
  readonly policyVersion: string;
  readonly language: Language;
  /** Used for matching only (through the HMAC); never stored in clear. */
  readonly name: string;
  readonly residence: string;
  readonly email: string;
  readonly mailRef?: string;
  /** The coordinator who registers it: exact matches are registered on the records in their name. */
  readonly registeredBy: Actor;
}

export interface StoredInquiry {
  /** Records linked by the exact key (never for a name given with initials). */
  readonly matchedRecordIds: string[];
  /** Records that may be the requester's, for a screened reviewer. */
  readonly candidates: { recordId: string; reasons: MatchReason[] }[];
  readonly new: boolean;
}

/**
 * Stores an inquiry with the keys it is matched on, links it to the records of the same
 * subject (exact key) and notes the candidates (variant keys), in one transaction. Name
 * and residence are kept only encrypted with the contact data (for the screened reviewer
 * who compares candidates; destroyed with the inquiry) and as keyed hashes. Storing the
 * same inquiry id again changes nothing and returns what it found then.
 */
export async function storeInquiry(pool: Pool, keys: Keys, inquiry: NewInquiry): Promise<StoredInquiry> {
  const subject = inquirySubjectKeys(keys.hmacKey, inquiry.name, inquiry.residence);
  return inTransaction(pool, 'BEGIN', async (db) => {
    if (await inquiryExists(db, inquiry.inquiryId)) {
      const snapshot = await inquirySnapshot(db, inquiry.inquiryId);
      return {
        matchedRecordIds: snapshot.links.filter((l) => l.how === 'exact-match').map((l) => l.recordId),
        candidates: snapshot.candidates.map((c) => ({ recordId: c.recordId, reasons: [...c.reasons] })),
        new: false,
      };
    }
    await db.query(
      `INSERT INTO inquiries (inquiry_id, received_at, policy_version, subject_hmac, initials, language, contact_key_id, contact_encrypted, mail_ref, registered_by, registered_role)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        inquiry.inquiryId,
        inquiry.receivedAt,
        inquiry.policyVersion,
        subject.exact,
        subject.initials,
        inquiry.language,
        keyId(keys.contactKey),
        encrypt(keys.contactKey, JSON.stringify({ email: inquiry.email, name: inquiry.name, residence: inquiry.residence }), inquiry.inquiryId),
        inquiry.mailRef ?? null,
        inquiry.registeredBy.user,
        inquiry.registeredBy.role,
      ],
    );
    await db.query(`INSERT INTO inquiry_keys (inquiry_id, kind, key) SELECT $1, unnest($2::text[]), unnest($3::bytea[]) ON CONFLICT DO NOTHING`, [
      inquiry.inquiryId,
      subject.variants.map((v) => v.kind),
      subject.variants.map((v) => v.key),
    ]);
    const [found] = await findMatches(db, { inquiryId: inquiry.inquiryId });
    return { matchedRecordIds: [...(found?.links ?? [])].sort(), candidates: found?.candidates ?? [], new: true };
  });
}

/** Whether the registry holds the inquiry (false once it is destroyed). */
export async function inquiryExists(db: Pool | PoolClient, inquiryId: string): Promise<boolean> {
  return ((await db.query('SELECT 1 FROM inquiries WHERE inquiry_id = $1', [inquiryId])).rowCount ?? 0) > 0;
}

export interface InquiryContact {
  readonly email: string;
  readonly language: Language;
}

/** The requester's contact data and, for a screened reviewer comparing candidates, the name and residence they gave. */
async function openContact(db: Pool | PoolClient, keys: Keys, inquiryId: string): Promise<(InquiryContact & { name: string; residence: string }) | undefined> {
  const { rows } = await db.query<{ contact_key_id: string; contact_encrypted: string; language: Language }>(
    'SELECT contact_key_id, contact_encrypted, language FROM inquiries WHERE inquiry_id = $1',
    [inquiryId],
  );
  const row = rows[0];
  if (!row) return undefined;
  if (row.contact_key_id !== keyId(keys.contactKey)) {
    throw new ErasureError(
      'INVALID_CONFIG',
      `inquiry ${inquiryId} was encrypted with key ${row.contact_key_id}; the configured ERASURE_CONTACT_KEY is another key`,
    );
  }
  const { email, name, residence } = JSON.parse(decrypt(keys.contactKey, row.contact_encrypted, inquiryId)) as {
    email: string;
    name: string;
    residence: string;
  };
  return { email, language: row.language, name, residence };
}

export async function inquiryContact(db: Pool | PoolClient, keys: Keys, inquiryId: string): Promise<InquiryContact | undefined> {
  const contact = await openContact(db, keys, inquiryId);
  return contact && { email: contact.email, language: contact.language };
}

/** The name and residence as the requester gave them: for a screened reviewer only, the look logged by the caller first. */
export async function requesterStatement(db: Pool | PoolClient, keys: Keys, inquiryId: string): Promise<{ name: string; residence: string } | undefined> {
  const contact = await openContact(db, keys, inquiryId);
  return contact && { name: contact.name, residence: contact.residence };
}

/** Whether a screened reviewer has confirmed that no record is the requester's. */
export async function noMatchConfirmed(db: Pool | PoolClient, inquiryId: string): Promise<boolean> {
  const { rows } = await db.query<{ confirmed: boolean }>('SELECT no_match_confirmed_at IS NOT NULL AS confirmed FROM inquiries WHERE inquiry_id = $1', [
    inquiryId,
  ]);
  return rows[0]?.confirmed ?? false;
}

export interface Notification<D> {
  readonly messageId: string;
  readonly details: D;
  readonly sentNow: boolean;
}

/**
 * Sends a message of one kind once. Attempts are serialised by an advisory lock on the
 * (inquiry, record, kind) key, so a retried activity that overlaps a slow first attempt
 * waits and then finds the message id (and the facts fixed at sending) recorded by it.
 */
export async function notifyOnce<D extends Record<string, unknown>>(
  pool: Pool,
  key: { inquiryId: string; recordId: string; kind: string },
  send: () => Promise<{ messageId: string; details: D }>,
): Promise<Notification<D>> {
  const db = await pool.connect();
  const lockKey = `notify:${key.inquiryId}:${key.recordId}:${key.kind}`;
  try {
    await db.query('SELECT pg_advisory_lock(hashtext($1))', [lockKey]);
    const existing = await db.query<{ message_id: string; details: D }>(
      'SELECT message_id, details FROM notifications WHERE inquiry_id = $1 AND record_id = $2 AND kind = $3',
      [key.inquiryId, key.recordId, key.kind],
    );
    if (existing.rows[0]) return { messageId: existing.rows[0].message_id, details: existing.rows[0].details, sentNow: false };
    const { messageId, details } = await send();
    await db.query('INSERT INTO notifications (inquiry_id, record_id, kind, message_id, details) VALUES ($1, $2, $3, $4, $5)', [
      key.inquiryId,
      key.recordId,
      key.kind,
      messageId,
      JSON.stringify(details),
    ]);
    return { messageId, details, sentNow: true };
  } finally {
    await db.query('SELECT pg_advisory_unlock(hashtext($1))', [lockKey]).catch(() => undefined);
    db.release();
  }
}

export interface InquiryDestruction {
  readonly inquiryId: string;
  /** What went: the link to this record, and with the last link the inquiry itself. */
  readonly destroyed: string[];
  /** Records of the same inquiry that are not erased yet keep it alive. */
  readonly remainingRecords: number;
}

/**
 * Closes an inquiry for an erased record: unlinks it and, when no other record is linked,
 * first sends the requester the confirmation (`confirm`, while the contact data still
 * exists) and then destroys the inquiry: the encrypted contact data and the reference to
 * the inquiry e-mail. The inquiry row is locked, so two records closing at once are
 * serialised and exactly one of them destroys it. Without a record (an unmatched inquiry)
 * the inquiry is destroyed once nothing links to it. What was destroyed is recorded, so
 * a retry returns the same account.
 */
export async function closeInquiry(
  pool: Pool,
  inquiryId: string,
  recordId: string | undefined,
  confirm: () => Promise<void>,
  /** Erases the inquiry e-mail from the mailbox (idempotent); called with the stored `message-id:` reference. */
  eraseMail: (mailRef: string) => Promise<void> = () => Promise.resolve(),
): Promise<InquiryDestruction> {
  const closureKey = recordId ?? '';
  return inTransaction(pool, 'BEGIN ISOLATION LEVEL READ COMMITTED', async (db) => {
    const done = await db.query<{ result: InquiryDestruction }>('SELECT result FROM inquiry_closures WHERE inquiry_id = $1 AND record_id = $2', [
      inquiryId,
      closureKey,
    ]);
    if (done.rows[0]) {
      return done.rows[0].result;
    }
    const inquiry = await db.query<{ mail_ref: string | null }>('SELECT mail_ref FROM inquiries WHERE inquiry_id = $1 FOR UPDATE', [inquiryId]);
    const destroyed: string[] = [];
    if (recordId) {
      const unlinked = await db.query('DELETE FROM inquiry_records WHERE inquiry_id = $1 AND record_id = $2', [inquiryId, recordId]);
      if (unlinked.rowCount) destroyed.push('inquiry-link');
    }
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM inquiry_records WHERE inquiry_id = $1', [inquiryId]);
    const remainingRecords = rows[0]?.n ?? 0;
    if (inquiry.rows[0] && remainingRecords === 0) {
      await confirm();
      const mailRef = inquiry.rows[0].mail_ref;
      // The e-mail itself, from the mailbox (references from before mailbox adapters existed only go with the row).
      if (mailRef && MESSAGE_ID_LOCATOR.test(mailRef)) await eraseMail(mailRef);
      await db.query('DELETE FROM inquiries WHERE inquiry_id = $1', [inquiryId]);
      destroyed.push('inquiry', 'requester-contact-data', ...(mailRef ? [MESSAGE_ID_LOCATOR.test(mailRef) ? 'inquiry-email' : 'inquiry-mail-reference'] : []));
    }
    const result: InquiryDestruction = { inquiryId, destroyed, remainingRecords };
    await db.query('INSERT INTO inquiry_closures (inquiry_id, record_id, result) VALUES ($1, $2, $3)', [inquiryId, closureKey, JSON.stringify(result)]);
    return result;
  });
}

/** Unlinks a record that refused the inquiry (it is already being erased), keeping the inquiry if others hold it. */
export async function unlinkInquiry(db: Pool, inquiryId: string, recordId: string): Promise<void> {
  await db.query('DELETE FROM inquiry_records WHERE inquiry_id = $1 AND record_id = $2', [inquiryId, recordId]);
}

/** Whether a screened reviewer's consultation of the record is logged since `since`. */
export async function consultationLogged(db: Pool | PoolClient, recordId: string, since: string): Promise<boolean> {
  const { rowCount } = await db.query(
    "SELECT 1 FROM access_log WHERE record_id = $1 AND action = 'consult' AND actor LIKE '%(screened-reviewer)' AND at >= $2 LIMIT 1",
    [recordId, since],
  );
  return (rowCount ?? 0) > 0;
}

/** One look at personal data; `recordId` null for a look that is not at one record (a Web UI decode, an inquiry's own data). */
export async function appendAccessLog(
  db: Pool | PoolClient,
  entry: { actor: string; recordId: string | null; inquiryId?: string; action: string; purpose: string },
): Promise<void> {
  await db.query('INSERT INTO access_log (actor, record_id, inquiry_id, action, purpose) VALUES ($1, $2, $3, $4, $5)', [
    entry.actor,
    entry.recordId,
    entry.inquiryId ?? null,
    entry.action,
    entry.purpose,
  ]);
}

/** What an inquiry's review workflow is started with, from the registry; undefined once the inquiry is destroyed. */
/** The review's input as the registry holds it; the starter adds the service's public keys (and the signed registration, when it has it). */
export type StoredReviewInput = Omit<InquiryReviewInput, 'actionKeys' | 'registration' | 'warrants'>;

export async function inquiryReviewInput(db: Pool | PoolClient, inquiryId: string): Promise<StoredReviewInput | undefined> {
  const { rows } = await db.query<{ received_at: Date; registered_by: string; registered_role: Role; policy_version: string }>(
    'SELECT received_at, registered_by, registered_role, policy_version FROM inquiries WHERE inquiry_id = $1',
    [inquiryId],
  );
  const row = rows[0];
  if (!row) return undefined;
  const policy = await getPolicy(db, row.policy_version);
  return {
    inquiryId,
    receivedAt: row.received_at.toISOString(),
    inquiryCutoff: policy.inquiryCutoff,
    // GDPR art. 12(3): the answer is due within the policy's response deadline from receipt.
    responseDue: new Date(row.received_at.getTime() + durationMs(policy.responseDeadline)).toISOString(),
    registeredBy: { user: row.registered_by, role: row.registered_role },
  };
}

/** The policy an inquiry was registered under (its cutoff and time zone go into the letters). */
export async function inquiryPolicy(db: Pool | PoolClient, inquiryId: string): Promise<Policy | undefined> {
  const { rows } = await db.query<{ policy_version: string }>('SELECT policy_version FROM inquiries WHERE inquiry_id = $1', [inquiryId]);
  return rows[0] ? getPolicy(db, rows[0].policy_version) : undefined;
}
