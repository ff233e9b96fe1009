import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createActivities, type Activities } from '../../activities';
import type { Databases } from './services';
import { testKeys, testServices, uniqueId } from './services';
import { smtpMailer } from '../../activities/mail/mailer';
import { testAdapters } from './fixtures';

let runtimeInstalled = false;
function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger: new DefaultLogger('ERROR') });
}

/** Bundles the workflows once per suite (call in beforeAll). */
export async function bundleWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  quietRuntime();
  return bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: new DefaultLogger('WARN') });
}

export const COORDINATORS = 'coordinators@test.invalid';

/** The real activities against the test databases, sending mail to `smtpUrl` (a test SMTP server). */
export const realActivities = (dbs: Databases, smtpUrl = 'smtp://127.0.0.1:1'): Activities =>
  createActivities({
    registry: dbs.registry,
    adapters: testAdapters(dbs.caseAdmin),
    keys: testKeys,
    mailer: smtpMailer(smtpUrl, 'privacy-desk@test.invalid'),
    coordinatorsEmail: COORDINATORS,
  });

/**
 * Runs `body` while a fresh worker polls a task queue of its own (one worker per test),
 * with the given activities, then shuts the worker down.
 */
export async function withWorker<T>(
  bundle: WorkflowBundleWithSourceMap,
  activities: Partial<Activities>,
  body: (taskQueue: string) => Promise<T>,
  address = testServices().temporalAddress,
  taskQueue = uniqueId('tq'),
): Promise<T> {
  quietRuntime();
  const connection = await NativeConnection.connect({ address });
  try {
    const worker = await Worker.create({ connection, taskQueue, workflowBundle: bundle, activities });
    return await worker.runUntil(body(taskQueue));
  } finally {
    await connection.close();
  }
}
