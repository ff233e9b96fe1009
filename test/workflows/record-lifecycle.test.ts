import { ApplicationFailure } from '@temporalio/common';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { Activities } from '../../activities';
import type { RecordErasureResult } from '../../activities';
import type { ActionInput, ActionName } from '../../schemas/actions';
import { recordWorkflowId, type RecordStatus } from '../../schemas/lifecycle';
import { actionUpdates, releaseUpdate, statusQuery, type recordLifecycle } from '../../workflows';
import { connectClient, eventually, policyIn, uniqueId } from '../helpers/services';
import { bundleWorkflows, withWorker } from '../helpers/worker';

const COORDINATOR = { user: 'cora', role: 'coordinator' as const };

/** Stub activities: this layer tests the workflow's decisions, not the storage systems. */
function stubActivities(options: { eraseFailures?: number; certificateCalls?: string[]; failures?: string[] } = {}): Partial<Activities> {
  let eraseCalls = 0;
  return {
    async eraseRecord({ recordId, systems }): Promise<RecordErasureResult> {
      eraseCalls += 1;
      if (eraseCalls <= (options.eraseFailures ?? 0)) throw ApplicationFailure.nonRetryable('source system refused the delete', 'STUB');
      options.certificateCalls?.push(recordId);
      const at = new Date().toISOString();
      return { certificateId: `cert-${recordId}`, sequence: 1, issuedAt: at, verifiedAt: at, systems: systems.map((system) => ({ system, removed: { persons: 1 } })), inquiryClosed: false };
    },
    async recordErasureFailure({ reason }) {
      options.failures?.push(reason);
    },
  };
}

const release = (handle: WorkflowHandle, runRef = 'purge-run-test') => handle.executeUpdate(releaseUpdate, { args: [{ runRef }] });

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
      args: [{ recordId, dossier: 'D-WF', systems: ['case-admin'], policy, awaitsRelease: true }],
    });

  it('recordLifecycle - due record released by a purge run - erases, verifies, certifies and returns ids only', async () => {
    const certificateCalls: string[] = [];
    const recordId = uniqueId('R');
    const result = await withWorker(bundle, stubActivities({ certificateCalls }), async (tq) => {
      const handle = await start(tq, recordId);
      await eventually('due', async () => ((await handle.query(statusQuery)).phase === 'due' ? true : undefined));
      // Due is not enough: nothing happens until a purge run releases the record.
      await new Promise((r) => setTimeout(r, 1_000));
      expect(certificateCalls).toEqual([]);
      await expect(release(handle)).resolves.toEqual({ recordId, releasedBy: 'purge-run-test' });
      // The same run asking again (a retried activity) is answered the same; another run is refused.
      await release(handle).catch(() => undefined);
      return handle.result();
    });
    expect(result).toEqual({ recordId, certificateId: `cert-${recordId}`, erasedAt: expect.any(String) });
    expect(certificateCalls).toEqual([recordId]);
  });

  it('recordLifecycle - release before the cutoff - is refused with its skip reason and leaves no history event', async () => {
    const recordId = uniqueId('R');
    await withWorker(bundle, stubActivities(), async (tq) => {
      const policy = policyIn(3_600_000, 7_200_000);
      const handle = await start(tq, recordId, policy);
      await eventually('awaiting-cutoff', async () => ((await handle.query(statusQuery)).phase === 'awaiting-cutoff' ? true : undefined));
      const error = await release(handle).catch((err: unknown) => err);
      expect((error as WorkflowUpdateFailedError).cause?.message).toBe(`[skip:not-due-yet] record ${recordId} is in awaiting-cutoff until ${policy.inquiryCutoff}`);
      const events = (await handle.fetchHistory()).events ?? [];
      expect(events.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes)).toEqual([]);
      await handle.terminate('test done');
    });
  });

  it('recordLifecycle - erasure fails - waits visibly in erasure-failed until a coordinator retries', async () => {
    const recordId = uniqueId('R');
    const failures: string[] = [];
    await withWorker(bundle, stubActivities({ eraseFailures: 1, failures }), async (tq) => {
      const handle = await start(tq, recordId);
      await eventually('due', async () => ((await handle.query(statusQuery)).phase === 'due' ? true : undefined));
      await release(handle);
      const failed = await eventually('erasure-failed', async () => {
        const status = await handle.query(statusQuery);
        return status.phase === 'erasure-failed' ? status : undefined;
      });
      expect(failed.lastError).toContain('source system refused the delete');
      // A later purge run does not pick it up again: a coordinator decides.
      expect(((await release(handle, 'purge-run-later').catch((err: unknown) => err)) as WorkflowUpdateFailedError).cause?.message).toMatch(/^\[skip:erasure-failed\]/);
      await eventually('failure logged', async () => (failures.length === 1 ? true : undefined));
      expect(failures[0]).toContain('source system refused the delete');
      await handle.executeUpdate(actionUpdates.retryErasure, { args: [{ actor: COORDINATOR, reason: 'source system is back' }] });
      await expect(handle.result()).resolves.toMatchObject({ recordId });
      const status: RecordStatus = await handle.query(statusQuery);
      expect(status.history.map((e) => e.phase)).toEqual([
        'awaiting-cutoff',
        'due',
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

  it('workflow bundle - holds no time-zone database: luxon stays at the edge (policy files, letters, the CLI)', () => {
    // Where luxon appears, if it does: a few characters around it, not the whole bundle in the failure message.
    const at = bundle.code.indexOf('luxon');
    expect(at === -1 ? undefined : bundle.code.slice(Math.max(0, at - 80), at + 80)).toBeUndefined();
  });

  it('recordLifecycle - object after the objection period - is refused saying when the period ended', async () => {
    const recordId = uniqueId('R');
    const explained: { timeZone?: string }[] = [];
    const activities: Partial<Activities> = {
      ...stubActivities(),
      async sendExplanation(input) {
        explained.push(input);
        const sentAt = new Date();
        return { messageId: `<${recordId}@test.invalid>`, sentAt: sentAt.toISOString(), objectionPeriodEnds: new Date(sentAt.getTime() + 2_000).toISOString() };
      },
    };
    await withWorker(bundle, activities, async (tq) => {
      const policy = { ...policyIn(3_600_000, 3_600_000), timeZone: 'UTC', objectionPeriod: '2s' };
      const handle = await start(tq, recordId, policy);
      const act = <A extends ActionName>(name: A, payload: ActionInput<A>): Promise<RecordStatus> => handle.executeUpdate(actionUpdates[name], { args: [payload] });
      // An inquiry is taken once the lifecycle has left `registered` (its first workflow task).
      await eventually('awaiting-cutoff', async () => ((await handle.query(statusQuery)).phase === 'awaiting-cutoff' ? true : undefined));
      await act('registerInquiry', { actor: COORDINATOR, inquiryId: '7f0c2a9e-0000-4000-8000-000000000002', receivedAt: new Date().toISOString() });
      await act('recordConsent', { actor: COORDINATOR, given: true });
      await act('confirmIdentity', { actor: COORDINATOR });
      const sent = await act('sendExplanation', { actor: { user: 'rev', role: 'screened-reviewer' }, language: 'nl' });
      // The letter gives the end of the objection period in the policy's zone.
      expect(explained).toEqual([expect.objectContaining({ timeZone: 'UTC' })]);
      const { objectionPeriodEnds, explanationSentAt } = sent.inquiry!;
      await eventually('due after the objection period', async () => ((await handle.query(statusQuery)).phase === 'due' ? true : undefined));
      const error = await act('fileObjection', { actor: COORDINATOR, reference: 'BEZW-LATE' }).catch((err: unknown) => err);
      expect((error as WorkflowUpdateFailedError).cause?.message).toBe(
        `object refused: the objection period of record ${recordId} ended on ${objectionPeriodEnds} (2s after the explanation was sent on ${explanationSentAt}); ` +
          `record ${recordId} is due for destruction from ${policy.purgeStart}. Allowed now: hold`,
      );
      await handle.terminate('test done');
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
