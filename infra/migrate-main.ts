import { parseConfig } from '../schemas/config';
import { databaseUrls } from './database-urls';
import { migrate } from './migrate';

/**
 * `npm run migrate`: applies the registry migrations to DATABASE_URL (a real PostgreSQL).
 * The case administration is never migrated: it is a system of record, not ours.
 */
async function main(): Promise<void> {
  const config = parseConfig(process.env);
  const applied = await migrate('registry', databaseUrls(config).registry, (line) => console.log(line));
  if (applied.length === 0) console.log('Registry schema is up to date');
}

main().catch((err: unknown) => {
  console.error((err as Error).message);
  process.exit(1);
});
