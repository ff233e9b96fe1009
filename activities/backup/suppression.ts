import type { Pool } from 'pg';
import { subjectHmac } from '../crypto';
import type { RelationMap } from '../storage/relation-map';

export interface Suppression {
  readonly certificateId: string;
  readonly suppressedAt: string;
}

/** Which of these subject HMACs are on the suppression list (erased before). */
export async function suppressedAmong(registry: Pool, hmacs: readonly string[]): Promise<Map<string, Suppression>> {
  const found = new Map<string, Suppression>();
  for (let start = 0; start < hmacs.length; start += 1000) {
    const { rows } = await registry.query<{ subject_hmac: string; certificate_id: string; suppressed_at: Date }>(
      'SELECT subject_hmac, certificate_id, suppressed_at FROM suppressed_subjects WHERE subject_hmac = ANY($1)',
      [hmacs.slice(start, start + 1000)],
    );
    for (const r of rows) found.set(r.subject_hmac, { certificateId: r.certificate_id, suppressedAt: r.suppressed_at.toISOString() });
  }
  return found;
}

export interface SuppressedUnit extends Suppression {
  /** `<root table>/<key>`, e.g. persons/P-000017: an id, never the name. */
  readonly unit: string;
}

/** The subject HMAC of a root row, from the map's subject columns (undefined when the map names none). */
export function rowSubjectHmac(map: RelationMap, hmacKey: Buffer, row: Record<string, unknown>): string | undefined {
  const subject = map.root.subject;
  if (!subject) return undefined;
  const name = row[subject.name];
  const residence = row[subject.residence];
  return typeof name === 'string' && typeof residence === 'string' ? subjectHmac(hmacKey, name, residence) : undefined;
}

/**
 * The post-restore check: every person in the case administration whose name and
 * residence hash to an entry of the suppression list, i.e. someone erased before who is
 * back (from a restore by other means, a re-keyed duplicate, a manual re-entry).
 */
export async function findSuppressedPersons(caseAdmin: Pool, registry: Pool, map: RelationMap, hmacKey: Buffer): Promise<SuppressedUnit[]> {
  const subject = map.root.subject;
  if (!subject) throw new Error(`the relation map names no subject columns on ${map.root.table}; the suppression list cannot be checked`);
  const found: SuppressedUnit[] = [];
  let after = '';
  for (;;) {
    const { rows } = await caseAdmin.query<Record<string, unknown> & { k: string }>(
      `SELECT ${map.root.key}::text AS k, ${subject.name}, ${subject.residence} FROM ${map.root.table}
        WHERE ${map.root.key}::text > $1 ORDER BY ${map.root.key}::text LIMIT 1000`,
      [after],
    );
    if (rows.length === 0) return found;
    const hmacs = new Map(
      rows.flatMap((r) => {
        const hmac = rowSubjectHmac(map, hmacKey, r);
        return hmac ? [[r.k, hmac] as const] : [];
      }),
    );
    const suppressed = await suppressedAmong(registry, [...hmacs.values()]);
    for (const [key, hmac] of hmacs) {
      const hit = suppressed.get(hmac);
      if (hit) found.push({ unit: `${map.root.table}/${key}`, ...hit });
    }
    after = rows[rows.length - 1]?.k ?? after;
  }
}
