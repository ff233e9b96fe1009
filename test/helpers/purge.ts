import type { Client } from '@temporalio/client';
import type { PurgeReport, PurgeRunInput } from '../../schemas/purge';
import type { purgeRun } from '../../workflows';
import { uniqueId } from './services';

/** Starts a purge run on the test's task queue (limit it to the test's dossier!) and returns its handle. */
export const startPurge = (client: Client, taskQueue: string, input: PurgeRunInput) =>
  client.workflow.start<typeof purgeRun>('purgeRun', { workflowId: uniqueId('purge-run'), taskQueue, args: [input] });

/** Runs a purge to its end and returns the report. */
export async function runPurge(client: Client, taskQueue: string, input: PurgeRunInput): Promise<PurgeReport> {
  return (await startPurge(client, taskQueue, input)).result();
}
