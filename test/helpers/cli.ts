import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { testKeyEnv, testServices } from './services';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The environment a coordinator's CLI has against the test services: their databases,
 * server, roles and keys, the task queue of the suite's worker, and `extra` (folders).
 */
export function cliEnv(taskQueue: string, extra: Record<string, string> = {}): Record<string, string> {
  const services = testServices();
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    TEMPORAL_ADDRESS: services.temporalAddress,
    DATABASE_URL: services.databases.registry,
    CASE_DATABASE_URL: services.databases.caseAdmin,
    TEMPORAL_TASK_QUEUE: taskQueue,
    ERASURE_ROLES: 'coordinator=cora;screened-reviewer=rev;privacy-officer=otto',
    ...testKeyEnv,
    ...extra,
  };
}

/** The Maildir and backup folders of a suite's CLI, under `dir`. */
export const storageFolders = (dir: string) => ({ ERASURE_MAILDIR: join(dir, 'maildir'), ERASURE_BACKUP_DIR: join(dir, 'backups') });

/** Runs the built CLI (`dist/cli/main.js`) as a user would, and what it printed. */
export function runCli(args: readonly string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(__dirname, '..', '..', 'dist', 'cli', 'main.js'), ...args], { env, maxBuffer: 1 << 26 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}
