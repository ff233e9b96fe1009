import { join } from 'node:path';
import type { Config } from '../schemas/config';
import type { DatabaseUrls } from './database-urls';
import { embeddedPostgresDir } from './database-urls';
import { migrate } from './migrate';
import { dataDir } from './paths';
import { CASE_ADMIN_DATABASE, REGISTRY_DATABASE } from './embedded-credentials';
import { embeddedCredentials } from './embedded-credentials';
import { EmbeddedPostgresProcess } from './postgres-process';
import { resolveTemporalCli } from './temporal-cli';
import { TemporalCluster } from './temporal-cluster';
import { temporalTarget, type TemporalTarget } from './temporal-connection';
import { TemporalDevServer } from './temporal-dev-server';
import { resolveTemporalServer } from './temporal-server';

/** What the stack needs of the Temporal server it started, a dev server or a cluster. */
export interface StartedTemporal {
  readonly address: string;
  /** For RSS readings (/proc/<pid>/status VmRSS, VmHWM). */
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

export interface StackOptions {
  readonly headless?: boolean;
  readonly uiCodecEndpoint?: string;
  /**
   * What to start when TEMPORAL_ADDRESS is unset: `temporal server start-dev` (SQLite, the
   * default), or a Temporal server on the embedded PostgreSQL with 4 history shards
   * (docs/ARCHITECTURE.md, "Temporal servers"); it has no Web UI.
   */
  readonly temporal?: 'dev-server' | 'cluster';
}

export interface Stack {
  readonly target: TemporalTarget;
  readonly databases: DatabaseUrls;
  readonly uiUrl?: string;
  readonly dataDir: string;
  readonly temporal?: StartedTemporal;
  readonly postgres?: EmbeddedPostgresProcess;
  stop(): Promise<void>;
}

/**
 * Brings up what the configuration does not provide: a Temporal dev server (or cluster)
 * unless TEMPORAL_ADDRESS is set, an embedded PostgreSQL unless both database URLs are set
 * (a cluster always needs it: it keeps its state there); then applies the migrations.
 * Stops what it started, Temporal before PostgreSQL, also on failure.
 */
export async function startStack(config: Config, log: (line: string) => void, options: StackOptions = {}): Promise<Stack> {
  const data = dataDir(config.ERASURE_DATA_DIR);
  let temporal: StartedTemporal | undefined;
  let uiUrl: string | undefined;
  let postgres: EmbeddedPostgresProcess | undefined;
  const stop = async () => {
    await temporal?.stop();
    await postgres?.stop();
  };
  const startPostgres = async () => {
    postgres = await EmbeddedPostgresProcess.start({ dir: embeddedPostgresDir(config), port: config.EMBEDDED_PG_PORT });
    log(`PostgreSQL: embedded on 127.0.0.1:${postgres.port} (cluster in ${postgres.dir})`);
    return postgres;
  };
  try {
    const target = temporalTarget(config);
    if (target.external) {
      log(`Temporal: using ${target.connection.address ?? 'the configured server'} (TEMPORAL_ADDRESS); nothing started`);
    } else if (options.temporal === 'cluster') {
      const pg = await startPostgres();
      const credentials = embeddedCredentials(pg.dir);
      if (!credentials) throw new Error(`no credentials in ${pg.dir}`);
      const server = await resolveTemporalServer(process.env, log);
      log(`Temporal: server from ${server.source}: ${server.server}`);
      const began = Date.now();
      const cluster = await TemporalCluster.start({
        server,
        postgres: { host: '127.0.0.1', port: pg.port, ...credentials },
        dataDir: join(data, 'temporal-cluster'),
        logFile: join(data, 'temporal-cluster', 'server.log'),
        frontendPort: config.TEMPORAL_PORT,
        namespace: config.TEMPORAL_NAMESPACE,
        log,
      });
      temporal = cluster;
      log(
        `Temporal: cluster on ${cluster.address}, 4 history shards on PostgreSQL, ready in ${Date.now() - began} ms (log in ${join(data, 'temporal-cluster')})`,
      );
    } else {
      const cli = await resolveTemporalCli(process.env, log);
      log(`Temporal: CLI from ${cli.source}: ${cli.path}`);
      const devServer = await TemporalDevServer.start({
        cliPath: cli.path,
        dbFile: join(data, 'temporal', 'temporal.db'),
        logFile: join(data, 'temporal', 'server.log'),
        port: config.TEMPORAL_PORT,
        uiPort: config.TEMPORAL_UI_PORT,
        headless: options.headless,
        namespace: config.TEMPORAL_NAMESPACE,
        ...(options.uiCodecEndpoint ? { uiCodecEndpoint: options.uiCodecEndpoint } : {}),
      });
      temporal = devServer;
      uiUrl = devServer.uiUrl;
      log(`Temporal: dev server on ${devServer.address}${devServer.uiUrl ? `, Web UI ${devServer.uiUrl}` : ''} (state in ${join(data, 'temporal')})`);
    }
    if (!postgres && (!config.DATABASE_URL || !config.CASE_DATABASE_URL)) await startPostgres();
    const databases: DatabaseUrls = {
      registry: config.DATABASE_URL ?? (postgres as EmbeddedPostgresProcess).url(REGISTRY_DATABASE),
      caseAdmin: config.CASE_DATABASE_URL ?? (postgres as EmbeddedPostgresProcess).url(CASE_ADMIN_DATABASE),
    };
    await migrate('registry', databases.registry, log);
    // Only the embedded stand-in gets the demo case-administration schema: a real case
    // administration named by CASE_DATABASE_URL is erased from, never migrated.
    if (!config.CASE_DATABASE_URL) await migrate('case-admin', databases.caseAdmin, log);
    return { target, databases, uiUrl, dataDir: data, temporal, postgres, stop };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}
