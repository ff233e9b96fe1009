import type { Pool, PoolClient } from 'pg';
import { ErasureError } from '../../schemas/errors';
import { policySchema, type Policy } from '../../schemas/policy';
import { canonicalJson, sha256Hex } from './canonical-json';

export interface StorePolicyResult {
  readonly version: string;
  readonly created: boolean;
}

/**
 * Stores a policy version. Versions are immutable: storing the same content again is a
 * no-op, different content under an existing version is refused.
 */
export async function storePolicy(db: Pool | PoolClient, policy: Policy): Promise<StorePolicyResult> {
  const body = canonicalJson(policy);
  const hash = sha256Hex(body);
  const inserted = await db.query('INSERT INTO policies (version, body, body_sha256) VALUES ($1, $2, $3) ON CONFLICT (version) DO NOTHING', [
    policy.version,
    body,
    hash,
  ]);
  if (inserted.rowCount === 1) return { version: policy.version, created: true };
  const { rows } = await db.query<{ body_sha256: string }>('SELECT body_sha256 FROM policies WHERE version = $1', [policy.version]);
  if (rows[0]?.body_sha256 !== hash) {
    throw new ErasureError(
      'POLICY_CONFLICT',
      `policy version "${policy.version}" is already stored with different content; policies are immutable, so give the changed policy a new version`,
    );
  }
  return { version: policy.version, created: false };
}

export async function getPolicy(db: Pool | PoolClient, version: string): Promise<Policy> {
  const { rows } = await db.query<{ body: unknown }>('SELECT body FROM policies WHERE version = $1', [version]);
  if (!rows[0]) {
    throw new ErasureError('UNKNOWN_POLICY', `no policy version "${version}" is stored; add it first with \`erasure policy add <file>\``);
  }
  return policySchema.parse(rows[0].body);
}

/** The zone of the policy a record was imported under (its letters show times in it), if it names one. */
export async function recordPolicyTimeZone(db: Pool | PoolClient, recordId: string): Promise<string | undefined> {
  const { rows } = await db.query<{ time_zone: string | null }>(
    "SELECT p.body->>'timeZone' AS time_zone FROM records r JOIN policies p ON p.version = r.policy_version WHERE r.record_id = $1",
    [recordId],
  );
  return rows[0]?.time_zone ?? undefined;
}
