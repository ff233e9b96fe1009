import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type { CertificateReceipt, IssueCertificateInput } from '../../schemas/erasure';
import { ErasureError } from '../../schemas/errors';
import { signText, type SigningKey } from '../crypto';
import { canonicalJson, sha256Hex } from './canonical-json';
import { recordDetails } from './records';
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
 * Appends the record's deletion certificate to the ledger, exactly once: the unique
 * record id makes a retried or replayed call return the certificate already written.
 * The ledger is serialised by an advisory lock so that each entry chains to the one
 * before it; each entry is signed (Ed25519) over its canonical body, which names the key.
 */
export async function issueCertificate(
  pool: Pool,
  signing: SigningKey,
  input: IssueCertificateInput,
  now: () => Date = () => new Date(),
): Promise<CertificateReceipt> {
  // READ COMMITTED, whatever the server's default: the chain must see the entry committed just before the lock was granted.
  return inTransaction(pool, 'BEGIN ISOLATION LEVEL READ COMMITTED', async (db) => {
    await db.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['erasure-certificate-ledger']);
    const existing = await db.query<LedgerRow>('SELECT certificate_id, sequence, body_sha256, issued_at FROM certificates WHERE record_id = $1', [
      input.recordId,
    ]);
    if (existing.rows[0]) {
      return receipt(existing.rows[0], false);
    }
    const details = await recordDetails(db, input.recordId);
    if (!details) throw new ErasureError('UNKNOWN_RECORD', `record ${input.recordId} is not in the registry`);
    const previous = await db.query<{ body_sha256: string }>('SELECT body_sha256 FROM certificates ORDER BY sequence DESC LIMIT 1');
    const issuedAt = now();
    const body = {
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
      previousHash: previous.rows[0]?.body_sha256 ?? null,
      signature: { algorithm: 'Ed25519', keyId: signing.keyId },
    };
    const text = canonicalJson(body);
    await db.query('INSERT INTO signing_keys (key_id, public_key) VALUES ($1, $2) ON CONFLICT (key_id) DO NOTHING', [signing.keyId, signing.publicKeyPem]);
    const inserted = await db.query<LedgerRow>(
      `INSERT INTO certificates (certificate_id, record_id, body, body_sha256, prev_sha256, issued_at, key_id, signature)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING certificate_id, sequence, body_sha256, issued_at`,
      [body.certificateId, input.recordId, text, sha256Hex(text), body.previousHash, issuedAt, signing.keyId, signText(signing, text)],
    );
    await db.query('UPDATE records SET erased_at = $2 WHERE record_id = $1', [input.recordId, issuedAt]);
    // The suppression list: an erased subject is refused by every later import and restore.
    await db.query(
      `INSERT INTO suppressed_subjects (subject_hmac, certificate_id, suppressed_at)
       SELECT subject_hmac, $2, $3 FROM records WHERE record_id = $1 AND subject_hmac IS NOT NULL
       ON CONFLICT (subject_hmac) DO NOTHING`,
      [input.recordId, body.certificateId, issuedAt],
    );
    return receipt(inserted.rows[0] as LedgerRow, true);
  });
}
