import { commandContextFor, type DeliveredFile } from '../service/command-context';
import { bodySchema, executeCommand, outcomeOf, type CommandOutcome, type CommandRequest } from '../service/command-route';
import type { CommandContext } from '../service/command-context';
import { COMMAND_ACCESS, type ServiceCommand } from '../service/command-table';
import type { Notice, SignedInRequest } from './page';

/** What a command printed and handed over when the console ran it, and how it ended. */
export interface CommandResult {
  readonly outcome: CommandOutcome;
  readonly lines: readonly string[];
  readonly files: readonly DeliveredFile[];
}

/**
 * Runs a command of the service for the signed-in person, exactly as the API runs it
 * (same handlers, same refusals from the lifecycle), collecting its lines for the page.
 */
export async function runCommand(c: SignedInRequest, command: ServiceCommand, request: Partial<CommandRequest> = {}): Promise<CommandResult> {
  // The options' defaults as the API fills them (false, [], unset), so a handler sees what it would from the CLI.
  const { args, values } = bodySchema(command).parse({ args: request.args ?? [], values: request.values ?? {} });
  return runAs(c, command, (ctx) => executeCommand(command, { args, values, files: request.files ?? [] }, ctx, c.deps));
}

/**
 * Runs work of `command` that the console gives its input directly (a form instead of a
 * file): with the command's access, its context and its refusals, like `runCommand`.
 */
export async function runWork(c: SignedInRequest, command: ServiceCommand, work: (ctx: CommandContext) => Promise<unknown>): Promise<CommandResult> {
  return runAs(c, command, (ctx) =>
    outcomeOf(async () => {
      await work(ctx);
    }, c.deps.config),
  );
}

async function runAs(c: SignedInRequest, command: ServiceCommand, run: (ctx: CommandContext) => Promise<CommandOutcome>): Promise<CommandResult> {
  const { roles } = COMMAND_ACCESS[command];
  if (!roles.includes(c.caller.session.role)) {
    // A page may offer a command only some of its readers may run: the command's own access decides, as on the API.
    return { outcome: { ok: false, kind: 'refused', message: `\`erasure ${command}\` is for the role ${roles.join(' or ')}` }, lines: [], files: [] };
  }
  const lines: string[] = [];
  const files: DeliveredFile[] = [];
  const ctx = commandContextFor(c.caller.session, c.deps, {
    out: (line) => lines.push(line),
    progress: () => undefined,
    deliver: (file) => files.push(file),
  });
  const outcome = await run(ctx);
  return { outcome, lines, files };
}

/** A command's result as the notice above the page: its lines when done, its refusal when not. */
export function noticeOf(result: CommandResult): Notice {
  return result.outcome.ok ? { kind: 'done', lines: result.lines.length ? result.lines : ['—'] } : { kind: 'refused', lines: [result.outcome.message] };
}

/** A command's `--json` output, parsed; or its refusal. */
export async function runJson<T>(
  c: SignedInRequest,
  command: ServiceCommand,
  request: Partial<CommandRequest> = {},
): Promise<{ readonly ok: true; readonly data: T } | { readonly ok: false; readonly message: string }> {
  const result = await runCommand(c, command, { ...request, values: { ...request.values, json: true } });
  if (!result.outcome.ok) return { ok: false, message: result.outcome.message };
  return { ok: true, data: JSON.parse(result.lines.join('\n')) as T };
}
