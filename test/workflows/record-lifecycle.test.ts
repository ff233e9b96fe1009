import { ApplicationFailure } from '@temporalio/common';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { Activities } from '../../activities';
import type { SystemErasure, SystemVerification } from '../../schemas/erasure';
import { recordWorkflowId, type RecordStatus } from '../../schemas/lifecycle';
import { actionUpdates, statusQuery, type recordLifecycle } from '../../workflows';
import { connectClient, eventually, policyIn, uniqueId } from '../helpers/services';
import { bundleWorkflows, withWorker } from '../helpers/worker';

const COORDINATOR = { user: 'cora', role: 'coordinator' as const };

/** Stub activities: this layer tests the workflow's decisions, not the storage systems. */
function stubActivities(options: { eraseFailures?: number; certificateCalls?: string[] } = {}): Partial<Activities> {
  let eraseCalls = 0;
  return {
    async eraseInSystem({ system }): Promise<SystemErasure> {
      eraseCalls += 1;
      if (eraseCalls <= (options.eraseFailures ?? 0)) throw ApplicationFailure.nonRetryable('source system refused the delete', 'STUB');
      return { system, method: 'stub', locations: ['persons/x'], found: { persons: 1 }, removed: { persons: 1 } };
    },
    async verifyErasedInSystem({ system }): Promise<SystemVerification> {
      return { system, verified: true, remaining: { persons: 0 }, checkedAt: new Date().toISOString() };
    },
    async issueCertificate({ recordId }) {
      options.certificateCalls?.push(recordId);
      return { certificateId: `cert-${recordId}`, sequence: 1, hash: 'h', issuedAt: new Date().toISOString(), created: true };
    },
  };
}

describe('recordLifecycle - with stubbed activities on a real dev server', () => {
  let bundle: WorkflowBundleWithSourceMap;
  let temporal: Awaited<ReturnType<typeof connectClient>>;
  beforeAll(async () => {
    bundle = await bundleWorkflows();
    temporal = await connectClient();
  });
  afterAll(async () => temporal.close());

  const start = (taskQueue: string, recordId: string, policy = policyIn(0, 0)) =>
    temporal.client.workflow.start<typeof recordLifecycle>('recordLifecycle', {
      workflowId: recordWorkflowId(recordId),
      taskQueue,
      args: [{ recordId, dossier: 'D-WF', systems: ['case-admin'], policy }],
    });

  it('recordLifecycle - due record - erases, verifies, certifies and returns ids only', async () => {
    const certificateCalls: string[] = [];
    const recordId = uniqueId('R');
    const result = await withWorker(bundle, stubActivities({ certificateCalls }), async (tq) => (await start(tq, recordId)).result());
    expect(result).toEqual({ recordId, certificateId: `cert-${recordId}`, erasedAt: expect.any(String) });
    expect(certificateCalls).toEqual([recordId]);
  });

  it('recordLifecycle - erasure fails - waits visibly in erasure-failed until a coordinator retries', async () => {
    const recordId = uniqueId('R');
    await withWorker(bundle, stubActivities({ eraseFailures: 1 }), async (tq) => {
      const handle = await start(tq, recordId);
      const failed = await eventually('erasure-failed', async () => {
        const status = await handle.query(statusQuery);
        return status.phase === 'erasure-failed' ? status : undefined;
      });
      expect(failed.lastError).toContain('source system refused the delete');
      await handle.executeUpdate(actionUpdates.retryErasure, { args: [{ actor: COORDINATOR, reason: 'source system is back' }] });
      await expect(handle.result()).resolves.toMatchObject({ recordId });
      const status: RecordStatus = await handle.query(statusQuery);
      expect(status.history.map((e) => e.phase)).toEqual([
        'awaiting-cutoff',
        'due',
        'erasing',
        'erasure-failed',
        'due',
        'erasing',
        'verifying',
        'certifying',
        'erased',
      ]);
    });
  });

  it('recordLifecycle - retry in the wrong phase - is refused with a reason and leaves no history event', async () => {
    const recordId = uniqueId('R');
    await withWorker(bundle, stubActivities(), async (tq) => {
      const policy = policyIn(3_600_000, 7_200_000);
      const handle = await start(tq, recordId, policy);
      await eventually('awaiting-cutoff', async () => ((await handle.query(statusQuery)).phase === 'awaiting-cutoff' ? true : undefined));
      const error = await handle.executeUpdate(actionUpdates.retryErasure, { args: [{ actor: COORDINATOR, reason: 'try again' }] }).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
      expect((error as WorkflowUpdateFailedError).cause?.message).toContain(
        `retry refused: record ${recordId} is in awaiting-cutoff until ${policy.inquiryCutoff}; only a record in erasure-failed can be retried. Allowed now: inquiry, hold`,
      );
      const events = (await handle.fetchHistory()).events ?? [];
      expect(events.length).toBeGreaterThan(0);
      expect(events.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes || e.workflowExecutionUpdateAdmittedEventAttributes)).toEqual([]);
      expect((await handle.query(statusQuery)).history.map((e) => e.phase)).toEqual(['awaiting-cutoff']);
      await handle.terminate('test done');
    });
  });
});
