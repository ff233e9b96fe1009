import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ApplicationFailure, heartbeat } from '@temporalio/activity';
import { ScheduleNotFoundError, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { ErasureError } from '../schemas/errors';
import type { StorageSystem } from '../schemas/inventory';
import { recordWorkflowId } from '../schemas/lifecycle';
import { recordStartOptions } from '../schemas/lifecycle-start';
import type { Policy } from '../schemas/policy';
import { erasureOutcomeSignal, releasableQuery, releaseRefusalOf, releaseSignal, releaseUpdate, workflowTypes } from '../workflows/definitions';
import { erasureOrderSchema, type ErasureOrder, type ErasureOutcome } from '../schemas/erasure-order';
import type { BatchOutcome } from './erasure-batch';
import { type PurgeReport, type PurgeRunSettings, type PurgeTotals, type Releasability, type ReleaseRequest, type SkipReason } from '../schemas/purge';
import { withErrorBoundary } from './error-boundary';
import { getPolicy } from './registry/policies';
import {
  beginRun,
  countDueCandidates,
  dropErasureOrders,
  dueCandidates,
  erasureOrders,
  storeErasureOrders,
  locationCounts,
  forgetRelease,
  noteRelease,
  recordReleases,
  runFailures,
  runProgress,
  storeReport,
  type DueCandidate,
  type RunProgress,
} from './registry/purge-runs';

export interface PurgeActivityDeps {
  readonly registry: Pool;
  readonly client: Client;
  /** The queue record lifecycles run on (for lifecycles a run restarts). */
  readonly taskQueue: string;
  readonly reportsDir: string;
  /** Updates/queries in flight at once while releasing a page. */
  readonly parallel?: number;
  /** Erases a batch of released records (the storage worker's; `createActivities().eraseBatch`). */
  readonly eraseBatch?: (orders: readonly ErasureOrder[]) => Promise<BatchOutcome[]>;
}

export interface PageRequest {
  readonly runRef: string;
  readonly dossier?: string;
  readonly afterRecordId?: string;
  readonly limit: number;
}

export interface ReleasePageResult {
  readonly scanned: number;
  readonly released: number;
  readonly restarted: number;
  readonly skipped: Partial<Record<SkipReason, number>>;
  readonly nextCursor?: string;
  /** The schedule was paused: nothing was released, the run stops after the wave before. */
  readonly paused?: boolean;
  /** Released records waiting for the wave's erasure batches (`eraseReleased`), in id order. */
  readonly ordered?: number;
}

/** What a wave's release carries: the run, the service's keys (for lifecycles started again) and the wave's signed approval. */
export interface Release {
  readonly runRef: string;
  readonly actionKeys: readonly string[];
  readonly approvedBy?: ReleaseRequest['approvedBy'];
}

const releaseArgs = (release: Release): ReleaseRequest => ({ runRef: release.runRef, ...(release.approvedBy ? { approvedBy: release.approvedBy } : {}) });

type Outcome = { kind: 'released'; order?: ErasureOrder } | { kind: 'restarted' } | { kind: 'skipped'; reason: SkipReason };

async function inParallel<T, R>(items: readonly T[], parallel: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(parallel, items.length) }, async () => {
    for (let i = next++; i < items.length; i = next++) results[i] = await work(items[i] as T);
  });
  await Promise.all(lanes);
  return results;
}

/** Counts a page's outcomes; the cursor moves on only when the page was full. */
function pageResult(page: readonly DueCandidate[], outcomes: readonly Outcome[], limit: number): ReleasePageResult {
  const skipped: Partial<Record<SkipReason, number>> = {};
  for (const o of outcomes) if (o.kind === 'skipped') skipped[o.reason] = (skipped[o.reason] ?? 0) + 1;
  const last = page.at(-1)?.recordId;
  return {
    scanned: page.length,
    released: outcomes.filter((o) => o.kind === 'released').length,
    restarted: outcomes.filter((o) => o.kind === 'restarted').length,
    skipped,
    ...(page.length === limit && last ? { nextCursor: last } : {}),
  };
}

/**
 * The purge run's side effects: selecting due records page by page, releasing them to
 * their lifecycles, dry-run listings, progress and the stored report. Results are counts;
 * record ids stay in the registry and in report files, never in the run's history.
 */
export function createPurgeActivities(deps: PurgeActivityDeps) {
  const parallel = deps.parallel ?? 32;
  const policies = new Map<string, Policy>();
  const policyOf = async (version: string) => {
    let policy = policies.get(version);
    if (!policy) {
      policy = await getPolicy(deps.registry, version);
      policies.set(version, policy);
    }
    return policy;
  };

  /** A lifecycle that is missing, or closed without erasing, is started again with the release as its first signal. */
  const restart = async (record: DueCandidate, release: Release): Promise<Outcome> => {
    try {
      await deps.client.workflow.signalWithStart(workflowTypes.recordLifecycle, {
        ...recordStartOptions(record, await policyOf(record.policyVersion), deps.taskQueue, release.actionKeys),
        signal: releaseSignal,
        signalArgs: [releaseArgs(release)],
      });
      return { kind: 'restarted' };
    } catch (err) {
      // Completed successfully (erased) in the meantime: the reuse policy refuses a new run.
      if (err instanceof WorkflowExecutionAlreadyStartedError) return { kind: 'skipped', reason: 'erased' };
      // Other client errors name workflow ids and status codes only: they cross the error boundary unchanged (error-boundary.ts).
      throw err;
    }
  };

  const releaseOne = async (record: DueCandidate, release: Release): Promise<Outcome> => {
    const { runRef } = release;
    if (!record.started) return restart(record, release);
    const handle = deps.client.workflow.getHandle(recordWorkflowId(record.recordId));
    try {
      // The update id makes a retried activity's second release of a record a no-op.
      // Asked again (a retried page), the update id answers with the order of the first time.
      const answer = await handle.executeUpdate(releaseUpdate, { args: [releaseArgs(release)], updateId: `release-${runRef}` });
      return { kind: 'released', ...(answer.order ? { order: erasureOrderSchema.parse(answer.order) } : {}) };
    } catch (err) {
      const refused = releaseRefusalOf(err);
      if (refused) return { kind: 'skipped', reason: refused.reason };
      // Closed (the server answers an update to a closed workflow with NOT_FOUND): start it again.
      if (err instanceof WorkflowNotFoundError) return restart(record, release);
      throw err;
    }
  };

  const judgeOne = async (record: DueCandidate): Promise<Releasability | 'missing'> => {
    if (!record.started) return 'missing';
    try {
      return await deps.client.workflow.getHandle(recordWorkflowId(record.recordId)).query(releasableQuery);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return 'missing';
      throw err;
    }
  };

  const schedulePaused = async (scheduleId: string): Promise<boolean> => {
    try {
      return (await deps.client.schedule.getHandle(scheduleId).describe()).state.paused;
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) return false; // deleted meanwhile: nothing to obey
      throw err; // unknown: the activity is retried rather than releasing past a pause
    }
  };

  /** Works through a page with bounded parallelism, heartbeating the count done. */
  const eachWithHeartbeat = async <R>(page: readonly DueCandidate[], work: (record: DueCandidate) => Promise<R>): Promise<R[]> => {
    let done = 0;
    return inParallel(page, parallel, async (record) => {
      const result = await work(record);
      heartbeat(++done); // throttled by the SDK; frequent enough for a 30 s heartbeat timeout
      return result;
    });
  };

  const partsDir = (runRef: string) => join(deps.reportsDir, `${runRef}.parts`);

  return withErrorBoundary({
    async beginPurgeRun(run: {
      runRef: string;
      dryRun: boolean;
      scheduled: boolean;
      settings: PurgeRunSettings;
      startedAt: string;
      dossier?: string;
    }): Promise<{ candidates: number }> {
      await beginRun(deps.registry, run);
      return { candidates: await countDueCandidates(deps.registry, undefined, run.dossier) };
    },

    /** Records still to look at after the cursor (what the next approval covers). */
    async countDue(request: { afterRecordId?: string; dossier?: string }): Promise<number> {
      return countDueCandidates(deps.registry, request.afterRecordId, request.dossier);
    },

    /** Releases one wave: each due record's lifecycle gets the release update (or is restarted). */
    async releasePage(request: PageRequest & Release & { scheduleId?: string; batch: number }): Promise<ReleasePageResult> {
      if (request.scheduleId && (await schedulePaused(request.scheduleId))) return { scanned: 0, released: 0, restarted: 0, skipped: {}, paused: true };
      const page = await dueCandidates(deps.registry, request.afterRecordId, request.limit, request.dossier);
      const outcomes = await eachWithHeartbeat(page, async (record) => {
        await noteRelease(deps.registry, request.runRef, record.recordId);
        const outcome = await releaseOne(record, request);
        if (outcome.kind === 'skipped') await forgetRelease(deps.registry, request.runRef, record.recordId);
        return outcome;
      });
      const ids = (kind: Outcome['kind']) => page.filter((_, i) => outcomes[i]?.kind === kind).map((r) => r.recordId);
      await recordReleases(deps.registry, request.runRef, ids('released'), ids('restarted'));
      const orders = outcomes.flatMap((o) => (o.kind === 'released' && o.order ? [o.order] : []));
      await storeErasureOrders(deps.registry, request.runRef, request.batch, orders);
      return { ...pageResult(page, outcomes, request.limit), ordered: orders.length };
    },

    /**
     * One batch of released records (a release chunk of a wave), on the storage queue: erased together
     * (erasure-batch.ts), then each lifecycle told its certificate with one signal. A
     * record that failed in the batch is told to erase itself, with its own retries.
     * Repeatable: a retried batch finds the data gone and the certificates written.
     */
    async eraseReleased(request: { runRef: string; batch: number; limit: number }): Promise<{ erased: number; alone: number }> {
      const orders = (await erasureOrders(deps.registry, request.runRef, request.batch, request.limit)).map((o) => erasureOrderSchema.parse(o));
      if (!deps.eraseBatch) throw new ErasureError('INVALID_CONFIG', 'this worker has no storage adapters: eraseReleased runs on the storage queue');
      const outcomes = await deps.eraseBatch(orders);
      // Every record failed, each for a reason a retry may cure: an outage, not a record. The
      // batch is retried as a whole (activity options) instead of handing each record its own retries.
      const failures = outcomes.flatMap((o) => ('failed' in o ? [o] : []));
      if (outcomes.length > 1 && failures.length === outcomes.length && failures.every((f) => f.retryable))
        throw ApplicationFailure.retryable(`every record of the batch failed: ${failures[0]?.failed ?? ''}`, 'BATCH_FAILED');
      heartbeat();
      const tickets = new Map(orders.map((o) => [o.recordId, o.ticket ?? '']));
      await inParallel(outcomes, parallel, async (outcome) => {
        const told: ErasureOutcome = {
          ticket: tickets.get(outcome.recordId) ?? '',
          outcome:
            'erased' in outcome
              ? { kind: 'erased', ...outcome.erased, systems: outcome.erased.systems.map((x) => ({ system: x.system, removed: { ...x.removed } })) }
              : { kind: 'alone', reason: outcome.failed },
        };
        try {
          await deps.client.workflow.getHandle(recordWorkflowId(outcome.recordId)).signal(erasureOutcomeSignal, told);
        } catch (err) {
          // Already closed: a retried batch telling a lifecycle that completed on the first telling.
          if (!(err instanceof WorkflowNotFoundError)) throw err;
        }
      });
      await dropErasureOrders(
        deps.registry,
        request.runRef,
        orders.map((o) => o.recordId),
      );
      const erased = outcomes.filter((o) => 'erased' in o).length;
      return { erased, alone: outcomes.length - erased };
    },

    /** The same selection as a release, nothing changed: the ids go to a report file part. */
    async dryRunPage(request: PageRequest & { wave: number }): Promise<ReleasePageResult> {
      const page = await dueCandidates(deps.registry, request.afterRecordId, request.limit, request.dossier);
      const judged = await eachWithHeartbeat(page, judgeOne);
      const locations = await locationCounts(
        deps.registry,
        page.map((r) => r.recordId),
      );
      const outcomes: Outcome[] = judged.map((j) =>
        j === 'missing' ? { kind: 'restarted' } : j.releasable ? { kind: 'released' } : { kind: 'skipped', reason: j.reason ?? 'already-released' },
      );
      const lines = page.map((record, i) => {
        const o = outcomes[i] as Outcome;
        return JSON.stringify(
          o.kind === 'skipped'
            ? { recordId: record.recordId, dossier: record.dossier, skipped: o.reason }
            : {
                recordId: record.recordId,
                dossier: record.dossier,
                wouldDestroy: locations.get(record.recordId) ?? {},
                ...(o.kind === 'restarted' ? { lifecycleRestarted: true } : {}),
              },
        );
      });
      const dir = partsDir(request.runRef);
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const file = join(dir, `wave-${String(request.wave).padStart(7, '0')}.jsonl`);
      await writeFile(`${file}.tmp`, lines.map((l) => `${l}\n`).join(''), { mode: 0o600 });
      await rename(`${file}.tmp`, file);
      return pageResult(page, outcomes, request.limit);
    },

    async purgeProgress(request: { runRef: string }): Promise<RunProgress> {
      return runProgress(deps.registry, request.runRef);
    },

    /** Counts what became of the run's releases, stores the report in the registry and returns it. */
    async finishPurgeRun(request: { runRef: string; dryRun: boolean; startedAt: string; totals: PurgeTotals; stoppedBecause?: string }): Promise<PurgeReport> {
      const progress = await runProgress(deps.registry, request.runRef);
      const failures = request.dryRun ? [] : await runFailures(deps.registry, request.runRef);
      const finishedAt = new Date();
      const t = request.totals;
      let dry: Pick<PurgeReport, 'wouldDestroy' | 'reportFile'> = {};
      if (request.dryRun) dry = await mergeDryRunParts(partsDir(request.runRef), join(deps.reportsDir, `${request.runRef}.dry-run.jsonl`));
      const report: PurgeReport = {
        runRef: request.runRef,
        dryRun: request.dryRun,
        startedAt: request.startedAt,
        finishedAt: finishedAt.toISOString(),
        durationMs: finishedAt.getTime() - Date.parse(request.startedAt),
        candidates: t.candidates,
        // The registry's count, not the pages': a page retried after a worker died does not see what its first attempt released.
        released: request.dryRun ? t.released : progress.released - progress.restarted,
        restarted: request.dryRun ? t.restarted : progress.restarted,
        erased: progress.erased,
        pending: progress.pending,
        failed: progress.failed,
        failures,
        skipped: t.skipped,
        reconciled: t.reconciled,
        resurrected: t.resurrected,
        waves: t.waves,
        ...(request.stoppedBecause ? { stoppedBecause: request.stoppedBecause } : {}),
        ...dry,
      };
      await storeReport(deps.registry, request.runRef, report.finishedAt, report);
      return report;
    },
  });
}

/** Joins a dry run's per-wave files into one report file and counts what would go, per dossier and system. */
async function mergeDryRunParts(dir: string, target: string): Promise<Pick<PurgeReport, 'wouldDestroy' | 'reportFile'>> {
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.jsonl')).sort();
  // A retried call finds the parts merged already: it counts from the merged file.
  const merged = files.length === 0 ? await readFile(target, 'utf8').catch(() => undefined) : undefined;
  const totals = new Map<string, { dossier: string; system: string; records: number; locations: number }>();
  const chunks: string[] = [];
  const texts = merged !== undefined ? [merged] : await Promise.all(files.map((file) => readFile(join(dir, file), 'utf8')));
  for (const text of texts) {
    chunks.push(text);
    for (const line of text.split('\n').filter(Boolean)) {
      const entry = JSON.parse(line) as { dossier: string; wouldDestroy?: Partial<Record<StorageSystem, number>> };
      for (const [system, n] of Object.entries(entry.wouldDestroy ?? {})) {
        const key = `${entry.dossier}\u0000${system}`;
        const row = totals.get(key) ?? { dossier: entry.dossier, system, records: 0, locations: 0 };
        row.records += 1;
        row.locations += n ?? 0;
        totals.set(key, row);
      }
    }
  }
  if (merged === undefined) {
    await writeFile(`${target}.tmp`, chunks.join(''), { mode: 0o600 });
    await rename(`${target}.tmp`, target);
    await rm(dir, { recursive: true, force: true });
  }
  const wouldDestroy = [...totals.values()].sort((a, b) => a.dossier.localeCompare(b.dossier) || a.system.localeCompare(b.system));
  return { wouldDestroy, reportFile: target };
}

export type PurgeActivities = ReturnType<typeof createPurgeActivities>;
