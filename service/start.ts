import type { Config } from '../schemas/config';
import { buildService } from './app';
import { ServiceConnections } from './connections';
import { Accounts } from './auth/accounts';
import { Sessions } from './auth/sessions';
import { accountsCommands, authBackend } from './auth-wiring';
import { configuredSso } from './sso-wiring';

export interface RunningService {
  readonly url: string;
  readonly accounts: Accounts;
  stop(): Promise<void>;
}

/**
 * Starts the erasure service: the only process that holds the registry's, the storage
 * systems' and Temporal's credentials for people's actions (docs/ARCHITECTURE.md, "The
 * erasure service"). `npm start` runs it beside the worker; `npm run service` on its own.
 */
export async function startService(config: Config, env: Readonly<Record<string, string | undefined>> = process.env): Promise<RunningService> {
  const connections = new ServiceConnections(config);
  const pool = connections.registry();
  const accounts = new Accounts(pool);
  const sessions = new Sessions(pool, { idleMs: config.ERASURE_SESSION_IDLE_MINUTES * 60_000, absoluteMs: config.ERASURE_SESSION_MAX_HOURS * 3_600_000 });
  const sso = await configuredSso(env);
  const { app } = await buildService({ config, connections, auth: authBackend(pool, accounts, sessions), accounts: accountsCommands(pool, accounts), sso });
  await app.listen({ port: config.ERASURE_SERVICE_PORT, host: config.ERASURE_SERVICE_HOST });
  return {
    url: `http://${config.ERASURE_SERVICE_HOST}:${config.ERASURE_SERVICE_PORT}`,
    accounts,
    stop: async () => {
      await app.close();
      await connections.close();
    },
  };
}
