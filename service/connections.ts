import { Client, Connection } from '@temporalio/client';
import type { Pool } from 'pg';
import { createPool } from '../activities/pg-pool';
import type { Config } from '../schemas/config';
import { databaseUrls } from '../infra/database-urls';
import { temporalTarget } from '../infra/temporal-connection';
import { loadPayloadKeys } from '../infra/keys';
import { dataConverter } from '../infra/payload-codec';
import { ActionSigner } from './action-signer';

/**
 * The credentials the erasure service alone holds: the registry's pool, the Temporal client
 * and the key that signs people's actions, opened once and shared by every request.
 */
export class ServiceConnections {
  private pool?: Pool;
  private connecting?: Promise<Client>;
  private connection?: Connection;

  private actionSigner?: ActionSigner;

  constructor(readonly config: Config) {}

  /** The service's action key (ERASURE_ACTION_KEY or keys.json): only this process signs people's actions. */
  signer(): ActionSigner {
    this.actionSigner ??= ActionSigner.fromConfig(this.config);
    return this.actionSigner;
  }

  registry(): Pool {
    this.pool ??= createPool(databaseUrls(this.config).registry, 8);
    return this.pool;
  }

  client(): Promise<Client> {
    this.connecting ??= this.connect().catch((err: unknown) => {
      this.connecting = undefined;
      throw err;
    });
    return this.connecting;
  }

  private async connect(): Promise<Client> {
    const target = temporalTarget(this.config);
    try {
      this.connection = await Connection.connect({ ...target.connection, connectTimeout: 5_000 });
    } catch (err) {
      throw new Error(
        `the erasure service cannot reach Temporal at ${target.connection.address ?? '(profile address)'}: ${(err as Error).message}. ` +
          'Is `npm start` running, or TEMPORAL_ADDRESS set to a reachable server?',
      );
    }
    return new Client({ connection: this.connection, namespace: target.namespace, dataConverter: dataConverter(loadPayloadKeys(this.config)) });
  }

  async close(): Promise<void> {
    await Promise.all([this.pool?.end(), this.connection?.close()]);
  }
}
