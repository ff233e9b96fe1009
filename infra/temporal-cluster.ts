import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { stopChild } from './executables';
import { msToTs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { Client } from 'pg';
import { searchAttributes } from '../schemas/search-attributes';
import { freePortBelow32768, portIsFree } from './free-port';
import {
  clusterConfig,
  clusterDynamicConfig,
  TEMPORAL_DATABASE,
  VISIBILITY_DATABASE,
  type ClusterPorts,
  type PostgresConnection,
} from './temporal-cluster-config';
import type { ResolvedTemporalServer } from './temporal-server';

export type { PostgresConnection };

export interface ClusterOptions {
  readonly server: ResolvedTemporalServer;
  readonly postgres: PostgresConnection;
  /** The cluster's configuration, pid file and port choices (its state lives in PostgreSQL). */
  readonly dataDir: string;
  /** The frontend's gRPC port, where clients and workers connect; the other services take free ports. */
  readonly frontendPort: number;
  /** Default 4. Fixed by the first start on a database. */
  readonly historyShards?: number;
  readonly logFile: string;
  readonly namespace?: string;
  /** How long closed workflows stay readable; default 7 days. Their histories hold no personal data (docs/ARCHITECTURE.md, "What may and may not reach Temporal"). */
  readonly retentionDays?: number;
  readonly startTimeoutMs?: number;
  readonly log?: (line: string) => void;
}

const run = promisify(execFile);
const SYSTEM_NAMESPACE = 'temporal-system';
const { IndexedValueType } = temporal.api.enums.v1;

/**
 * A Temporal server (`server start`: frontend, history, matching and worker services in one
 * process) on PostgreSQL, with the namespace and the project's search attributes.
 */
export class TemporalCluster {
  private constructor(
    private readonly child: ChildProcess,
    readonly address: string,
    private readonly logFile: string,
  ) {}

  /** The server's process id (for RSS readings in /proc/<pid>/status). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  static async start(options: ClusterOptions): Promise<TemporalCluster> {
    const log = options.log ?? (() => undefined);
    const configFile = join(options.dataDir, 'config.yaml');
    await stopLeftover(options.dataDir, configFile);
    // Another server on the port would answer the readiness check and pass for this one.
    if (!(await portIsFree(options.frontendPort))) {
      throw new Error(
        `port ${options.frontendPort} on 127.0.0.1 is already in use (another \`npm start\` or Temporal server?). Stop it, or choose another with TEMPORAL_PORT.`,
      );
    }
    mkdirSync(options.dataDir, { recursive: true });
    const began = Date.now();
    await createDatabases(options.postgres);
    for (const database of [TEMPORAL_DATABASE, VISIBILITY_DATABASE]) await setUpSchema(options.server, options.postgres, database);
    log(`Temporal: schemas of ${TEMPORAL_DATABASE} and ${VISIBILITY_DATABASE} up to date (${Date.now() - began} ms)`);

    const ports = await choosePorts(options.dataDir, options.frontendPort);
    const dynamicConfigFile = join(options.dataDir, 'dynamic-config.yaml');
    writeFileSync(dynamicConfigFile, JSON.stringify(clusterDynamicConfig, null, 2));
    const config = clusterConfig({ postgres: options.postgres, ports, historyShards: options.historyShards ?? 4, dynamicConfigFile, logLevel: 'warn' });
    // It holds the database password.
    writeFileSync(configFile, JSON.stringify(config, null, 2), { mode: 0o600 });

    const logFd = openSync(options.logFile, 'a');
    // Its own process group, as the dev server: a Ctrl-C reaches only our process, which stops the worker first.
    const child = spawn(options.server.server, ['--config-file', configFile, '--allow-no-auth', 'start'], { stdio: ['ignore', logFd, logFd], detached: true });
    closeSync(logFd);
    const spawnError = new Promise<never>((_, reject) =>
      child.once('error', (err) =>
        reject(new Error(`cannot run ${options.server.server}: ${err.message}; set TEMPORAL_SERVER_PATH to a Temporal server binary`)),
      ),
    );
    spawnError.catch(() => undefined);
    if (child.pid) writeFileSync(pidFile(options.dataDir), String(child.pid));
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    child.once('exit', () => process.removeListener('exit', killOnExit));
    const cluster = new TemporalCluster(child, `127.0.0.1:${ports.frontend.grpc}`, options.logFile);
    try {
      await Promise.race([cluster.provision(options, options.startTimeoutMs ?? 120_000), spawnError]);
    } catch (err) {
      await cluster.stop(5_000);
      throw err;
    }
    return cluster;
  }

  /** Waits for the frontend, then registers the namespace and the search attributes it lacks. */
  private async provision(options: ClusterOptions, timeoutMs: number): Promise<void> {
    const namespace = options.namespace ?? 'default';
    const deadline = Date.now() + timeoutMs;
    const connection = await this.untilAnswered('answers', deadline, async () => {
      const c = await Connection.connect({ address: this.address, connectTimeout: 1_000 });
      try {
        await c.workflowService.describeNamespace({ namespace: SYSTEM_NAMESPACE });
        return c;
      } catch (err) {
        await c.close();
        throw err;
      }
    });
    try {
      const known = await connection.workflowService.describeNamespace({ namespace }).then(
        () => true,
        () => false,
      );
      if (!known) {
        await this.untilAnswered(`registers namespace ${namespace}`, deadline, async () => {
          try {
            await connection.workflowService.registerNamespace({
              namespace,
              workflowExecutionRetentionPeriod: msToTs(`${options.retentionDays ?? 7} days`),
            });
          } catch (err) {
            if ((err as { code?: number }).code !== 6) throw err; // ALREADY_EXISTS: a retry after a lost answer
          }
          return true;
        });
      }
      const missing = async () => {
        const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
        return Object.values(searchAttributes).filter((key) => !(key.name in (customAttributes ?? {})));
      };
      // describeNamespace reads the database; the operator service reads the namespace
      // registry, which learns of a new namespace on its next refresh (2 s by default).
      const toAdd = await this.untilAnswered(`knows namespace ${namespace}`, deadline, missing);
      if (toAdd.length > 0) {
        // On SQL visibility each is an alias of a pre-allocated column: 3 Keyword of 10, 3 Bool of 3, 1 Datetime of 3.
        await connection.operatorService.addSearchAttributes({
          namespace,
          searchAttributes: Object.fromEntries(toAdd.map((key) => [key.name, IndexedValueType[`INDEXED_VALUE_TYPE_${key.type}`]])),
        });
      }
      await this.untilAnswered('shows the search attributes', deadline, async () => {
        const left = await missing();
        if (left.length > 0) throw new Error(`not yet: ${left.map((k) => k.name).join(', ')}`);
        return true;
      });
    } finally {
      await connection.close();
    }
  }

  private async untilAnswered<T>(what: string, deadline: number, attempt: () => Promise<T>): Promise<T> {
    let lastError = '';
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(
          `the Temporal server exited (${this.child.exitCode ?? this.child.signalCode}) before it ${what} on ${this.address}. Its log (${this.logFile}):\n${this.logTail()}`,
        );
      }
      try {
        return await attempt();
      } catch (err) {
        lastError = (err as Error).message;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    this.child.kill('SIGKILL');
    throw new Error(`timed out waiting until the Temporal server on ${this.address} ${what} (${lastError}). Its log (${this.logFile}):\n${this.logTail()}`);
  }

  /** The last lines of the server's JSON log, as level, message and error (its stack traces would bury them). */
  private logTail(): string {
    try {
      const lines = readFileSync(this.logFile, 'utf8').trim().split('\n').slice(-8);
      return lines
        .map((line) => {
          try {
            const entry = JSON.parse(line) as { level?: string; msg?: string; error?: string };
            return `${entry.level}: ${entry.msg}${entry.error ? ` (${entry.error})` : ''}`;
          } catch {
            return line;
          }
        })
        .join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** Stops the server gracefully (SIGTERM: it hands its shards back), killing it if it does not stop in time. */
  stop(timeoutMs = 20_000): Promise<void> {
    return stopChild(this.child, 'SIGTERM', timeoutMs);
  }
}

async function createDatabases(pg: PostgresConnection): Promise<void> {
  const client = new Client({ host: pg.host, port: pg.port, user: pg.user, password: pg.password, database: 'postgres' });
  await client.connect();
  try {
    for (const name of [TEMPORAL_DATABASE, VISIBILITY_DATABASE]) {
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (!rowCount) await client.query(`CREATE DATABASE ${name}`);
    }
  } finally {
    await client.end();
  }
}

/** `setup-schema -v 0.0` (the version tables; a no-op on a set-up database), then `update-schema` to this release's version. */
async function setUpSchema(server: ResolvedTemporalServer, pg: PostgresConnection, database: string): Promise<void> {
  const kind = database === TEMPORAL_DATABASE ? 'temporal' : 'visibility';
  const common = ['--plugin', 'postgres12', '--ep', pg.host, '-p', String(pg.port), '-u', pg.user, '--db', database];
  // Without a schema folder (a TEMPORAL_SERVER_PATH alone), the tool's embedded copy of the same release.
  const source = server.schemaDir ? ['-d', join(server.schemaDir, kind, 'versioned')] : ['--schema-name', `postgresql/v12/${kind}`];
  // The password through the environment, not the command line, where `ps` would show it.
  const env = { ...process.env, SQL_PASSWORD: pg.password };
  for (const args of [
    [...common, 'setup-schema', '-v', '0.0'],
    [...common, 'update-schema', ...source],
  ]) {
    try {
      await run(server.sqlTool, args, { env, maxBuffer: 16 * 1024 * 1024 });
    } catch (err) {
      const { stderr, stdout, message } = err as { stderr?: string; stdout?: string; message: string };
      const tail = `${stdout ?? ''}${stderr ?? ''}`.split('\n').slice(-10).join('\n');
      throw new Error(`temporal-sql-tool ${args.slice(common.length).join(' ')} on ${database} failed: ${message}\n${tail}`);
    }
  }
}

/**
 * The ports of the last start when they are all free again, so that the cluster's members
 * find the addresses they recorded; otherwise fresh ones. The frontend's is always the one asked for.
 */
async function choosePorts(dataDir: string, frontend: number): Promise<ClusterPorts> {
  const file = join(dataDir, 'ports.json');
  const saved = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as ClusterPorts) : undefined;
  const others = saved
    ? [
        saved.frontend.membership,
        saved.frontend.http,
        saved.history.grpc,
        saved.history.membership,
        saved.matching.grpc,
        saved.matching.membership,
        saved.worker.grpc,
        saved.worker.membership,
      ]
    : [];
  const reusable = others.length > 0 && !others.includes(frontend) && (await Promise.all(others.map(portIsFree))).every(Boolean);
  const taken = new Set([frontend]);
  // Below 32768 for every port: the membership table stores them as SMALLINT (see freePortBelow32768).
  const next = async () => {
    const port = await freePortBelow32768(taken);
    taken.add(port);
    return port;
  };
  const ports: ClusterPorts =
    reusable && saved
      ? { ...saved, frontend: { ...saved.frontend, grpc: frontend } }
      : {
          frontend: { grpc: frontend, membership: await next(), http: await next() },
          history: { grpc: await next(), membership: await next() },
          matching: { grpc: await next(), membership: await next() },
          worker: { grpc: await next(), membership: await next() },
        };
  writeFileSync(file, JSON.stringify(ports));
  return ports;
}

const pidFile = (dataDir: string) => join(dataDir, 'server.pid');

/** A server of ours that outlived its parent, recognised by its pid file and our config file on its command line. */
async function stopLeftover(dataDir: string, configFile: string): Promise<void> {
  const file = pidFile(dataDir);
  if (!existsSync(file)) return;
  const pid = Number(readFileSync(file, 'utf8'));
  let commandLine = '';
  try {
    commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    // not running any more
  }
  if (commandLine.includes(configFile)) {
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 200 && existsSync(`/proc/${pid}`); i += 1) await new Promise((r) => setTimeout(r, 100));
    if (existsSync(`/proc/${pid}`)) process.kill(pid, 'SIGKILL');
  }
  rmSync(file, { force: true });
}
