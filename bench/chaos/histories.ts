import { hostname } from 'node:os';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

async function inParallel<T>(items: readonly T[], parallel: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, items.length) }, async () => {
      for (let i = next++; i < items.length; i = next++) await work(items[i] as T);
    }),
  );
}

/** The identity a worker process shows Temporal by default (pid@host, as in activities/index.ts). */
export const workerIdentity = (pid: number): string => `${pid}@${hostname()}`;

export interface RetrySummary {
  /** Activities that needed more than one attempt. */
  readonly retried: number;
  /** Of those, the ones whose last failed attempt timed out (a dead worker is only noticed by a timeout). */
  readonly afterTimeout: number;
}

/**
 * Per activity type, the activities of these workflows that were retried, read from the
 * history: a retried activity's started event carries its attempt and its last failure.
 */
export async function activityRetries(client: Client, workflowIds: readonly string[]): Promise<Record<string, RetrySummary>> {
  const counts: Record<string, { retried: number; afterTimeout: number }> = {};
  await inParallel(workflowIds, 16, async (id) => {
    const events = (await client.workflow.getHandle(id).fetchHistory()).events ?? [];
    const typeOf = new Map<string, string>();
    for (const e of events) {
      const scheduled = e.activityTaskScheduledEventAttributes;
      if (scheduled) typeOf.set(String(e.eventId), scheduled.activityType?.name ?? '?');
      const started = e.activityTaskStartedEventAttributes;
      if (!started || (started.attempt ?? 1) <= 1) continue;
      const row = (counts[typeOf.get(String(started.scheduledEventId)) ?? '?'] ??= { retried: 0, afterTimeout: 0 });
      row.retried += 1;
      if (started.lastFailure?.timeoutFailureInfo) row.afterTimeout += 1;
    }
  });
  return counts;
}

export const describeRetries = (retries: Record<string, RetrySummary>): string =>
  Object.entries(retries)
    .map(([type, r]) => `${type} ×${r.retried}${r.afterTimeout ? ` (${r.afterTimeout} after a timeout)` : ''}`)
    .join(', ') || 'none';

/**
 * The operator's shortcut after a crash (`temporal activity fail`): every activity the
 * dead worker had started is failed now, so that it is retried at once instead of after
 * its timeout. Returns how many were failed.
 */
export async function failActivitiesOf(client: Client, workflowIds: readonly string[], identity: string): Promise<number> {
  let failed = 0;
  await inParallel(workflowIds, 16, async (workflowId) => {
    const described = await client.workflow.getHandle(workflowId).describe();
    if (described.status.name !== 'RUNNING') return;
    for (const a of described.raw.pendingActivities ?? []) {
      if (a.state !== temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED || a.lastWorkerIdentity !== identity || !a.activityId) continue;
      await client.activity.fail({ workflowId, runId: described.runId, activityId: a.activityId }, new Error(`worker ${identity} was killed`));
      failed += 1;
    }
  });
  return failed;
}
