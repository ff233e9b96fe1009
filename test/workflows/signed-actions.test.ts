import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import type { Activities } from '../../activities';
import { recordWorkflowId, type LifecyclePhase } from '../../schemas/lifecycle';
import { actionUpdates, approveWaveUpdate, purgeProgressQuery, refusalTypes, statusQuery, workflowTypes, type recordLifecycle } from '../../workflows';
import { startPurge } from '../helpers/purge';
import { eventually, policyIn, signed, testActionKeys, uniqueId } from '../helpers/services';
import { useWorkflowLayer, withWorker, type AllActivities } from '../helpers/worker';

const COORDINATOR = { user: 'cora', role: 'coordinator' as const };
const REVIEWER = { user: 'rev', role: 'screened-reviewer' as const };
const OFFICER = { user: 'olga', role: 'privacy-officer' as const };
/** An account that holds two roles: it files objections as coordinator and decides them as privacy officer. */
const PAT = { coordinator: { user: 'pat', role: 'coordinator' as const }, officer: { user: 'pat', role: 'privacy-officer' as const } };

const standIns = (): Partial<Activities> => ({
  async sendExplanation({ recordId }) {
    const sentAt = new Date();
    return { messageId: `<${recordId}@test.invalid>`, sentAt: sentAt.toISOString(), objectionPeriodEnds: new Date(sentAt.getTime() + 3_600_000).toISOString() };
  },
  async notifyCoordinators() {
    return { messageId: '<alert@test.invalid>' };
  },
});

/** The failure a validator refused with (the client's WorkflowUpdateFailedError's cause). */
const refusal = async (work: Promise<unknown>): Promise<ApplicationFailure> => {
  const error = await work.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
  return (error as WorkflowUpdateFailedError).cause as ApplicationFailure;
};

/** The update ids the workflow accepted, from its history: a refused update leaves none. */
const acceptedUpdateIds = async (handle: WorkflowHandle) =>
  ((await handle.fetchHistory()).events ?? []).flatMap((e) => {
    const accepted = e.workflowExecutionUpdateAcceptedEventAttributes;
    return accepted ? [accepted.acceptedRequest?.meta?.updateId ?? '?'] : e.workflowExecutionUpdateAdmittedEventAttributes ? ['admitted'] : [];
  });

describe('signed actions - a raw Temporal client on a real dev server', () => {
  const layer = useWorkflowLayer();

  const start = (tq: string, recordId: string, policy = policyIn(3_600_000, 7_200_000)) =>
    layer.client.workflow.start<typeof recordLifecycle>(workflowTypes.recordLifecycle, {
      workflowId: recordWorkflowId(recordId),
      taskQueue: tq,
      args: [{ recordId, dossier: 'D-SIG', systems: ['case-admin'], policy, actionKeys: testActionKeys }],
    });
  const phaseIs = (handle: WorkflowHandle, phase: LifecyclePhase) =>
    eventually(phase, async () => ((await handle.query(statusQuery)).phase === phase ? true : undefined));

  it('recordLifecycle - unsigned, forged role, replayed and signed-for-another-record updates - are each refused as NotAuthentic and never enter history', async () => {
    const [recordId, otherId] = [uniqueId('R'), uniqueId('R')];
    await withWorker(layer.bundle, standIns(), async (tq) => {
      const handle = await start(tq, recordId);
      await phaseIs(handle, 'awaiting-cutoff');
      const send = (payload: object, updateId: string) => handle.executeUpdate(actionUpdates.placeHold, { args: [payload as never], updateId });
      const hold = { actor: OFFICER, reference: 'HOLD-2024-1', reason: 'court order pending' };

      // (a) unsigned: what any Temporal client could send before.
      const unsigned = await refusal(send(hold, 'unsigned'));
      expect(unsigned.type).toBe(refusalTypes.unsigned);
      expect(unsigned.message).toBe(
        `hold refused: the action is not signed by the erasure service (it carries no proof): send it through the service (\`erasure hold ${recordId} …\`)`,
      );
      // (b) the service signed a coordinator's request; the client rewrote the role to privacy-officer.
      const asCoordinator = signed(handle.workflowId, actionUpdates.placeHold, { ...hold, actor: COORDINATOR });
      const forged = await refusal(send({ ...asCoordinator, actor: { ...COORDINATOR, role: 'privacy-officer' } }, 'forged-role'));
      expect(forged.type).toBe(refusalTypes.unsigned);
      expect(forged.message).toMatch(/its signature does not match this action on record-.* \(placeHold\)/);
      // (d) a valid signature, for another record.
      const forOther = await refusal(send(signed(recordWorkflowId(otherId), actionUpdates.placeHold, hold), 'other-record'));
      expect(forOther.type).toBe(refusalTypes.unsigned);
      expect(forOther.message).toMatch(/its signature does not match this action on/);
      expect(await acceptedUpdateIds(handle)).toEqual([]);

      // The genuine action is taken; (c) the same signed payload sent again is a replay.
      const genuine = signed(handle.workflowId, actionUpdates.placeHold, hold);
      await expect(send(genuine, 'genuine')).resolves.toMatchObject({ phase: 'on-hold' });
      const replay = await refusal(send(genuine, 'replay'));
      expect(replay.type).toBe(refusalTypes.unsigned);
      expect(replay.message).toContain(`its nonce ${genuine.proof.nonce} was used before in ${handle.workflowId} (a replay)`);

      // Only the genuine update is in the history.
      expect(await acceptedUpdateIds(handle)).toEqual(['genuine']);
      const status = await handle.query(statusQuery);
      // The event names who acted and the nonce of the service's proof.
      expect(status.history.filter((e) => e.action === 'hold').map((e) => [e.by, e.nonce])).toEqual([['olga (privacy-officer)', genuine.proof.nonce]]);
      await handle.terminate('test done');
    });
  });

  it('recordLifecycle - four eyes - the account that filed the objection may not decide to proceed, even as privacy officer; another privacy officer may', async () => {
    const recordId = uniqueId('R');
    await withWorker(layer.bundle, standIns(), async (tq) => {
      const handle = await start(tq, recordId);
      await phaseIs(handle, 'awaiting-cutoff');
      const act = (name: keyof typeof actionUpdates, payload: object) =>
        handle.executeUpdate(actionUpdates[name] as typeof actionUpdates.placeHold, { args: [signed(handle.workflowId, name, payload) as never] });
      await act('registerInquiry', { actor: COORDINATOR, inquiryId: randomUUID(), receivedAt: new Date().toISOString() });
      await act('recordConsent', { actor: COORDINATOR, given: true });
      await act('confirmIdentity', { actor: COORDINATOR, method: 'in-person-document', reference: 'BALIE-2024-0007' });
      await act('sendExplanation', { actor: REVIEWER, language: 'nl' });
      await act('fileObjection', { actor: PAT.coordinator, reference: 'BEZW-2024-7' });
      const decision = { outcome: 'proceed', reason: 'objection unfounded', decisionRef: 'BESL-2024-7' };
      const same = await refusal(act('decideObjection', { actor: PAT.officer, ...decision }));
      expect(same.type).toBe(refusalTypes.fourEyes);
      expect(same.message).toBe('decide refused: a decision to proceed needs a privacy officer other than pat, who filed the objection');
      await expect(act('decideObjection', { actor: OFFICER, ...decision })).resolves.toMatchObject({ phase: 'due' });
      await handle.terminate('test done');
    });
  });

  it('purgeRun - an unsigned approval, and one by the privacy officer who started the run - are refused and never enter history', async () => {
    const starter = { user: 'sam', role: 'privacy-officer' as const };
    const stand: Partial<AllActivities> = {
      async beginPurgeRun() {
        return { candidates: 1 };
      },
      async countDue() {
        return 1;
      },
    };
    await withWorker(layer.bundle, stand, async (tq) => {
      const run = await startPurge(layer.client, tq, { dossier: uniqueId('D'), settings: { waveSize: 1, approvalRequired: true } }, starter);
      await eventually('the run waiting for approval', async () => ((await run.query(purgeProgressQuery)).awaitingApprovalOfWave === 1 ? true : undefined));
      const unsigned = await refusal(run.executeUpdate(approveWaveUpdate, { args: [{ actor: OFFICER, wave: 1 }] }));
      expect(unsigned.type).toBe(refusalTypes.unsigned);
      const own = await refusal(run.executeUpdate(approveWaveUpdate, { args: [signed(run.workflowId, approveWaveUpdate, { actor: starter, wave: 1 })] }));
      expect(own.type).toBe(refusalTypes.fourEyes);
      expect(own.message).toBe(`approval refused: approving a wave needs a privacy officer other than sam, who started run ${run.workflowId}`);
      expect(await acceptedUpdateIds(run)).toEqual([]);
      await run.terminate('test done');
    });
  });
});
