#!/usr/bin/env node
import { basename } from 'node:path';
import { ErasureError, InvalidInputError, SHOWN_PROBLEMS, formatProblems } from '../schemas/errors';
import { reportsDir } from '../infra/paths';
import { ProblemFile } from './problem-file';
import { CliContext } from './context';
import { UsageError, parseCommandLine, type CommandLine, type CommandName } from './options';
import { USAGE } from './usage';
import { reportAction, sendAction } from './commands/actions';
import { accessLogCommand, consultCommand } from './commands/consult';
import { importCommand } from './commands/import';
import { inquiryStatusCommand, registerInquiryCommand } from './commands/inquiry';
import { inquiryDecideCommand, inquiryNoMatchCommand, inquiryReviewCommand } from './commands/inquiry-review';
import { listCommand, startCommand, statusCommand } from './commands/lifecycles';
import { policyAddCommand } from './commands/policy';
import { reconcileCommand } from './commands/reconcile';
import { purgeApproveCommand, purgeRunCommand, purgeScheduleCommand, purgeStatusCommand, type ScheduleFlags } from './commands/purge';
import { reportCommand } from './commands/report';
import { codecServeCommand, codecTokenCommand } from './commands/codec';
import { backupCheckCommand, backupCreateCommand, backupListCommand, backupRestoreCommand } from './commands/backup';
import { certificatesExportCommand, certificatesLookupCommand, certificatesPublicKeyCommand, certificatesVerifyCommand } from './commands/certificates';

/** What to do about the failures a coordinator meets first. */
function hint(error: Error & { code?: unknown }): string {
  if (error.code === 'ECONNREFUSED' && /:(543\d\d|5432)\b/.test(error.message)) {
    return '\n  PostgreSQL does not answer: is `npm start` running? Otherwise set DATABASE_URL to a reachable database.';
  }
  if (error.code === '28P01') return '\n  The database refused the password: check DATABASE_URL, or ERASURE_DATA_DIR for the embedded credentials.';
  if (error.code === '3D000') return '\n  The database does not exist: check DATABASE_URL, then run `npm run migrate`.';
  if (error.code === '42P01') return '\n  The registry tables are missing: run `npm run migrate` (or `npm start` once).';
  return '';
}

type Input<C extends CommandName> = Extract<CommandLine, { kind: 'command'; command: C }>;
type Handlers = { [C in CommandName]: (input: Input<C>, ctx: () => CliContext) => Promise<void> | void };

const POLICY_USE = 'use `erasure policy add <policy.json>`';
const INQUIRY_USE = 'use `erasure inquiry register <inquiry.json> ...` or `erasure inquiry status|review|confirm|reject|no-match <inquiryId> ...`';
const CERTIFICATES_USE =
  'use `erasure certificates verify [--public-key <key.pem>]`, `erasure certificates public-key` or `erasure certificates lookup <subject.json> --purpose <text> --as <user>`';
const BACKUP_USE = 'use `erasure backup create|list|restore <file>|check`';

/** The first argument after the command's words, or "`erasure <command>` needs <what>". */
const arg = ({ command, args }: { command: string; args: readonly string[] }, what: string): string => {
  if (!args[0]) throw new UsageError(`\`erasure ${command}\` needs ${what}`);
  return args[0];
};
/** The first argument after the command's words, or the group's usage line. */
const argOr = ({ args }: { args: readonly string[] }, usage: string): string => {
  if (!args[0]) throw new UsageError(usage);
  return args[0];
};
const either = (command: string, a: boolean, b: boolean, names: string) => {
  if (a === b) throw new UsageError(`\`erasure ${command}\` needs exactly one of ${names}`);
  return a;
};
const act = async (ctx: () => CliContext, send: () => ReturnType<typeof sendAction>) => reportAction(ctx(), await send());
const schedule = (ctx: () => CliContext, sub: string, flags: Partial<ScheduleFlags> = {}) => purgeScheduleCommand(ctx(), sub, { approval: false, ...flags });

/** One handler per command of the option table (a command without one does not compile). */
const handlers: Handlers = {
  'policy add': (i, ctx) => policyAddCommand(ctx(), argOr(i, POLICY_USE)),
  import: (i, ctx) => {
    if (!i.values.policy) throw new UsageError('`erasure import` needs --policy <version> (add one with `erasure policy add`)');
    return importCommand(ctx(), { file: arg(i, 'an inventory file'), policy: i.values.policy, format: i.values.format, delimiter: i.values.delimiter });
  },
  start: ({ values: v }, ctx) => startCommand(ctx(), v.dossier),
  status: (i, ctx) => statusCommand(ctx(), arg(i, 'a record id'), i.values.json),
  list: ({ values: v }, ctx) => listCommand(ctx(), { phase: v.phase, dossier: v.dossier, json: v.json }),
  reconcile: ({ values: v }, ctx) => reconcileCommand(ctx(), v.dossier),
  'inquiry register': (i, ctx) => {
    const file = argOr(i, INQUIRY_USE);
    if (!i.values.policy) throw new UsageError('`erasure inquiry register` needs --policy <version>: its cutoff decides whether the inquiry is in time');
    return registerInquiryCommand(ctx(), file, i.values.policy, i.values.as);
  },
  'inquiry status': (i, ctx) => inquiryStatusCommand(ctx(), argOr(i, INQUIRY_USE), i.values.json),
  'inquiry review': (i, ctx) => inquiryReviewCommand(ctx(), argOr(i, INQUIRY_USE), i.values.purpose, i.values.as),
  'inquiry confirm': (i, ctx) =>
    inquiryDecideCommand(ctx(), argOr(i, INQUIRY_USE), 'confirm', { record: i.values.record, reason: i.values.reason, as: i.values.as }),
  'inquiry reject': (i, ctx) =>
    inquiryDecideCommand(ctx(), argOr(i, INQUIRY_USE), 'reject', { record: i.values.record, reason: i.values.reason, as: i.values.as }),
  'inquiry no-match': (i, ctx) => inquiryNoMatchCommand(ctx(), argOr(i, INQUIRY_USE), i.values.as),
  consent: (i, ctx) =>
    act(ctx, () =>
      sendAction(ctx(), 'recordConsent', arg(i, 'a record id'), i.values.as, {
        given: either(i.command, i.values.given, i.values.refused, '--given, --refused'),
      }),
    ),
  identity: (i, ctx) => act(ctx, () => sendAction(ctx(), 'confirmIdentity', arg(i, 'a record id'), i.values.as, {})),
  consult: (i, ctx) => consultCommand(ctx(), arg(i, 'a record id'), i.values.purpose, i.values.as),
  explain: (i, ctx) =>
    act(ctx, () => sendAction(ctx(), 'sendExplanation', arg(i, 'a record id'), i.values.as, { language: (i.values.language ?? 'nl') as 'nl' | 'en' })),
  object: (i, ctx) => act(ctx, () => sendAction(ctx(), 'fileObjection', arg(i, 'a record id'), i.values.as, { reference: i.values.reference ?? '' })),
  decide: (i, ctx) =>
    act(ctx, () =>
      sendAction(ctx(), 'decideObjection', arg(i, 'a record id'), i.values.as, {
        outcome: either(i.command, i.values.proceed, i.values.retain, '--proceed, --retain') ? 'proceed' : 'retain',
        reason: i.values.reason ?? '',
        decisionRef: i.values['decision-ref'] ?? '',
      }),
    ),
  hold: (i, ctx) =>
    act(ctx, () => sendAction(ctx(), 'placeHold', arg(i, 'a record id'), i.values.as, { reference: i.values.reference ?? '', reason: i.values.reason ?? '' })),
  release: (i, ctx) => act(ctx, () => sendAction(ctx(), 'releaseHold', arg(i, 'a record id'), i.values.as, { reference: i.values.reference ?? '' })),
  retry: (i, ctx) => act(ctx, () => sendAction(ctx(), 'retryErasure', arg(i, 'a record id'), i.values.as, { reason: i.values.reason ?? '' })),
  'purge run': ({ values: v }, ctx) =>
    purgeRunCommand(ctx(), {
      dryRun: v['dry-run'],
      waveSize: v['wave-size'],
      approval: v.approval,
      reconcileSample: v['reconcile-sample'],
      settleTimeout: v['settle-timeout'],
      policy: v.policy,
      dossier: v.dossier,
      wait: !v['no-wait'],
    }),
  'purge approve': (i, ctx) =>
    purgeApproveCommand(ctx(), argOr(i, 'use `erasure purge approve <runId> --wave N --as <privacy-officer>`'), i.values.wave, i.values.as),
  'purge status': (i, ctx) => purgeStatusCommand(ctx(), i.args[0], i.values.json),
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
  report: ({ values: v }, ctx) => reportCommand(ctx(), { json: v.json, html: v.html }),
  'certificates verify': ({ values: v }, ctx) => certificatesVerifyCommand(ctx(), v['public-key']),
  'certificates public-key': (_, ctx) => certificatesPublicKeyCommand(ctx()),
  'certificates lookup': (i, ctx) => certificatesLookupCommand(ctx(), argOr(i, CERTIFICATES_USE), i.values.purpose, i.values.as),
  'certificates export': ({ values: v }, ctx) => certificatesExportCommand(ctx(), { record: v.record, run: v.run, out: v.out }),
  'backup create': ({ values: v }, ctx) => backupCreateCommand(ctx(), v.out),
  'backup list': (_, ctx) => backupListCommand(ctx()),
  'backup restore': (i, ctx) => backupRestoreCommand(ctx(), argOr(i, BACKUP_USE), { as: i.values.as, into: i.values.into, registry: i.values.registry }),
  'backup check': ({ values: v }, ctx) => backupCheckCommand(ctx(), { as: v.as, into: v.into, erase: v.erase }),
  'access-log': ({ values: v }, ctx) => accessLogCommand(ctx(), { record: v.record, export: v.export, as: v.as }),
  'codec token': ({ values: v }, ctx) => codecTokenCommand(ctx(), v.as, v.hours),
  'codec serve': (_, ctx) => codecServeCommand(ctx()),
};

/** Words that name no command: what their group offers, as before the option table. */
function unknownCommand([command, sub, target]: readonly string[], ctx: () => CliContext): Promise<void> {
  switch (command) {
    case 'policy':
      throw new UsageError(POLICY_USE);
    case 'inquiry':
      throw new UsageError(sub && target ? `unknown inquiry command "${sub}"` : INQUIRY_USE);
    case 'purge':
      // The schedule names its subcommands itself (exit code 1), as it always has.
      if (sub === 'schedule') return schedule(ctx, target ?? '');
      throw new UsageError('use `erasure purge run|approve|status|schedule ...`');
    case 'certificates':
      throw new UsageError(CERTIFICATES_USE);
    case 'backup':
      throw new UsageError(BACKUP_USE);
    case 'codec':
      throw new UsageError('use `erasure codec token --as <screened-reviewer> [--hours N]` or `erasure codec serve`');
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

const dispatch = <C extends CommandName>(input: Input<C>, ctx: () => CliContext) => handlers[input.command](input, ctx);

async function run(argv: string[], ctx: () => CliContext): Promise<void> {
  const line = parseCommandLine(argv);
  if (line.kind === 'help') throw new UsageError('');
  if (line.kind === 'unknown') return unknownCommand(line.words, ctx);
  return dispatch(line, ctx);
}

/**
 * A refusal as printed: a long list of problems that was not written to a file yet (any
 * refusal but an import's, which writes its own) is written to the reports folder, and
 * the terminal shows the first ones and where the rest are.
 */
async function refusalText(error: ErasureError, env: { ERASURE_REPORTS_DIR?: string | undefined; ERASURE_DATA_DIR?: string | undefined }): Promise<string> {
  if (!(error instanceof InvalidInputError) || error.problemFile || error.problems.length <= SHOWN_PROBLEMS) return error.message;
  const file = new ProblemFile(reportsDir(env), basename(error.source), `${error.source} refused`);
  for (const p of error.problems) file.add(p);
  const path = await file.close();
  return formatProblems(error.source, error.problems, { total: error.total, ...(path ? { file: path } : {}) });
}

async function main(): Promise<number> {
  let context: CliContext | undefined;
  try {
    await run(process.argv.slice(2), () => (context ??= new CliContext(process.env)));
    return 0;
  } catch (err) {
    const error = err as Error & { code?: unknown };
    if (error instanceof UsageError || (typeof error.code === 'string' && error.code.startsWith('ERR_PARSE_ARGS'))) {
      if (error.message) console.error(`erasure: ${error.message}\n`);
      console.error(USAGE);
      return 2;
    }
    console.error(
      error instanceof ErasureError
        ? await refusalText(error, context?.config ?? { ERASURE_REPORTS_DIR: process.env.ERASURE_REPORTS_DIR, ERASURE_DATA_DIR: process.env.ERASURE_DATA_DIR })
        : `erasure: ${error.message}${hint(error)}`,
    );
    return 1;
  } finally {
    await context?.close().catch(() => undefined);
  }
}

void main().then((code) => {
  process.exitCode = code;
});
