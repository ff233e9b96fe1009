import type { Pool } from 'pg';
import { subjectHmac } from '../crypto';

export interface SubjectRecord {
  readonly recordId: string;
  readonly dossier: string;
  readonly erasedAt?: string;
  readonly certificateId?: string;
  readonly sequence?: number;
  readonly resurrectedAt?: string;
}

/**
 * "Was this person's data destroyed?": the records whose subject has this name and place
 * of residence, found by the keyed hash (the name itself is neither stored nor logged),
 * with their certificates.
 */
export async function lookupSubject(db: Pool, hmacKey: Buffer, name: string, residence: string): Promise<SubjectRecord[]> {
  const { rows } = await db.query<{
    record_id: string;
    dossier: string;
    erased_at: Date | null;
    certificate_id: string | null;
    sequence: string | null;
    resurrected_at: Date | null;
  }>(
    `SELECT r.record_id, r.dossier, r.erased_at, c.certificate_id, c.sequence, r.resurrected_at
       FROM records r LEFT JOIN certificates c USING (record_id)
      WHERE r.subject_hmac = $1 ORDER BY r.record_id`,
    [subjectHmac(hmacKey, name, residence)],
  );
  return rows.map((r) => ({
    recordId: r.record_id,
    dossier: r.dossier,
    ...(r.erased_at ? { erasedAt: r.erased_at.toISOString() } : {}),
    ...(r.certificate_id ? { certificateId: r.certificate_id, sequence: Number(r.sequence) } : {}),
    ...(r.resurrected_at ? { resurrectedAt: r.resurrected_at.toISOString() } : {}),
  }));
}
