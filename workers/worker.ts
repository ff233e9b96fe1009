import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createPool } from '../activities/pg-pool';
import { createActivities } from '../activities';
import { createInquiryActivities } from '../activities/inquiry';
import { createPurgeActivities } from '../activities/purge';
import { reportsDir } from '../infra/paths';
import type { Config } from '../schemas/config';
import type { Keys } from '../activities/crypto';
import { smtpMailer } from '../activities/mail/mailer';
import { configuredAdapters, type StorageOptions } from '../activities/storage';
import { storageOptions } from '../infra/storage-options';
import { dataConverter, type PayloadKeys } from '../infra/payload-codec';
import type { DatabaseUrls } from '../infra/database-urls';
import type { TemporalTarget } from '../infra/temporal-connection';
import { storageActivities, storageTaskQueue } from '../workflows/definitions';

export interface RunningWorker {
  readonly worker: Worker;
  /** Resolves when the worker has stopped (after `shutdown()`), rejects if it crashed. */
  readonly done: Promise<void>;
  shutdown(): Promise<void>;
}

export interface StartWorkerOptions {
  readonly target: TemporalTarget;
  /** The payload codec's keys: every payload this worker writes is encrypted, and it reads what the clients sealed. */
  readonly payloadKeys: PayloadKeys;
  readonly taskQueue: string;
  readonly databases: DatabaseUrls;
  readonly keys: Keys;
  readonly smtpUrl: string;
  readonly mailFrom: string;
  readonly coordinatorsEmail: string;
  /** Erasure activities started per second on the storage queue, across all workers (ERASURE_STORAGE_RATE). */
  readonly storageRate: number;
  /** Where the file-based storage systems live (documents, mailbox); unset: those systems have no adapter. */
  readonly storage?: StorageOptions;
  /** Where purge runs write report files (dry-run record lists). */
  readonly reportsDir: string;
  /** The worker's tunables (ERASURE_WORKER_*): how much it keeps in memory and runs at once. */
  readonly tunables?: WorkerTunables;
  /** A prebuilt workflow bundle; by default the worker bundles `workflows/` itself. */
  readonly workflowBundle?: WorkerOptions['workflowBundle'];
}

/** Modules evaluated once per worker thread and shared by every workflow (see workflows/shared-modules.ts). */
export const workflowBundlerOptions = {
  preloadModules: [require.resolve('../workflows/shared-modules')],
  // The sandbox encodes failure messages into payloads too (the codec then encrypts them).
  failureConverterPath: require.resolve('../workflows/failure-converter'),
};

export interface WorkerTunables {
  readonly maxCachedWorkflows: number;
  readonly maxConcurrentWorkflowTaskExecutions: number;
  readonly maxConcurrentActivityTaskExecutions: number;
}

/** The Temporal worker options a deployment sets (measured defaults: README, "Throughput"). */
export const workerTunables = (config: Config): WorkerTunables => ({
  maxCachedWorkflows: config.ERASURE_WORKER_CACHED_WORKFLOWS,
  maxConcurrentWorkflowTaskExecutions: config.ERASURE_WORKER_WORKFLOW_TASKS,
  maxConcurrentActivityTaskExecutions: config.ERASURE_WORKER_ACTIVITIES,
});

/** The worker settings that come straight from configuration (npm start and npm run worker alike). */
export const configuredWorkerSettings = (config: Config) => ({
  taskQueue: config.TEMPORAL_TASK_QUEUE,
  mailFrom: config.MAIL_FROM,
  coordinatorsEmail: config.COORDINATORS_EMAIL,
  storageRate: config.ERASURE_STORAGE_RATE,
  reportsDir: reportsDir(config),
  storage: storageOptions(config),
  tunables: workerTunables(config),
});

/**
 * Starts the worker with real pools and adapters: one Temporal worker for the workflows
 * and their other activities, one for the erasure activities on the rate-limited storage
 * queue. Shutting it down closes everything.
 */
export async function startWorker(options: StartWorkerOptions): Promise<RunningWorker> {
  // Checked before anything starts: without it no erased record could get its certificate.
  if (!options.keys.signing)
    throw new Error(
      'no certificate signing key: set ERASURE_SIGNING_KEY (an Ed25519 key; `npm run keys:signing` makes one), or run `npm start` once so that keys.json has one',
    );
  const registry = createPool(options.databases.registry, 20);
  const storage = configuredAdapters(options.databases, options.storage);
  const mailer = smtpMailer(options.smtpUrl, options.mailFrom);
  let connection: NativeConnection | undefined;
  let clientConnection: Connection | undefined;
  const release = async () => {
    await Promise.all([connection?.close(), clientConnection?.close()]);
    mailer.close();
    await Promise.all([registry.end(), storage.close()]);
  };
  let workers: Worker[];
  try {
    connection = await NativeConnection.connect(options.target.connection);
    clientConnection = await Connection.connect(options.target.connection);
    const converter = dataConverter(options.payloadKeys);
    const client = new Client({ connection: clientConnection, namespace: options.target.namespace, dataConverter: converter });
    const record = createActivities({ registry, adapters: storage.adapters, keys: options.keys, mailer, coordinatorsEmail: options.coordinatorsEmail });
    const activities = {
      ...record,
      ...createPurgeActivities({ registry, client, taskQueue: options.taskQueue, reportsDir: options.reportsDir, eraseBatch: record.eraseBatch }),
      ...createInquiryActivities({ registry, client }),
    };
    const common = {
      connection,
      namespace: options.target.namespace,
      dataConverter: converter,
      // Running activities get time to finish; a shutdown never hangs for good.
      shutdownGraceTime: '10s',
      shutdownForceTime: '30s',
      ...(options.tunables ?? {}),
    } as const;
    workers = [
      await Worker.create({
        ...common,
        taskQueue: options.taskQueue,
        ...(options.workflowBundle
          ? { workflowBundle: options.workflowBundle }
          : { workflowsPath: require.resolve('../workflows'), bundlerOptions: workflowBundlerOptions }),
        activities,
      }),
      await Worker.create({
        ...common,
        taskQueue: storageTaskQueue(options.taskQueue),
        activities: Object.fromEntries(storageActivities.map((name) => [name, (input: never) => activities[name](input)])),
        // The source systems are never flooded: the server hands out at most this many per second.
        maxTaskQueueActivitiesPerSecond: options.storageRate,
      }),
    ];
  } catch (err) {
    await release();
    throw err;
  }
  const done = Promise.all(workers.map((w) => w.run()))
    .then(() => undefined)
    .finally(() => {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      return release();
    });
  return {
    worker: workers[0] as Worker,
    done,
    async shutdown() {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await done;
    },
  };
}
