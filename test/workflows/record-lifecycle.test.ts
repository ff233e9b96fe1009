import { ApplicationFailure } from '@temporalio/common';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { Activities, EraseRecordInput, RecordErasureResult } from '../../activities';
import type { ActionInput, ActionName } from '../../schemas/actions';
import { recordWorkflowId, type LifecyclePhase, type RecordStatus } from '../../schemas/lifecycle';
import type { Policy } from '../../schemas/policy';
import type { ErasureOutcome } from '../../schemas/erasure-order';
import {
  actionUpdates,
  erasureOutcomeSignal,
  refusalTypes,
  releaseRefusalOf,
  releaseSignal,
  releaseUpdate,
  statusQuery,
  workflowTypes,
  type recordLifecycle,
} from '../../workflows';
import { saveHistory } from '../helpers/record-history';
import { eventually, policyIn, signed, testActionKeys, uniqueId } from '../helpers/services';
import { useWorkflowLayer, withWorker } from '../helpers/worker';

const COORDINATOR = { user: 'cora', role: 'coordinator' as const };
const REVIEWER = { user: 'rev', role: 'screened-reviewer' as const };
const OFFICER = { user: 'olga', role: 'privacy-officer' as const };

/** Stand-in activities: this layer tests the workflow's decisions, not the storage systems. */
function standIns(
  options: { eraseFailures?: number; erased?: string[]; erasures?: EraseRecordInput[]; failures?: string[]; objectionPeriodMs?: number } = {},
): Partial<Activities> {
  let eraseCalls = 0;
  return {
    async eraseRecord(input): Promise<RecordErasureResult> {
      const { recordId, systems, inquiryId } = input;
      options.erasures?.push(input);
      eraseCalls += 1;
      if (eraseCalls <= (options.eraseFailures ?? 0)) throw ApplicationFailure.nonRetryable('source system refused the delete', 'STUB');
      options.erased?.push(recordId);
      const at = new Date().toISOString();
      return {
        certificateId: `cert-${recordId}`,
        sequence: 1,
        issuedAt: at,
        verifiedAt: at,
        systems: systems.map((system) => ({ system, removed: { persons: 1 } })),
        inquiryClosed: !!inquiryId,
      };
    },
    async recordErasureFailure({ reason }) {
      options.failures?.push(reason);
    },
    async sendExplanation({ recordId }) {
      const sentAt = new Date();
      return {
        messageId: `<${recordId}@test.invalid>`,
        sentAt: sentAt.toISOString(),
        objectionPeriodEnds: new Date(sentAt.getTime() + (options.objectionPeriodMs ?? 2_000)).toISOString(),
      };
    },
    async notifyCoordinators() {
      return { messageId: '<alert@test.invalid>' };
    },
  };
}

const phaseOf = async (handle: WorkflowHandle) => (await handle.query(statusQuery)).phase;
const until = (handle: WorkflowHandle, phase: LifecyclePhase) => eventually(phase, async () => ((await phaseOf(handle)) === phase ? true : undefined));
/**
 * Plays the purge run and its wave's batch: releases the record and, when the lifecycle
 * answers with its erasure order, erases with the stand-in and tells the lifecycle the
 * outcome (a failure in the batch: the lifecycle erases the record on its own).
 */
const release = async (handle: WorkflowHandle, acts: Partial<Activities>, runRef = 'purge-run-test') => {
  const answer = await handle.executeUpdate(releaseUpdate, { args: [{ runRef }] });
  const { order } = answer;
  if (order?.ticket && acts.eraseRecord) {
    const outcome = await acts.eraseRecord(order).then(
      (erased): ErasureOutcome['outcome'] => ({ kind: 'erased', ...erased, systems: erased.systems.map((x) => ({ ...x, removed: { ...x.removed } })) }),
      (err: unknown): ErasureOutcome['outcome'] => ({ kind: 'alone', reason: (err as Error).message }),
    );
    await handle.signal(erasureOutcomeSignal, { ticket: order.ticket, outcome });
  }
  return answer;
};
const act = <A extends ActionName>(handle: WorkflowHandle, name: A, payload: ActionInput<A>): Promise<RecordStatus> =>
  handle.executeUpdate(actionUpdates[name], { args: [signed(handle.workflowId, name, payload)] });
const refusedWith = async (work: Promise<unknown>) => {
  const error = await work.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
  return (error as WorkflowUpdateFailedError).cause as ApplicationFailure;
};
const activitiesScheduled = async (handle: WorkflowHandle) =>
  ((await handle.fetchHistory()).events ?? []).filter((e) => e.activityTaskScheduledEventAttributes).length;
const acceptedUpdates = async (handle: WorkflowHandle) =>
  ((await handle.fetchHistory()).events ?? []).filter(
    (e) => e.workflowExecutionUpdateAcceptedEventAttributes || e.workflowExecutionUpdateAdmittedEventAttributes,
  ).length;

describe('recordLifecycle - the machine on a real dev server, with stand-in activities', () => {
  const layer = useWorkflowLayer();

  const start = (taskQueue: string, recordId: string, policy: Policy = policyIn(0, 0)) =>
    layer.client.workflow.start<typeof recordLifecycle>(workflowTypes.recordLifecycle, {
      workflowId: recordWorkflowId(recordId),
      taskQueue,
      args: [{ recordId, dossier: 'D-WF', systems: ['case-admin'], policy, actionKeys: testActionKeys }],
    });

  it('recordLifecycle - due record released by a purge run - erases, verifies, certifies in one activity and returns ids only', async () => {
    const erased: string[] = [];
    const recordId = uniqueId('R');
    const acts = standIns({ erased });
    const { result, events } = await withWorker(layer.bundle, acts, async (tq) => {
      const handle = await start(tq, recordId);
      await until(handle, 'due');
      // Due is not enough: the task that made it due scheduled nothing; a purge run releases it.
      expect(await activitiesScheduled(handle)).toBe(0);
      // The same run asking again (a retried activity, the same update id) is answered the same, with the same order.
      const ask = () => handle.executeUpdate(releaseUpdate, { args: [{ runRef: 'purge-run-test' }], updateId: 'release-purge-run-test' });
      const answer = await ask();
      expect(answer).toMatchObject({ recordId, releasedBy: 'purge-run-test', order: { recordId, systems: ['case-admin'], ticket: expect.any(String) } });
      await expect(ask()).resolves.toEqual(answer);
      // A made-up outcome (no ticket of this release) changes nothing; the batch's ends the lifecycle.
      const erasedAt = new Date().toISOString();
      const outcome = {
        kind: 'erased' as const,
        certificateId: `cert-${recordId}`,
        sequence: 1,
        issuedAt: erasedAt,
        verifiedAt: erasedAt,
        systems: [],
        inquiryClosed: false,
      };
      await handle.signal(erasureOutcomeSignal, { ticket: 'forged', outcome });
      expect(await phaseOf(handle)).toBe('erasing');
      erased.push(recordId);
      await handle.signal(erasureOutcomeSignal, { ticket: answer.order?.ticket ?? '', outcome });
      const done = await handle.result();
      await saveHistory(handle, 'record-no-inquiry-erased');
      return { result: done, events: (await handle.fetchHistory()).events ?? [] };
    });
    expect(result).toEqual({ recordId, certificateId: `cert-${recordId}`, erasedAt: expect.any(String) });
    expect(erased).toEqual([recordId]);
    console.log(`history events of a record on the common path (no inquiry, released once, erased): ${events.length}`);
  });

  it('recordLifecycle - release before the cutoff - is refused with its typed reason and leaves no history event', async () => {
    const recordId = uniqueId('R');
    const acts = standIns();
    await withWorker(layer.bundle, acts, async (tq) => {
      const policy = policyIn(3_600_000, 7_200_000);
      const handle = await start(tq, recordId, policy);
      await until(handle, 'awaiting-cutoff');
      const failure = await refusedWith(release(handle, acts));
      expect(failure.type).toBe('NotReleasable.not-due-yet');
      expect(failure.details).toEqual([{ reason: 'not-due-yet', detail: `record ${recordId} is in awaiting-cutoff until ${policy.inquiryCutoff}` }]);
      expect(releaseRefusalOf(new WorkflowUpdateFailedError('Workflow Update failed', failure))).toEqual({ reason: 'not-due-yet', detail: failure.message });
      expect(await acceptedUpdates(handle)).toBe(0);
      await handle.terminate('test done');
    });
  });

  it('recordLifecycle - erasure fails - waits visibly in erasure-failed until a coordinator retries', async () => {
    const recordId = uniqueId('R');
    const failures: string[] = [];
    // The batch fails on the record, then its own erasure fails too: erasure-failed.
    const acts = standIns({ eraseFailures: 2, failures });
    await withWorker(layer.bundle, acts, async (tq) => {
      const handle = await start(tq, recordId);
      await until(handle, 'due');
      await release(handle, acts);
      const failed = await eventually('erasure-failed', async () => {
        const status = await handle.query(statusQuery);
        return status.phase === 'erasure-failed' ? status : undefined;
      });
      expect(failed.lastError).toBe('erasure failed after retries: source system refused the delete');
      expect(failed.allowedActions).toEqual(['retry']);
      // A later purge run does not pick it up again: a coordinator decides.
      expect(releaseRefusalOf(await refusedWith(release(handle, acts, 'purge-run-later')))?.reason).toBe('erasure-failed');
      await eventually('failure logged', async () => (failures.length === 1 ? true : undefined));
      expect(failures[0]).toContain('source system refused the delete');
      await act(handle, 'retryErasure', { actor: COORDINATOR, reason: 'source system is back' });
      await expect(handle.result()).resolves.toMatchObject({ recordId });
      const status: RecordStatus = await handle.query(statusQuery);
      expect(status.history.map((e) => e.phase)).toEqual([
        'awaiting-cutoff',
        'due',
        'due',
        'erasing',
        'erasing',
        'erasure-failed',
        'due',
        'erasing',
        'verifying',
        'certifying',
        'erased',
      ]);
      expect(status.lastError).toBeUndefined();
      await saveHistory(handle, 'record-erasure-failed-retried-erased');
    });
  });

  it('recordLifecycle - inquiry, explanation, objection, decision to proceed - is erased only after the decision and a release', async () => {
    const recordId = uniqueId('R');
    const erased: string[] = [];
    const erasures: EraseRecordInput[] = [];
    const acts = standIns({ erased, erasures, objectionPeriodMs: 60_000 });
    await withWorker(layer.bundle, acts, async (tq) => {
      const handle = await start(tq, recordId, policyIn(3_000, 3_000));
      await until(handle, 'awaiting-cutoff');
      await act(handle, 'registerInquiry', { actor: COORDINATOR, inquiryId: '7f0c2a9e-0000-4000-8000-000000000011', receivedAt: new Date().toISOString() });
      await act(handle, 'recordConsent', { actor: COORDINATOR, given: true });
      const identified = await act(handle, 'confirmIdentity', { actor: COORDINATOR, method: 'in-person-document', reference: 'BALIE-2024-0117' });
      const identity = { method: 'in-person-document', reference: 'BALIE-2024-0117', confirmedAt: expect.any(String) };
      expect(identified).toMatchObject({ phase: 'consultation', inquiry: { identity } });
      expect(identified.history.at(-1)?.note).toBe(
        "requester's identity confirmed (in-person-document, reference BALIE-2024-0117); open for a screened consultation",
      );
      expect((await act(handle, 'sendExplanation', { actor: REVIEWER, language: 'en' })).phase).toBe('explanation-sent');
      const held = await act(handle, 'fileObjection', { actor: COORDINATOR, reference: 'BEZW-2024-1' });
      expect(held).toMatchObject({ phase: 'on-hold', allowedActions: ['decide', 'hold'] });
      // The cutoff passes while the objection waits: nothing is released.
      expect(releaseRefusalOf(await refusedWith(release(handle, acts)))?.reason).toBe('objection-on-hold');
      await act(handle, 'decideObjection', { actor: OFFICER, outcome: 'proceed', reason: 'objection unfounded', decisionRef: 'BESL-2024-9' });
      await eventually(
        'releasable',
        async () =>
          await release(handle, acts).then(
            () => true,
            () => undefined,
          ),
      );
      await handle.result();
      expect(erased).toEqual([recordId]);
      expect((await handle.query(statusQuery)).decisions).toEqual([{ outcome: 'proceed', decisionRef: 'BESL-2024-9', at: expect.any(String) }]);
      // The certificate is given the method and reference, and the coordinator's signed confirmation beside the decision.
      expect(erasures).toEqual([expect.objectContaining({ identity })]);
      expect(erasures[0]?.decisions?.map((d) => [d.action, d.body.method, d.body.reference])).toEqual([
        ['confirmIdentity', 'in-person-document', 'BALIE-2024-0117'],
        ['decideObjection', undefined, undefined],
      ]);
      await saveHistory(handle, 'record-inquiry-objection-proceed-erased');
    });
  });

  it('recordLifecycle - consent refused - goes back to awaiting the cutoff and is erased after it like any record', async () => {
    const recordId = uniqueId('R');
    const acts = standIns();
    await withWorker(layer.bundle, acts, async (tq) => {
      const handle = await start(tq, recordId, policyIn(2_000, 2_000));
      await until(handle, 'awaiting-cutoff');
      await act(handle, 'registerInquiry', { actor: COORDINATOR, inquiryId: '7f0c2a9e-0000-4000-8000-000000000012', receivedAt: new Date().toISOString() });
      expect((await act(handle, 'recordConsent', { actor: COORDINATOR, given: false })).phase).toBe('awaiting-cutoff');
      await until(handle, 'due');
      await release(handle, acts);
      await handle.result();
      expect((await handle.query(statusQuery)).history.map((e) => e.action ?? e.phase)).toEqual([
        'awaiting-cutoff',
        'inquiry',
        'consent',
        'due',
        'due',
        'erasing',
        'verifying',
        'certifying',
        'erased',
      ]);
      await saveHistory(handle, 'record-consent-refused-erased');
    });
  });

  it('recordLifecycle - legal hold on a due record - refuses the release until the hold is released, then erases', async () => {
    const recordId = uniqueId('R');
    const acts = standIns();
    await withWorker(layer.bundle, acts, async (tq) => {
      const handle = await start(tq, recordId);
      await until(handle, 'due');
      await act(handle, 'placeHold', { actor: OFFICER, reference: 'HOLD-2024-3', reason: 'court order pending' });
      const failure = await refusedWith(release(handle, acts));
      expect(releaseRefusalOf(failure)).toEqual({ reason: 'legal-hold', detail: expect.stringContaining('is on legal hold HOLD-2024-3 since') });
      const wrong = await refusedWith(act(handle, 'releaseHold', { actor: OFFICER, reference: 'HOLD-OTHER' }));
      expect(wrong.type).toBe(refusalTypes.state);
      expect(wrong.details).toEqual([{ action: 'release', allowedNow: ['release'] }]);
      await act(handle, 'releaseHold', { actor: OFFICER, reference: 'HOLD-2024-3' });
      await release(handle, acts);
      await handle.result();
      await saveHistory(handle, 'record-legal-hold-released-erased');
    });
  });

  it('recordLifecycle - started again by a purge run with the release as its signal - erases once it has caught up with time', async () => {
    const recordId = uniqueId('R');
    const erased: string[] = [];
    const acts = standIns({ erased });
    await withWorker(layer.bundle, acts, async (tq) => {
      const handle = await layer.client.workflow.signalWithStart<typeof recordLifecycle, [{ runRef: string }]>(workflowTypes.recordLifecycle, {
        workflowId: recordWorkflowId(recordId),
        taskQueue: tq,
        args: [{ recordId, dossier: 'D-WF', systems: ['case-admin'], policy: policyIn(-1_000, -1_000), actionKeys: testActionKeys }],
        signal: releaseSignal,
        signalArgs: [{ runRef: 'purge-run-restart' }],
      });
      await handle.result();
      expect(erased).toEqual([recordId]);
      expect((await handle.query(statusQuery)).history.map((e) => e.note)).toContain(
        'released for erasure by purge run purge-run-restart (lifecycle restarted by the run)',
      );
      await saveHistory(handle, 'record-restarted-by-run-erased');
    });
  });

  it('workflow bundle - holds no time-zone database: luxon stays at the edge (policy files, letters, the CLI)', () => {
    // Where luxon appears, if it does: a few characters around it, not the whole bundle in the failure message.
    const at = layer.bundle.code.indexOf('luxon');
    expect(at === -1 ? undefined : layer.bundle.code.slice(Math.max(0, at - 80), at + 80)).toBeUndefined();
  });

  it('recordLifecycle - object after the objection period - is refused saying when the period ended', async () => {
    const recordId = uniqueId('R');
    const explained: { timeZone?: string }[] = [];
    const activities: Partial<Activities> = {
      ...standIns(),
      async sendExplanation(input) {
        explained.push(input);
        const sentAt = new Date();
        return { messageId: `<${recordId}@test.invalid>`, sentAt: sentAt.toISOString(), objectionPeriodEnds: new Date(sentAt.getTime() + 2_000).toISOString() };
      },
    };
    await withWorker(layer.bundle, activities, async (tq) => {
      const policy = { ...policyIn(3_600_000, 3_600_000), timeZone: 'UTC', objectionPeriod: '2s' };
      const handle = await start(tq, recordId, policy);
      await until(handle, 'awaiting-cutoff');
      await act(handle, 'registerInquiry', { actor: COORDINATOR, inquiryId: '7f0c2a9e-0000-4000-8000-000000000002', receivedAt: new Date().toISOString() });
      await act(handle, 'recordConsent', { actor: COORDINATOR, given: true });
      await act(handle, 'confirmIdentity', { actor: COORDINATOR, method: 'electronic-identity', reference: 'EID-2024-00031' });
      const sent = await act(handle, 'sendExplanation', { actor: REVIEWER, language: 'nl' });
      // The letter gives the end of the objection period in the policy's zone.
      expect(explained).toEqual([expect.objectContaining({ timeZone: 'UTC' })]);
      const { objectionPeriodEnds, explanationSentAt } = sent.inquiry!;
      await until(handle, 'due');
      const failure = await refusedWith(act(handle, 'fileObjection', { actor: COORDINATOR, reference: 'BEZW-LATE' }));
      expect(failure.message).toBe(
        `object refused: the objection period of record ${recordId} ended on ${objectionPeriodEnds} (2s after the explanation was sent on ${explanationSentAt}); ` +
          `record ${recordId} is due for destruction from ${policy.purgeStart}. Allowed now: hold`,
      );
      expect(failure.details).toEqual([{ action: 'object', allowedNow: ['hold'] }]);
      await handle.terminate('test done');
    });
  });

  it('recordLifecycle - retry in the wrong phase, or by the wrong role - is refused with a typed reason and leaves no history event', async () => {
    const recordId = uniqueId('R');
    const acts = standIns();
    await withWorker(layer.bundle, acts, async (tq) => {
      const policy = policyIn(3_600_000, 7_200_000);
      const handle = await start(tq, recordId, policy);
      await until(handle, 'awaiting-cutoff');
      const failure = await refusedWith(act(handle, 'retryErasure', { actor: COORDINATOR, reason: 'try again' }));
      expect(failure.type).toBe(refusalTypes.state);
      expect(failure.message).toBe(
        `retry refused: record ${recordId} is in awaiting-cutoff until ${policy.inquiryCutoff}; only a record in erasure-failed (or waiting for a purge wave's batch) can be retried. Allowed now: inquiry, hold`,
      );
      const role = await refusedWith(act(handle, 'placeHold', { actor: COORDINATOR, reference: 'HOLD-1', reason: 'court order' }));
      expect(role).toMatchObject({ type: refusalTypes.role, message: 'hold refused: it is for the role privacy-officer, not coordinator (cora)' });
      const invalid = await refusedWith(act(handle, 'placeHold', { actor: OFFICER, reference: 'a reference with spaces', reason: 'court order' }));
      expect(invalid.type).toBe(refusalTypes.invalid);
      expect(await acceptedUpdates(handle)).toBe(0);
      expect((await handle.query(statusQuery)).history.map((e) => e.phase)).toEqual(['awaiting-cutoff']);
      await handle.terminate('test done');
    });
  });
});
