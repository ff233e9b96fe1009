import type { Client } from '@temporalio/client';
import type { PurgeReport, PurgeRunInput } from '../../schemas/purge';
import type { Actor } from '../../schemas/roles';
import type { purgeRun } from '../../workflows';
import { testActionKeys, testActionSigner, uniqueId } from './services';

/** A run's input as a test writes it: the service's keys and the signed `startedBy` are added unless given. */
export type TestPurgeInput = Omit<PurgeRunInput, 'actionKeys' | 'startedBy'> & Partial<Pick<PurgeRunInput, 'actionKeys' | 'startedBy'>>;

/** Who starts a test's runs unless the test says otherwise (not a privacy officer of any test). */
export const TEST_STARTER: Actor = { user: 'starter', role: 'coordinator' };

/** Starts a purge run on the test's task queue (limit it to the test's dossier!) and returns its handle. */
export const startPurge = (client: Client, taskQueue: string, input: TestPurgeInput, startedBy: Actor = TEST_STARTER) => {
  const workflowId = uniqueId('purge-run');
  const target = input.scheduleId ? { scheduleId: input.scheduleId } : { workflowId };
  const args: [PurgeRunInput] = [{ actionKeys: testActionKeys, startedBy: testActionSigner.signPurgeStart(startedBy, target), ...input }];
  return client.workflow.start<typeof purgeRun>('purgeRun', { workflowId, taskQueue, args });
};

/** Runs a purge to its end and returns the report. */
export async function runPurge(client: Client, taskQueue: string, input: TestPurgeInput): Promise<PurgeReport> {
  return (await startPurge(client, taskQueue, input)).result();
}
