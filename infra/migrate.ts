import { join } from 'node:path';
import { runner } from 'node-pg-migrate';
import { projectRoot } from './paths';

export type Schema = 'registry' | 'case-admin';

/**
 * Applies the SQL migrations of one database with node-pg-migrate (advisory-locked, so
 * two starters cannot race). Returns the names of the migrations it applied now.
 */
export async function migrate(schema: Schema, databaseUrl: string, log: (line: string) => void = () => {}): Promise<string[]> {
  const applied = await runner({
    databaseUrl,
    dir: join(projectRoot(), 'infra', 'migrations', schema),
    direction: 'up',
    migrationsTable: 'pgmigrations',
    checkOrder: true,
    singleTransaction: true,
    log: () => {},
  });
  const names = applied.map((m) => m.name);
  if (names.length) log(`Migrated ${schema}: ${names.join(', ')}`);
  return names;
}
