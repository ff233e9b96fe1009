import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { destroyInquiryData, storeInquiry } from '../../activities/registry/inquiries';
import { getPolicy } from '../../activities/registry/policies';
import { languageSchema } from '../../schemas/actions';
import { InvalidInputError } from '../../schemas/errors';
import { zodProblems } from '../../schemas/zod-problems';
import { loadKeys } from '../../infra/keys';
import type { unmatchedInquiry } from '../../workflows';
import { actorFor } from '../actors';
import type { CliContext } from '../context';
import { sendAction } from './actions';

/**
 * An inquiry file, as the coordinator transcribes it from the e-mail. Read from a file,
 * never from the command line: arguments end up in shell history and process lists.
 */
const inquiryFileSchema = z.strictObject({
  name: z.string().trim().min(2, 'the requester\'s name is needed to find their records'),
  residence: z.string().trim().min(2, 'the place of residence is needed to find their records'),
  email: z.email('must be the e-mail address the explanation is sent to'),
  language: languageSchema.default('nl'),
  receivedAt: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time with an offset, e.g. "2024-03-12T09:30:00+01:00"' }),
  mailRef: z.string().regex(/^[A-Za-z0-9._:/<>@+-]{1,300}$/, 'a reference to the inquiry e-mail in its mailbox, e.g. "maildir:cur/1710235800.M1.host"').optional(),
});

/** `erasure inquiry register <inquiry.json> --policy <version> --as <coordinator>`. */
export async function registerInquiryCommand(ctx: CliContext, file: string, policyVersion: string, user: string | undefined): Promise<void> {
  const actor = actorFor(ctx.roles(), user, ['coordinator'], 'registering an inquiry');
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new InvalidInputError(file, [{ field: '(file)', message: `is not a readable JSON file: ${(err as Error).message}` }]);
  }
  const parsed = inquiryFileSchema.safeParse(data);
  if (!parsed.success) throw new InvalidInputError(file, zodProblems(parsed.error));
  const inquiry = parsed.data;
  const policy = await getPolicy(ctx.registry(), policyVersion);
  if (Date.parse(inquiry.receivedAt) > Date.parse(policy.inquiryCutoff)) {
    throw new InvalidInputError(file, [
      {
        field: 'receivedAt',
        message: `${inquiry.receivedAt} is after the inquiry cutoff ${policy.inquiryCutoff} (policy ${policy.version}); inquiries received after the cutoff do not open the inquiry path`,
      },
    ]);
  }
  const inquiryId = randomUUID();
  const { matchedRecordIds } = await storeInquiry(ctx.registry(), loadKeys(ctx.config), {
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
  const accepted: string[] = [];
  for (const recordId of matchedRecordIds) {
    try {
      const status = await sendAction(ctx, 'registerInquiry', recordId, actor.user, { inquiryId, receivedAt: inquiry.receivedAt });
      accepted.push(recordId);
      ctx.out(`  record ${recordId}: ${status.phase}`);
    } catch (err) {
      // A record already being erased cannot take the inquiry: unlink it and say so.
      await destroyInquiryData(ctx.registry(), inquiryId, recordId);
      ctx.out(`  record ${recordId}: not linked — ${(err as Error).message}`);
    }
  }
  if (accepted.length === 0) {
    const client = await ctx.client();
    await client.workflow.start<typeof unmatchedInquiry>('unmatchedInquiry', {
      workflowId: `inquiry-${inquiryId}`,
      taskQueue: ctx.config.TEMPORAL_TASK_QUEUE,
      args: [{ inquiryId, inquiryCutoff: policy.inquiryCutoff }],
      staticSummary: `unmatched inquiry ${inquiryId}`,
    });
    ctx.out(`Inquiry ${inquiryId} registered: no records found; the requester is told so, and the inquiry is destroyed after the cutoff ${policy.inquiryCutoff}.`);
    return;
  }
  ctx.out(`Inquiry ${inquiryId} registered for ${accepted.length} record(s): ${accepted.join(', ')}. Next: erasure consent <record> --given|--refused --as <coordinator>`);
}
