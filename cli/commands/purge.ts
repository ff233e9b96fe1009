import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { setTimeout as sleep } from 'node:timers/promises';
import { getPolicy } from '../../activities/registry/policies';
import { describePurgeSchedule, upsertPurgeSchedule } from '../../infra/purge-schedule';
import { ErasureError, InvalidInputError, NotFoundError } from '../../schemas/errors';
import {
  PURGE_SCHEDULE_ID,
  purgeRunSettingsSchema,
  purgeRunWorkflowId,
  type PurgeProgress,
  type PurgeReport,
  type PurgeRunSettings,
} from '../../schemas/purge';
import type { purgeRun } from '../../workflows';
import { approveWaveUpdate, purgeProgressQuery, workflowTypes } from '../../workflows/definitions';
import type { CommandContext } from '../../service/command-context';
import { ProgressBar } from '../progress';

export interface PurgeRunFlags {
  readonly dryRun: boolean;
  readonly waveSize?: string;
  readonly approval: boolean;
  readonly reconcileSample?: string;
  readonly settleTimeout?: string;
  readonly policy?: string;
  readonly dossier?: string;
  readonly wait: boolean;
}

/** Settings from the policy (if named), then the flags; refused whole, with each problem named. */
async function settingsFrom(
  ctx: CommandContext,
  flags: Pick<PurgeRunFlags, 'waveSize' | 'approval' | 'reconcileSample' | 'settleTimeout' | 'policy'>,
): Promise<PurgeRunSettings> {
  const fromPolicy = flags.policy ? (await getPolicy(ctx.registry(), flags.policy)).purgeRun : undefined;
  const number = (name: string, text: string | undefined) => {
    if (text === undefined) return undefined;
    const n = Number(text);
    if (text.trim() === '' || Number.isNaN(n)) throw new InvalidInputError('purge', [{ field: name, message: `"${text}" is not a number` }]);
    return n;
  };
  const parsed = purgeRunSettingsSchema.safeParse({
    ...fromPolicy,
    ...(flags.waveSize !== undefined ? { waveSize: number('--wave-size', flags.waveSize) } : {}),
    ...(flags.approval ? { approvalRequired: true } : {}),
    ...(flags.reconcileSample !== undefined ? { reconcileSample: number('--reconcile-sample', flags.reconcileSample) } : {}),
    ...(flags.settleTimeout !== undefined ? { settleTimeout: flags.settleTimeout } : {}),
  });
  if (!parsed.success) {
    const flag = (key: string) =>
      ({ waveSize: '--wave-size', reconcileSample: '--reconcile-sample', settleTimeout: '--settle-timeout', approvalRequired: '--approval' })[key] ?? key;
    throw new InvalidInputError(
      'purge',
      parsed.error.issues.map((i) => ({ field: flag(String(i.path[0] ?? '')), message: i.message })),
    );
  }
  return parsed.data;
}

export function formatPurgeReport(r: PurgeReport): string[] {
  const skipped = Object.entries(r.skipped).filter(([, n]) => n > 0);
  const lines = [
    `${r.dryRun ? 'Dry run' : 'Purge run'} ${r.runRef}: ${r.waves} wave(s), ${(r.durationMs / 1000).toFixed(1)} s (${r.startedAt} → ${r.finishedAt})`,
    `  candidates (not erased, past the purge start)  ${r.candidates}`,
    r.dryRun
      ? `  would be released                              ${r.released + r.restarted}`
      : `  released                                       ${r.released}`,
    r.dryRun ? `    of which lifecycles to start again           ${r.restarted}` : `  lifecycles restarted (missing or closed)       ${r.restarted}`,
  ];
  if (!r.dryRun) {
    lines.push(
      `  erased and certified                           ${r.erased}`,
      `  failed                                         ${r.failed}`,
      `  still pending                                  ${r.pending}`,
    );
    for (const f of r.failures) lines.push(`    ${f.records} × ${f.reason}`);
  }
  lines.push(`  skipped                                        ${skipped.reduce((a, [, n]) => a + n, 0)}`);
  for (const [reason, n] of skipped) lines.push(`    ${reason.padEnd(44)} ${n}`);
  if (!r.dryRun)
    lines.push(`  earlier erasures re-checked                    ${r.reconciled}`, `  data that came back (erased again, flagged)    ${r.resurrected}`);
  if (r.stoppedBecause) lines.push(`  stopped: ${r.stoppedBecause}`);
  if (r.wouldDestroy?.length === 0) lines.push('  would destroy: nothing');
  if (r.wouldDestroy?.length) {
    lines.push('  would destroy:', `    ${'dossier'.padEnd(20)} ${'system'.padEnd(12)} ${'records'.padStart(8)} ${'locations'.padStart(10)}`);
    for (const w of r.wouldDestroy)
      lines.push(`    ${w.dossier.padEnd(20)} ${w.system.padEnd(12)} ${String(w.records).padStart(8)} ${String(w.locations).padStart(10)}`);
  }
  if (r.reportFile) lines.push(`  record ids: ${r.reportFile}`);
  return lines;
}

/** Follows a run with a progress bar until it ends; returns its report. */
async function follow(ctx: CommandContext, client: Client, workflowId: string): Promise<PurgeReport> {
  const handle = client.workflow.getHandle<typeof purgeRun>(workflowId);
  const bar = new ProgressBar(workflowId);
  const result = handle.result();
  let finished = false;
  void result.then(
    () => (finished = true),
    () => (finished = true),
  );
  let announced = 0;
  while (!finished) {
    const p: PurgeProgress | undefined = await handle.query(purgeProgressQuery).catch(() => undefined);
    if (p) {
      const t = p.totals;
      const looked = t.released + t.restarted + Object.values(t.skipped).reduce((a, b) => a + b, 0);
      if (p.stage === 'awaiting-approval' && p.awaitingApprovalOfWave !== announced) {
        announced = p.awaitingApprovalOfWave ?? 0;
        bar.done();
        ctx.progress(`  waiting for a privacy officer: erasure purge approve ${workflowId} --wave ${announced}`);
      }
      if (p.stage === 'settle' && p.settled) bar.update(p.settled.erased + p.settled.failed, p.settled.released, `erased (${p.settled.failed} failed)`);
      else bar.update(looked, t.candidates, p.stage);
    }
    await Promise.race([sleep(500), result.catch(() => undefined)]);
  }
  bar.done();
  return result;
}

export async function purgeRunCommand(ctx: CommandContext, flags: PurgeRunFlags): Promise<void> {
  const settings = await settingsFrom(ctx, flags);
  const client = await ctx.client();
  const workflowId = purgeRunWorkflowId(`${flags.dryRun ? 'dry' : 'manual'}-${new Date().toISOString().replace(/[:.]/g, '')}`);
  // Who started the run, signed: its waves need the approval of another privacy officer (four eyes).
  const startedBy = ctx.signer.signPurgeStart(ctx.actor(['coordinator', 'privacy-officer'], 'starting a purge run'), { workflowId });
  await client.workflow.start<typeof purgeRun>(workflowTypes.purgeRun, {
    workflowId,
    taskQueue: ctx.config.TEMPORAL_TASK_QUEUE,
    args: [{ dryRun: flags.dryRun, settings, actionKeys: ctx.signer.publicKeys, startedBy, ...(flags.dossier ? { dossier: flags.dossier } : {}) }],
    staticSummary: flags.dryRun ? 'purge dry run: nothing is changed' : 'manual purge run',
  });
  ctx.progress(`started ${workflowId}${flags.dryRun ? ' (dry run: nothing is changed)' : ''}`);
  if (!flags.wait) {
    ctx.out(workflowId);
    return;
  }
  for (const line of formatPurgeReport(await follow(ctx, client, workflowId))) ctx.out(line);
}

export async function purgeApproveCommand(ctx: CommandContext, runId: string, wave: string | undefined): Promise<void> {
  const actor = ctx.actor(['privacy-officer'], 'approving a purge wave');
  const n = Number(wave);
  if (!wave || !Number.isInteger(n) || n < 1)
    throw new InvalidInputError('purge approve', [{ field: '--wave', message: 'give the wave number the run waits for (see `erasure purge status <run>`)' }]);
  const client = await ctx.client();
  try {
    const approval = ctx.signer.sign(runId, approveWaveUpdate.name, { actor, wave: n });
    const answer = await client.workflow.getHandle(runId).executeUpdate(approveWaveUpdate, { args: [approval] });
    ctx.out(`wave ${answer.wave} of ${runId} approved by ${answer.approvedBy}`);
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) throw new ErasureError('INVALID_INPUT', err.cause?.message ?? err.message);
    if (err instanceof WorkflowNotFoundError) throw new InvalidInputError('purge approve', [{ field: 'run', message: `no purge run ${runId} is running` }]);
    throw err;
  }
}

export async function purgeStatusCommand(ctx: CommandContext, runId: string | undefined, json: boolean): Promise<void> {
  const registry = ctx.registry();
  if (!runId) {
    const { rows } = await registry.query<{
      run_ref: string;
      dry_run: boolean;
      scheduled: boolean;
      started_at: Date;
      finished_at: Date | null;
      report: PurgeReport | null;
    }>('SELECT run_ref, dry_run, scheduled, started_at, finished_at, report FROM purge_runs ORDER BY started_at DESC LIMIT 20');
    if (json) return ctx.out(JSON.stringify(rows, null, 2));
    if (rows.length === 0) return ctx.out('no purge runs yet (`erasure purge run`, or the schedule: `erasure purge schedule create`)');
    for (const r of rows) {
      const outcome = r.report
        ? `${r.report.erased} erased, ${r.report.failed} failed, ${r.report.pending} pending, ${Object.values(r.report.skipped).reduce((a, b) => a + b, 0)} skipped`
        : 'running';
      ctx.out(`${r.started_at.toISOString()}  ${r.run_ref.padEnd(44)} ${r.dry_run ? 'dry run ' : r.scheduled ? 'schedule' : 'manual  '}  ${outcome}`);
    }
    return;
  }
  const { rows } = await registry.query<{ report: PurgeReport | null }>('SELECT report FROM purge_runs WHERE run_ref = $1', [runId]);
  const stored = rows[0]?.report;
  if (stored) {
    if (json) return ctx.out(JSON.stringify(stored, null, 2));
    for (const line of formatPurgeReport(stored)) ctx.out(line);
    return;
  }
  const client = await ctx.client();
  let progress: PurgeProgress;
  try {
    progress = await client.workflow.getHandle(runId).query(purgeProgressQuery);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError)
      throw new NotFoundError('purge status', 'purge run', runId, `no purge run ${runId}, finished or running; \`erasure purge status\` lists the runs`);
    throw err;
  }
  if (json) return ctx.out(JSON.stringify(progress, null, 2));
  const t = progress.totals;
  ctx.out(
    `${runId}: ${progress.stage}${progress.awaitingApprovalOfWave ? ` (wave ${progress.awaitingApprovalOfWave} awaits a privacy officer's approval)` : ''}`,
  );
  ctx.out(`  waves ${t.waves}, candidates ${t.candidates}, released ${t.released}, restarted ${t.restarted}, skipped ${JSON.stringify(t.skipped)}`);
  if (progress.settled) ctx.out(`  erased ${progress.settled.erased}, failed ${progress.settled.failed}, pending ${progress.settled.pending}`);
}

export interface ScheduleFlags {
  readonly policy?: string;
  readonly cron?: string;
  readonly every?: string;
  readonly from?: string;
  readonly to?: string;
  readonly note?: string;
  readonly waveSize?: string;
  readonly approval: boolean;
  readonly reconcileSample?: string;
}

const instant = (name: string, text: string | undefined): Date => {
  const at = text ? new Date(text) : undefined;
  if (!at || Number.isNaN(at.getTime()))
    throw new InvalidInputError('purge schedule backfill', [{ field: name, message: `give an ISO date-time, e.g. ${name} 2024-04-01T00:00:00Z` }]);
  return at;
};

export async function purgeScheduleCommand(ctx: CommandContext, sub: string | undefined, flags: ScheduleFlags): Promise<void> {
  const client = await ctx.client();
  const handle = client.schedule.getHandle(PURGE_SCHEDULE_ID);
  switch (sub) {
    case 'create': {
      if (!flags.policy)
        throw new InvalidInputError('purge schedule create', [{ field: '--policy', message: 'name the policy whose purge start is the first run' }]);
      const policy = await getPolicy(ctx.registry(), flags.policy);
      const overrides = await settingsFrom(ctx, { ...flags, policy: undefined });
      const explicit: Partial<PurgeRunSettings> = {
        ...(flags.waveSize !== undefined ? { waveSize: overrides.waveSize } : {}),
        ...(flags.approval ? { approvalRequired: true } : {}),
        ...(flags.reconcileSample !== undefined ? { reconcileSample: overrides.reconcileSample } : {}),
      };
      const { created, settings } = await upsertPurgeSchedule(client, {
        actionKeys: ctx.signer.publicKeys,
        startedBy: ctx.signer.signPurgeStart(ctx.actor(['coordinator', 'privacy-officer'], 'scheduling purge runs'), { scheduleId: PURGE_SCHEDULE_ID }),
        policy,
        taskQueue: ctx.config.TEMPORAL_TASK_QUEUE,
        cron: flags.cron,
        every: flags.every,
        settings: explicit,
      });
      ctx.out(
        `${created ? 'created' : 'updated'} schedule ${PURGE_SCHEDULE_ID}: first run at ${policy.purgeStart}, then ${flags.every ? `every ${flags.every}` : `cron "${flags.cron ?? '0 2 * * *'}" (UTC)`}; overlap: skip`,
      );
      ctx.out(
        `  waves of ${settings.waveSize}, approval ${settings.approvalRequired ? 'required' : 'not required'}, reconciliation sample ${settings.reconcileSample}`,
      );
      return;
    }
    case 'describe': {
      const d = await describePurgeSchedule(client);
      const next = d.info.nextActionTimes.slice(0, 3).map((t) => t.toISOString());
      ctx.out(`schedule ${PURGE_SCHEDULE_ID}: ${d.state.paused ? 'PAUSED' : 'active'}${d.state.note ? ` (${d.state.note})` : ''}`);
      ctx.out(`  overlap ${d.policies.overlap}, runs so far ${d.info.numActionsTaken}, skipped for overlap ${d.info.numActionsSkippedOverlap}`);
      ctx.out(`  next runs: ${next.length ? next.join(', ') : 'none'}${d.state.paused && next.length ? ' (none starts while paused)' : ''}`);
      for (const r of d.info.recentActions.slice(-5)) ctx.out(`  ran ${r.takenAt.toISOString()} → ${r.action.workflow.workflowId}`);
      for (const r of d.info.runningActions) ctx.out(`  running: ${r.workflow.workflowId}`);
      return;
    }
    case 'pause':
      await describePurgeSchedule(client);
      await handle.pause(flags.note ?? 'paused with erasure purge schedule pause');
      ctx.out(`schedule ${PURGE_SCHEDULE_ID} paused: no new runs; a running run stops before its next wave`);
      return;
    case 'unpause':
      await describePurgeSchedule(client);
      await handle.unpause(flags.note ?? 'unpaused with erasure purge schedule unpause');
      ctx.out(`schedule ${PURGE_SCHEDULE_ID} unpaused`);
      return;
    case 'trigger':
      await describePurgeSchedule(client);
      await handle.trigger();
      ctx.out(`schedule ${PURGE_SCHEDULE_ID} triggered: a run starts now (skipped if one is still running)`);
      return;
    case 'backfill': {
      const start = instant('--from', flags.from);
      const end = instant('--to', flags.to);
      if (end <= start) throw new InvalidInputError('purge schedule backfill', [{ field: '--to', message: 'must be after --from' }]);
      await describePurgeSchedule(client);
      await handle.backfill({ start, end });
      ctx.out(`schedule ${PURGE_SCHEDULE_ID}: backfilled the runs due between ${start.toISOString()} and ${end.toISOString()} (overlap: skip)`);
      return;
    }
    case 'delete':
      await describePurgeSchedule(client);
      await handle.delete();
      ctx.out(`schedule ${PURGE_SCHEDULE_ID} deleted`);
      return;
    default:
      throw new InvalidInputError('purge schedule', [{ field: 'subcommand', message: 'use create, describe, pause, unpause, trigger, backfill or delete' }]);
  }
}
