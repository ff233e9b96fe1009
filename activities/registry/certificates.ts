import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import type { CertificateReceipt, IssueCertificateInput } from '../../schemas/erasure';
import { ErasureError } from '../../schemas/errors';
import { signText, type SigningKey } from '../crypto';
import { canonicalJson, sha256Hex } from './canonical-json';
import { inTransaction } from '../pg-pool';

interface LedgerRow {
  certificate_id: string;
  sequence: string;
  body_sha256: string;
  issued_at: Date;
}

const receipt = (row: LedgerRow, created: boolean): CertificateReceipt => ({
  certificateId: row.certificate_id,
  sequence: Number(row.sequence),
  hash: row.body_sha256,
  issuedAt: row.issued_at.toISOString(),
  created,
});

/**
 * Appends one record's deletion certificate to the ledger, exactly once (a batch of one,
 * see `issueCertificates`).
 */
export async function issueCertificate(
  pool: Pool,
  signing: SigningKey,
  input: IssueCertificateInput,
  now: () => Date = () => new Date(),
): Promise<CertificateReceipt> {
  const receipts = await issueCertificates(pool, signing, [input], now);
  return receipts.get(input.recordId) as CertificateReceipt;
}

/**
 * Appends the deletion certificates of a batch of records to the ledger in one
 * transaction, in the batch's order, each exactly once: the unique record id makes a
 * retried or replayed call return the certificate already written. The ledger is
 * serialised by an advisory lock so that each entry chains to the one before it; each
 * entry is signed (Ed25519) over its own canonical body, which names the key. A record
 * the registry does not know fails the whole transaction (the caller isolates it).
 */
export async function issueCertificates(
  pool: Pool,
  signing: SigningKey,
  inputs: readonly IssueCertificateInput[],
  now: () => Date = () => new Date(),
): Promise<Map<string, CertificateReceipt>> {
  const receipts = new Map<string, CertificateReceipt>();
  if (inputs.length === 0) return receipts;
  // READ COMMITTED, whatever the server's default: the chain must see the entry committed just before the lock was granted.
  return inTransaction(pool, 'BEGIN ISOLATION LEVEL READ COMMITTED', async (db) => {
    await db.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['erasure-certificate-ledger']);
    const ids = inputs.map((i) => i.recordId);
    const existing = await db.query<LedgerRow & { record_id: string }>(
      'SELECT record_id, certificate_id, sequence, body_sha256, issued_at FROM certificates WHERE record_id = ANY($1)',
      [ids],
    );
    for (const row of existing.rows) receipts.set(row.record_id, receipt(row, false));
    const fresh = inputs.filter((i, at) => !receipts.has(i.recordId) && ids.indexOf(i.recordId) === at);
    if (fresh.length === 0) return receipts;
    const details = await recordDetailsOf(
      db,
      fresh.map((i) => i.recordId),
    );
    const previous = await db.query<{ body_sha256: string }>('SELECT body_sha256 FROM certificates ORDER BY sequence DESC LIMIT 1');
    let previousHash = previous.rows[0]?.body_sha256 ?? null;
    await db.query('INSERT INTO signing_keys (key_id, public_key) VALUES ($1, $2) ON CONFLICT (key_id) DO NOTHING', [signing.keyId, signing.publicKeyPem]);
    const issuedAt = now();
    for (const input of fresh) {
      const record = details.get(input.recordId);
      if (!record) throw new ErasureError('UNKNOWN_RECORD', `record ${input.recordId} is not in the registry`);
      const body = certificateBody(input, record, issuedAt, previousHash, signing.keyId);
      const text = canonicalJson(body);
      const hash = sha256Hex(text);
      const inserted = await db.query<LedgerRow>(
        `INSERT INTO certificates (certificate_id, record_id, body, body_sha256, prev_sha256, issued_at, key_id, signature)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING certificate_id, sequence, body_sha256, issued_at`,
        [body.certificateId, input.recordId, text, hash, previousHash, issuedAt, signing.keyId, signText(signing, text)],
      );
      receipts.set(input.recordId, receipt(inserted.rows[0] as LedgerRow, true));
      previousHash = hash;
    }
    const freshIds = fresh.map((i) => i.recordId);
    await db.query('UPDATE records SET erased_at = $2 WHERE record_id = ANY($1)', [freshIds, issuedAt]);
    // The suppression list: an erased subject is refused by every later import and restore.
    await db.query(
      `INSERT INTO suppressed_subjects (subject_hmac, certificate_id, suppressed_at)
       SELECT r.subject_hmac, c.certificate_id, $2 FROM records r JOIN certificates c USING (record_id)
        WHERE r.record_id = ANY($1) AND r.subject_hmac IS NOT NULL
       ON CONFLICT (subject_hmac) DO NOTHING`,
      [freshIds, issuedAt],
    );
    return receipts;
  });
}

interface RecordDetails {
  readonly dossier: string;
  readonly policyVersion: string;
  readonly subjectRef: string;
  readonly subjectHmac: string | null;
}

async function recordDetailsOf(db: PoolClient, recordIds: readonly string[]): Promise<Map<string, RecordDetails>> {
  const { rows } = await db.query<{ record_id: string; dossier: string; policy_version: string; subject_ref: string; subject_hmac: string | null }>(
    'SELECT record_id, dossier, policy_version, subject_ref, subject_hmac FROM records WHERE record_id = ANY($1)',
    [recordIds],
  );
  return new Map(
    rows.map((r) => [r.record_id, { dossier: r.dossier, policyVersion: r.policy_version, subjectRef: r.subject_ref, subjectHmac: r.subject_hmac }]),
  );
}

/** The signed body of one certificate: ids, counts, methods and references, never the data. */
function certificateBody(input: IssueCertificateInput, details: RecordDetails, issuedAt: Date, previousHash: string | null, keyId: string) {
  return {
    certificateId: randomUUID(),
    recordId: input.recordId,
    dossier: details.dossier,
    // The subject only as the keyed hash of name and residence: `certificates lookup` finds it, nobody can read it.
    subjectHash: details.subjectHmac,
    policyVersion: details.policyVersion,
    workflowId: input.workflowId,
    runId: input.runId,
    erasureStartedAt: input.erasureStartedAt,
    issuedAt: issuedAt.toISOString(),
    systems: input.erasures.map((e) => {
      const v = input.verifications.find((x) => x.system === e.system);
      return {
        system: e.system,
        method: e.method,
        locations: e.locations,
        found: e.found,
        removed: e.removed,
        // What the method removed and cannot reach, beside what the verification looked at: "verified empty" means empty where it looked.
        scope: { removed: e.scope.removed, notReached: e.scope.notReached },
        verification: v ? { system: v.system, verified: v.verified, remaining: v.remaining, checked: v.checked, checkedAt: v.checkedAt } : null,
      };
    }),
    inquiry: input.inquiry ?? null,
    // How the requester was identified (method and reference to where the evidence is kept), signed with the rest.
    ...(input.identityCheck ? { identityCheck: { ...input.identityCheck } } : {}),
    decisionRefs: input.decisionRefs ?? [],
    // Who decided, with the erasure service's signature over what they sent: verifiable offline with the service's public key.
    ...(input.decisions?.length ? { decisions: input.decisions.map((d) => ({ ...d })) } : {}),
    ...(input.categories ? { categories: input.categories } : {}),
    ...(input.performedBy ? { performedBy: input.performedBy } : {}),
    previousHash,
    signature: { algorithm: 'Ed25519', keyId },
  };
}
