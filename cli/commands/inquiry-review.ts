import { WorkflowNotFoundError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { appendAccessLog, requesterStatement } from '../../activities/registry/inquiries';
import { inquirySnapshot } from '../../activities/registry/inquiry-matching';
import { recordLocators } from '../../activities/registry/records';
import { configuredAdapters } from '../../activities/storage';
import { databaseUrls } from '../../infra/database-urls';
import { loadKeys } from '../../infra/keys';
import { storageOptions } from '../../infra/storage-options';
import { ErasureError, InvalidInputError } from '../../schemas/errors';
import { inquiryWorkflowId, type InquiryReviewStatus } from '../../schemas/inquiry-review';
import { confirmNoMatchUpdate, decideCandidateUpdate, inquiryStatusQuery, type inquiryReview } from '../../workflows';
import type { CommandContext } from '../../service/command-context';
import { reviewStatus } from '../inquiry-reviews';
import { formatInquiryReview, inquiryIdArgument } from './inquiry';

const notRegistered = (inquiryId: string) =>
  new ErasureError('UNKNOWN_RECORD', `there is no inquiry ${inquiryId}: it was never registered (\`erasure inquiry register\`), or it was destroyed`);

/**
 * `erasure inquiry review <inquiryId> --purpose <why> --as <screened-reviewer>`: the
 * requester's name and residence as they gave them, beside each candidate's as the case
 * administration holds them, so that a screened reviewer can tell whether a candidate is
 * the requester. Personal data goes to this terminal only; every look is logged first.
 */
export async function inquiryReviewCommand(ctx: CommandContext, inquiryId: string, purpose: string | undefined): Promise<void> {
  const actor = ctx.actor(['screened-reviewer'], 'reviewing an inquiry');
  inquiryIdArgument(inquiryId);
  if (!purpose || purpose.trim().length < 3) {
    throw new InvalidInputError('inquiry review', [
      { field: '--purpose', message: 'say why you look (it is kept in the access log), e.g. --purpose "matching the inquiry"' },
    ]);
  }
  const registry = ctx.registry();
  const snapshot = await inquirySnapshot(registry, inquiryId);
  if (!snapshot.exists) throw notRegistered(inquiryId);
  const who = `${actor.user} (${actor.role})`;
  // Logged before anything is shown: the inquiry's own data, and each candidate looked at.
  await appendAccessLog(registry, { actor: who, recordId: null, inquiryId, action: 'inquiry-review', purpose: purpose.trim() });
  for (const c of snapshot.candidates)
    await appendAccessLog(registry, { actor: who, recordId: c.recordId, inquiryId, action: 'inquiry-review', purpose: purpose.trim() });
  const stated = await requesterStatement(registry, loadKeys(ctx.config), inquiryId);
  ctx.out(`CONFIDENTIAL — review of inquiry ${inquiryId} by ${actor.user}; logged in the access log.`);
  ctx.out(`The requester gave: name ${JSON.stringify(stated?.name ?? '?')}, residence ${JSON.stringify(stated?.residence ?? '?')}`);
  const linked = snapshot.links.map((l) => l.recordId);
  if (linked.length) ctx.out(`Linked by an exact match: ${linked.join(', ')}`);
  if (snapshot.candidates.length === 0) {
    ctx.out('No candidates: no record shares a name variant with the inquiry.');
  }
  const storage = configuredAdapters(databaseUrls(ctx.config), storageOptions(ctx.config));
  try {
    for (const c of snapshot.candidates) {
      const { rows } = await registry.query<{ dossier: string; subject_ref: string }>('SELECT dossier, subject_ref FROM records WHERE record_id = $1', [
        c.recordId,
      ]);
      const decision = c.decision ? `${c.decision.outcome} by ${c.decision.by.user} on ${c.decision.at}` : 'undecided';
      ctx.out(`\ncandidate ${c.recordId}  dossier ${rows[0]?.dossier ?? '?'}  subject ${rows[0]?.subject_ref ?? '?'}  (${c.reasons.join(', ')}; ${decision})`);
      for (const adapter of storage.adapters.values()) {
        if (!adapter.subjects) continue;
        const locators = await recordLocators(registry, c.recordId, adapter.system);
        for (const [locator, subject] of await adapter.subjects(locators)) {
          ctx.out(`  ${adapter.system} ${locator}: name ${JSON.stringify(subject.name)}, residence ${JSON.stringify(subject.residence)}`);
        }
      }
    }
  } finally {
    await storage.close();
  }
  ctx.out(
    snapshot.candidates.some((c) => !c.decision)
      ? `\nDecide on each: erasure inquiry confirm|reject ${inquiryId} --record <id> [--reason <why>]`
      : linked.length === 0 && !snapshot.noMatch
        ? `\nIf none is the requester: erasure inquiry no-match ${inquiryId}`
        : '',
  );
}

async function update<T>(ctx: CommandContext, inquiryId: string, send: (handle: WorkflowHandle<typeof inquiryReview>) => Promise<T>): Promise<T> {
  const handle = (await ctx.client()).workflow.getHandle<typeof inquiryReview>(inquiryWorkflowId(inquiryIdArgument(inquiryId)));
  try {
    return await send(handle);
  } catch (err) {
    // The validator's (or the recording activity's) message says what was refused and why.
    if (err instanceof WorkflowUpdateFailedError) throw new ErasureError('INVALID_INPUT', err.cause?.message ?? err.message);
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    // A review that ended still answers queries: say how it ended.
    const ended = await handle.query(inquiryStatusQuery).catch(() => undefined);
    if (!ended) throw notRegistered(inquiryId);
    throw new ErasureError(
      'INVALID_INPUT',
      `the review of inquiry ${inquiryId} has ended (${ended.stage}); nothing is left to decide. See \`erasure inquiry status ${inquiryId}\``,
    );
  }
}

async function report(ctx: CommandContext, inquiryId: string, settled: (s: InquiryReviewStatus) => boolean): Promise<void> {
  const { status } = await reviewStatus(await ctx.client(), inquiryId, (s) => s.stage !== 'loading' && settled(s), 15_000);
  ctx.out(`inquiry ${inquiryId}: ${status.stage}`);
  for (const line of formatInquiryReview(status)) ctx.out(line);
  if (status.allowedActions.length) ctx.out(`possible actions: ${status.allowedActions.join(', ')}`);
}

/** `erasure inquiry confirm|reject <inquiryId> --record <id> [--reason <why>] --as <screened-reviewer>`. */
export async function inquiryDecideCommand(
  ctx: CommandContext,
  inquiryId: string,
  outcome: 'confirm' | 'reject',
  options: { record?: string | undefined; reason?: string | undefined },
): Promise<void> {
  const actor = ctx.actor(['screened-reviewer'], `${outcome === 'confirm' ? 'confirming' : 'rejecting'} a candidate`);
  if (!options.record)
    throw new InvalidInputError(`inquiry ${outcome}`, [
      { field: '--record', message: 'name the candidate: --record <recordId> (see `erasure inquiry review`)' },
    ]);
  const recordId = options.record;
  const decision = { actor, recordId, outcome, ...(options.reason ? { reason: options.reason } : {}) };
  await update(ctx, inquiryId, (h) => h.executeUpdate(decideCandidateUpdate, { args: [ctx.signer.sign(h.workflowId, decideCandidateUpdate.name, decision)] }));
  await report(ctx, inquiryId, (s) => !s.links.some((l) => l.recordId === recordId && l.state === 'registering'));
}

/** `erasure inquiry no-match <inquiryId> --as <screened-reviewer>`: only then does the "no data found" letter go out. */
export async function inquiryNoMatchCommand(ctx: CommandContext, inquiryId: string): Promise<void> {
  const actor = ctx.actor(['screened-reviewer'], 'confirming that no record matches');
  await update(ctx, inquiryId, (h) => h.executeUpdate(confirmNoMatchUpdate, { args: [ctx.signer.sign(h.workflowId, confirmNoMatchUpdate.name, { actor })] }));
  await report(ctx, inquiryId, (s) => s.letter !== undefined);
}
