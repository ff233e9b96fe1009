import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { PurgeActivities, ReleasePageResult } from '../activities/purge';
import { durationMs } from '../schemas/duration';
import { activityOptions } from './activity-options';
import { approveWaveUpdate, purgeProgressQuery, storageTaskQueue } from './definitions';
import { validateApproval } from './purge-approval';
import {
  approveWaveSchema,
  purgeRunInputSchema,
  type ApproveWave,
  purgeTotalsSchema,
  type PurgeProgress,
  type PurgeReport,
  type PurgeRunInput,
  type PurgeTotals,
  type ReleaseRequest,
} from '../schemas/purge';

const purge = proxyActivities<PurgeActivities>(activityOptions.purge);
/** Erasure batches in flight at once on the storage queue while the next chunk is released. */
const ERASURE_LANES = 2;
const checks = proxyActivities<Activities>(activityOptions.recheck);

const RECONCILE_PAGE = 500;

/**
 * The global purge run (docs/ARCHITECTURE.md, "The global purge run"): releases due records to
 * their lifecycles in waves (a privacy officer may have to approve each), re-checks
 * earlier erasures, waits for the released records to settle and stores a report. Its
 * state is a cursor and counts; it continues as new when its history grows.
 */
export async function purgeRun(rawInput: PurgeRunInput): Promise<PurgeReport> {
  const parsed = purgeRunInputSchema.safeParse(rawInput);
  if (!parsed.success) throw ApplicationFailure.nonRetryable(`purgeRun input refused: ${parsed.error.message}`, 'INVALID_INPUT');
  const input = parsed.data;
  const { settings, dryRun } = input;
  const run = input.carried ?? {
    runRef: workflowInfo().workflowId,
    startedAt: new Date().toISOString(),
    stage: 'release' as const,
    totals: purgeTotalsSchema.parse({}),
  };
  const totals: PurgeTotals = run.totals;
  let { stage, cursor, stoppedBecause } = { stage: run.stage, cursor: run.cursor, stoppedBecause: input.carried?.stoppedBecause };
  const only = input.dossier ? { dossier: input.dossier } : {};
  let approvedWave = 0;
  /** The approval of the wave being released: it travels with the release into each record's certificate. */
  let approval: ApproveWave | undefined;
  // Approvals are taken one per wave, so a nonce need only be remembered within a run.
  const usedNonces = new Set<string>();
  let awaitingWave: number | undefined;
  let settled: PurgeProgress['settled'];

  setHandler(purgeProgressQuery, () => ({
    runRef: run.runRef,
    dryRun,
    stage: awaitingWave !== undefined ? 'awaiting-approval' : stage,
    wave: totals.waves,
    ...(awaitingWave !== undefined ? { awaitingApprovalOfWave: awaitingWave } : {}),
    totals,
    ...(settled ? { settled } : {}),
  }));
  setHandler(
    approveWaveUpdate,
    (raw) => {
      approval = approveWaveSchema.parse(raw);
      if (approval.proof) usedNonces.add(approval.proof.nonce);
      approvedWave = approval.wave;
      return { wave: approval.wave, approvedBy: approval.actor.user };
    },
    {
      validator: (raw) =>
        void validateApproval(raw, {
          runRef: run.runRef,
          stage,
          waves: totals.waves,
          awaitingWave,
          keys: input.actionKeys,
          startedBy: input.startedBy,
          now: Date.now(),
          usedNonces,
        }),
    },
  );

  if (!input.carried) {
    const { candidates } = await purge.beginPurgeRun({
      runRef: run.runRef,
      dryRun,
      scheduled: input.scheduleId !== undefined,
      settings,
      startedAt: run.startedAt,
      ...only,
    });
    totals.candidates = candidates;
  }

  const continueIfLong = async () => {
    const info = workflowInfo();
    const limit = input.continueAsNewAfterEvents;
    if (!info.continueAsNewSuggested && !(limit && info.historyLength >= limit)) return;
    await condition(allHandlersFinished);
    await continueAsNew<typeof purgeRun>({
      ...input,
      carried: { runRef: run.runRef, startedAt: run.startedAt, stage, ...(cursor ? { cursor } : {}), ...(stoppedBecause ? { stoppedBecause } : {}), totals },
    });
  };

  /**
   * One wave, released in chunks of `erasureBatch` records; each chunk is erased on the
   * storage queue while the next is released (docs/ARCHITECTURE.md, "Batched erasure"), so
   * a lifecycle is told its certificate soon after its release. True when the schedule
   * was found paused before the wave began.
   */
  const releaseWave = async (approvedBy: ReleaseRequest['approvedBy']): Promise<boolean> => {
    const erase = proxyActivities<PurgeActivities>(activityOptions.erasureBatch(storageTaskQueue(workflowInfo().taskQueue)));
    const erasing = new Set<Promise<void>>();
    let looked = 0;
    while (looked < settings.waveSize) {
      const batch = (totals.batches += 1);
      const page = await purge.releasePage({
        runRef: run.runRef,
        limit: Math.min(settings.erasureBatch, settings.waveSize - looked),
        ...only,
        ...(cursor ? { afterRecordId: cursor } : {}),
        actionKeys: input.actionKeys,
        ...(approvedBy ? { approvedBy } : {}),
        // The schedule's pause is obeyed between waves.
        ...(input.scheduleId && looked === 0 ? { scheduleId: input.scheduleId } : {}),
        batch,
      });
      if (page.paused) return true;
      addPage(totals, page, looked === 0);
      looked += page.scanned;
      if (page.ordered) {
        const erased: Promise<void> = erase.eraseReleased({ runRef: run.runRef, batch, limit: settings.erasureBatch }).then(() => void erasing.delete(erased));
        erasing.add(erased);
      }
      cursor = page.nextCursor;
      if (!cursor) break;
      if (erasing.size >= ERASURE_LANES) await Promise.race(erasing);
    }
    await Promise.all(erasing);
    return false;
  };

  while (stage === 'release') {
    const wave = totals.waves + 1;
    if (settings.approvalRequired && !dryRun) {
      const remaining = await purge.countDue({ ...only, ...(cursor ? { afterRecordId: cursor } : {}) });
      if (remaining === 0) {
        stage = 'reconcile';
        break;
      }
      awaitingWave = wave;
      setCurrentDetails(
        `Waiting for a privacy officer to approve wave ${wave}: up to ${Math.min(settings.waveSize, remaining)} of ${remaining} record(s) still to look at. ` +
          `Approve with \`erasure purge approve ${run.runRef} --wave ${wave} --as <privacy officer>\`.`,
      );
      await condition(() => approvedWave >= wave);
      awaitingWave = undefined;
    }
    setCurrentDetails(
      `${dryRun ? 'Dry run: looking at' : 'Releasing'} wave ${wave} (${totals.released + totals.restarted} released so far of ${totals.candidates} candidates)`,
    );
    const approvedBy = approval?.proof && approval.wave === wave ? { actor: approval.actor, wave, proof: approval.proof } : undefined;
    if (dryRun) {
      const page = await purge.dryRunPage({ runRef: run.runRef, limit: settings.waveSize, ...only, ...(cursor ? { afterRecordId: cursor } : {}), wave });
      addPage(totals, page, true);
      cursor = page.nextCursor;
      if (!cursor) stage = 'done';
    } else if (await releaseWave(approvedBy)) {
      stoppedBecause = 'the purge schedule was paused: no further waves; the remaining due records wait for the next run';
      stage = 'settle';
      break;
    } else if (!cursor) stage = 'reconcile';
    await continueIfLong();
  }

  // A run continued in the reconcile stage carries its reconciliation cursor.
  while (stage === 'reconcile' && settings.reconcileSample > 0) {
    setCurrentDetails(`Re-checking earlier erasures (${totals.reconciled} checked, ${totals.resurrected} with data that came back)`);
    const page = await checks.reconcilePage({
      runRef: run.runRef,
      limit: RECONCILE_PAGE,
      sample: settings.reconcileSample,
      erasedBefore: run.startedAt,
      ...only,
      ...(cursor ? { afterRecordId: cursor } : {}),
    });
    totals.reconciled += page.checked;
    totals.resurrected += page.resurrected;
    cursor = page.nextCursor;
    if (!cursor) break;
    await continueIfLong();
  }
  if (stage === 'reconcile') {
    stage = 'settle';
    cursor = undefined;
  }

  const settleUntil = Date.parse(run.startedAt) + durationMs(settings.settleTimeout);
  let pause = 500;
  while (stage === 'settle') {
    settled = await purge.purgeProgress({ runRef: run.runRef });
    setCurrentDetails(`Waiting for released records: ${settled.erased} erased, ${settled.failed} failed, ${settled.pending} pending`);
    if (settled.pending === 0 || Date.now() >= settleUntil) break;
    await sleep(Math.min(pause, Math.max(settleUntil - Date.now(), 1)));
    pause = Math.min(pause * 1.5, 5_000);
    await continueIfLong();
  }
  stage = 'done';
  setCurrentDetails('Writing the run report');
  const report = await purge.finishPurgeRun({ runRef: run.runRef, dryRun, startedAt: run.startedAt, totals, ...(stoppedBecause ? { stoppedBecause } : {}) });
  setCurrentDetails(
    `Done: ${report.erased} erased, ${report.failed} failed, ${report.pending} pending, ${Object.values(report.skipped).reduce((a, b) => a + b, 0)} skipped`,
  );
  await condition(allHandlersFinished);
  return report;
}

function addPage(totals: PurgeTotals, page: ReleasePageResult, firstOfWave: boolean): void {
  if (firstOfWave && page.scanned > 0) totals.waves += 1;
  totals.released += page.released;
  totals.restarted += page.restarted;
  for (const [reason, n] of Object.entries(page.skipped)) totals.skipped[reason] = (totals.skipped[reason] ?? 0) + (n ?? 0);
}
