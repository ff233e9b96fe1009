import type { Pool } from 'pg';
import { verifyText } from '../crypto';
import type { SignedDecision } from '../../schemas/signed-action';
import { canonicalJson, sha256Hex } from './canonical-json';
import { decisionProblem } from './decision-proofs';

export interface LedgerProblem {
  readonly sequence: number;
  readonly certificateId: string;
  readonly recordId: string;
  readonly problem: string;
}

export interface LedgerVerification {
  readonly entries: number;
  readonly signed: number;
  /** Entries written before certificates were signed: chained and hashed, but without a signature. */
  readonly unsigned: number;
  readonly keyIds: readonly string[];
  /** Decisions and approvals in the certificates whose erasure-service signature verified. */
  readonly signedDecisions?: number;
  /** The first entry that does not hold up, if any (everything after it is suspect too). */
  readonly firstProblem?: LedgerProblem;
  readonly lastHash?: string;
}

interface Row {
  sequence: string;
  certificate_id: string;
  record_id: string;
  body: Record<string, unknown>;
  body_sha256: string;
  prev_sha256: string | null;
  key_id: string | null;
  signature: string | null;
}

const PAGE = 1000;

/**
 * Walks the whole ledger in order and checks each entry: its body against its hash, its
 * link to the entry before, and its Ed25519 signature against the public key (the one
 * stored in the registry, or `pinnedKeys` that an auditor brings along), and the erasure
 * service's signature on every decision it keeps (against `actionKeys` when given). Stops at
 * the first entry that fails and names it.
 */
export async function verifyLedger(
  db: Pool,
  pinnedKeys?: ReadonlyMap<string, string>,
  onProgress?: (checked: number) => void,
  actionKeys?: readonly string[],
): Promise<LedgerVerification> {
  const stored = await db.query<{ key_id: string; public_key: string }>('SELECT key_id, public_key FROM signing_keys');
  const keys = pinnedKeys ?? new Map(stored.rows.map((r) => [r.key_id, r.public_key]));
  let previous: string | null = null;
  let entries = 0;
  let signed = 0;
  let unsigned = 0;
  let signedDecisions = 0;
  const used = new Set<string>();
  let after = 0;
  for (;;) {
    const { rows } = await db.query<Row>(
      'SELECT sequence, certificate_id, record_id, body, body_sha256, prev_sha256, key_id, signature FROM certificates WHERE sequence > $1 ORDER BY sequence LIMIT $2',
      [after, PAGE],
    );
    for (const row of rows) {
      const fail = (problem: string): LedgerVerification => ({
        entries,
        signed,
        unsigned,
        keyIds: [...used],
        signedDecisions,
        firstProblem: { sequence: Number(row.sequence), certificateId: row.certificate_id, recordId: row.record_id, problem },
        ...(previous ? { lastHash: previous } : {}),
      });
      const text = canonicalJson(row.body);
      if (sha256Hex(text) !== row.body_sha256) return fail('its content does not match its hash: the entry was changed after it was written');
      if (row.prev_sha256 !== previous)
        return fail(
          `it does not follow the entry before it (expected previous hash ${previous ?? 'none'}, found ${row.prev_sha256 ?? 'none'}): an entry was removed or inserted`,
        );
      if ((row.body.previousHash ?? null) !== row.prev_sha256) return fail('the previous hash inside the signed content differs from the chain column');
      if (row.signature && row.key_id) {
        const named = (row.body.signature as { keyId?: unknown } | undefined)?.keyId;
        if (named !== row.key_id) return fail(`the key named inside the content (${String(named)}) is not the key column (${row.key_id})`);
        const publicKey = keys.get(row.key_id);
        if (!publicKey) return fail(`signed with key ${row.key_id}, which is not among the ${pinnedKeys ? 'public keys given' : "registry's public keys"}`);
        if (!verifyText(publicKey, text, row.signature)) return fail(`the Ed25519 signature by key ${row.key_id} does not verify`);
        signed += 1;
        used.add(row.key_id);
      } else {
        unsigned += 1;
      }
      for (const decision of (row.body.decisions ?? []) as SignedDecision[]) {
        const problem = decisionProblem(decision, actionKeys);
        if (problem) return fail(problem);
        signedDecisions += 1;
      }
      entries += 1;
      previous = row.body_sha256;
    }
    onProgress?.(entries);
    if (rows.length < PAGE) break;
    after = Number(rows[rows.length - 1]?.sequence);
  }
  return { entries, signed, unsigned, keyIds: [...used], signedDecisions, ...(previous ? { lastHash: previous } : {}) };
}
