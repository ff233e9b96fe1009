import { UsageError, type CommandLine, type CommandName } from '../cli/options';
import { identityMethodSchema, identityMethods, referenceSchema, type IdentityMethod } from '../schemas/actions';
import { InvalidInputError, type InputProblem } from '../schemas/errors';
import { shownName } from '../schemas/zod-problems';
import type { FileSource } from '../cli/text-file';
import { reportAction, sendAction } from '../cli/commands/actions';
import { accessLogCommand, consultCommand } from '../cli/commands/consult';
import { importCommand } from '../cli/commands/import';
import { inquiryStatusCommand, registerInquiryCommand } from '../cli/commands/inquiry';
import { inquiryDecideCommand, inquiryNoMatchCommand, inquiryReviewCommand } from '../cli/commands/inquiry-review';
import { listCommand, startCommand, statusCommand } from '../cli/commands/lifecycles';
import { policyAddCommand } from '../cli/commands/policy';
import { reconcileCommand } from '../cli/commands/reconcile';
import { purgeApproveCommand, purgeRunCommand, purgeScheduleCommand, purgeStatusCommand, type ScheduleFlags } from '../cli/commands/purge';
import { reportCommand } from '../cli/commands/report';
import { backupCheckCommand, backupCreateCommand, backupListCommand, backupRestoreCommand } from '../cli/commands/backup';
import { certificatesExportCommand, certificatesLookupCommand, certificatesPublicKeyCommand, certificatesVerifyCommand } from '../cli/commands/certificates';
import type { CommandContext } from './command-context';
import { NEEDS_POLICY, type ServiceCommand } from './command-table';
import { securityLogCommand, usersCommand, type AccountsCommands } from './users-commands';

export type Input<C extends CommandName> = Extract<CommandLine, { kind: 'command'; command: C }> & {
  /** The files the command reads, in the order given (FileSource: name and bytes). */
  readonly files: readonly FileSource[];
};

type Handlers = { [C in ServiceCommand]: (input: Input<C>, ctx: CommandContext, accounts: AccountsCommands) => Promise<void> | void };

const POLICY_USE = 'use `erasure policy add <policy.json>`';
const INQUIRY_USE = 'use `erasure inquiry register <inquiry.json> ...` or `erasure inquiry status|review|confirm|reject|no-match <inquiryId> ...`';

/** The first argument after the command's words, or "`erasure <command>` needs <what>". */
const arg = ({ command, args }: { command: string; args: readonly string[] }, what: string): string => {
  if (!args[0]) throw new UsageError(`\`erasure ${command}\` needs ${what}`);
  return args[0];
};
const argOr = ({ args }: { args: readonly string[] }, usage: string): string => {
  if (!args[0]) throw new UsageError(usage);
  return args[0];
};
/** The file the CLI sent for the command's argument. */
const fileOf = (i: { command: string; files: readonly FileSource[] }, usage: string): FileSource => {
  const [file] = i.files;
  if (!file) throw new UsageError(usage);
  return file;
};
const either = (command: string, a: boolean, b: boolean, names: string) => {
  if (a === b) throw new UsageError(`\`erasure ${command}\` needs exactly one of ${names}`);
  return a;
};
const METHODS = identityMethods.join(', ');
/**
 * `erasure identity`'s method and reference, checked before anything is signed: a missing
 * option is a usage error, a value that does not fit is refused naming the option and
 * what it takes. Only a method and a reference are kept, never a copy of the document.
 */
export function identityOptions(values: { method?: string | undefined; reference?: string | undefined }): { method: IdentityMethod; reference: string } {
  const { method, reference } = values;
  if (method === undefined) throw new UsageError(`\`erasure identity\` needs --method <method>: how the identity was established, one of ${METHODS}`);
  if (reference === undefined) {
    throw new UsageError(
      "`erasure identity` needs --reference <id>: where the evidence is kept (the desk's register number, the letter's id), never a copy of the document",
    );
  }
  const m = identityMethodSchema.safeParse(method);
  const r = referenceSchema.safeParse(reference);
  const problems: InputProblem[] = [];
  if (!m.success) problems.push({ field: '--method', message: `${shownName(method)} is not a method; give one of ${METHODS}` });
  if (!r.success) problems.push({ field: '--reference', message: r.error.issues[0]?.message ?? 'is not a reference' });
  if (!m.success || !r.success) throw new InvalidInputError('identity', problems);
  return { method: m.data, reference: r.data };
}
const act = async (ctx: CommandContext, send: () => ReturnType<typeof sendAction>) => reportAction(ctx, await send());
const schedule = (ctx: CommandContext, sub: string, flags: Partial<ScheduleFlags> = {}) => purgeScheduleCommand(ctx, sub, { approval: false, ...flags });

/** One handler per command the service runs (a command without one does not compile). */
export const COMMAND_HANDLERS: Handlers = {
  'policy add': (i, ctx) => policyAddCommand(ctx, fileOf(i, POLICY_USE)),
  import: (i, ctx) => {
    if (!i.values.policy) throw new UsageError(NEEDS_POLICY.import);
    return importCommand(ctx, {
      file: fileOf(i, '`erasure import` needs an inventory file'),
      policy: i.values.policy,
      format: i.values.format,
      delimiter: i.values.delimiter,
    });
  },
  start: ({ values: v }, ctx) => startCommand(ctx, v.dossier),
  status: (i, ctx) => statusCommand(ctx, arg(i, 'a record id'), i.values.json),
  list: ({ values: v }, ctx) => listCommand(ctx, { phase: v.phase, dossier: v.dossier, json: v.json }),
  reconcile: ({ values: v }, ctx) => reconcileCommand(ctx, v.dossier),
  'inquiry register': (i, ctx) => {
    const file = fileOf(i, INQUIRY_USE);
    if (!i.values.policy) throw new UsageError(NEEDS_POLICY['inquiry register']);
    return registerInquiryCommand(ctx, file, i.values.policy);
  },
  'inquiry status': (i, ctx) => inquiryStatusCommand(ctx, argOr(i, INQUIRY_USE), i.values.json),
  'inquiry review': (i, ctx) => inquiryReviewCommand(ctx, argOr(i, INQUIRY_USE), i.values.purpose),
  'inquiry confirm': (i, ctx) => inquiryDecideCommand(ctx, argOr(i, INQUIRY_USE), 'confirm', { record: i.values.record, reason: i.values.reason }),
  'inquiry reject': (i, ctx) => inquiryDecideCommand(ctx, argOr(i, INQUIRY_USE), 'reject', { record: i.values.record, reason: i.values.reason }),
  'inquiry no-match': (i, ctx) => inquiryNoMatchCommand(ctx, argOr(i, INQUIRY_USE)),
  consent: (i, ctx) =>
    act(ctx, () =>
      sendAction(ctx, 'recordConsent', arg(i, 'a record id'), { given: either(i.command, i.values.given, i.values.refused, '--given, --refused') }),
    ),
  identity: (i, ctx) => {
    const recordId = arg(i, 'a record id');
    const check = identityOptions(i.values);
    return act(ctx, () => sendAction(ctx, 'confirmIdentity', recordId, check));
  },
  consult: (i, ctx) => consultCommand(ctx, arg(i, 'a record id'), i.values.purpose),
  explain: (i, ctx) => act(ctx, () => sendAction(ctx, 'sendExplanation', arg(i, 'a record id'), { language: (i.values.language ?? 'nl') as 'nl' | 'en' })),
  object: (i, ctx) => act(ctx, () => sendAction(ctx, 'fileObjection', arg(i, 'a record id'), { reference: i.values.reference ?? '' })),
  decide: (i, ctx) =>
    act(ctx, () =>
      sendAction(ctx, 'decideObjection', arg(i, 'a record id'), {
        outcome: either(i.command, i.values.proceed, i.values.retain, '--proceed, --retain') ? 'proceed' : 'retain',
        reason: i.values.reason ?? '',
        decisionRef: i.values['decision-ref'] ?? '',
      }),
    ),
  hold: (i, ctx) => act(ctx, () => sendAction(ctx, 'placeHold', arg(i, 'a record id'), { reference: i.values.reference ?? '', reason: i.values.reason ?? '' })),
  release: (i, ctx) => act(ctx, () => sendAction(ctx, 'releaseHold', arg(i, 'a record id'), { reference: i.values.reference ?? '' })),
  retry: (i, ctx) => act(ctx, () => sendAction(ctx, 'retryErasure', arg(i, 'a record id'), { reason: i.values.reason ?? '' })),
  'purge run': ({ values: v }, ctx) =>
    purgeRunCommand(ctx, {
      dryRun: v['dry-run'],
      waveSize: v['wave-size'],
      approval: v.approval,
      reconcileSample: v['reconcile-sample'],
      settleTimeout: v['settle-timeout'],
      policy: v.policy,
      dossier: v.dossier,
      wait: !v['no-wait'],
    }),
  'purge approve': (i, ctx) => purgeApproveCommand(ctx, argOr(i, 'use `erasure purge approve <runId> --wave N`'), i.values.wave),
  'purge status': (i, ctx) => purgeStatusCommand(ctx, i.args[0], i.values.json),
  'purge schedule create': ({ values: v }, ctx) =>
    schedule(ctx, 'create', {
      policy: v.policy,
      cron: v.cron,
      every: v.every,
      waveSize: v['wave-size'],
      approval: v.approval,
      reconcileSample: v['reconcile-sample'],
    }),
  'purge schedule describe': (_, ctx) => schedule(ctx, 'describe'),
  'purge schedule pause': ({ values: v }, ctx) => schedule(ctx, 'pause', { note: v.note }),
  'purge schedule unpause': ({ values: v }, ctx) => schedule(ctx, 'unpause', { note: v.note }),
  'purge schedule trigger': (_, ctx) => schedule(ctx, 'trigger'),
  'purge schedule backfill': ({ values: v }, ctx) => schedule(ctx, 'backfill', { from: v.from, to: v.to }),
  'purge schedule delete': (_, ctx) => schedule(ctx, 'delete'),
  report: ({ values: v }, ctx) => reportCommand(ctx, { json: v.json, html: v.html }),
  'certificates verify': (i, ctx) => certificatesVerifyCommand(ctx, i.files),
  'certificates public-key': (_, ctx) => certificatesPublicKeyCommand(ctx),
  'certificates lookup': (i, ctx) =>
    certificatesLookupCommand(ctx, fileOf(i, 'use `erasure certificates lookup <subject.json> --purpose <text>`'), i.values.purpose),
  'certificates export': ({ values: v }, ctx) => certificatesExportCommand(ctx, { record: v.record, run: v.run, out: v.out }),
  'backup create': ({ values: v }, ctx) => backupCreateCommand(ctx, v.out),
  'backup list': (_, ctx) => backupListCommand(ctx),
  'backup restore': (i, ctx) =>
    backupRestoreCommand(ctx, argOr(i, 'use `erasure backup restore <file>`'), { into: i.values.into, registry: i.values.registry }),
  'backup check': ({ values: v }, ctx) => backupCheckCommand(ctx, { into: v.into, erase: v.erase }),
  'access-log': ({ values: v }, ctx) => accessLogCommand(ctx, { record: v.record, export: v.export }),
  'security-log': ({ values: v }, ctx, accounts) => securityLogCommand(ctx, accounts, { account: v.account, json: v.json }),
  'users add': (i, ctx, accounts) => usersCommand(ctx, accounts, 'add', arg(i, 'an account id'), i.values.role),
  'users disable': (i, ctx, accounts) => usersCommand(ctx, accounts, 'disable', arg(i, 'an account id')),
  'users reset-2fa': (i, ctx, accounts) => usersCommand(ctx, accounts, 'reset-2fa', arg(i, 'an account id')),
  'users list': (_, ctx, accounts) => usersCommand(ctx, accounts, 'list'),
};
