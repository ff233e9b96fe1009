import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const PACKAGE_NAME = 'erasure-orchestrator';

/** The project root, found from this file whether it runs from source or from dist/. */
export function projectRoot(): string {
  let dir = __dirname;
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const name = (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name;
      if (name === PACKAGE_NAME) return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the ${PACKAGE_NAME} package.json above ${__dirname}`);
    dir = parent;
  }
}

/** Runtime state (dev-server SQLite file, embedded cluster, logs); git-ignored. */
export function dataDir(configured?: string): string {
  return resolve(configured ?? join(projectRoot(), '.data'));
}

/** Purge-run report files (dry-run record lists): ERASURE_REPORTS_DIR, or reports/ in the data folder. */
export function reportsDir(config: { ERASURE_REPORTS_DIR?: string | undefined; ERASURE_DATA_DIR?: string | undefined }): string {
  return resolve(config.ERASURE_REPORTS_DIR ?? join(dataDir(config.ERASURE_DATA_DIR), 'reports'));
}

/** Backups made by `erasure backup create`: ERASURE_BACKUP_DIR, or backups/ in the data folder. */
export function backupsDir(config: { ERASURE_BACKUP_DIR?: string | undefined; ERASURE_DATA_DIR?: string | undefined }): string {
  return resolve(config.ERASURE_BACKUP_DIR ?? join(dataDir(config.ERASURE_DATA_DIR), 'backups'));
}

/** Tools built for this project (the Temporal CLI); git-ignored. */
export function projectToolsDir(): string {
  return join(projectRoot(), '.tools');
}

/** A user-level cache that survives fresh clones, keyed by tool version. */
export function userCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  return join(base, PACKAGE_NAME);
}
