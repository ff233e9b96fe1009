import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createPurgeActivities } from '../../activities/purge';
import { decisionProblem } from '../../activities/registry/decision-proofs';
import { verifyLedger } from '../../activities/registry/ledger-verify';
import type { SignedDecision } from '../../schemas/signed-action';
import { upsertPurgeSchedule } from '../../infra/purge-schedule';
import { startLifecycles } from '../../cli/start-lifecycles';
import { recordWorkflowId } from '../../schemas/lifecycle';
import { actionUpdates, approveWaveUpdate, purgeProgressQuery, statusQuery } from '../../workflows';
import { personRows, seedBulk, seedRecords } from '../helpers/fixtures';
import { decisions, decodedText } from '../helpers/history';
import { until } from '../helpers/poll';
import { runPurge, startPurge, TEST_STARTER } from '../helpers/purge';
import { connectClient, eventually, openDatabases, policyIn, uniqueId, type Databases, testActionKeys, signed, testActionSigner } from '../helpers/services';
import { bundleWorkflows, realPurgeRunActivities, withWorker } from '../helpers/worker';

const OFFICER = { user: 'otto', role: 'privacy-officer' as const };
const COORDINATOR = { user: 'cora', role: 'coordinator' as const };

describe('purgeRun - the global purge run on the dev server, real registry and case database', () => {
  let bundle: WorkflowBundleWithSourceMap;
  let dbs: Databases;
  let temporal: Awaited<ReturnType<typeof connectClient>>;
  let reportsDir: string;
  beforeAll(async () => {
    bundle = await bundleWorkflows();
    dbs = openDatabases();
    temporal = await connectClient();
    reportsDir = mkdtempSync(join(tmpdir(), 'purge-reports-'));
  });
  afterAll(async () => {
    await temporal.close();
    await dbs.close();
  });

  const activities = () => realPurgeRunActivities(dbs, reportsDir);
  const start = (taskQueue: string, dossier: string) =>
    startLifecycles({ client: temporal.client, registry: dbs.registry, taskQueue, actionKeys: testActionKeys, dossier });
  const certificateDecisions = async (recordId: string): Promise<SignedDecision[]> => {
    const { rows } = await dbs.registry.query<{ body: { decisions?: SignedDecision[] } }>('SELECT body FROM certificates WHERE record_id = $1', [recordId]);
    return rows[0]?.body.decisions ?? [];
  };
  const certificates = async (dossier: string) =>
    Number(
      (
        await dbs.registry.query<{ n: string }>(
          'SELECT count(DISTINCT c.record_id) AS n FROM certificates c JOIN records r USING (record_id) WHERE r.dossier = $1',
          [dossier],
        )
      ).rows[0]?.n,
    );
  const handleOf = (recordId: string) => temporal.client.workflow.getHandle(recordWorkflowId(recordId));
  const releaseEvents = async (recordId: string) =>
    ((await handleOf(recordId).fetchHistory()).events ?? []).filter(
      (e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === 'releaseForErasure',
    ).length;
  const waitForPhase = (recordId: string, phase: string) =>
    eventually(`record ${recordId} in ${phase}`, async () => ((await handleOf(recordId).query(statusQuery)).phase === phase ? true : undefined));

  it('purgeRun - 1000 due records in waves of 100, continuing as new - erases all 1000 with exactly one certificate each', async () => {
    const { dossier, recordIds, personIds } = await seedBulk(dbs, policyIn(-2_000, -1_000), 1000);
    await withWorker(bundle, activities(), async (tq) => {
      await expect(start(tq, dossier)).resolves.toEqual({ started: 1000, alreadyPresent: 0, inquiriesNotified: 0 });
      const handle = await startPurge(temporal.client, tq, { dossier, settings: { waveSize: 100 }, continueAsNewAfterEvents: 50 });
      const began = Date.now();
      const report = await handle.result();
      console.log(`purge of 1000 records: ${((Date.now() - began) / 1000).toFixed(1)} s`);
      expect(report).toMatchObject({ candidates: 1000, released: 1000, restarted: 0, erased: 1000, failed: 0, pending: 0, waves: 10, skipped: {} });
      // The run carried its cursor and counts through continue-as-new, not 1000 ids.
      const latest = temporal.client.workflow.getHandle(handle.workflowId);
      expect((await latest.describe()).runId).not.toBe(handle.firstExecutionRunId);
      const history = JSON.stringify((await latest.fetchHistory()).events);
      expect(history).not.toContain(recordIds[500]);

      const events = (await handleOf(recordIds[0] as string).fetchHistory()).events ?? [];
      console.log(`history events of one record on the common path: ${events.length}`);
      expect(events.length).toBeLessThanOrEqual(20);
    });
    expect(await certificates(dossier)).toBe(1000);
    const perRecord = await dbs.registry.query<{ n: string }>(
      'SELECT count(*) AS n FROM certificates c JOIN records r USING (record_id) WHERE r.dossier = $1 GROUP BY c.record_id HAVING count(*) > 1',
      [dossier],
    );
    expect(perRecord.rowCount).toBe(0);
    const left = await dbs.caseAdmin.query<{ n: string }>('SELECT count(*) AS n FROM persons WHERE id = ANY($1)', [personIds]);
    expect(Number(left.rows[0]?.n)).toBe(0);
    const stored = await dbs.registry.query<{ report: { erased: number } }>(
      "SELECT report FROM purge_runs WHERE report->>'candidates' = '1000' AND run_ref LIKE 'purge-run-%' ORDER BY started_at DESC LIMIT 1",
    );
    expect(stored.rows[0]?.report.erased).toBe(1000);
  }, 240_000);

  it('purgeRun - dry run, then a real run - the dry run changes nothing; records on legal hold are skipped and reported, and released by a later run', async () => {
    const records = await seedRecords(dbs, policyIn(-2_000, -1_000), 3);
    const [held, ...free] = records;
    const dossier = held!.dossier;
    await withWorker(bundle, activities(), async (tq) => {
      await start(tq, dossier);
      for (const r of records) await waitForPhase(r.recordId, 'due');
      await handleOf(held!.recordId).executeUpdate(actionUpdates.placeHold, {
        args: [signed(recordWorkflowId(held!.recordId), actionUpdates.placeHold, { actor: OFFICER, reference: 'COURT-2024-9', reason: 'court order' })],
      });

      const dry = await runPurge(temporal.client, tq, { dossier, dryRun: true });
      expect(dry).toMatchObject({ dryRun: true, candidates: 3, released: 2, restarted: 0, erased: 0, skipped: { 'legal-hold': 1 } });
      expect(dry.wouldDestroy).toEqual([{ dossier, system: 'case-admin', records: 2, locations: 2 }]);
      const lines = readFileSync(dry.reportFile!, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines).toEqual(
        expect.arrayContaining([
          { recordId: held!.recordId, dossier, skipped: 'legal-hold' },
          ...free.map((r) => ({ recordId: r.recordId, dossier, wouldDestroy: { 'case-admin': 1 } })),
        ]),
      );
      expect(lines).toHaveLength(3);
      // Nothing changed: rows, certificates, phases, and no release in any record's history.
      for (const r of records) {
        expect((await personRows(dbs.caseAdmin, r.person.personId)).persons).toBe(1);
        expect(await releaseEvents(r.recordId)).toBe(0);
      }
      expect(await certificates(dossier)).toBe(0);
      expect((await handleOf(free[0]!.recordId).query(statusQuery)).phase).toBe('due');

      const real = await runPurge(temporal.client, tq, { dossier });
      expect(real).toMatchObject({ dryRun: false, candidates: 3, released: 2, erased: 2, failed: 0, pending: 0, skipped: { 'legal-hold': 1 } });
      expect((await personRows(dbs.caseAdmin, held!.person.personId)).persons).toBe(1);
      expect((await handleOf(held!.recordId).query(statusQuery)).phase).toBe('on-hold');

      await handleOf(held!.recordId).executeUpdate(actionUpdates.releaseHold, {
        args: [signed(recordWorkflowId(held!.recordId), actionUpdates.releaseHold, { actor: OFFICER, reference: 'COURT-2024-9' })],
      });
      const later = await runPurge(temporal.client, tq, { dossier });
      expect(later).toMatchObject({ candidates: 1, released: 1, erased: 1, skipped: {} });
    });
    expect(await certificates(dossier)).toBe(3);
    // The held record's certificate keeps who placed and released the hold, as the service signed it.
    const kept = await certificateDecisions(held!.recordId);
    expect(kept.map((d) => [d.action, d.actor.user])).toEqual([
      ['placeHold', 'otto'],
      ['releaseHold', 'otto'],
    ]);
    for (const d of kept) expect(decisionProblem(d, testActionKeys)).toBeUndefined();
  }, 120_000);

  it('purgeRun - approval gate - holds each wave until a privacy officer approves it and refuses anyone else', async () => {
    const records = await seedRecords(dbs, policyIn(-2_000, -1_000), 3);
    const dossier = records[0]!.dossier;
    await withWorker(bundle, activities(), async (tq) => {
      await start(tq, dossier);
      for (const r of records) await waitForPhase(r.recordId, 'due');
      const run = await startPurge(temporal.client, tq, { dossier, settings: { waveSize: 2, approvalRequired: true } });
      const awaiting = (wave: number) =>
        eventually(`wave ${wave} awaiting approval`, async () => {
          const p = await run.query(purgeProgressQuery);
          return p.stage === 'awaiting-approval' && p.awaitingApprovalOfWave === wave ? p : undefined;
        });
      await awaiting(1);
      const refused = await run
        .executeUpdate(approveWaveUpdate, { args: [signed(run.workflowId, approveWaveUpdate, { actor: COORDINATOR, wave: 1 })] })
        .catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
      expect((refused as WorkflowUpdateFailedError).cause?.message).toContain('for the role privacy-officer, not coordinator (cora)');
      const wrongWave = await run
        .executeUpdate(approveWaveUpdate, { args: [signed(run.workflowId, approveWaveUpdate, { actor: OFFICER, wave: 2 })] })
        .catch((err: unknown) => err);
      expect((wrongWave as WorkflowUpdateFailedError).cause?.message).toContain('waits for the approval of wave 1, not wave 2');
      // Held: the progress, answered after the refusals, still waits for wave 1 (an accepted
      // approval would have had the run release in that same workflow task), the run's history
      // holds no approval and no release, and no record got one.
      expect(await run.query(purgeProgressQuery)).toMatchObject({ stage: 'awaiting-approval', awaitingApprovalOfWave: 1, totals: { released: 0, waves: 0 } });
      expect(decisions(await run.fetchHistory()).filter((d) => d.startsWith('update') || d === 'activity:releasePage')).toEqual([]);
      for (const r of records) expect(await releaseEvents(r.recordId)).toBe(0);
      expect(await certificates(dossier)).toBe(0);

      await expect(run.executeUpdate(approveWaveUpdate, { args: [signed(run.workflowId, approveWaveUpdate, { actor: OFFICER, wave: 1 })] })).resolves.toEqual({
        wave: 1,
        approvedBy: 'otto',
      });
      await awaiting(2);
      expect((await run.query(purgeProgressQuery)).totals).toMatchObject({ released: 2, waves: 1 });
      await run.executeUpdate(approveWaveUpdate, { args: [signed(run.workflowId, approveWaveUpdate, { actor: OFFICER, wave: 2 })] });
      await expect(run.result()).resolves.toMatchObject({ released: 3, erased: 3, waves: 2 });
      // Each certificate names the approval that released its record, with the service's signature an auditor checks offline.
      const waves: number[] = [];
      for (const r of records) {
        const kept = await certificateDecisions(r.recordId);
        expect(kept).toEqual([expect.objectContaining({ action: 'approveWave', actor: OFFICER, workflowId: run.workflowId })]);
        waves.push((kept[0]!.body as { wave: number }).wave);
        expect(decisionProblem(kept[0]!, testActionKeys)).toBeUndefined();
        expect(decisionProblem({ ...kept[0]!, body: { ...kept[0]!.body, wave: 9 } }, testActionKeys)).toMatch(/does not verify$/);
      }
      // Which records a wave releases is the registry's order; two went with wave 1, one with wave 2.
      expect(waves.sort()).toEqual([1, 1, 2]);
      expect(await verifyLedger(dbs.registry, undefined, undefined, testActionKeys)).toMatchObject({ signedDecisions: expect.any(Number) });
      expect((await verifyLedger(dbs.registry, undefined, undefined, testActionKeys)).firstProblem).toBeUndefined();
    });
  }, 120_000);

  it('purgeRun - a case row re-inserted for an erased record - is found by the next run, erased again and flagged', async () => {
    const [record] = await seedRecords(dbs, policyIn(-2_000, -1_000));
    const dossier = record!.dossier;
    await withWorker(bundle, activities(), async (tq) => {
      await start(tq, dossier);
      await expect(runPurge(temporal.client, tq, { dossier })).resolves.toMatchObject({ erased: 1, resurrected: 0 });
      // A restored backup brings the person back.
      await dbs.caseAdmin.query("INSERT INTO persons (id, full_name, residence) VALUES ($1, 'Restored Person', 'Restored Town')", [record!.person.personId]);
      const next = await runPurge(temporal.client, tq, { dossier });
      expect(next).toMatchObject({ candidates: 0, released: 0, reconciled: 1, resurrected: 1 });
      const found = await dbs.registry.query<{ run_ref: string; found: Record<string, number>; verified: boolean }>(
        'SELECT run_ref, found, verified FROM resurrections WHERE record_id = $1',
        [record!.recordId],
      );
      expect(found.rows).toEqual([{ run_ref: next.runRef, found: expect.objectContaining({ persons: 1 }), verified: true }]);
      const flagged = await dbs.registry.query<{ resurrected_at: Date | null }>('SELECT resurrected_at FROM records WHERE record_id = $1', [record!.recordId]);
      expect(flagged.rows[0]?.resurrected_at).toBeInstanceOf(Date);
    });
    expect((await personRows(dbs.caseAdmin, record!.person.personId)).persons).toBe(0);
  }, 120_000);

  it('purgeRun - a lifecycle terminated or missing, and an erasure that keeps failing - restarts the lifecycles, reports the failure with its reason', async () => {
    const records = await seedRecords(dbs, policyIn(-2_000, -1_000), 3);
    const [terminated, missing, failing] = records as [(typeof records)[number], (typeof records)[number], (typeof records)[number]];
    const dossier = terminated.dossier;
    const real = activities();
    const failingActivities = (tq: string, client: Parameters<typeof real>[1]) => {
      const all = real(tq, client);
      const refused = 'case database refused: SQLSTATE 42501';
      return {
        ...all,
        // In the wave's batch the record fails and is handed to its lifecycle, whose own erasure fails too.
        ...createPurgeActivities({
          registry: dbs.registry,
          client,
          taskQueue: tq,
          reportsDir,
          eraseBatch: async (orders) => [
            ...(await all.eraseBatch!(orders.filter((o) => o.recordId !== failing.recordId))),
            ...orders.filter((o) => o.recordId === failing.recordId).map((o) => ({ recordId: o.recordId, failed: refused, retryable: false })),
          ],
        }),
        async eraseRecord(input: Parameters<NonNullable<typeof all.eraseRecord>>[0]) {
          if (input.recordId === failing.recordId) throw ApplicationFailure.nonRetryable(refused, 'INJECTED');
          return all.eraseRecord!(input);
        },
      };
    };
    await withWorker(bundle, failingActivities, async (tq) => {
      await start(tq, dossier);
      for (const r of records) await waitForPhase(r.recordId, 'due');
      await handleOf(terminated.recordId).terminate('operator error');
      await temporal.client.workflowService.deleteWorkflowExecution({
        namespace: 'default',
        workflowExecution: { workflowId: recordWorkflowId(missing.recordId) },
      });
      await eventually('the lifecycle is gone', async () =>
        (await handleOf(missing.recordId)
          .describe()
          .catch((err: unknown) => err)) instanceof WorkflowNotFoundError
          ? true
          : undefined,
      );

      const report = await runPurge(temporal.client, tq, { dossier });
      expect(report).toMatchObject({ candidates: 3, released: 1, restarted: 2, erased: 2, failed: 1, pending: 0 });
      expect(report.failures).toEqual([{ reason: expect.stringContaining('case database refused: SQLSTATE 42501'), records: 1 }]);
      expect((await handleOf(failing.recordId).query(statusQuery)).phase).toBe('erasure-failed');
      // The failure's message is kept encoded in the history (the codec encrypts it): readable with the key only.
      const history = await handleOf(failing.recordId).fetchHistory();
      const failed = history.events?.find((e) => e.activityTaskFailedEventAttributes)?.activityTaskFailedEventAttributes?.failure;
      expect(failed?.message).toBe('Encoded failure');
      expect(failed?.encodedAttributes?.metadata?.encoding && Buffer.from(failed.encodedAttributes.metadata.encoding).toString()).toBe('binary/encrypted');
      expect(await decodedText(failed)).toContain('case database refused: SQLSTATE 42501');
      // The next run skips it: a coordinator decides on a retry.
      await expect(runPurge(temporal.client, tq, { dossier })).resolves.toMatchObject({ candidates: 1, released: 0, skipped: { 'erasure-failed': 1 } });
    });
    expect((await personRows(dbs.caseAdmin, terminated.person.personId)).persons).toBe(0);
    expect((await personRows(dbs.caseAdmin, missing.person.personId)).persons).toBe(0);
    expect((await personRows(dbs.caseAdmin, failing.person.personId)).persons).toBe(1);
  }, 120_000);

  it('purge schedule - paused - starts no new runs, and a paused schedule stops a run before its next wave', async () => {
    const scheduleId = uniqueId('test-purge-schedule');
    const controlId = uniqueId('test-purge-schedule-control');
    const dossier = uniqueId('D-empty');
    const policy = policyIn(-2_000, -1_000);
    await withWorker(bundle, activities(), async (tq) => {
      const signedBy = (id: string) => ({ actionKeys: testActionKeys, startedBy: testActionSigner.signPurgeStart(TEST_STARTER, { scheduleId: id }) });
      await upsertPurgeSchedule(temporal.client, { policy, taskQueue: tq, every: '2s', scheduleId, dossier, ...signedBy(scheduleId) });
      // The same spec, never paused: its actions show when the paused schedule's times have come.
      await upsertPurgeSchedule(temporal.client, {
        policy,
        taskQueue: tq,
        every: '2s',
        scheduleId: controlId,
        dossier: uniqueId('D-empty'),
        ...signedBy(controlId),
      });
      const schedule = temporal.client.schedule.getHandle(scheduleId);
      const control = temporal.client.schedule.getHandle(controlId);
      /** Times the control has acted on: it started a run, or skipped one because its last run still went on. */
      const controlTimesActedOn = async () => {
        const { info } = await control.describe();
        return info.numActionsTaken + info.numActionsSkippedOverlap;
      };
      try {
        await until('a scheduled run', async () => (await schedule.describe()).info.numActionsTaken >= 1);
        await schedule.pause('test: pause');
        const taken = (await schedule.describe()).info.numActionsTaken;
        const controlBefore = await controlTimesActedOn();
        // Two more times of the spec have come and gone (the control acted on them), the first well past.
        await until('the unpaused control schedule to act on two more times', controlTimesActedOn, { accept: (n) => n >= controlBefore + 2 });
        const after = await schedule.describe();
        expect(after.state.paused).toBe(true);
        expect(after.info.numActionsTaken).toBe(taken);

        const purge = createPurgeActivities({ registry: dbs.registry, client: temporal.client, taskQueue: tq, reportsDir });
        await expect(
          purge.releasePage({ runRef: 'paused-check', limit: 10, dossier, scheduleId, actionKeys: testActionKeys, batch: 1 }),
        ).resolves.toMatchObject({
          paused: true,
          released: 0,
        });
      } finally {
        await Promise.all([schedule.delete(), control.delete()]);
      }
    });
  }, 90_000);
});
