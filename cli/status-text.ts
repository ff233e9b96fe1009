import type { RecordStatus } from '../schemas/lifecycle';
import { deadlineIn, instantIn } from '../schemas/zoned-time';

/**
 * `erasure status` as text. With the policy's zone every instant is shown in it (the
 * deadlines with the zone's name); without one, as the lifecycle reports it.
 */
export function formatStatus(status: RecordStatus, timeZone?: string): string {
  const t = (iso: string) => instantIn(iso, timeZone);
  const lines = [
    `record ${status.recordId}  dossier ${status.dossier}  policy ${status.policyVersion}`,
    `phase: ${status.phase}`,
    `inquiry cutoff: ${deadlineIn(status.deadlines.inquiryCutoff, timeZone)}`,
    `purge start:    ${deadlineIn(status.deadlines.purgeStart, timeZone)}`,
  ];
  const inquiry = status.inquiry;
  if (inquiry) {
    lines.push(
      `inquiry ${inquiry.inquiryId}: received ${t(inquiry.receivedAt)}, answer due ${t(inquiry.responseDue)}${inquiry.responseOverdue ? ' (OVERDUE)' : ''}`,
    );
    if (inquiry.consent !== undefined) lines.push(`  consent: ${inquiry.consent ? 'given' : 'refused'}`);
    if (inquiry.identity) {
      const { method, reference, confirmedAt } = inquiry.identity;
      lines.push(`  identity confirmed: ${t(confirmedAt)} (${method}, reference ${reference})`);
    }
    if (inquiry.explanationSentAt) lines.push(`  explanation sent: ${t(inquiry.explanationSentAt)} (${inquiry.explanationMessageId ?? ''})`);
    if (inquiry.objectionPeriodEnds) lines.push(`  objection period until: ${t(inquiry.objectionPeriodEnds)}`);
  }
  if (status.objection) lines.push(`objection ${status.objection.reference} filed ${t(status.objection.filedAt)}`);
  for (const d of status.decisions) lines.push(`decision ${d.decisionRef}: ${d.outcome} (${t(d.at)})`);
  if (status.reviewDue) lines.push(`retention review due: ${t(status.reviewDue)}`);
  if (status.legalHold) lines.push(`legal hold ${status.legalHold.reference} since ${t(status.legalHold.placedAt)} (returns to ${status.legalHold.returnTo})`);
  if (status.certificateId) lines.push(`certificate: ${status.certificateId} (erased ${status.erasedAt ? t(status.erasedAt) : '?'})`);
  if (status.lastError) lines.push(`last error: ${status.lastError}`);
  lines.push(`possible actions: ${status.allowedActions.length ? status.allowedActions.join(', ') : 'none (waiting for a deadline)'}`);
  lines.push('history:');
  for (const e of status.history) lines.push(`  ${t(e.at)}  ${e.phase.padEnd(16)} ${e.by.padEnd(30)} ${e.note}`);
  return lines.join('\n');
}
