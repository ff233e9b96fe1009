import { createHash } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import { z } from 'zod';
import { MESSAGE_ID_LOCATOR } from '../../activities/storage/message-id';
import { identifierProblem } from '../../activities/matching/fold';
import { inquiryPolicy, storeInquiry } from '../../activities/registry/inquiries';
import { deadlineIn, instantIn } from '../../schemas/zoned-time';
import { getPolicy } from '../../activities/registry/policies';
import { canonicalJson } from '../../activities/registry/canonical-json';
import { languageSchema } from '../../schemas/actions';
import { ErasureError, InvalidInputError } from '../../schemas/errors';
import type { InquiryReviewStatus } from '../../schemas/inquiry-review';
import { loadKeys } from '../../infra/keys';
import { mailboxConfigured } from '../../infra/storage-options';
import { readJsonFile } from '../json-file';
import type { FileSource } from '../text-file';
import type { CommandContext } from '../../service/command-context';
import { notifyInquiryReview, reviewStatus } from '../inquiry-reviews';

/** A name or place the matching can use: never one with a replacement character (a file decoded with losses). */
const identifier = (what: string) =>
  z
    .string()
    .trim()
    .min(2, `the ${what} is needed to find their records`)
    .superRefine((text, ctx) => {
      const problem = identifierProblem(text);
      if (problem) ctx.addIssue({ code: 'custom', message: `the ${what} ${problem}` });
    });

/**
 * An inquiry, as the coordinator transcribes it from the e-mail: from a file (the CLI),
 * never from the command line (arguments end up in shell history and process lists), or
 * from the console's inbox, where the time and mail reference come from the message itself.
 */
export const inquiryInputSchema = z.strictObject({
  name: identifier("requester's name"),
  residence: identifier('place of residence'),
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

const registering = (s: InquiryReviewStatus) => s.stage === 'loading' || s.links.some((l) => l.state === 'registering');

/** One line per linked record and candidate, and what happens next: ids and reasons only. */
export function formatInquiryReview(status: InquiryReviewStatus): string[] {
  const lines: string[] = [];
  for (const link of status.links) {
    const state = {
      registering: 'registering the inquiry on its lifecycle',
      'waiting-for-lifecycle': 'no lifecycle yet: the inquiry is registered on it once `erasure start` has run',
      registered: 'the inquiry is registered on its lifecycle',
      'being-destroyed': `not linked — ${link.detail ?? 'its data is already being destroyed'}`,
      refused: `does not take the inquiry now — ${link.detail ?? ''} (asked again later)`,
    }[link.state];
    lines.push(`  record ${link.recordId} (${link.how}): ${state}`);
  }
  for (const c of status.candidates) {
    const decided = c.decision ? `${c.decision.outcome} by ${c.decision.by.user} (${c.decision.by.role}) ${c.decision.at}` : 'awaiting a screened reviewer';
    lines.push(`  candidate ${c.recordId} (${c.reasons.join(', ')}): ${decided}`);
  }
  if (status.letter) lines.push(`  answered: ${status.letter.kind} letter, message ${status.letter.messageId} (${status.letter.sentAt})`);
  if (status.noMatch) lines.push(`  no match confirmed by ${status.noMatch.by} on ${status.noMatch.at}`);
  return lines;
}

export type InquiryInput = z.output<typeof inquiryInputSchema>;

/** `erasure inquiry register <inquiry.json> --policy <version> --as <coordinator>`; idempotent per file. */
export async function registerInquiryCommand(ctx: CommandContext, source: FileSource, policyVersion: string): Promise<void> {
  ctx.actor(['coordinator'], 'registering an inquiry');
  await registerInquiry(ctx, readJsonFile(source, inquiryInputSchema), policyVersion, source.name);
}

/**
 * Registers one inquiry (idempotent: the same inquiry gets the same id) and has its review
 * link it to the records; `file` names where it came from in refusals.
 */
export async function registerInquiry(ctx: CommandContext, inquiry: InquiryInput, policyVersion: string, file: string): Promise<{ inquiryId: string }> {
  const actor = ctx.actor(['coordinator'], 'registering an inquiry');
  if (inquiry.mailRef && !mailboxConfigured(ctx.config)) {
    throw new InvalidInputError(file, [
      {
        field: 'mailRef',
        message:
          'no mailbox is configured, so the e-mail could not be erased with the inquiry: set ERASURE_MAILDIR or ERASURE_IMAP_URL (for the workers too), or leave mailRef out',
      },
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
    registeredBy: actor,
  });
  if (!stored.new) ctx.out(`Inquiry ${inquiryId} was registered before from this file; completing what is left.`);

  // The inquiry's review registers it on the linked records and holds the candidates.
  const client = await ctx.client();
  const registration = ctx.signer.signInquiryRegistration(actor, inquiryId, inquiry.receivedAt);
  await notifyInquiryReview(client, ctx.registry(), ctx.config.TEMPORAL_TASK_QUEUE, inquiryId, ctx.signer.publicKeys, registration);
  const { status, settled } = await reviewStatus(client, inquiryId, (s) => !registering(s));
  const registered = status.links.filter((l) => l.state !== 'being-destroyed').length;
  ctx.out(
    `Inquiry ${inquiryId} registered (policy ${policy.version}, cutoff ${deadlineIn(policy.inquiryCutoff, policy.timeZone)}): ${registered} linked record(s), ${stored.candidates.length} candidate(s).`,
  );
  for (const line of formatInquiryReview(status)) ctx.out(line);
  if (!settled) ctx.out('  (the worker has not finished registering yet: see `erasure inquiry status` in a moment)');
  if (status.candidates.some((c) => !c.decision) || status.stage === 'awaiting-review') {
    ctx.out(
      registered === 0
        ? `No record matches exactly. The requester is not answered until a screened reviewer has checked${stored.candidates.length ? ' the candidates' : ''}:`
        : 'A screened reviewer confirms or rejects the candidates:',
    );
    ctx.out(`  erasure inquiry review ${inquiryId} --purpose "<why>" --as <screened-reviewer>`);
  }
  const next = status.links.find((l) => l.state === 'registered');
  if (next) ctx.out(`Next: erasure consent ${next.recordId} --given|--refused --as <coordinator>`);
  return { inquiryId };
}

const INQUIRY_ID = z.uuid();

export function inquiryIdArgument(value: string): string {
  if (!INQUIRY_ID.safeParse(value).success) {
    throw new InvalidInputError('inquiry', [
      { field: 'inquiryId', message: `"${value.slice(0, 40)}" is not an inquiry id (a UUID, as \`erasure inquiry register\` printed it)` },
    ]);
  }
  return value;
}

/** `erasure inquiry status <inquiryId> [--json]`: the review's own account (no personal data). */
export async function inquiryStatusCommand(ctx: CommandContext, inquiryId: string, json: boolean): Promise<void> {
  const client = await ctx.client();
  let status: InquiryReviewStatus;
  try {
    ({ status } = await reviewStatus(client, inquiryIdArgument(inquiryId), (s) => s.stage !== 'loading', 10_000));
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) {
      throw new ErasureError(
        'UNKNOWN_RECORD',
        `there is no inquiry ${inquiryId}: it was never registered (\`erasure inquiry register\`), or its review ended long ago`,
      );
    }
    throw err;
  }
  if (json) {
    ctx.out(JSON.stringify(status, null, 2));
    return;
  }
  const zone = (await inquiryPolicy(ctx.registry(), status.inquiryId))?.timeZone;
  ctx.out(
    `inquiry ${status.inquiryId}: ${status.stage} (cutoff ${deadlineIn(status.inquiryCutoff, zone)}, answer due ${deadlineIn(status.responseDue, zone)})`,
  );
  for (const line of formatInquiryReview(status)) ctx.out(line);
  ctx.out(`possible actions: ${status.allowedActions.length ? status.allowedActions.join(', ') : 'none'}`);
  ctx.out('history:');
  for (const e of status.history) ctx.out(`  ${instantIn(e.at, zone)}  ${e.by.padEnd(30)} ${e.note}`);
}
