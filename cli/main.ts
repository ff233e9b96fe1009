#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { ErasureError } from '../schemas/errors';
import { CliContext } from './context';
import { importCommand } from './commands/import';
import { listCommand, retryCommand, startCommand, statusCommand } from './commands/lifecycles';
import { policyAddCommand } from './commands/policy';

const USAGE = `erasure — the deletion coordinators' command line

  erasure policy add <policy.json>              store a (versioned, immutable) destruction policy
  erasure import <inventory.csv|.json> --policy <version> [--format csv|json]
                                                import an inventory, all or nothing
  erasure start [--dossier <id>]                start one lifecycle per imported record (idempotent)
  erasure status <recordId> [--json]            phase, deadlines and history of one record
  erasure list [--phase <phase>] [--dossier <id>] [--json]
                                                records by lifecycle phase
  erasure retry <recordId> --reason <text>      retry a record in erasure-failed

Configuration comes from the environment (see README.md): TEMPORAL_ADDRESS, DATABASE_URL, ...`;

class UsageError extends Error {}

async function run(argv: string[], ctx: () => CliContext): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      policy: { type: 'string' },
      format: { type: 'string' },
      dossier: { type: 'string' },
      phase: { type: 'string' },
      reason: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) throw new UsageError('');
  const arg = (name: string) => {
    const value = rest[0];
    if (!value) throw new UsageError(`\`erasure ${command}\` needs ${name}`);
    return value;
  };
  switch (command) {
    case 'policy':
      if (rest[0] !== 'add' || !rest[1]) throw new UsageError('use `erasure policy add <policy.json>`');
      return policyAddCommand(ctx(), rest[1]);
    case 'import':
      if (!values.policy) throw new UsageError('`erasure import` needs --policy <version> (add one with `erasure policy add`)');
      return importCommand(ctx(), { file: arg('an inventory file'), policy: values.policy, format: values.format });
    case 'start':
      return startCommand(ctx(), values.dossier);
    case 'status':
      return statusCommand(ctx(), arg('a record id'), values.json);
    case 'list':
      return listCommand(ctx(), { phase: values.phase, dossier: values.dossier, json: values.json });
    case 'retry':
      return retryCommand(ctx(), arg('a record id'), values.reason);
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

async function main(): Promise<number> {
  let context: CliContext | undefined;
  try {
    await run(process.argv.slice(2), () => (context ??= new CliContext(process.env)));
    return 0;
  } catch (err) {
    const error = err as Error & { code?: string };
    if (error instanceof UsageError || error.code?.startsWith('ERR_PARSE_ARGS')) {
      if (error.message) console.error(`erasure: ${error.message}\n`);
      console.error(USAGE);
      return 2;
    }
    console.error(error instanceof ErasureError ? error.message : `erasure: ${error.message}`);
    return 1;
  } finally {
    await context?.close();
  }
}

void main().then((code) => {
  process.exitCode = code;
});
