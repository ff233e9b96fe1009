import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { basename } from 'node:path';
import { COMMAND_OPTIONS, UsageError, type CommandOptions } from '../cli/options';
import { ErasureError, InvalidInputError, SHOWN_PROBLEMS, formatProblems } from '../schemas/errors';
import { reportsDir } from '../infra/paths';
import { ProblemFile } from '../cli/problem-file';
import type { Config } from '../schemas/config';
import { COMMAND_HANDLERS, type Input } from './commands';
import type { ServiceCommand } from './command-table';
import { commandContextFor, type CommandContext, type DeliveredFile } from './command-context';
import type { FileSource } from '../cli/text-file';
import type { ServiceConnections } from './connections';
import type { AccountsCommands } from './users-commands';
import { HttpRefusal, type Caller } from './routes';

/** The body of a command request: the arguments and options as the CLI parsed them, and the files it read. */
export function bodySchema(command: ServiceCommand) {
  const options = COMMAND_OPTIONS[command] as CommandOptions;
  const values = Object.fromEntries(
    Object.entries(options).map(([name, spec]) => [
      name,
      spec.value === undefined
        ? z.boolean().default(false)
        : spec.multiple
          ? z.array(z.string().max(4096)).max(100).default([])
          : z.string().max(4096).optional(),
    ]),
  );
  return z.strictObject({
    args: z.array(z.string().max(4096)).max(50).default([]),
    values: z.strictObject(values).default({} as never),
    files: z
      .array(z.strictObject({ name: z.string().min(1).max(1024), base64: z.base64() }))
      .max(20)
      .default([]),
  });
}

/** A line of the streamed answer (NDJSON): what the command prints, the files it hands over, and how it ended. */
export type CommandEvent =
  | { t: 'out' | 'progress'; line: string }
  | ({ t: 'file' } & DeliveredFile)
  | { t: 'end' }
  | { t: 'error'; kind: 'usage' | 'refused' | 'failed'; message: string };

/** What to do about a failure of the service's own connections, said to the person who asked. */
function hint(error: Error & { code?: unknown }): string {
  if (error.code === 'ECONNREFUSED') return ' (the erasure service cannot reach a database or Temporal: ask the operator whether `npm start` runs)';
  if (error.code === '42P01') return ' (the registry tables are missing: the operator runs `npm run migrate`)';
  return '';
}

/**
 * A refusal as the person reads it: a long list of problems is written to the reports
 * folder, and the message shows the first ones and where the rest are.
 */
async function refusalText(error: ErasureError, config: Config): Promise<string> {
  if (!(error instanceof InvalidInputError) || error.problemFile || error.problems.length <= SHOWN_PROBLEMS) return error.message;
  const file = new ProblemFile(reportsDir(config), basename(error.source), `${error.source} refused`);
  for (const p of error.problems) file.add(p);
  const path = await file.close();
  return formatProblems(error.source, error.problems, { total: error.total, ...(path ? { file: path } : {}) });
}

/** How a command ended: done, or refused (usage, a refusal of the procedure) or failed, with the message for the person. */
export type CommandOutcome = { ok: true } | { ok: false; kind: 'usage' | 'refused' | 'failed'; message: string };

/** What a command is given: its arguments, its options' values, and the files the person sent. */
export interface CommandRequest {
  readonly args: readonly string[];
  readonly values: Readonly<Record<string, unknown>>;
  readonly files: readonly FileSource[];
}

/**
 * Runs one command in `ctx` and says how it ended; the API streams it, the console
 * renders it (docs/ARCHITECTURE.md, "The console"). Nothing is thrown for a refusal.
 */
export async function executeCommand(
  command: ServiceCommand,
  request: CommandRequest,
  ctx: CommandContext,
  deps: { config: Config; accounts: AccountsCommands },
): Promise<CommandOutcome> {
  const input = { kind: 'command', command, ...request } as unknown as Input<typeof command>;
  return outcomeOf(
    () => (COMMAND_HANDLERS[command] as (i: typeof input, c: CommandContext, a: AccountsCommands) => Promise<void> | void)(input, ctx, deps.accounts),
    deps.config,
  );
}

/** How a piece of a command's work ended: done, or refused / failed with the message the person reads. */
export async function outcomeOf(work: () => Promise<void> | void, config: Config): Promise<CommandOutcome> {
  try {
    await work();
    return { ok: true };
  } catch (err) {
    const error = err as Error & { code?: unknown };
    if (error instanceof UsageError) return { ok: false, kind: 'usage', message: error.message };
    if (error instanceof ErasureError) return { ok: false, kind: 'refused', message: await refusalText(error, config) };
    return { ok: false, kind: 'failed', message: `${error.message}${hint(error)}` };
  }
}

/**
 * Runs one command for the signed-in caller, streaming what it prints. Refusals of the
 * request itself (its body) are HTTP 400 before anything runs; once the command runs,
 * its refusals and failures end the stream as an `error` event.
 */
export async function runCommand(
  command: ServiceCommand,
  request: FastifyRequest,
  reply: FastifyReply,
  caller: Caller,
  deps: { config: Config; connections: ServiceConnections; accounts: AccountsCommands },
): Promise<void> {
  const parsed = bodySchema(command).safeParse(request.body ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new HttpRefusal(
      400,
      'BAD_REQUEST',
      `the request for \`erasure ${command}\` is not usable: ${issue?.path.join('.') || '(body)'}: ${issue?.message ?? 'invalid'}`,
    );
  }
  const { args, values, files } = parsed.data;
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, { 'Content-Type': 'application/x-ndjson; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
  const send = (event: CommandEvent) => raw.write(`${JSON.stringify(event)}\n`);
  const ctx = commandContextFor(caller.session, deps, {
    out: (line) => send({ t: 'out', line }),
    progress: (line) => send({ t: 'progress', line }),
    deliver: (file) => send({ t: 'file', ...file }),
  });
  try {
    const outcome = await executeCommand(
      command,
      { args, values, files: files.map((f) => ({ name: f.name, bytes: Buffer.from(f.base64, 'base64') })) },
      ctx,
      deps,
    );
    if (outcome.ok) send({ t: 'end' });
    else {
      if (outcome.kind === 'failed') request.log.error({ command, err: outcome.message }, 'command failed');
      send({ t: 'error', kind: outcome.kind, message: outcome.message });
    }
  } finally {
    raw.end();
  }
}
