import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createPool } from '../activities/pg-pool';
import { createActivities } from '../activities';
import type { Keys } from '../activities/crypto';
import { smtpMailer } from '../activities/mail/mailer';
import { configuredAdapters } from '../activities/storage';
import type { DatabaseUrls } from '../infra/database-urls';
import type { TemporalTarget } from '../infra/temporal-connection';

export interface RunningWorker {
  readonly worker: Worker;
  /** Resolves when the worker has stopped (after `shutdown()`), rejects if it crashed. */
  readonly done: Promise<void>;
  shutdown(): Promise<void>;
}

export interface StartWorkerOptions {
  readonly target: TemporalTarget;
  readonly taskQueue: string;
  readonly databases: DatabaseUrls;
  readonly keys: Keys;
  readonly smtpUrl: string;
  readonly mailFrom: string;
  readonly coordinatorsEmail: string;
  /** A prebuilt workflow bundle; by default the worker bundles `workflows/` itself. */
  readonly workflowBundle?: WorkerOptions['workflowBundle'];
}

/** Starts the worker with real pools and adapters; shutting it down closes them. */
export async function startWorker(options: StartWorkerOptions): Promise<RunningWorker> {
  const registry = createPool(options.databases.registry, 10);
  const storage = configuredAdapters(options.databases);
  const mailer = smtpMailer(options.smtpUrl, options.mailFrom);
  const release = async (connection?: NativeConnection) => {
    await connection?.close();
    mailer.close();
    await Promise.all([registry.end(), storage.close()]);
  };
  let connection: NativeConnection | undefined;
  let worker: Worker;
  try {
    connection = await NativeConnection.connect(options.target.connection);
    worker = await Worker.create({
      connection,
      namespace: options.target.namespace,
      taskQueue: options.taskQueue,
      // Running activities get time to finish; a shutdown never hangs for good.
      shutdownGraceTime: '10s',
      shutdownForceTime: '30s',
      ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: require.resolve('../workflows') }),
      activities: createActivities({ registry, adapters: storage.adapters, keys: options.keys, mailer, coordinatorsEmail: options.coordinatorsEmail }),
    });
  } catch (err) {
    await release(connection);
    throw err;
  }
  const done = worker.run().finally(() => release(connection));
  return {
    worker,
    done,
    async shutdown() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}
