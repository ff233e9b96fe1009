import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';

/**
 * The per-person backup keys, in the registry's `backup_keys` table, which no backup ever
 * contains. Destroying a key is the erasure of that person from every backup made so far.
 */
export interface BackupKeyStore {
  /** The keys of these units, created for those that have none yet. */
  ensure(units: readonly string[]): Promise<Map<string, Buffer>>;
  /** The keys that still exist (a destroyed key is simply absent). */
  get(units: readonly string[]): Promise<Map<string, Buffer>>;
  /** Destroys the keys; returns how many existed. */
  destroy(units: readonly string[]): Promise<number>;
}

const CHUNK = 1000;

export function backupKeyStore(registry: Pool): BackupKeyStore {
  const get = async (units: readonly string[]) => {
    const keys = new Map<string, Buffer>();
    for (let start = 0; start < units.length; start += CHUNK) {
      const { rows } = await registry.query<{ unit: string; key: Buffer }>('SELECT unit, key FROM backup_keys WHERE unit = ANY($1)', [
        units.slice(start, start + CHUNK),
      ]);
      for (const row of rows) keys.set(row.unit, row.key);
    }
    return keys;
  };
  return {
    get,
    async ensure(units) {
      for (let start = 0; start < units.length; start += CHUNK) {
        const chunk = units.slice(start, start + CHUNK);
        await registry.query('INSERT INTO backup_keys (unit, key) SELECT unnest($1::text[]), unnest($2::bytea[]) ON CONFLICT (unit) DO NOTHING', [
          chunk,
          chunk.map(() => randomBytes(32)),
        ]);
      }
      return get(units);
    },
    async destroy(units) {
      const { rowCount } = await registry.query('DELETE FROM backup_keys WHERE unit = ANY($1)', [[...units]]);
      return rowCount ?? 0;
    },
  };
}
