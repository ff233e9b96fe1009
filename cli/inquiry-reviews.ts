import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { inquiryReviewInput } from '../activities/registry/inquiries';
import { inquiriesAwaitingReview } from '../activities/registry/inquiry-matching';
import { ErasureError } from '../schemas/errors';
import { inquiryWorkflowId, type InquiryReviewInput, type InquiryReviewStatus } from '../schemas/inquiry-review';
import type { Warrant } from '../schemas/signed-action';
import type { inquiryReview } from '../workflows';
import { inquiryStatusQuery, registryChangedSignal, workflowTypes } from '../workflows/definitions';

/**
 * Tells an inquiry's review that the registry changed for it (registered, records
 * imported, lifecycles started), starting the review if it is not running. False when the
 * inquiry is no longer in the registry.
 */
export async function notifyInquiryReview(
  client: Client,
  registry: Pool,
  taskQueue: string,
  inquiryId: string,
  /** The erasure service's public keys (`actionPublicKeys(config)`): the review believes only decisions they signed. */
  actionKeys: readonly string[],
  /** The coordinator's registration as the service signed it (`registerInquiry` on `inquiry-<id>`): the warrant for exact matches. */
  registration?: Warrant,
): Promise<boolean> {
  const stored = await inquiryReviewInput(registry, inquiryId);
  if (!stored) return false;
  const input: InquiryReviewInput = { ...stored, actionKeys: [...actionKeys], ...(registration ? { registration } : {}) };
  await client.workflow.signalWithStart<typeof inquiryReview>(workflowTypes.inquiryReview, {
    workflowId: inquiryWorkflowId(inquiryId),
    taskQueue,
    args: [input],
    signal: registryChangedSignal,
    signalArgs: [],
    staticSummary: `inquiry ${inquiryId}`,
  });
  return true;
}

/** Every open inquiry with links not yet on a lifecycle or undecided candidates (in the dossier, or anywhere): their reviews are told. */
export async function notifyAwaitingReviews(
  client: Client,
  registry: Pool,
  taskQueue: string,
  actionKeys: readonly string[],
  dossier?: string,
): Promise<number> {
  let told = 0;
  for (const inquiryId of await inquiriesAwaitingReview(registry, dossier)) {
    if (await notifyInquiryReview(client, registry, taskQueue, inquiryId, actionKeys)) told += 1;
  }
  return told;
}

/** Queries are answered by a worker: without one running, say so rather than wait for ever. */
const QUERY_TIMEOUT_MS = 15_000;

async function ask(client: Client, inquiryId: string): Promise<InquiryReviewStatus> {
  const handle = client.workflow.getHandle(inquiryWorkflowId(inquiryId));
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new ErasureError(
            'TOOL_MISSING',
            `no worker answered about inquiry ${inquiryId} within ${QUERY_TIMEOUT_MS / 1000} s: is \`npm start\` (or \`npm run worker\`) running? What was registered is kept; run the command again once it is`,
          ),
        ),
      QUERY_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([handle.query(inquiryStatusQuery), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The review's status once `settled` holds, or as it is after `timeoutMs` (the worker may be busy). */
export async function reviewStatus(
  client: Client,
  inquiryId: string,
  settled: (s: InquiryReviewStatus) => boolean,
  timeoutMs = 30_000,
): Promise<{ status: InquiryReviewStatus; settled: boolean }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await ask(client, inquiryId);
    if (settled(status)) return { status, settled: true };
    if (Date.now() >= deadline) return { status, settled: false };
    await new Promise((r) => setTimeout(r, 250));
  }
}
