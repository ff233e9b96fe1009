import { join } from 'node:path';
import type { Config } from '../schemas/config';
import { ErasureError } from '../schemas/errors';
import { dataDir } from './paths';
import { CASE_ADMIN_DATABASE, REGISTRY_DATABASE, embeddedDatabaseUrl } from './embedded-credentials';

export interface DatabaseUrls {
  readonly registry: string;
  readonly caseAdmin: string;
}

export const embeddedPostgresDir = (config: Config) => join(dataDir(config.ERASURE_DATA_DIR), 'postgres');

/**
 * DATABASE_URL / CASE_DATABASE_URL when set; otherwise the embedded cluster that
 * `npm start` runs, whose generated credentials are read from its data folder.
 */
export function databaseUrls(config: Config): DatabaseUrls {
  const embedded = (database: string) => {
    const url = embeddedDatabaseUrl(embeddedPostgresDir(config), config.EMBEDDED_PG_PORT, database);
    if (!url) {
      throw new ErasureError(
        'INVALID_CONFIG',
        `no database configured: set DATABASE_URL (and CASE_DATABASE_URL), or run \`npm start\` once so that the embedded PostgreSQL exists in ${embeddedPostgresDir(config)}`,
      );
    }
    return url;
  };
  return {
    registry: config.DATABASE_URL ?? embedded(REGISTRY_DATABASE),
    caseAdmin: config.CASE_DATABASE_URL ?? embedded(CASE_ADMIN_DATABASE),
  };
}
