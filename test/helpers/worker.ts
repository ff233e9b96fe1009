import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { Client, Connection } from '@temporalio/client';
import { createActivities, type Activities } from '../../activities';
import { createInquiryActivities, type InquiryActivities } from '../../activities/inquiry';
import { createPurgeActivities, type PurgeActivities } from '../../activities/purge';
import { workflowBundlerOptions } from '../../workers/worker';
import type { Databases } from './services';
import { connectClient, testDataConverter, testKeys, testServices, uniqueId } from './services';
import { smtpMailer } from '../../activities/mail/mailer';
import { adapterRegistry } from '../../activities/storage/adapter';
import { caseAdminAdapter } from '../../activities/storage/case-admin';
import { maildirAdapter } from '../../activities/storage/maildir';
import { storageActivities, storageTaskQueue } from '../../workflows/definitions';

let runtimeInstalled = false;
function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger: new DefaultLogger('ERROR') });
}

/** Bundles the workflows once per suite (call in beforeAll). */
export async function bundleWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  quietRuntime();
  return bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), ...workflowBundlerOptions, logger: new DefaultLogger('WARN') });
}

export const COORDINATORS = 'coordinators@test.invalid';

/** The real activities against the test databases, sending mail to `smtpUrl` (a test SMTP server). */
export const realActivities = (dbs: Databases, smtpUrl = 'smtp://127.0.0.1:1', options: { maildir?: string } = {}): Activities =>
  createActivities({
    registry: dbs.registry,
    adapters: adapterRegistry([caseAdminAdapter(dbs.caseAdmin), ...(options.maildir ? [maildirAdapter(options.maildir)] : [])]),
    keys: testKeys,
    mailer: smtpMailer(smtpUrl, 'privacy-desk@test.invalid'),
    coordinatorsEmail: COORDINATORS,
  });

export type AllActivities = Activities & PurgeActivities & InquiryActivities;
type ActivitiesFor = Partial<AllActivities> | ((taskQueue: string, client: Client) => Partial<AllActivities>);

/** The real activities plus the purge run's and the inquiry review's (which reach record lifecycles through a Temporal client). */
export const realPurgeRunActivities =
  (dbs: Databases, reportsDir: string, smtpUrl?: string, options: { maildir?: string } = {}) =>
  (taskQueue: string, client: Client): Partial<AllActivities> => {
    const real = realActivities(dbs, smtpUrl, options);
    return {
      ...real,
      ...createPurgeActivities({ registry: dbs.registry, client, taskQueue, reportsDir, eraseBatch: real.eraseBatch }),
      ...createInquiryActivities({ registry: dbs.registry, client }),
    };
  };

/**
 * Where the workers connect: a server address (the dev server), or the connections of a
 * `TestWorkflowEnvironment` (the time-skipping server), which stay open afterwards.
 */
export type WorkerServer = string | { readonly nativeConnection: NativeConnection; readonly client: Client };

/**
 * Runs `body` while fresh workers poll a task queue of their own (one per test) and its
 * storage queue (`<queue>-storage`, where `eraseRecord` and `eraseReleased` run), with the given
 * activities, then shuts the workers down.
 */
export async function withWorker<T>(
  bundle: WorkflowBundleWithSourceMap,
  activitiesFor: ActivitiesFor,
  body: (taskQueue: string) => Promise<T>,
  server: WorkerServer = testServices().temporalAddress,
  taskQueue = uniqueId('tq'),
): Promise<T> {
  quietRuntime();
  const target =
    typeof server === 'string' ? await connectTo(server) : { nativeConnection: server.nativeConnection, client: server.client, close: async () => undefined };
  const { nativeConnection: connection, client } = target;
  try {
    const activities = typeof activitiesFor === 'function' ? activitiesFor(taskQueue, client) : activitiesFor;
    const worker = await Worker.create({ connection, taskQueue, workflowBundle: bundle, activities, dataConverter: testDataConverter });
    const onStorage = Object.fromEntries(storageActivities.flatMap((name) => (activities[name] ? [[name, activities[name]]] : [])));
    const storage =
      Object.keys(onStorage).length > 0
        ? await Worker.create({ connection, taskQueue: storageTaskQueue(taskQueue), activities: onStorage, dataConverter: testDataConverter })
        : undefined;
    const running = worker.runUntil(body(taskQueue));
    return storage ? await storage.runUntil(running) : await running;
  } finally {
    await target.close();
  }
}

async function connectTo(address: string): Promise<Exclude<WorkerServer, string> & { close(): Promise<void> }> {
  const [nativeConnection, connection] = await Promise.all([NativeConnection.connect({ address }), Connection.connect({ address })]);
  const client = new Client({ connection, dataConverter: testDataConverter });
  return { nativeConnection, client, close: async () => void (await Promise.all([nativeConnection.close(), connection.close()])) };
}

/**
 * The workflow layer's set-up for one suite: the workflow bundle and a client of the dev
 * server, made before its first test and closed after its last. Read them inside tests.
 */
export function useWorkflowLayer(): { readonly bundle: WorkflowBundleWithSourceMap; readonly client: Client } {
  let bundle: WorkflowBundleWithSourceMap | undefined;
  let temporal: Awaited<ReturnType<typeof connectClient>> | undefined;
  beforeAll(async () => {
    bundle = await bundleWorkflows();
    temporal = await connectClient();
  });
  afterAll(async () => temporal?.close());
  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is made in beforeAll: read it inside a test`);
    return value;
  };
  return {
    get bundle() {
      return ready(bundle, 'the workflow bundle');
    },
    get client() {
      return ready(temporal, 'the Temporal client').client;
    },
  };
}
