import { WorkflowFailedError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { ReconcileCounts } from '../../activities';
import type { PageRequest, ReleasePageResult } from '../../activities/purge';
import type { RunProgress } from '../../activities/registry/purge-runs';
import type { ReconcileRequest } from '../../activities/registry/reconcile';
import type { PurgeProgress, PurgeReport, PurgeRunInput, PurgeTotals, SkipReason } from '../../schemas/purge';
import { approveWaveUpdate, purgeProgressQuery, type purgeRun } from '../../workflows';
import { decisions, decodedValues, historyText } from '../helpers/history';
import { until } from '../helpers/poll';
import { startPurge, type TestPurgeInput } from '../helpers/purge';
import { saveHistory } from '../helpers/record-history';
import { signed, uniqueId } from '../helpers/services';
import { useWorkflowLayer, withWorker, type AllActivities } from '../helpers/worker';

const OFFICER = { user: 'otto', role: 'privacy-officer' as const };
const COORDINATOR = { user: 'cora', role: 'coordinator' as const };
const DOSSIER = 'D-WF-PURGE';

interface Call {
  readonly name: string;
  readonly input: Record<string, unknown>;
  readonly at: number;
}

interface StandInOptions {
  /** The due records, in the registry's (cursor) order. */
  readonly due: readonly string[];
  /** Records whose lifecycle refuses the release, with the counted reason. */
  readonly skip?: Readonly<Record<string, SkipReason>>;
  /** Records whose lifecycle was missing and is restarted. */
  readonly restart?: readonly string[];
  /** From this releasePage call on (1-based), the schedule is paused. */
  readonly pausedFromCall?: number;
  /** Pages of re-checked erasures, in order; the cursor moves to the next while there is one. */
  readonly reconcile?: readonly Omit<ReconcileCounts, 'nextCursor' | 'scanned'>[];
  /** What the registry says of the released records, per purgeProgress call (1-based). */
  readonly settle?: (call: number, released: number) => Partial<RunProgress>;
}

/**
 * Stand-ins for the purge run's activities: an in-memory registry of due records that
 * records every call. Like the real ones they answer with counts and a cursor only.
 */
function purgeStandIns(options: StandInOptions) {
  const calls: Call[] = [];
  const releases: { actionKeys: readonly string[]; approvedBy?: unknown }[] = [];
  const batches: number[] = [];
  /** Every record a releasePage looked at, in order (a record twice is a bug). */
  const lookedAt: string[] = [];
  const released: string[] = [];
  const record = (name: string, input: object) => calls.push({ name, input: { ...input }, at: Date.now() });
  const after = (cursor: string | undefined) => options.due.filter((id) => cursor === undefined || id > cursor);
  const page = (request: PageRequest): { ids: string[]; result: Omit<ReleasePageResult, 'released' | 'restarted' | 'skipped'> } => {
    const ids = after(request.afterRecordId).slice(0, request.limit);
    const last = ids.at(-1);
    return { ids, result: { scanned: ids.length, ...(ids.length === request.limit && last ? { nextCursor: last } : {}) } };
  };
  const outcomes = (ids: readonly string[]) => {
    const skipped: Partial<Record<SkipReason, number>> = {};
    let releasedCount = 0;
    let restarted = 0;
    for (const id of ids) {
      const reason = options.skip?.[id];
      if (reason) skipped[reason] = (skipped[reason] ?? 0) + 1;
      else if (options.restart?.includes(id)) restarted += 1;
      else releasedCount += 1;
    }
    return { released: releasedCount, restarted, skipped };
  };
  let progressCalls = 0;
  const activities: Partial<AllActivities> = {
    async beginPurgeRun(input) {
      record('beginPurgeRun', input);
      return { candidates: options.due.length };
    },
    async countDue(input) {
      record('countDue', input);
      return after(input.afterRecordId).length;
    },
    async releasePage({ actionKeys, approvedBy, batch, ...input }) {
      // The keys, the wave's signed approval and the batch number are recorded apart: the assertions below read the page request.
      batches.push(batch);
      record('releasePage', input);
      releases.push({ actionKeys, ...(approvedBy ? { approvedBy } : {}) });
      if (options.pausedFromCall !== undefined && calls.filter((c) => c.name === 'releasePage').length >= options.pausedFromCall) {
        return { scanned: 0, released: 0, restarted: 0, skipped: {}, paused: true };
      }
      const { ids, result } = page(input);
      lookedAt.push(...ids);
      released.push(...ids.filter((id) => !options.skip?.[id]));
      return { ...result, ...outcomes(ids) };
    },
    async dryRunPage(input) {
      record('dryRunPage', input);
      const { ids, result } = page(input);
      return { ...result, ...outcomes(ids) };
    },
    async reconcilePage(input: ReconcileRequest) {
      record('reconcilePage', input);
      const pages = options.reconcile ?? [];
      const index = input.afterRecordId === undefined ? 0 : Number(input.afterRecordId.replace('erased-', ''));
      const counts = pages[index] ?? { checked: 0, resurrected: 0 };
      return { ...counts, scanned: counts.checked, ...(index + 1 < pages.length ? { nextCursor: `erased-${index + 1}` } : {}) };
    },
    async purgeProgress(input) {
      record('purgeProgress', input);
      progressCalls += 1;
      return { released: released.length, restarted: 0, erased: released.length, failed: 0, pending: 0, ...options.settle?.(progressCalls, released.length) };
    },
    async finishPurgeRun(input) {
      record('finishPurgeRun', input);
      const t = input.totals;
      const last = options.settle?.(progressCalls, released.length) ?? {};
      const report: PurgeReport = {
        runRef: input.runRef,
        dryRun: input.dryRun,
        startedAt: input.startedAt,
        finishedAt: new Date().toISOString(),
        durationMs: Date.now() - Date.parse(input.startedAt),
        candidates: t.candidates,
        released: t.released,
        restarted: t.restarted,
        erased: input.dryRun ? 0 : (last.erased ?? released.length),
        pending: input.dryRun ? 0 : (last.pending ?? 0),
        failed: 0,
        failures: [],
        skipped: t.skipped,
        reconciled: t.reconciled,
        resurrected: t.resurrected,
        waves: t.waves,
        ...(input.stoppedBecause ? { stoppedBecause: input.stoppedBecause } : {}),
      };
      return report;
    },
  };
  const of = (name: string) => calls.filter((c) => c.name === name);
  return { activities, calls, of, lookedAt, released, releases };
}

/** Record ids that sort in the order given, distinct per test. */
const recordIds = (n: number) => {
  const tag = uniqueId('R');
  return Array.from({ length: n }, (_, i) => `${tag}-${String(i + 1).padStart(3, '0')}`);
};

const refusal = async (work: Promise<unknown>): Promise<string> => {
  const error = await work.catch((err: unknown) => err);
  expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
  return (error as WorkflowUpdateFailedError).cause?.message ?? '';
};

type Run = WorkflowHandle<typeof purgeRun>;
const progressOf = (run: Run) => run.query(purgeProgressQuery);
const awaitingWave = (run: Run, wave: number) =>
  until(`the run to wait for the approval of wave ${wave}`, () => progressOf(run), {
    accept: (p: PurgeProgress) => p.stage === 'awaiting-approval' && p.awaitingApprovalOfWave === wave,
  });

describe('purgeRun - with stand-in activities on a real dev server', () => {
  const layer = useWorkflowLayer();

  const start = (tq: string, input: TestPurgeInput) => startPurge(layer.client, tq, { dossier: DOSSIER, ...input });

  it('purgeRun - 5 due records in waves of 2 - pages by cursor, looks at each record once, re-checks page by page, settles and reports the sums', async () => {
    const ids = recordIds(5);
    const [a, b, c, d, e] = ids as [string, string, string, string, string];
    const stand = purgeStandIns({
      due: ids,
      skip: { [b]: 'legal-hold', [d]: 'objection-period', [e]: 'legal-hold' },
      restart: [c],
      reconcile: [
        { checked: 500, resurrected: 1 },
        { checked: 120, resurrected: 0 },
      ],
      // Two records still being erased at the first look, none at the second.
      settle: (call) => (call === 1 ? { pending: 2, erased: 0 } : { pending: 0, erased: 2 }),
    });
    await withWorker(layer.bundle, stand.activities, async (tq) => {
      const run = await start(tq, { settings: { waveSize: 2 } });
      const report = await run.result();
      const runRef = run.workflowId;

      expect(stand.of('beginPurgeRun').map((c) => c.input)).toEqual([expect.objectContaining({ runRef, dryRun: false, scheduled: false, dossier: DOSSIER })]);
      // Each wave starts after the last record of the one before; the dossier limits every page.
      expect(stand.of('releasePage').map((c) => c.input)).toEqual([
        { runRef, limit: 2, dossier: DOSSIER },
        { runRef, limit: 2, dossier: DOSSIER, afterRecordId: b },
        { runRef, limit: 2, dossier: DOSSIER, afterRecordId: d },
      ]);
      expect(stand.lookedAt).toEqual(ids);
      expect(stand.of('countDue')).toEqual([]); // no approval asked for
      expect(stand.of('dryRunPage')).toEqual([]);
      // Re-checks page until no cursor, only erasures from before this run, on the same dossier.
      expect(stand.of('reconcilePage').map((c) => c.input)).toEqual([
        { runRef, limit: 500, sample: 1, erasedBefore: report.startedAt, dossier: DOSSIER },
        { runRef, limit: 500, sample: 1, erasedBefore: report.startedAt, dossier: DOSSIER, afterRecordId: 'erased-1' },
      ]);
      // Settling asks again while records are pending, and stops at pending 0 (the timeout is 6 h).
      expect(stand.of('purgeProgress').map((c) => c.input)).toEqual([{ runRef }, { runRef }]);
      const totals: PurgeTotals = {
        candidates: 5,
        released: 1,
        restarted: 1,
        skipped: { 'legal-hold': 2, 'objection-period': 1 },
        reconciled: 620,
        resurrected: 1,
        waves: 3,
        // One release chunk per wave here (waves of 2, chunks of up to 100).
        batches: 3,
      };
      expect(stand.of('finishPurgeRun').map((c) => c.input)).toEqual([{ runRef, dryRun: false, startedAt: report.startedAt, totals }]);
      const { batches, ...reported } = totals;
      expect(batches).toBe(3);
      expect(report).toMatchObject({ runRef, dryRun: false, ...reported, erased: 2, pending: 0 });
      expect(report).not.toHaveProperty('stoppedBecause');
      expect(await progressOf(run)).toEqual({
        runRef,
        dryRun: false,
        stage: 'done',
        wave: 3,
        totals,
        settled: { released: 2, restarted: 0, erased: 2, failed: 0, pending: 0 },
      });

      // Cursors are the only record ids in the history: no page's list of ids.
      const text = await historyText(run);
      for (const id of [a, c, e]) expect(text).not.toContain(id);
      expect(text).toContain(b); // the control: the search sees what is there
      expect(decisions(await run.fetchHistory())).toEqual([
        'activity:beginPurgeRun',
        'activity:releasePage',
        'activity:releasePage',
        'activity:releasePage',
        'activity:reconcilePage',
        'activity:reconcilePage',
        'activity:purgeProgress',
        'timer',
        'activity:purgeProgress',
        'activity:finishPurgeRun',
        'completed',
      ]);
      await saveHistory(run, 'purge-run-workflow-waves');
    });
  });

  it('purgeRun - 4 due records in waves of 2 - an empty last page ends the release without counting a wave', async () => {
    const ids = recordIds(4);
    const stand = purgeStandIns({ due: ids });
    await withWorker(layer.bundle, stand.activities, async (tq) => {
      const report = await (await start(tq, { settings: { waveSize: 2, reconcileSample: 0 } })).result();
      expect(stand.of('releasePage').map((c) => c.input.afterRecordId)).toEqual([undefined, ids[1], ids[3]]);
      expect(report).toMatchObject({ candidates: 4, released: 4, waves: 2 });
      // A sample of 0 re-checks nothing.
      expect(stand.of('reconcilePage')).toEqual([]);
    });
  });

  it('purgeRun - approval required - releases nothing until a privacy officer approves, refuses the wrong role, the wrong wave and a run not waiting, each without a history event', async () => {
    const ids = recordIds(3);
    const [, b] = ids as [string, string, string];
    let settling = true;
    const stand = purgeStandIns({ due: ids, settle: () => (settling ? { pending: 1, erased: 2 } : { pending: 0, erased: 3 }) });
    await withWorker(layer.bundle, stand.activities, async (tq) => {
      const run = await start(tq, { settings: { waveSize: 2, approvalRequired: true, reconcileSample: 0 } });
      const runRef = run.workflowId;
      await expect(awaitingWave(run, 1)).resolves.toMatchObject({ wave: 0, totals: { released: 0, waves: 0, candidates: 3 } });
      expect(stand.of('countDue').map((c) => c.input)).toEqual([{ dossier: DOSSIER }]);
      expect(stand.of('releasePage')).toEqual([]);
      // What the Temporal UI shows the privacy officer: how to approve.
      const metadata = await run.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
      expect(metadata.currentDetails).toContain(
        `Waiting for a privacy officer to approve wave 1: up to 2 of 3 record(s) still to look at. Approve with \`erasure purge approve ${runRef} --wave 1 --as <privacy officer>\``,
      );

      expect(await refusal(run.executeUpdate(approveWaveUpdate, { args: [signed(run.workflowId, approveWaveUpdate, { actor: COORDINATOR, wave: 1 })] }))).toBe(
        'approval refused: approving a wave is for the role privacy-officer, not coordinator (cora)',
      );
      expect(await refusal(run.executeUpdate(approveWaveUpdate, { args: [signed(run.workflowId, approveWaveUpdate, { actor: OFFICER, wave: 2 })] }))).toBe(
        `approval refused: run ${runRef} waits for the approval of wave 1, not wave 2`,
      );
      expect(await refusal(run.executeUpdate(approveWaveUpdate, { args: [signed(run.workflowId, approveWaveUpdate, { actor: OFFICER, wave: 0 })] }))).toContain(
        'waves are numbered from 1',
      );
      // Answered after the refusals: had one been taken, the run would be releasing (the same workflow task).
      expect(await progressOf(run)).toMatchObject({ stage: 'awaiting-approval', awaitingApprovalOfWave: 1, totals: { released: 0, waves: 0 } });
      expect(decisions(await run.fetchHistory())).toEqual(['activity:beginPurgeRun', 'activity:countDue']);
      expect(stand.of('releasePage')).toEqual([]);

      await expect(run.executeUpdate(approveWaveUpdate, { args: [signed(run.workflowId, approveWaveUpdate, { actor: OFFICER, wave: 1 })] })).resolves.toEqual({
        wave: 1,
        approvedBy: 'otto',
      });
      // Exactly the approved wave: the run waits again before the next.
      await expect(awaitingWave(run, 2)).resolves.toMatchObject({ wave: 1, totals: { released: 2, waves: 1 } });
      expect(stand.of('releasePage').map((c) => c.input)).toEqual([{ runRef, limit: 2, dossier: DOSSIER }]);
      expect(stand.released).toEqual(ids.slice(0, 2));
      expect(stand.of('countDue').map((c) => c.input)).toEqual([{ dossier: DOSSIER }, { dossier: DOSSIER, afterRecordId: b }]);

      await run.executeUpdate(approveWaveUpdate, { args: [signed(run.workflowId, approveWaveUpdate, { actor: OFFICER, wave: 2 })] });
      await until('the run to settle', () => progressOf(run), { accept: (p: PurgeProgress) => p.stage === 'settle' && p.settled?.pending === 1 });
      expect(await refusal(run.executeUpdate(approveWaveUpdate, { args: [signed(run.workflowId, approveWaveUpdate, { actor: OFFICER, wave: 3 })] }))).toBe(
        `approval refused: run ${runRef} is not waiting for an approval (stage settle, 2 wave(s) released)`,
      );
      settling = false;
      await expect(run.result()).resolves.toMatchObject({ released: 3, erased: 3, pending: 0, waves: 2 });
      expect(stand.released).toEqual(ids);
      // The last page was short: no third approval was asked for.
      expect(stand.of('countDue')).toHaveLength(2);
      expect(decisions(await run.fetchHistory()).filter((d) => d.startsWith('update'))).toEqual(['update:approveWave', 'update:approveWave']);
    });
  });

  it('purgeRun - dry run with approval required - asks no approval, releases and re-checks nothing, ends at done without settling', async () => {
    const ids = recordIds(3);
    const stand = purgeStandIns({ due: ids, skip: { [ids[2] as string]: 'legal-hold' }, reconcile: [{ checked: 10, resurrected: 0 }] });
    await withWorker(layer.bundle, stand.activities, async (tq) => {
      const run = await start(tq, { dryRun: true, settings: { waveSize: 2, approvalRequired: true } });
      const report = await run.result();
      const runRef = run.workflowId;
      expect(stand.of('beginPurgeRun').map((c) => c.input)).toEqual([expect.objectContaining({ dryRun: true })]);
      expect(stand.of('dryRunPage').map((c) => c.input)).toEqual([
        { runRef, limit: 2, dossier: DOSSIER, wave: 1 },
        { runRef, limit: 2, dossier: DOSSIER, afterRecordId: ids[1], wave: 2 },
      ]);
      expect(stand.calls.map((c) => c.name)).toEqual(['beginPurgeRun', 'dryRunPage', 'dryRunPage', 'finishPurgeRun']);
      expect(stand.released).toEqual([]);
      expect(stand.of('finishPurgeRun')[0]?.input).toMatchObject({
        dryRun: true,
        totals: { released: 2, skipped: { 'legal-hold': 1 }, waves: 2, reconciled: 0 },
      });
      expect(report).toMatchObject({ dryRun: true, released: 2, waves: 2 });
      expect(await progressOf(run)).toMatchObject({ dryRun: true, stage: 'done', wave: 2 });
    });
  });

  it('purgeRun - the schedule is paused after the first wave - releases no further wave, still settles, and says why it stopped', async () => {
    const ids = recordIds(5);
    const stand = purgeStandIns({ due: ids, pausedFromCall: 2 });
    await withWorker(layer.bundle, stand.activities, async (tq) => {
      const run = await start(tq, { scheduleId: 'test-purge-schedule', settings: { waveSize: 2 } });
      const report = await run.result();
      expect(stand.of('beginPurgeRun')[0]?.input).toMatchObject({ scheduled: true });
      expect(stand.of('releasePage').map((c) => c.input)).toEqual([
        expect.objectContaining({ scheduleId: 'test-purge-schedule' }),
        expect.objectContaining({ scheduleId: 'test-purge-schedule', afterRecordId: ids[1] }),
      ]);
      expect(stand.released).toEqual(ids.slice(0, 2));
      expect(stand.of('purgeProgress').length).toBeGreaterThan(0);
      const stoppedBecause = 'the purge schedule was paused: no further waves; the remaining due records wait for the next run';
      expect(stand.of('finishPurgeRun')[0]?.input).toMatchObject({ stoppedBecause, totals: { released: 2, waves: 1 } });
      expect(report).toMatchObject({ stoppedBecause, released: 2, waves: 1 });
    });
  });

  it('purgeRun - records still pending at the settle timeout - stops waiting at the timeout and reports them pending', async () => {
    const ids = recordIds(2);
    const stand = purgeStandIns({ due: ids, settle: () => ({ pending: 1, erased: 1 }) });
    await withWorker(layer.bundle, stand.activities, async (tq) => {
      const report = await (await start(tq, { settings: { waveSize: 10, reconcileSample: 0, settleTimeout: '5s' } })).result();
      expect(report).toMatchObject({ released: 2, erased: 1, pending: 1 });
      // It kept asking while records were pending, and gave up no earlier than the timeout.
      expect(stand.of('purgeProgress').length).toBeGreaterThan(1);
      const finished = stand.of('finishPurgeRun')[0];
      expect(finished?.at).toBeGreaterThanOrEqual(Date.parse(report.startedAt) + 5_000);
    });
  });

  it('purgeRun - continuing as new every 50 events - carries cursor, stage and totals, so the waves and re-checks go on where they were and the report has the sums', async () => {
    const ids = recordIds(12);
    const reconcile = Array.from({ length: 12 }, (_, i) => ({ checked: 10 + i, resurrected: i % 5 === 0 ? 1 : 0 }));
    const stand = purgeStandIns({ due: ids, skip: { [ids[4] as string]: 'not-due-yet' }, reconcile });
    await withWorker(layer.bundle, stand.activities, async (tq) => {
      const run = await start(tq, { settings: { waveSize: 1 }, continueAsNewAfterEvents: 50 });
      const report = await run.result();

      // Follow the chain of runs and read each one's input.
      const inputs: PurgeRunInput[] = [];
      for (let runId: string | undefined = run.firstExecutionRunId; runId;) {
        const history = await layer.client.workflow.getHandle(run.workflowId, runId).fetchHistory();
        const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
        inputs.push((await decodedValues(started?.input?.payloads))[0] as PurgeRunInput);
        runId = history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
      }
      expect(inputs.length).toBeGreaterThanOrEqual(3);
      expect(inputs[0]).not.toHaveProperty('carried');
      const carried = inputs.slice(1).map((i) => i.carried);
      for (const c of carried) expect(c).toMatchObject({ runRef: run.workflowId, startedAt: report.startedAt });
      // Continued in the middle of the release and of the re-checks, each with its cursor.
      expect(carried).toContainEqual(expect.objectContaining({ stage: 'release', cursor: expect.any(String) }));
      expect(carried).toContainEqual(expect.objectContaining({ stage: 'reconcile', cursor: expect.stringMatching(/^erased-/) }));

      expect(stand.of('beginPurgeRun')).toHaveLength(1);
      // The last full page is followed by an empty one, which ends the release.
      expect(stand.of('releasePage').map((c) => c.input.afterRecordId)).toEqual([undefined, ...ids]);
      expect(stand.lookedAt).toEqual(ids);
      expect(stand.of('reconcilePage').map((c) => c.input.afterRecordId)).toEqual([undefined, ...reconcile.slice(1).map((_, i) => `erased-${i + 1}`)]);
      const sum = (k: 'checked' | 'resurrected') => reconcile.reduce((n, p) => n + p[k], 0);
      expect(report).toMatchObject({
        candidates: 12,
        released: 11,
        restarted: 0,
        skipped: { 'not-due-yet': 1 },
        waves: 12,
        reconciled: sum('checked'),
        resurrected: sum('resurrected'),
      });
      expect(stand.of('finishPurgeRun')).toHaveLength(1);
    });
  });

  it('purgeRun - continueAsNewAfterEvents below 50 - is refused before anything is done', async () => {
    const stand = purgeStandIns({ due: recordIds(1) });
    await withWorker(layer.bundle, stand.activities, async (tq) => {
      const error = await (await start(tq, { continueAsNewAfterEvents: 10 })).result().catch((err: unknown) => err);
      expect(error).toBeInstanceOf(WorkflowFailedError);
      expect((error as WorkflowFailedError).cause?.message).toMatch(/^purgeRun input refused: .*continueAsNewAfterEvents/s);
      expect(stand.calls).toEqual([]);
    });
  });
});
