import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Pool } from 'pg';
import type { Policy } from '../schemas/policy';
import { recordStartOptions } from '../schemas/lifecycle-start';
import { getPolicy } from '../activities/registry/policies';
import { listRecords, markLifecycleStarted, type RecordSummary } from '../activities/registry/records';
import type { recordLifecycle } from '../workflows';
import { workflowTypes } from '../workflows/definitions';
import { notifyAwaitingReviews } from './inquiry-reviews';

export interface StartSummary {
  readonly started: number;
  readonly alreadyPresent: number;
  /** Open inquiries whose review was told (links waiting for a lifecycle, undecided candidates). */
  readonly inquiriesNotified?: number;
}

const PAGE = 500;
const PARALLEL = 20;

async function startOne(client: Client, taskQueue: string, record: RecordSummary, policy: Policy, actionKeys: readonly string[]): Promise<boolean> {
  try {
    await client.workflow.start<typeof recordLifecycle>(workflowTypes.recordLifecycle, {
      ...recordStartOptions(record, policy, taskQueue, actionKeys),
      workflowIdConflictPolicy: 'FAIL',
    });
    return true;
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return false;
    throw err;
  }
}

/**
 * Starts one `recordLifecycle` per registered record, page by page. Idempotent: a record
 * whose lifecycle exists (running or erased) is counted, not started again.
 */
export async function startLifecycles(options: {
  client: Client;
  registry: Pool;
  taskQueue: string;
  /** The erasure service's public keys (`actionPublicKeys(config)`), given to every lifecycle. */
  actionKeys: readonly string[];
  dossier?: string;
  onProgress?: (summary: StartSummary) => void;
}): Promise<StartSummary> {
  const policies = new Map<string, Policy>();
  let started = 0;
  let alreadyPresent = 0;
  let afterId: string | undefined;
  for (;;) {
    const page = await listRecords(options.registry, { dossier: options.dossier, afterId, limit: PAGE });
    if (page.length === 0) break;
    for (let i = 0; i < page.length; i += PARALLEL) {
      const slice = page.slice(i, i + PARALLEL);
      const outcomes = await Promise.all(
        slice.map(async (record) => {
          let policy = policies.get(record.policyVersion);
          if (!policy) {
            policy = await getPolicy(options.registry, record.policyVersion);
            policies.set(record.policyVersion, policy);
          }
          return startOne(options.client, options.taskQueue, record, policy, options.actionKeys);
        }),
      );
      started += outcomes.filter(Boolean).length;
      alreadyPresent += outcomes.filter((o) => !o).length;
    }
    await markLifecycleStarted(
      options.registry,
      page.map((r) => r.recordId),
    );
    options.onProgress?.({ started, alreadyPresent });
    afterId = page[page.length - 1]?.recordId;
  }
  // Records imported after an inquiry may be linked to it: their lifecycles exist now.
  const inquiriesNotified = await notifyAwaitingReviews(options.client, options.registry, options.taskQueue, options.actionKeys, options.dossier);
  return { started, alreadyPresent, inquiriesNotified };
}
