#!/usr/bin/env node
import { ErasureError } from '../schemas/errors';
import { UsageError, parseCommandLine } from './options';
import { USAGE } from './usage';
import { closePrompt } from './prompt';
import { ServiceRefusal, runOnService } from './service-client';
import { loginCommand, logoutCommand, whoamiCommand } from './login';

const GROUP_USE: Record<string, string> = {
  policy: 'use `erasure policy add <policy.json>`',
  inquiry: 'use `erasure inquiry register <inquiry.json> ...` or `erasure inquiry status|review|confirm|reject|no-match <inquiryId> ...`',
  purge: 'use `erasure purge run|approve|status|schedule ...`',
  certificates:
    'use `erasure certificates verify [--public-key <key.pem>]`, `erasure certificates public-key` or `erasure certificates lookup <subject.json> --purpose <text>`',
  backup: 'use `erasure backup create|list|restore <file>|check`',
  codec: 'use `erasure codec serve`; the codec server accepts your session (`erasure whoami --token`)',
  users: 'use `erasure users add <id> --role <role>`, `erasure users disable|reset-2fa <id>` or `erasure users list`',
};
const SCHEDULE_USE = 'use `erasure purge schedule create|describe|pause|unpause|trigger|backfill|delete`';

/** Words that name no command: what their group offers. */
function unknownCommand([command, sub, target]: readonly string[]): never {
  if (command === 'purge' && sub === 'schedule')
    throw new ErasureError('INVALID_INPUT', `${target ? `unknown schedule command "${target}": ` : ''}${SCHEDULE_USE}`);
  if (command === 'inquiry' && sub && target) throw new UsageError(`unknown inquiry command "${sub}"`);
  const use = command ? GROUP_USE[command] : undefined;
  throw new UsageError(use ?? `unknown command "${command ?? ''}"`);
}

/**
 * The coordinators' command line: a client of the erasure service. It holds no database
 * password and no Temporal connection; every command runs on the service as the account
 * signed in with `erasure login` (docs/ARCHITECTURE.md, "The erasure service").
 */
async function run(argv: string[]): Promise<number> {
  const line = parseCommandLine(argv);
  if (line.kind === 'help') throw new UsageError('');
  if (line.kind === 'unknown') unknownCommand(line.words);
  const env = process.env;
  switch (line.command) {
    case 'login':
      await loginCommand(env, line.values);
      return 0;
    case 'logout':
      await logoutCommand(env);
      return 0;
    case 'whoami':
      await whoamiCommand(env, line.values.token);
      return 0;
    case 'codec serve': {
      // Process management, local to the operator: it reads the registry's sessions itself.
      const { codecServeCommand } = await import('../infra/codec-serve.js');
      await codecServeCommand(env);
      return 0;
    }
    default:
      return runOnService(env, line.command, line.args, line.values);
  }
}

async function main(): Promise<number> {
  try {
    return await run(process.argv.slice(2));
  } catch (err) {
    const error = err as Error & { code?: unknown };
    if (error instanceof UsageError || (typeof error.code === 'string' && error.code.startsWith('ERR_PARSE_ARGS'))) {
      if (error.message) console.error(`erasure: ${error.message}\n`);
      console.error(USAGE);
      return 2;
    }
    console.error(error instanceof ErasureError || error instanceof ServiceRefusal ? error.message : `erasure: ${error.message}`);
    return 1;
  } finally {
    closePrompt();
  }
}

void main().then((code) => {
  process.exitCode = code;
});
