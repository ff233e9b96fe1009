import { createHash } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { z } from 'zod';
import { MESSAGE_ID_LOCATOR } from '../../activities/storage/message-id';
import { storeInquiry, unlinkInquiry } from '../../activities/registry/inquiries';
import { getPolicy } from '../../activities/registry/policies';
import { canonicalJson } from '../../activities/registry/canonical-json';
import { languageSchema } from '../../schemas/actions';
import { ErasureError, InvalidInputError } from '../../schemas/errors';
import { recordWorkflowId } from '../../schemas/lifecycle';
import { loadKeys } from '../../infra/keys';
import { mailboxConfigured } from '../../infra/storage-options';
import { statusQuery, type unmatchedInquiry } from '../../workflows';
import { actorFor } from '../actors';
import { readJsonFile } from '../json-file';
import type { CliContext } from '../context';
import { sendAction } from './actions';

/**
 * An inquiry file, as the coordinator transcribes it from the e-mail. Read from a file,
 * never from the command line: arguments end up in shell history and process lists.
 */
const inquiryFileSchema = z.strictObject({
  name: z.string().trim().min(2, "the requester's name is needed to find their records"),
  residence: z.string().trim().min(2, 'the place of residence is needed to find their records'),
  email: z.email('must be the e-mail address the explanation is sent to'),
  language: languageSchema.default('nl'),
  receivedAt: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time with an offset, e.g. "2024-03-12T09:30:00+01:00"' }),
  /** The inquiry e-mail in the mailbox, by its Message-ID: erased from there when the inquiry is destroyed. */
  mailRef: z
    .string()
    .regex(MESSAGE_ID_LOCATOR, 'the inquiry e-mail\'s Message-ID without < >, as "message-id:<id>@<host>", e.g. "message-id:CAx17=a@mail.example.org"')
    .optional(),
});

/** The same inquiry file always gets the same id, so registering it again repeats nothing. */
function inquiryIdOf(content: unknown): string {
  const h = createHash('sha256').update(canonicalJson(content)).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * Why a matched record cannot take the inquiry (asked before anything is sent), or
 * undefined when it can.
 */
async function unavailable(ctx: CliContext, recordId: string): Promise<string | undefined> {
  try {
    const status = await (await ctx.client()).workflow.getHandle(recordWorkflowId(recordId)).query(statusQuery);
    return status.allowedActions.includes('inquiry') || status.inquiry ? undefined : `it is ${status.phase}; its data is already being destroyed`;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return 'it has no lifecycle yet: run `erasure start` first, then register the inquiry again';
    throw err;
  }
}

/** `erasure inquiry register <inquiry.json> --policy <version> --as <coordinator>`; idempotent per file. */
export async function registerInquiryCommand(ctx: CliContext, file: string, policyVersion: string, user: string | undefined): Promise<void> {
  const actor = actorFor(ctx.roles(), user, ['coordinator'], 'registering an inquiry');
  const inquiry = readJsonFile(file, inquiryFileSchema);
  if (inquiry.mailRef && !mailboxConfigured(ctx.config)) {
    throw new InvalidInputError(file, [
      { field: 'mailRef', message: 'no mailbox is configured, so the e-mail could not be erased with the inquiry: set ERASURE_MAILDIR or ERASURE_IMAP_URL (for the workers too), or leave mailRef out' },
    ]);
  }
  const policy = await getPolicy(ctx.registry(), policyVersion);
  if (Date.parse(inquiry.receivedAt) > Date.parse(policy.inquiryCutoff)) {
    throw new InvalidInputError(file, [
      {
        field: 'receivedAt',
        message: `${inquiry.receivedAt} is after the inquiry cutoff ${policy.inquiryCutoff} (policy ${policy.version}); inquiries received after the cutoff do not open the inquiry path`,
      },
    ]);
  }
  if (Date.parse(inquiry.receivedAt) > Date.now() + 5 * 60_000) {
    throw new InvalidInputError(file, [{ field: 'receivedAt', message: `${inquiry.receivedAt} is in the future; give the moment the inquiry e-mail arrived` }]);
  }
  const inquiryId = inquiryIdOf(inquiry);
  const stored = await storeInquiry(ctx.registry(), loadKeys(ctx.config), {
    inquiryId,
    receivedAt: inquiry.receivedAt,
    policyVersion: policy.version,
    language: inquiry.language,
    name: inquiry.name,
    residence: inquiry.residence,
    email: inquiry.email,
    mailRef: inquiry.mailRef,
    registeredBy: `${actor.user} (${actor.role})`,
  });
  if (!stored.new) ctx.out(`Inquiry ${inquiryId} was registered before from this file; completing what is left.`);

  const accepted: string[] = [];
  let refused = 0;
  for (const recordId of stored.matchedRecordIds) {
    const why = await unavailable(ctx, recordId);
    if (why) {
      refused += 1;
      await unlinkInquiry(ctx.registry(), inquiryId, recordId);
      ctx.out(`  record ${recordId}: not linked — ${why}`);
      continue;
    }
    try {
      const status = await sendAction(ctx, 'registerInquiry', recordId, actor.user, { inquiryId, receivedAt: inquiry.receivedAt });
      ctx.out(`  record ${recordId}: ${status.phase}`);
      accepted.push(recordId);
    } catch (err) {
      // Registered before (same file): the record already has this very inquiry.
      if (err instanceof ErasureError && err.message.includes(`inquiry ${inquiryId} was already registered`)) {
        ctx.out(`  record ${recordId}: already has this inquiry`);
        accepted.push(recordId);
        continue;
      }
      throw new ErasureError(
        'INVALID_INPUT',
        `inquiry ${inquiryId} is stored, but registering it on record ${recordId} failed: ${(err as Error).message}\n` +
          'Nothing is lost: run the same command again once the cause is fixed.',
      );
    }
  }
  if (accepted.length === 0) {
    const client = await ctx.client();
    try {
      await client.workflow.start<typeof unmatchedInquiry>('unmatchedInquiry', {
        workflowId: `inquiry-${inquiryId}`,
        taskQueue: ctx.config.TEMPORAL_TASK_QUEUE,
        args: [{ inquiryId, inquiryCutoff: policy.inquiryCutoff, beingDestroyed: refused > 0 }],
        staticSummary: `unmatched inquiry ${inquiryId}`,
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    ctx.out(
      `Inquiry ${inquiryId} registered: ${refused > 0 ? 'the matching data is already being destroyed' : 'no records found'}; ` +
        `the requester is told so, and the inquiry is destroyed after the cutoff ${policy.inquiryCutoff}.`,
    );
    return;
  }
  ctx.out(`Inquiry ${inquiryId} registered for ${accepted.length} record(s): ${accepted.join(', ')}. Next: erasure consent <record> --given|--refused --as <coordinator>`);
}
