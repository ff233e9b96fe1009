import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ToolMissingError } from '../schemas/errors';
import { findGo, goInstall } from './go-install';
import { isExecutable } from './executables';
import { userCacheDir } from './paths';

/**
 * The Temporal server release the cluster runs. v1.31.0 because it is the newest that
 * `go install` can build from the module proxy: v1.31.1 and later require
 * `go.temporal.io/auto-scaled-workers@v0.0.0-1.31.2`, which the proxy refuses (403), and
 * v1.31.5 needs Go 1.26.10.
 */
export const TEMPORAL_SERVER_VERSION = 'v1.31.0';
const MODULE = 'go.temporal.io/server';
const PACKAGES = [`${MODULE}/cmd/server`, `${MODULE}/cmd/tools/sql`];
/** The `go` directive of the server's go.mod: an older Go fetches that toolchain (GOTOOLCHAIN=auto), which needs Go 1.21. */

export type TemporalServerSource = 'TEMPORAL_SERVER_PATH' | 'user cache' | 'built now';

export interface ResolvedTemporalServer {
  /** The `server` binary (`temporal-server` in Temporal's releases). */
  readonly server: string;
  /** `temporal-sql-tool`, which creates and upgrades the SQL schemas. */
  readonly sqlTool: string;
  /**
   * `schema/postgresql/v12` of the same release (`temporal/versioned`, `visibility/versioned`).
   * Undefined for a TEMPORAL_SERVER_PATH without one beside it: the SQL tool's own embedded copy is used.
   */
  readonly schemaDir: string | undefined;
  readonly source: TemporalServerSource;
}

type Log = (line: string) => void;

/** The cache folder of one release: `server`, `temporal-sql-tool` and `schema/postgresql/v12`. */
export const temporalServerCacheDir = () => join(userCacheDir(), 'temporal-server', TEMPORAL_SERVER_VERSION);

const SQL_TOOL = 'temporal-sql-tool';
const SCHEMA = join('schema', 'postgresql', 'v12');

function complete(dir: string): boolean {
  return isExecutable(join(dir, 'server')) && isExecutable(join(dir, SQL_TOOL)) && existsSync(join(dir, SCHEMA, 'temporal', 'versioned'));
}

/**
 * Finds the Temporal server in this order: TEMPORAL_SERVER_PATH (the `server` binary, with
 * `temporal-sql-tool` beside it), the user-level cache; otherwise builds both with
 * `go install` (about 3½ minutes on two cores, once).
 */
export async function resolveTemporalServer(
  env: Record<string, string | undefined> = process.env,
  log: Log = (line) => console.log(line),
): Promise<ResolvedTemporalServer> {
  const explicit = env.TEMPORAL_SERVER_PATH;
  if (explicit) {
    if (!isExecutable(explicit)) {
      throw new ToolMissingError(`TEMPORAL_SERVER_PATH is ${explicit}, which is not an executable file; point it at a Temporal server binary or unset it`);
    }
    const sqlTool = join(dirname(explicit), SQL_TOOL);
    if (!isExecutable(sqlTool)) {
      throw new ToolMissingError(
        `TEMPORAL_SERVER_PATH is ${explicit}, but there is no ${SQL_TOOL} beside it (${sqlTool}); the cluster needs it to set up its databases. ` +
          `Put the ${SQL_TOOL} of the same release there, or unset TEMPORAL_SERVER_PATH to use the cached ${TEMPORAL_SERVER_VERSION}.`,
      );
    }
    const schemaDir = join(dirname(explicit), SCHEMA);
    return { server: explicit, sqlTool, schemaDir: existsSync(schemaDir) ? schemaDir : undefined, source: 'TEMPORAL_SERVER_PATH' };
  }
  const cached = temporalServerCacheDir();
  const source: TemporalServerSource = complete(cached) ? 'user cache' : 'built now';
  if (source === 'built now') await buildTemporalServer(env, log);
  return { server: join(cached, 'server'), sqlTool: join(cached, SQL_TOOL), schemaDir: join(cached, SCHEMA), source };
}

/**
 * Builds into `<cache>.build` and renames it to the cache folder when complete, so that an
 * interrupted build never leaves a cache entry that looks usable. The schema files come
 * from the module source `go install` just downloaded, so the cache runs without it.
 */
async function buildTemporalServer(env: Record<string, string | undefined>, log: Log): Promise<void> {
  const go = findGo(
    env,
    `Temporal server ${TEMPORAL_SERVER_VERSION}`,
    `set TEMPORAL_SERVER_PATH to a Temporal server binary with ${SQL_TOOL} beside it, or use the dev server (the default) or an existing cluster (TEMPORAL_ADDRESS)`,
  );
  const target = temporalServerCacheDir();
  const buildDir = `${target}.build`;
  rmSync(buildDir, { recursive: true, force: true });
  mkdirSync(buildDir, { recursive: true });
  const packages = PACKAGES.map((p) => `${p}@${TEMPORAL_SERVER_VERSION}`);
  log(
    `Building the Temporal server ${TEMPORAL_SERVER_VERSION} with ${go} (go install ${packages.join(' ')}); this takes a few minutes the first time (3½ on two cores)...`,
  );
  const started = Date.now();
  await goInstall(go, packages, buildDir, env, log, `${MODULE} `);
  // `go install .../cmd/tools/sql` names its binary after the package: `sql`.
  renameSync(join(buildDir, 'sql'), join(buildDir, SQL_TOOL));
  const moduleCache = execFileSync(go, ['env', 'GOMODCACHE'], { env }).toString().trim();
  copyWritable(join(moduleCache, `${MODULE}@${TEMPORAL_SERVER_VERSION}`, SCHEMA), join(buildDir, SCHEMA));
  rmSync(target, { recursive: true, force: true });
  mkdirSync(dirname(target), { recursive: true });
  renameSync(buildDir, target);
  log(`Built the Temporal server in ${Math.round((Date.now() - started) / 1000)}s: ${target}`);
}

/** Copies a folder of the Go module cache, whose files are read-only, as files the user may replace later. */
function copyWritable(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    if (entry.isDirectory()) copyWritable(join(from, entry.name), join(to, entry.name));
    else {
      copyFileSync(join(from, entry.name), join(to, entry.name));
      chmodSync(join(to, entry.name), 0o644);
    }
  }
}
