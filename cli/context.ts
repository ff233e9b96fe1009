import { Client, Connection } from '@temporalio/client';
import type { Pool } from 'pg';
import { createPool } from '../activities/pg-pool';
import type { RoleMap } from '../schemas/roles';
import { configuredRoles } from './actors';
import { parseConfig, type Config } from '../schemas/config';
import { databaseUrls } from '../infra/database-urls';
import { temporalTarget } from '../infra/temporal-connection';
import { loadPayloadKeys } from '../infra/keys';
import { dataConverter } from '../infra/payload-codec';

/** What a command needs, opened lazily and closed once at the end. */
export class CliContext {
  readonly config: Config;
  private pool?: Pool;
  private connection?: Connection;

  constructor(
    env: Record<string, string | undefined>,
    readonly out: (line: string) => void = (line) => console.log(line),
    readonly progress: (line: string) => void = (line) => console.error(line),
  ) {
    this.config = parseConfig(env);
  }

  private roleMap?: RoleMap;

  /** The configured users per role, parsed (and warned about) once per command. */
  roles(): RoleMap {
    this.roleMap ??= configuredRoles(this.config, this.progress);
    return this.roleMap;
  }

  registry(): Pool {
    this.pool ??= createPool(databaseUrls(this.config).registry, 4);
    return this.pool;
  }

  async client(): Promise<Client> {
    const target = temporalTarget(this.config);
    if (!this.connection) {
      try {
        this.connection = await Connection.connect({ ...target.connection, connectTimeout: 5_000 });
      } catch (err) {
        throw new Error(
          `cannot reach Temporal at ${target.connection.address ?? '(profile address)'}: ${(err as Error).message}. ` +
            'Is `npm start` running, or TEMPORAL_ADDRESS set to a reachable server?',
        );
      }
    }
    return new Client({ connection: this.connection, namespace: target.namespace, dataConverter: dataConverter(loadPayloadKeys(this.config)) });
  }

  async close(): Promise<void> {
    await Promise.all([this.pool?.end(), this.connection?.close()]);
  }
}
