import { commandContextFor, type DeliveredFile } from '../service/command-context';
import { bodySchema, executeCommand, type CommandOutcome, type CommandRequest } from '../service/command-route';
import type { ServiceCommand } from '../service/command-table';
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
  const lines: string[] = [];
  const files: DeliveredFile[] = [];
  const ctx = commandContextFor(c.caller.session, c.deps, {
    out: (line) => lines.push(line),
    progress: () => undefined,
    deliver: (file) => files.push(file),
  });
  // The options' defaults as the API fills them (false, [], unset), so a handler sees what it would from the CLI.
  const { args, values } = bodySchema(command).parse({ args: request.args ?? [], values: request.values ?? {} });
  const outcome = await executeCommand(command, { args, values, files: request.files ?? [] }, ctx, c.deps);
  return { outcome, lines, files };
}

/** A command's result as the notice above the page: its lines when done, its refusal when not. */
export function noticeOf(result: CommandResult): Notice {
  return result.outcome.ok ? { kind: 'done', lines: result.lines.length ? result.lines : ['—'] } : { kind: 'refused', lines: [result.outcome.message] };
}
