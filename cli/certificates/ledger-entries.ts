import type { Pool } from 'pg';
import { verifyText } from '../../activities/crypto';
import { canonicalJson, sha256Hex } from '../../activities/registry/canonical-json';

/** One ledger entry as exported: the signed body, its place in the chain, its signature, and a check made at export. */
export interface ExportedCertificate {
  readonly format: 'erasure-certificate/1';
  readonly sequence: number;
  readonly certificate: Record<string, unknown>;
  readonly bodySha256: string;
  readonly previousSha256: string | null;
  readonly signature: { readonly algorithm: 'Ed25519'; readonly keyId: string; readonly value: string; readonly publicKey: string } | null;
  /** Checked when exported: the body matches its hash, and the signature verifies with the stored public key. */
  readonly checkedAtExport: { readonly at: string; readonly hashMatches: boolean; readonly signatureValid: boolean | null };
}

interface Row {
  sequence: string;
  body: Record<string, unknown>;
  body_sha256: string;
  prev_sha256: string | null;
  key_id: string | null;
  signature: string | null;
  public_key: string | null;
}

const SELECT = `SELECT c.sequence, c.body, c.body_sha256, c.prev_sha256, c.key_id, c.signature, k.public_key
  FROM certificates c LEFT JOIN signing_keys k USING (key_id)`;

function exported(row: Row, at: string): ExportedCertificate {
  const text = canonicalJson(row.body);
  const signature =
    row.key_id && row.signature && row.public_key
      ? { algorithm: 'Ed25519' as const, keyId: row.key_id, value: row.signature, publicKey: row.public_key }
      : null;
  return {
    format: 'erasure-certificate/1',
    sequence: Number(row.sequence),
    certificate: row.body,
    bodySha256: row.body_sha256,
    previousSha256: row.prev_sha256,
    signature,
    checkedAtExport: {
      at,
      hashMatches: sha256Hex(text) === row.body_sha256,
      signatureValid: signature ? verifyText(signature.publicKey, text, signature.value) : null,
    },
  };
}

export async function certificateOfRecord(db: Pool, recordId: string): Promise<ExportedCertificate | undefined> {
  const { rows } = await db.query<Row>(`${SELECT} WHERE c.record_id = $1`, [recordId]);
  return rows[0] && exported(rows[0], new Date().toISOString());
}

/** The certificates of the records a purge run released, in ledger order. */
export async function certificatesOfRun(db: Pool, runRef: string): Promise<ExportedCertificate[]> {
  const { rows } = await db.query<Row>(`${SELECT} WHERE c.record_id IN (SELECT record_id FROM purge_releases WHERE run_ref = $1) ORDER BY c.sequence`, [
    runRef,
  ]);
  const at = new Date().toISOString();
  return rows.map((r) => exported(r, at));
}
