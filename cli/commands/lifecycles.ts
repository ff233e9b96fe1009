import { WorkflowNotFoundError } from '@temporalio/client';
import { getPolicy } from '../../activities/registry/policies';
import { ErasureError, NotFoundError, UnusableArgumentsError } from '../../schemas/errors';
import { lifecyclePhaseSchema, recordWorkflowId, type RecordStatus } from '../../schemas/lifecycle';
import { searchAttributes } from '../../schemas/search-attributes';
import { shownName } from '../../schemas/zod-problems';
import { statusQuery } from '../../workflows/definitions';
import { LIFECYCLES } from '../report/visibility';
import type { CommandContext } from '../../service/command-context';
import { startLifecycles } from '../start-lifecycles';
import { formatStatus } from '../status-text';

const IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;

/** `erasure start [--dossier D]`: one lifecycle per registered record, idempotent. */
export async function startCommand(ctx: CommandContext, dossier?: string): Promise<void> {
  const client = await ctx.client();
  const summary = await startLifecycles({
    client,
    registry: ctx.registry(),
    taskQueue: ctx.config.TEMPORAL_TASK_QUEUE,
    actionKeys: ctx.signer.publicKeys,
    dossier,
    onProgress: (s) => {
      if (s.started + s.alreadyPresent >= 1000) ctx.progress(`  ${s.started} started, ${s.alreadyPresent} already present`);
    },
  });
  ctx.out(`Lifecycles: ${summary.started} started, ${summary.alreadyPresent} already present${dossier ? ` (dossier ${dossier})` : ''}`);
  if (summary.inquiriesNotified) ctx.out(`Open inquiries told of new records: ${summary.inquiriesNotified} (see \`erasure inquiry status <inquiryId>\`)`);
}

/** The zone of the record's policy, for showing its instants; none when the policy names none. */
async function policyTimeZone(ctx: CommandContext, version: string): Promise<string | undefined> {
  try {
    return (await getPolicy(ctx.registry(), version)).timeZone;
  } catch (err) {
    if (err instanceof ErasureError && err.code === 'UNKNOWN_POLICY') return undefined;
    throw err;
  }
}

/** Why Temporal has no lifecycle for a record, from what the registry knows of it. */
async function missingLifecycle(ctx: CommandContext, recordId: string): Promise<NotFoundError> {
  const { rows } = await ctx.registry().query<{ started: Date | null; certificate_id: string | null; issued_at: Date | null }>(
    `SELECT r.lifecycle_started_at AS started, c.certificate_id, c.issued_at
       FROM records r LEFT JOIN certificates c USING (record_id) WHERE r.record_id = $1`,
    [recordId],
  );
  const row = rows[0];
  if (!row) {
    return new NotFoundError(
      'status',
      'record',
      recordId,
      `no record ${recordId}: it was never imported (\`erasure import <inventory> --policy <version>\`); \`erasure list\` shows the records that have a lifecycle`,
    );
  }
  if (row.certificate_id) {
    return new NotFoundError(
      'status',
      'lifecycle',
      recordId,
      `record ${recordId} was erased on ${row.issued_at?.toISOString() ?? '?'} (certificate ${row.certificate_id}) and Temporal no longer keeps its lifecycle; \`erasure certificates export --record ${recordId} --out <folder>\` gives the proof`,
    );
  }
  if (!row.started) {
    return new NotFoundError('status', 'lifecycle', recordId, `record ${recordId} is imported, but its lifecycle was not started: run \`erasure start\``);
  }
  return new NotFoundError(
    'status',
    'lifecycle',
    recordId,
    `record ${recordId} is imported and its lifecycle was started on ${row.started.toISOString()}, but Temporal (namespace ${ctx.config.TEMPORAL_NAMESPACE}) has no workflow ${recordWorkflowId(recordId)}: \`erasure start\` starts it again`,
  );
}

/** `erasure status <recordId>`: the lifecycle's own account (phase, deadlines, history), instants in the policy's zone. */
export async function statusCommand(ctx: CommandContext, recordId: string, json: boolean): Promise<void> {
  if (!IDENTIFIER.test(recordId)) {
    throw new UnusableArgumentsError('status', [{ field: 'recordId', message: `${shownName(recordId)} is not a record id (letters, digits and . _ : -)` }]);
  }
  const client = await ctx.client();
  let status: RecordStatus;
  try {
    status = await client.workflow.getHandle(recordWorkflowId(recordId)).query(statusQuery);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw await missingLifecycle(ctx, recordId);
    throw err;
  }
  const timeZone = await policyTimeZone(ctx, status.policyVersion);
  ctx.out(json ? JSON.stringify(timeZone ? { ...status, policyTimeZone: timeZone } : status, null, 2) : formatStatus(status, timeZone));
}

/** `erasure list [--phase P] [--dossier D]`: records by phase, from Temporal visibility. */
export async function listCommand(ctx: CommandContext, options: { phase?: string; dossier?: string; json: boolean }): Promise<void> {
  const clauses = [LIFECYCLES];
  if (options.phase !== undefined) {
    const phase = lifecyclePhaseSchema.safeParse(options.phase);
    if (!phase.success) {
      throw new UnusableArgumentsError('list', [
        { field: '--phase', message: `${shownName(options.phase)} is not a phase; use one of ${lifecyclePhaseSchema.options.join(', ')}` },
      ]);
    }
    clauses.push(`LifecyclePhase = '${phase.data}'`);
  }
  if (options.dossier !== undefined) {
    if (!IDENTIFIER.test(options.dossier))
      throw new UnusableArgumentsError('list', [{ field: '--dossier', message: `${shownName(options.dossier)} is not a dossier id` }]);
    clauses.push(`Dossier = '${options.dossier}'`);
  }
  const client = await ctx.client();
  const rows: { recordId: string; dossier: string; phase: string; status: string }[] = [];
  for await (const wf of client.workflow.list({ query: clauses.join(' AND ') })) {
    rows.push({
      recordId: wf.workflowId.replace(/^record-/, ''),
      dossier: wf.typedSearchAttributes.get(searchAttributes.Dossier) ?? '',
      phase: wf.typedSearchAttributes.get(searchAttributes.LifecyclePhase) ?? '',
      status: wf.status.name,
    });
  }
  rows.sort((a, b) => a.recordId.localeCompare(b.recordId));
  if (options.json) {
    ctx.out(JSON.stringify(rows, null, 2));
    return;
  }
  ctx.out(`${'RECORD'.padEnd(20)} ${'DOSSIER'.padEnd(16)} ${'PHASE'.padEnd(16)} WORKFLOW`);
  for (const r of rows) ctx.out(`${r.recordId.padEnd(20)} ${r.dossier.padEnd(16)} ${r.phase.padEnd(16)} ${r.status}`);
  ctx.out(`${rows.length} record(s)`);
}
