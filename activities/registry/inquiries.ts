import { MESSAGE_ID_LOCATOR } from '../storage/message-id';
import type { Pool, PoolClient } from 'pg';
import type { Language } from '../../schemas/actions';
import { ErasureError } from '../../schemas/errors';
import { decrypt, encrypt, keyId, subjectHmac, type Keys } from '../crypto';
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
  readonly registeredBy: string;
}

/**
 * Stores an inquiry and links it to the records of the same subject, matched by HMAC.
 * Only the e-mail address is kept, encrypted; name and residence live on as the hash.
 * Storing the same inquiry id again changes nothing and returns its links.
 */
export async function storeInquiry(pool: Pool, keys: Keys, inquiry: NewInquiry): Promise<{ matchedRecordIds: string[]; new: boolean }> {
  const hmac = subjectHmac(keys.hmacKey, inquiry.name, inquiry.residence);
  return inTransaction(pool, 'BEGIN', async (db) => {
    const known = await db.query<{ record_id: string }>(
      `SELECT l.record_id FROM inquiries i LEFT JOIN inquiry_records l USING (inquiry_id) WHERE i.inquiry_id = $1`,
      [inquiry.inquiryId],
    );
    if (known.rowCount) {
      return { matchedRecordIds: known.rows.flatMap((r) => (r.record_id ? [r.record_id] : [])).sort(), new: false };
    }
    await db.query(
      `INSERT INTO inquiries (inquiry_id, received_at, policy_version, subject_hmac, language, contact_key_id, contact_encrypted, mail_ref, registered_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        inquiry.inquiryId,
        inquiry.receivedAt,
        inquiry.policyVersion,
        hmac,
        inquiry.language,
        keyId(keys.contactKey),
        encrypt(keys.contactKey, JSON.stringify({ email: inquiry.email }), inquiry.inquiryId),
        inquiry.mailRef ?? null,
        inquiry.registeredBy,
      ],
    );
    const { rows } = await db.query<{ record_id: string }>(
      `INSERT INTO inquiry_records (inquiry_id, record_id)
       SELECT $1, record_id FROM records WHERE subject_hmac = $2 AND erased_at IS NULL
       RETURNING record_id`,
      [inquiry.inquiryId, hmac],
    );
    return { matchedRecordIds: rows.map((r) => r.record_id).sort(), new: true };
  });
}

export interface InquiryContact {
  readonly email: string;
  readonly language: Language;
}

export async function inquiryContact(db: Pool | PoolClient, keys: Keys, inquiryId: string): Promise<InquiryContact | undefined> {
  const { rows } = await db.query<{ contact_key_id: string; contact_encrypted: string; language: Language }>(
    'SELECT contact_key_id, contact_encrypted, language FROM inquiries WHERE inquiry_id = $1',
    [inquiryId],
  );
  const row = rows[0];
  if (!row) return undefined;
  if (row.contact_key_id !== keyId(keys.contactKey)) {
    throw new ErasureError('INVALID_CONFIG', `inquiry ${inquiryId} was encrypted with key ${row.contact_key_id}; the configured ERASURE_CONTACT_KEY is another key`);
  }
  const { email } = JSON.parse(decrypt(keys.contactKey, row.contact_encrypted, inquiryId)) as { email: string };
  return { email, language: row.language };
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

/** One look at personal data; `recordId` null for a look that is not at one record (a Web UI decode). */
export async function appendAccessLog(db: Pool | PoolClient, entry: { actor: string; recordId: string | null; action: string; purpose: string }): Promise<void> {
  await db.query('INSERT INTO access_log (actor, record_id, action, purpose) VALUES ($1, $2, $3, $4)', [
    entry.actor,
    entry.recordId,
    entry.action,
    entry.purpose,
  ]);
}
