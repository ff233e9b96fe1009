import { copyFileSync, existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { ToolMissingError } from '../schemas/errors';
import { findGo, goInstall } from './go-install';
import { isExecutable, onPath } from './executables';
import { projectToolsDir, userCacheDir } from './paths';

/** The newest CLI release whose go.mod has no `replace`, so `go install m@v` can build it. */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
const MODULE = 'github.com/temporalio/cli/cmd/temporal';

export type TemporalCliSource = 'TEMPORAL_CLI_PATH' | 'PATH' | 'project cache' | 'user cache' | 'built now';

export interface ResolvedTemporalCli {
  readonly path: string;
  readonly source: TemporalCliSource;
}

type Log = (line: string) => void;

const projectCachePath = () => join(projectToolsDir(), 'temporal', TEMPORAL_CLI_VERSION, 'temporal');
const userCachePath = () => join(userCacheDir(), 'temporal-cli', TEMPORAL_CLI_VERSION, 'temporal');

/**
 * Finds a `temporal` CLI in this order: TEMPORAL_CLI_PATH, `temporal` on PATH, the
 * project's cached build, the user-level cache; otherwise builds one with `go install`.
 */
export async function resolveTemporalCli(
  env: Record<string, string | undefined> = process.env,
  log: Log = (line) => console.log(line),
): Promise<ResolvedTemporalCli> {
  const explicit = env.TEMPORAL_CLI_PATH;
  if (explicit) {
    if (!isExecutable(explicit)) {
      throw new ToolMissingError(`TEMPORAL_CLI_PATH is ${explicit}, which is not an executable file; point it at a temporal binary or unset it`);
    }
    return { path: explicit, source: 'TEMPORAL_CLI_PATH' };
  }
  const fromPath = onPath('temporal', env.PATH);
  if (fromPath) return { path: fromPath, source: 'PATH' };
  if (isExecutable(projectCachePath())) return { path: projectCachePath(), source: 'project cache' };
  if (isExecutable(userCachePath())) return { path: userCachePath(), source: 'user cache' };
  return { path: await buildTemporalCli(env, log), source: 'built now' };
}

async function buildTemporalCli(env: Record<string, string | undefined>, log: Log): Promise<string> {
  const go = findGo(env, 'Temporal CLI', 'install the `temporal` CLI and put it on PATH, or set TEMPORAL_CLI_PATH to its binary');
  const target = projectCachePath();
  const buildDir = `${target}.build`;
  mkdirSync(buildDir, { recursive: true });
  log(`Building the Temporal CLI ${TEMPORAL_CLI_VERSION} with ${go} (go install ${MODULE}); this takes a few minutes the first time...`);
  const started = Date.now();
  await goInstall(go, [`${MODULE}@${TEMPORAL_CLI_VERSION}`], buildDir, env, log, 'github.com/temporalio');
  mkdirSync(join(target, '..'), { recursive: true });
  renameSync(join(buildDir, 'temporal'), target);
  log(`Built the Temporal CLI in ${Math.round((Date.now() - started) / 1000)}s: ${target}`);
  try {
    mkdirSync(join(userCachePath(), '..'), { recursive: true });
    if (!existsSync(userCachePath())) copyFileSync(target, userCachePath());
  } catch (err) {
    log(`(could not copy it to the user cache ${userCachePath()}: ${(err as Error).message})`);
  }
  return target;
}
