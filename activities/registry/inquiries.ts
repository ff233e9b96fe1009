import type { Pool, PoolClient } from 'pg';
import type { Language } from '../../schemas/actions';
import { ErasureError } from '../../schemas/errors';
import { decrypt, encrypt, keyId, subjectHmac, type Keys } from '../crypto';

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
 */
export async function storeInquiry(pool: Pool, keys: Keys, inquiry: NewInquiry): Promise<{ matchedRecordIds: string[] }> {
  const hmac = subjectHmac(keys.hmacKey, inquiry.name, inquiry.residence);
  const db = await pool.connect();
  try {
    await db.query('BEGIN');
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
        encrypt(keys.contactKey, JSON.stringify({ email: inquiry.email })),
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
    await db.query('COMMIT');
    return { matchedRecordIds: rows.map((r) => r.record_id).sort() };
  } catch (err) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    db.release();
  }
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
  const { email } = JSON.parse(decrypt(keys.contactKey, row.contact_encrypted)) as { email: string };
  return { email, language: row.language };
}

/**
 * Sends a message of one kind once: a retried activity finds the message id recorded by
 * an earlier attempt. (A crash between the SMTP hand-over and the insert can still send
 * twice; losing the message would be worse.)
 */
export async function notifyOnce(
  db: Pool,
  key: { inquiryId: string; recordId: string; kind: string },
  send: () => Promise<string>,
): Promise<{ messageId: string; sentNow: boolean }> {
  const existing = await db.query<{ message_id: string }>(
    'SELECT message_id FROM notifications WHERE inquiry_id = $1 AND record_id = $2 AND kind = $3',
    [key.inquiryId, key.recordId, key.kind],
  );
  if (existing.rows[0]) return { messageId: existing.rows[0].message_id, sentNow: false };
  const messageId = await send();
  await db.query('INSERT INTO notifications (inquiry_id, record_id, kind, message_id) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [
    key.inquiryId,
    key.recordId,
    key.kind,
    messageId,
  ]);
  return { messageId, sentNow: true };
}

export interface InquiryDestruction {
  readonly inquiryId: string;
  /** What went: the link to this record, and with the last link the inquiry itself. */
  readonly destroyed: string[];
  /** Records of the same inquiry that are not erased yet keep it alive. */
  readonly remainingRecords: number;
}

/**
 * Destroys an inquiry's link to a record and, once no record is linked any more, the
 * inquiry: the encrypted contact data and the reference to the inquiry e-mail. Idempotent.
 */
export async function destroyInquiryData(pool: Pool, inquiryId: string, recordId?: string): Promise<InquiryDestruction> {
  const db = await pool.connect();
  try {
    await db.query('BEGIN');
    const destroyed: string[] = [];
    if (recordId) {
      const unlinked = await db.query('DELETE FROM inquiry_records WHERE inquiry_id = $1 AND record_id = $2', [inquiryId, recordId]);
      if (unlinked.rowCount) destroyed.push('inquiry-link');
    }
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM inquiry_records WHERE inquiry_id = $1', [inquiryId]);
    const remainingRecords = rows[0]?.n ?? 0;
    if (remainingRecords === 0) {
      const gone = await db.query<{ mail_ref: string | null }>('DELETE FROM inquiries WHERE inquiry_id = $1 RETURNING mail_ref', [inquiryId]);
      if (gone.rows[0]) destroyed.push('inquiry', 'requester-contact-data', ...(gone.rows[0].mail_ref ? ['inquiry-mail-reference'] : []));
    }
    await db.query('COMMIT');
    return { inquiryId, destroyed, remainingRecords };
  } catch (err) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    db.release();
  }
}

export async function appendAccessLog(db: Pool | PoolClient, entry: { actor: string; recordId: string; action: string; purpose: string }): Promise<void> {
  await db.query('INSERT INTO access_log (actor, record_id, action, purpose) VALUES ($1, $2, $3, $4)', [
    entry.actor,
    entry.recordId,
    entry.action,
    entry.purpose,
  ]);
}
