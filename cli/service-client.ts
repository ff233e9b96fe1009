import { existsSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { COMMAND_FILES, commandPath, type ServiceCommand } from '../service/command-table';
import type { CommandEvent } from '../service/command-route';
import { type InvalidInputError, UnusableArgumentsError } from '../schemas/errors';
import { UsageError } from './options';
import { readSession, type SavedSession } from './session-file';
import { localFile } from './text-file';
import { ask } from './prompt';

type Env = Record<string, string | undefined>;

/** The service this CLI talks to: --service, the one signed in to, ERASURE_SERVICE_URL, or the local one. */
export function serviceUrl(env: Env, given?: string): string {
  const url = given ?? readSession(env)?.service ?? env.ERASURE_SERVICE_URL ?? `http://127.0.0.1:${env.ERASURE_SERVICE_PORT ?? '8235'}`;
  return url.replace(/\/+$/, '');
}

/** Thrown when the service refuses or fails a request; the CLI prints the message (exit 1). */
export class ServiceRefusal extends Error {
  override name = 'ServiceRefusal';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A request to the service; a service that does not answer is said so, with what to check. */
async function reach(base: string, path: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(`${base}${path}`, init);
  } catch (err) {
    const why = (err as Error & { cause?: Error }).cause?.message ?? (err as Error).message;
    throw new ServiceRefusal(
      0,
      'UNREACHABLE',
      `cannot reach the erasure service at ${base} (${why}): is \`npm start\` (or \`npm run service\`) running, or ERASURE_SERVICE_URL right?`,
    );
  }
}

/** One JSON request to the service; a refusal becomes a ServiceRefusal with the service's own message. */
export async function callService<T>(
  base: string,
  method: 'GET' | 'POST',
  path: string,
  options: { token?: string; body?: unknown } = {},
): Promise<{ status: number; body: T }> {
  const response = await reach(base, path, {
    method,
    headers: {
      ...(options.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}),
    },
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  if (response.status >= 400) throw await refusalOf(response);
  return { status: response.status, body: (await response.json()) as T };
}

async function refusalOf(response: Response): Promise<ServiceRefusal> {
  const text = await response.text();
  let error: { code?: string; message?: string } | undefined;
  try {
    error = (JSON.parse(text) as { error?: { code?: string; message?: string } }).error;
  } catch {
    error = undefined;
  }
  return new ServiceRefusal(response.status, error?.code ?? 'HTTP', `${error?.message ?? `HTTP ${response.status}`}`);
}

/** The session saved by `erasure login`, or how to get one. */
export function signedIn(env: Env): SavedSession {
  const session = readSession(env);
  if (!session) throw new ServiceRefusal(401, 'SIGNED_OUT', 'not signed in: `erasure login --account <id>` (or `erasure login --sso`) first');
  return session;
}

/** Checks, on this machine and before the service does any work, where a command's output files go. */
function checkTargets(command: ServiceCommand, values: Record<string, unknown>): void {
  const problem = (option: string, message: string) => new UnusableArgumentsError(command, [{ field: option, message }]);
  const folderOf = (file: string) => statSync(dirname(resolve(file)), { throwIfNoEntry: false })?.isDirectory();
  if (command === 'access-log' && typeof values.export === 'string') {
    if (existsSync(values.export)) throw problem('--export', `${values.export} exists; an export never overwrites one made before: name a new file`);
    if (!folderOf(values.export)) throw problem('--export', `the folder of ${values.export} does not exist`);
  }
  if (command === 'report' && typeof values.html === 'string' && values.html.trim()) {
    const file = resolve(values.html);
    if (!folderOf(file)) throw problem('--html', `the folder ${dirname(file)} does not exist`);
    if (statSync(file, { throwIfNoEntry: false })?.isDirectory()) throw problem('--html', `${file} is a folder; name a file`);
  }
  if (command === 'certificates export' && typeof values.out === 'string' && !statSync(values.out, { throwIfNoEntry: false })?.isDirectory()) {
    throw problem('--out', `${values.out} is not an existing folder`);
  }
}

/** The files the command reads, read here and sent along: the service never sees the person's disk. */
function filesOf(command: ServiceCommand, args: readonly string[], values: Record<string, unknown>) {
  const spec = COMMAND_FILES[command];
  for (const [option, usage] of Object.entries(spec?.needs ?? {})) if (!values[option]) throw new UsageError(usage);
  if (spec?.option) {
    const option = spec.option;
    return ((values[option] as string[] | undefined) ?? []).map((path) => {
      try {
        return { name: path, base64: Buffer.from(localFile(path).bytes).toString('base64') };
      } catch (err) {
        throw new UnusableArgumentsError(command, [
          { field: `--${option}`, message: `${path}: ${(err as InvalidInputError).problems?.[0]?.message ?? (err as Error).message}` },
        ]);
      }
    });
  }
  return (spec?.arg ? args.slice(0, 1) : []).map((path) => ({ name: path, base64: Buffer.from(localFile(path).bytes).toString('base64') }));
}

/**
 * Runs a command on the service as the signed-in account, printing what it streams back and
 * writing the files it hands over. A command that shows personal data first asks for the
 * second factor again (step-up). Returns the exit code.
 */
export async function runOnService(env: Env, command: ServiceCommand, args: readonly string[], values: Record<string, unknown>): Promise<number> {
  const session = signedIn(env);
  checkTargets(command, values);
  const body = JSON.stringify({ args, values, files: filesOf(command, args, values) });
  const send = () =>
    reach(session.service, commandPath(command), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${session.token}` },
      body,
    });
  let response = await send();
  if (response.status === 403) {
    const refusal = await refusalOf(response);
    if (refusal.code !== 'STEP_UP_REQUIRED') throw refusal;
    process.stderr.write(`${refusal.message}\n`);
    const code = await ask('second-factor code: ', { secret: true });
    await callService(session.service, 'POST', '/api/auth/step-up', { token: session.token, body: { code } });
    response = await send();
  }
  if (response.status >= 400) throw await refusalOf(response);
  let exit = 1;
  const lines = createInterface({ input: Readable.fromWeb(response.body as never), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line) continue;
    const event = JSON.parse(line) as CommandEvent;
    if (event.t === 'out') console.log(event.line);
    else if (event.t === 'progress') console.error(event.line);
    else if (event.t === 'file') writeFileSync(event.path, event.content, { mode: 0o600, flag: event.exclusive ? 'wx' : 'w' });
    else if (event.t === 'end') exit = 0;
    else if (event.t === 'error' && event.kind === 'usage') throw new UsageError(event.message);
    else if (event.t === 'error') {
      console.error(event.kind === 'failed' ? `erasure: ${event.message}` : event.message);
      exit = 1;
    }
  }
  return exit;
}
