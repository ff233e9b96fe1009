#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { basename } from 'node:path';
import { ErasureError, InvalidInputError, SHOWN_PROBLEMS, formatProblems } from '../schemas/errors';
import { reportsDir } from '../infra/paths';
import { ProblemFile } from './problem-file';
import { CliContext } from './context';
import { reportAction, sendAction } from './commands/actions';
import { accessLogCommand, consultCommand } from './commands/consult';
import { importCommand } from './commands/import';
import { inquiryStatusCommand, registerInquiryCommand } from './commands/inquiry';
import { inquiryDecideCommand, inquiryNoMatchCommand, inquiryReviewCommand } from './commands/inquiry-review';
import { listCommand, startCommand, statusCommand } from './commands/lifecycles';
import { policyAddCommand } from './commands/policy';
import { reconcileCommand } from './commands/reconcile';
import { purgeApproveCommand, purgeRunCommand, purgeScheduleCommand, purgeStatusCommand } from './commands/purge';
import { reportCommand } from './commands/report';
import { codecServeCommand, codecTokenCommand } from './commands/codec';
import { backupCheckCommand, backupCreateCommand, backupListCommand, backupRestoreCommand } from './commands/backup';
import { certificatesExportCommand, certificatesLookupCommand, certificatesPublicKeyCommand, certificatesVerifyCommand } from './commands/certificates';

const USAGE = `erasure — the deletion coordinators' command line

Registry and lifecycles
  erasure policy add <policy.json>                   store a (versioned, immutable) destruction policy
  erasure import <inventory.csv|.json> --policy <version> [--format csv|json] [--delimiter ";"|","|tab]
                                                     import an inventory, all or nothing (UTF-8 or UTF-16; CSV
                                                     separator detected from the header line unless given)
  erasure start [--dossier <id>]                     start one lifecycle per imported record (idempotent)
  erasure status <recordId> [--json]                 phase, deadlines, history and possible actions
  erasure list [--phase <phase>] [--dossier <id>] [--json]
  erasure reconcile [--dossier <id>]                 re-check erased records; erase again what came back

Destruction (the purge run releases due records in waves; see README "The purge run")
  erasure purge run [--dry-run] [--dossier <id>] [--wave-size N] [--approval] [--reconcile-sample 0..1] [--policy <version>] [--no-wait]
                                                     run now; a dry run changes nothing and lists what would go
  erasure purge approve <runId> --wave N --as <privacy-officer>
  erasure purge status [<runId>] [--json]            the last runs, or one run's progress or report
  erasure purge schedule create --policy <version> [--cron "0 2 * * *" | --every 1m] [--wave-size N] [--approval]
  erasure purge schedule describe|pause|unpause|trigger|delete [--note <text>]
  erasure purge schedule backfill --from <ISO time> --to <ISO time>
  erasure report [--json | --html <file>]            the whole operation, for the people accountable
  erasure certificates verify [--public-key <key.pem> ...]
                                                     check every certificate's hash, chain link and signature
  erasure certificates public-key                    the signing keys' public halves (PEM), for auditors
  erasure certificates lookup <subject.json> --purpose <text> --as <coordinator|privacy-officer>
                                                     was this person's data destroyed? (name and residence from a file)
  erasure certificates export (--record <id> | --run <runId>) --out <folder>
                                                     JSON and a forwardable HTML document, checked while exported

Backups (each person's rows sealed under their own key; erasure destroys the key)
  erasure backup create [--out <folder>]             the case administration and the registry, into ERASURE_BACKUP_DIR
  erasure backup list                                the backups, and how many persons in each are still readable
  erasure backup restore <file> --as <privacy-officer> [--into <postgres url>] [--registry]
                                                     into an empty database; erased persons stay sealed or are refused
  erasure backup check [--into <postgres url>] [--erase --as <privacy-officer>]
                                                     finds erased persons (suppression list) in a case administration

Inquiries (every action names who acts: --as <user>, checked against ERASURE_ROLES)
  erasure inquiry register <inquiry.json> --policy <version> --as <coordinator>
                                                     links exact matches; other likely records become candidates
  erasure inquiry status <inquiryId> [--json]        links, candidates, decisions, the answer
  erasure inquiry review <inquiryId> --purpose <text> --as <screened-reviewer>
                                                     the requester's name beside each candidate's (logged)
  erasure inquiry confirm|reject <inquiryId> --record <recordId> [--reason <text>] --as <screened-reviewer>
  erasure inquiry no-match <inquiryId> --as <screened-reviewer>
                                                     none is the requester: only then is "no data found" sent
  erasure consent <recordId> --given|--refused --as <coordinator>
  erasure identity <recordId> --as <coordinator>     the requester's identity is confirmed
  erasure consult <recordId> --purpose <text> --as <screened-reviewer>
  erasure explain <recordId> [--language nl|en] --as <screened-reviewer>
  erasure object <recordId> --reference <id> --as <coordinator>
  erasure decide <recordId> --proceed|--retain --reason <text> --decision-ref <id> --as <privacy-officer>
  erasure hold <recordId> --reference <id> --reason <text> --as <privacy-officer>
  erasure release <recordId> --reference <id> --as <privacy-officer>
  erasure retry <recordId> --reason <text> --as <coordinator>
  erasure access-log [--record <recordId>] [--export <file.csv|.json> --as <privacy-officer>]
                                                     consultations, lookups and Web UI decodes; the export is logged too

Temporal payloads are encrypted (AES-256-GCM, ERASURE_PAYLOAD_KEY)
  erasure codec token --as <screened-reviewer> [--hours N]
                                                     a bearer token for the Web UI's codec server
  erasure codec serve                                the codec server on its own (npm start runs one)

Configuration comes from the environment (see README.md): TEMPORAL_ADDRESS, DATABASE_URL, ERASURE_ROLES, ...`;

class UsageError extends Error {}

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

async function run(argv: string[], ctx: () => CliContext): Promise<void> {
  const { values: v, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      policy: { type: 'string' },
      format: { type: 'string' },
      delimiter: { type: 'string' },
      dossier: { type: 'string' },
      phase: { type: 'string' },
      reason: { type: 'string' },
      as: { type: 'string' },
      purpose: { type: 'string' },
      language: { type: 'string' },
      reference: { type: 'string' },
      'decision-ref': { type: 'string' },
      record: { type: 'string' },
      given: { type: 'boolean', default: false },
      refused: { type: 'boolean', default: false },
      proceed: { type: 'boolean', default: false },
      retain: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      'no-wait': { type: 'boolean', default: false },
      approval: { type: 'boolean', default: false },
      'wave-size': { type: 'string' },
      'reconcile-sample': { type: 'string' },
      'settle-timeout': { type: 'string' },
      wave: { type: 'string' },
      cron: { type: 'string' },
      every: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      note: { type: 'string' },
      html: { type: 'string' },
      'public-key': { type: 'string', multiple: true },
      run: { type: 'string' },
      out: { type: 'string' },
      into: { type: 'string' },
      export: { type: 'string' },
      hours: { type: 'string' },
      registry: { type: 'boolean', default: false },
      erase: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, ...rest] = positionals;
  if (v.help || !command) throw new UsageError('');
  const arg = (name: string) => {
    const value = rest[0];
    if (!value) throw new UsageError(`\`erasure ${command}\` needs ${name}`);
    return value;
  };
  const either = (a: boolean, b: boolean, names: string) => {
    if (a === b) throw new UsageError(`\`erasure ${command}\` needs exactly one of ${names}`);
    return a;
  };
  const act = async (run: () => ReturnType<typeof sendAction>) => reportAction(ctx(), await run());
  switch (command) {
    case 'policy':
      if (rest[0] !== 'add' || !rest[1]) throw new UsageError('use `erasure policy add <policy.json>`');
      return policyAddCommand(ctx(), rest[1]);
    case 'import':
      if (!v.policy) throw new UsageError('`erasure import` needs --policy <version> (add one with `erasure policy add`)');
      return importCommand(ctx(), { file: arg('an inventory file'), policy: v.policy, format: v.format, delimiter: v.delimiter });
    case 'start':
      return startCommand(ctx(), v.dossier);
    case 'status':
      return statusCommand(ctx(), arg('a record id'), v.json);
    case 'list':
      return listCommand(ctx(), { phase: v.phase, dossier: v.dossier, json: v.json });
    case 'inquiry': {
      const [sub, target] = rest;
      if (!sub || !target) throw new UsageError('use `erasure inquiry register <inquiry.json> ...` or `erasure inquiry status|review|confirm|reject|no-match <inquiryId> ...`');
      switch (sub) {
        case 'register':
          if (!v.policy) throw new UsageError('`erasure inquiry register` needs --policy <version>: its cutoff decides whether the inquiry is in time');
          return registerInquiryCommand(ctx(), target, v.policy, v.as);
        case 'status':
          return inquiryStatusCommand(ctx(), target, v.json);
        case 'review':
          return inquiryReviewCommand(ctx(), target, v.purpose, v.as);
        case 'confirm':
        case 'reject':
          return inquiryDecideCommand(ctx(), target, sub, { record: v.record, reason: v.reason, as: v.as });
        case 'no-match':
          return inquiryNoMatchCommand(ctx(), target, v.as);
        default:
          throw new UsageError(`unknown inquiry command "${sub}"`);
      }
    }
    case 'consent':
      return act(() => sendAction(ctx(), 'recordConsent', arg('a record id'), v.as, { given: either(v.given, v.refused, '--given, --refused') }));
    case 'identity':
      return act(() => sendAction(ctx(), 'confirmIdentity', arg('a record id'), v.as, {}));
    case 'consult':
      return consultCommand(ctx(), arg('a record id'), v.purpose, v.as);
    case 'explain':
      return act(() => sendAction(ctx(), 'sendExplanation', arg('a record id'), v.as, { language: (v.language ?? 'nl') as 'nl' | 'en' }));
    case 'object':
      return act(() => sendAction(ctx(), 'fileObjection', arg('a record id'), v.as, { reference: v.reference ?? '' }));
    case 'decide':
      return act(() =>
        sendAction(ctx(), 'decideObjection', arg('a record id'), v.as, {
          outcome: either(v.proceed, v.retain, '--proceed, --retain') ? 'proceed' : 'retain',
          reason: v.reason ?? '',
          decisionRef: v['decision-ref'] ?? '',
        }),
      );
    case 'hold':
      return act(() => sendAction(ctx(), 'placeHold', arg('a record id'), v.as, { reference: v.reference ?? '', reason: v.reason ?? '' }));
    case 'release':
      return act(() => sendAction(ctx(), 'releaseHold', arg('a record id'), v.as, { reference: v.reference ?? '' }));
    case 'retry':
      return act(() => sendAction(ctx(), 'retryErasure', arg('a record id'), v.as, { reason: v.reason ?? '' }));
    case 'reconcile':
      return reconcileCommand(ctx(), v.dossier);
    case 'purge':
      switch (rest[0]) {
        case 'run':
          return purgeRunCommand(ctx(), {
            dryRun: v['dry-run'],
            waveSize: v['wave-size'],
            approval: v.approval,
            reconcileSample: v['reconcile-sample'],
            settleTimeout: v['settle-timeout'],
            policy: v.policy,
            dossier: v.dossier,
            wait: !v['no-wait'],
          });
        case 'approve':
          if (!rest[1]) throw new UsageError('use `erasure purge approve <runId> --wave N --as <privacy-officer>`');
          return purgeApproveCommand(ctx(), rest[1], v.wave, v.as);
        case 'status':
          return purgeStatusCommand(ctx(), rest[1], v.json);
        case 'schedule':
          return purgeScheduleCommand(ctx(), rest[1], {
            policy: v.policy,
            cron: v.cron,
            every: v.every,
            from: v.from,
            to: v.to,
            note: v.note,
            waveSize: v['wave-size'],
            approval: v.approval,
            reconcileSample: v['reconcile-sample'],
          });
        default:
          throw new UsageError('use `erasure purge run|approve|status|schedule ...`');
      }
    case 'certificates':
      if (rest[0] === 'verify') return certificatesVerifyCommand(ctx(), v['public-key'] ?? []);
      if (rest[0] === 'public-key') return certificatesPublicKeyCommand(ctx());
      if (rest[0] === 'lookup' && rest[1]) return certificatesLookupCommand(ctx(), rest[1], v.purpose, v.as);
      if (rest[0] === 'export') return certificatesExportCommand(ctx(), { record: v.record, run: v.run, out: v.out });
      throw new UsageError('use `erasure certificates verify [--public-key <key.pem>]`, `erasure certificates public-key` or `erasure certificates lookup <subject.json> --purpose <text> --as <user>`');
    case 'backup':
      if (rest[0] === 'create') return backupCreateCommand(ctx(), v.out);
      if (rest[0] === 'list') return backupListCommand(ctx());
      if (rest[0] === 'restore' && rest[1]) return backupRestoreCommand(ctx(), rest[1], { as: v.as, into: v.into, registry: v.registry });
      if (rest[0] === 'check') return backupCheckCommand(ctx(), { as: v.as, into: v.into, erase: v.erase });
      throw new UsageError('use `erasure backup create|list|restore <file>|check`');
    case 'report':
      return reportCommand(ctx(), { json: v.json, html: v.html });
    case 'access-log':
      return accessLogCommand(ctx(), { record: v.record, export: v.export, as: v.as });
    case 'codec':
      if (rest[0] === 'token') return codecTokenCommand(ctx(), v.as, v.hours);
      if (rest[0] === 'serve') return codecServeCommand(ctx());
      throw new UsageError('use `erasure codec token --as <screened-reviewer> [--hours N]` or `erasure codec serve`');
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
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
    console.error(error instanceof ErasureError ? await refusalText(error, context?.config ?? { ERASURE_REPORTS_DIR: process.env.ERASURE_REPORTS_DIR, ERASURE_DATA_DIR: process.env.ERASURE_DATA_DIR }) : `erasure: ${error.message}${hint(error)}`);
    return 1;
  } finally {
    await context?.close().catch(() => undefined);
  }
}

void main().then((code) => {
  process.exitCode = code;
});
