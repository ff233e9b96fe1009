import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { ToolMissingError } from '../schemas/errors';
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

function goVersion(go: string): number[] | undefined {
  try {
    const match = /go(\d+)\.(\d+)/.exec(execFileSync(go, ['version']).toString());
    return match ? [Number(match[1]), Number(match[2])] : undefined;
  } catch {
    return undefined;
  }
}

const compareVersions = (a: number[], b: number[]) => a[0]! - b[0]! || a[1]! - b[1]!;

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
  const go = onPath('go', env.PATH) ?? (isExecutable('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
  if (!go) {
    throw new ToolMissingError(
      'No Temporal CLI found and no Go toolchain to build one. Either install Go 1.21 or newer ' +
        '(https://go.dev/dl, or put /usr/local/go/bin on PATH), or install the ' +
        '`temporal` CLI and put it on PATH, or set TEMPORAL_CLI_PATH to its binary.',
    );
  }
  const version = goVersion(go);
  if (version && compareVersions(version, [1, 21]) < 0) {
    throw new ToolMissingError(
      `${go} is Go ${version.join('.')}; building the Temporal CLI ${TEMPORAL_CLI_VERSION} needs Go 1.21 or newer (it fetches the toolchain it needs) — ` +
        'install a newer Go (https://go.dev/dl, or /usr/local/go) or set TEMPORAL_CLI_PATH to a temporal binary.',
    );
  }
  const target = projectCachePath();
  const buildDir = `${target}.build`;
  mkdirSync(buildDir, { recursive: true });
  log(`Building the Temporal CLI ${TEMPORAL_CLI_VERSION} with ${go} (go install ${MODULE}); this takes a few minutes the first time...`);
  const started = Date.now();
  await new Promise<void>((resolvePromise, reject) => {
    const child = spawn(go, ['install', '-v', `${MODULE}@${TEMPORAL_CLI_VERSION}`], {
      env: { ...env, GOBIN: buildDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let packages = 0;
    let tail = '';
    const onOutput = (chunk: Buffer) => {
      const text = chunk.toString();
      tail = (tail + text).slice(-4000);
      for (const line of text.split('\n')) {
        if (!line.trim()) continue;
        packages += 1;
        if (packages % 100 === 0 || line.startsWith('go: downloading github.com/temporalio')) {
          log(`  ... ${packages} steps (${Math.round((Date.now() - started) / 1000)}s): ${line.trim()}`);
        }
      }
    };
    child.stdout.on('data', onOutput);
    child.stderr.on('data', onOutput);
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolvePromise();
      else reject(new ToolMissingError(`go install ${MODULE}@${TEMPORAL_CLI_VERSION} failed (exit ${code}):\n${tail}`));
    });
  });
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
