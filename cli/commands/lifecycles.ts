import { WorkflowNotFoundError } from '@temporalio/client';
import { InvalidInputError } from '../../schemas/errors';
import { lifecyclePhaseSchema, recordWorkflowId, type RecordStatus } from '../../schemas/lifecycle';
import { searchAttributes } from '../../schemas/search-attributes';
import { statusQuery } from '../../workflows';
import type { CliContext } from '../context';
import { startLifecycles } from '../start-lifecycles';

const IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;

/** `erasure start [--dossier D]`: one lifecycle per registered record, idempotent. */
export async function startCommand(ctx: CliContext, dossier?: string): Promise<void> {
  const client = await ctx.client();
  const summary = await startLifecycles({
    client,
    registry: ctx.registry(),
    taskQueue: ctx.config.TEMPORAL_TASK_QUEUE,
    dossier,
    onProgress: (s) => {
      if (s.started + s.alreadyPresent >= 1000) ctx.progress(`  ${s.started} started, ${s.alreadyPresent} already present`);
    },
  });
  ctx.out(`Lifecycles: ${summary.started} started, ${summary.alreadyPresent} already present${dossier ? ` (dossier ${dossier})` : ''}`);
  if (summary.inquiriesNotified) ctx.out(`Open inquiries told of new records: ${summary.inquiriesNotified} (see \`erasure inquiry status <inquiryId>\`)`);
}

export function formatStatus(status: RecordStatus): string {
  const lines = [
    `record ${status.recordId}  dossier ${status.dossier}  policy ${status.policyVersion}`,
    `phase: ${status.phase}`,
    `inquiry cutoff: ${status.deadlines.inquiryCutoff}`,
    `purge start:    ${status.deadlines.purgeStart}`,
  ];
  const inquiry = status.inquiry;
  if (inquiry) {
    lines.push(`inquiry ${inquiry.inquiryId}: received ${inquiry.receivedAt}, answer due ${inquiry.responseDue}${inquiry.responseOverdue ? ' (OVERDUE)' : ''}`);
    if (inquiry.consent !== undefined) lines.push(`  consent: ${inquiry.consent ? 'given' : 'refused'}`);
    if (inquiry.identityConfirmedAt) lines.push(`  identity confirmed: ${inquiry.identityConfirmedAt}`);
    if (inquiry.explanationSentAt) lines.push(`  explanation sent: ${inquiry.explanationSentAt} (${inquiry.explanationMessageId ?? ''})`);
    if (inquiry.objectionPeriodEnds) lines.push(`  objection period until: ${inquiry.objectionPeriodEnds}`);
  }
  if (status.objection) lines.push(`objection ${status.objection.reference} filed ${status.objection.filedAt}`);
  for (const d of status.decisions) lines.push(`decision ${d.decisionRef}: ${d.outcome} (${d.at})`);
  if (status.reviewDue) lines.push(`retention review due: ${status.reviewDue}`);
  if (status.legalHold) lines.push(`legal hold ${status.legalHold.reference} since ${status.legalHold.placedAt} (returns to ${status.legalHold.returnTo})`);
  if (status.certificateId) lines.push(`certificate: ${status.certificateId} (erased ${status.erasedAt ?? '?'})`);
  if (status.lastError) lines.push(`last error: ${status.lastError}`);
  lines.push(`possible actions: ${status.allowedActions.length ? status.allowedActions.join(', ') : 'none (waiting for a deadline)'}`);
  lines.push('history:');
  for (const e of status.history) lines.push(`  ${e.at}  ${e.phase.padEnd(16)} ${e.by.padEnd(30)} ${e.note}`);
  return lines.join('\n');
}

/** `erasure status <recordId>`: the lifecycle's own account (phase, deadlines, history). */
export async function statusCommand(ctx: CliContext, recordId: string, json: boolean): Promise<void> {
  if (!IDENTIFIER.test(recordId)) {
    throw new InvalidInputError('status', [{ field: 'recordId', message: `"${recordId}" is not a record id` }]);
  }
  const client = await ctx.client();
  try {
    const status = await client.workflow.getHandle(recordWorkflowId(recordId)).query(statusQuery);
    ctx.out(json ? JSON.stringify(status, null, 2) : formatStatus(status));
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) {
      throw new InvalidInputError('status', [
        { field: 'recordId', message: `no lifecycle for record ${recordId}; import it and run \`erasure start\`` },
      ]);
    }
    throw err;
  }
}

/** `erasure list [--phase P] [--dossier D]`: records by phase, from Temporal visibility. */
export async function listCommand(ctx: CliContext, options: { phase?: string; dossier?: string; json: boolean }): Promise<void> {
  const clauses = [`WorkflowType = 'recordLifecycle'`];
  if (options.phase !== undefined) {
    const phase = lifecyclePhaseSchema.safeParse(options.phase);
    if (!phase.success) {
      throw new InvalidInputError('list', [{ field: '--phase', message: `"${options.phase}" is not a phase; use one of ${lifecyclePhaseSchema.options.join(', ')}` }]);
    }
    clauses.push(`LifecyclePhase = '${phase.data}'`);
  }
  if (options.dossier !== undefined) {
    if (!IDENTIFIER.test(options.dossier)) throw new InvalidInputError('list', [{ field: '--dossier', message: `"${options.dossier}" is not a dossier id` }]);
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

