import { join } from 'node:path';
import type { Config } from '../schemas/config';
import type { DatabaseUrls } from './database-urls';
import { embeddedPostgresDir } from './database-urls';
import { migrate } from './migrate';
import { dataDir } from './paths';
import { CASE_ADMIN_DATABASE, REGISTRY_DATABASE } from './embedded-credentials';
import { EmbeddedPostgresProcess } from './postgres-process';
import { resolveTemporalCli } from './temporal-cli';
import { temporalTarget, type TemporalTarget } from './temporal-connection';
import { TemporalDevServer } from './temporal-dev-server';

export interface Stack {
  readonly target: TemporalTarget;
  readonly databases: DatabaseUrls;
  readonly uiUrl?: string;
  readonly dataDir: string;
  readonly temporal?: TemporalDevServer;
  readonly postgres?: EmbeddedPostgresProcess;
  stop(): Promise<void>;
}

/**
 * Brings up what the configuration does not provide: a Temporal dev server unless
 * TEMPORAL_ADDRESS is set, an embedded PostgreSQL unless both database URLs are set;
 * then applies the migrations. Stops what it started, in reverse order, on failure.
 */
export async function startStack(config: Config, log: (line: string) => void, options: { headless?: boolean; uiCodecEndpoint?: string } = {}): Promise<Stack> {
  const data = dataDir(config.ERASURE_DATA_DIR);
  let temporal: TemporalDevServer | undefined;
  let postgres: EmbeddedPostgresProcess | undefined;
  const stop = async () => {
    await temporal?.stop();
    await postgres?.stop();
  };
  try {
    const target = temporalTarget(config);
    if (target.external) {
      log(`Temporal: using ${target.connection.address ?? 'the configured server'} (TEMPORAL_ADDRESS); nothing started`);
    } else {
      const cli = await resolveTemporalCli(process.env, log);
      log(`Temporal: CLI from ${cli.source}: ${cli.path}`);
      temporal = await TemporalDevServer.start({
        cliPath: cli.path,
        dbFile: join(data, 'temporal', 'temporal.db'),
        logFile: join(data, 'temporal', 'server.log'),
        port: config.TEMPORAL_PORT,
        uiPort: config.TEMPORAL_UI_PORT,
        headless: options.headless,
        namespace: config.TEMPORAL_NAMESPACE,
        ...(options.uiCodecEndpoint ? { uiCodecEndpoint: options.uiCodecEndpoint } : {}),
      });
      log(`Temporal: dev server on ${temporal.address}${temporal.uiUrl ? `, Web UI ${temporal.uiUrl}` : ''} (state in ${join(data, 'temporal')})`);
    }
    if (!config.DATABASE_URL || !config.CASE_DATABASE_URL) {
      postgres = await EmbeddedPostgresProcess.start({ dir: embeddedPostgresDir(config), port: config.EMBEDDED_PG_PORT });
      log(`PostgreSQL: embedded on 127.0.0.1:${postgres.port} (cluster in ${postgres.dir})`);
    }
    const databases: DatabaseUrls = {
      registry: config.DATABASE_URL ?? (postgres as EmbeddedPostgresProcess).url(REGISTRY_DATABASE),
      caseAdmin: config.CASE_DATABASE_URL ?? (postgres as EmbeddedPostgresProcess).url(CASE_ADMIN_DATABASE),
    };
    await migrate('registry', databases.registry, log);
    // Only the embedded stand-in gets the demo case-administration schema: a real case
    // administration named by CASE_DATABASE_URL is erased from, never migrated.
    if (!config.CASE_DATABASE_URL) await migrate('case-admin', databases.caseAdmin, log);
    return { target, databases, uiUrl: temporal?.uiUrl, dataDir: data, temporal, postgres, stop };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}
