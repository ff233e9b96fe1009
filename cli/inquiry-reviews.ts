import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { inquiryReviewInput } from '../activities/registry/inquiries';
import { inquiriesAwaitingReview } from '../activities/registry/inquiry-matching';
import { inquiryWorkflowId, type InquiryReviewStatus } from '../schemas/inquiry-review';
import { inquiryStatusQuery, registryChangedSignal, type inquiryReview } from '../workflows';

/**
 * Tells an inquiry's review that the registry changed for it (registered, records
 * imported, lifecycles started), starting the review if it is not running. False when the
 * inquiry is no longer in the registry.
 */
export async function notifyInquiryReview(client: Client, registry: Pool, taskQueue: string, inquiryId: string): Promise<boolean> {
  const input = await inquiryReviewInput(registry, inquiryId);
  if (!input) return false;
  await client.workflow.signalWithStart<typeof inquiryReview>('inquiryReview', {
    workflowId: inquiryWorkflowId(inquiryId),
    taskQueue,
    args: [input],
    signal: registryChangedSignal,
    signalArgs: [],
    staticSummary: `inquiry ${inquiryId}`,
  });
  return true;
}

/** Every open inquiry with links not yet on a lifecycle or undecided candidates: their reviews are told. */
export async function notifyAwaitingReviews(client: Client, registry: Pool, taskQueue: string): Promise<number> {
  let told = 0;
  for (const inquiryId of await inquiriesAwaitingReview(registry)) {
    if (await notifyInquiryReview(client, registry, taskQueue, inquiryId)) told += 1;
  }
  return told;
}

/** The review's status once `settled` holds, or as it is after `timeoutMs` (the worker may be busy or down). */
export async function reviewStatus(client: Client, inquiryId: string, settled: (s: InquiryReviewStatus) => boolean, timeoutMs = 30_000): Promise<{ status: InquiryReviewStatus; settled: boolean }> {
  const handle = client.workflow.getHandle(inquiryWorkflowId(inquiryId));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await handle.query(inquiryStatusQuery);
    if (settled(status)) return { status, settled: true };
    if (Date.now() >= deadline) return { status, settled: false };
    await new Promise((r) => setTimeout(r, 250));
  }
}
