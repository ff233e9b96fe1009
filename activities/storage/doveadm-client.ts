import { z } from 'zod';
import { ErasureError } from '../../schemas/errors';

export interface DoveadmOptions {
  /** doveadm's HTTP listener, `http(s)://host:port` (ERASURE_DOVEADM_URL); the client adds `/doveadm/v1`. */
  readonly url: string;
  /** `doveadm_api_key` of the server (ERASURE_DOVEADM_API_KEY). */
  readonly apiKey: string;
  readonly timeoutMs?: number;
}

/** What doveadm answered, as data. doveadm's own errors carry no mail content, and neither does this. */
export interface DoveadmFailure {
  /** The doveadm command, as the HTTP API names it (e.g. `mailboxCachePurge`). */
  readonly command: string;
  /** HTTP status of the answer; absent when there was no answer. */
  readonly status?: number;
  /** doveadm's error type (`exitCode`, `unknownMethod`, ...). */
  readonly type?: string;
  /** doveadm's exit code (sysexits: 67 no such user, 68 not found, 75 temporary failure, ...). */
  readonly exitCode?: number;
  /** The mailbox the failed command was about, if it was about one. */
  readonly mailbox?: string;
}

/** Thrown when doveadm refuses a command in a way no retry mends: wrong key or URL, unknown user or command. */
export class DoveadmRefusedError extends ErasureError {
  constructor(
    message: string,
    readonly failure: DoveadmFailure,
  ) {
    super('INVALID_CONFIG', message);
    this.name = 'DoveadmRefusedError';
  }
}

/** Thrown when doveadm could not do it now (unreachable, timed out, temporary failure): a retry may succeed. */
export class DoveadmUnavailableError extends Error {
  readonly code = 'DOVEADM_UNAVAILABLE';
  constructor(
    message: string,
    readonly failure: DoveadmFailure,
  ) {
    super(message);
    this.name = 'DoveadmUnavailableError';
  }
}

export interface DoveadmClient {
  /** `doveadm mailbox cache purge` of each mailbox: rewrites its dovecot.index.cache without expunged messages. */
  purgeCaches(user: string, mailboxes: readonly string[]): Promise<void>;
}

/** One answer per command sent: `["doveadmResponse", result, tag]` or `["error", {type, exitCode}, tag]`. */
const answersSchema = z.array(
  z.tuple([z.string(), z.union([z.array(z.unknown()), z.looseObject({ type: z.string().optional(), exitCode: z.number().optional() })]), z.string()]),
);

// sysexits: the user, the rights or the configuration are wrong; retrying repeats the refusal.
const PERMANENT_EXIT_CODES = new Map([
  [64, 'doveadm refused the parameters (usage error)'],
  [65, 'doveadm found the request impossible'],
  [77, 'doveadm has no permission for the mail'],
  [78, 'doveadm reports a configuration error on the server'],
]);
const NO_SUCH_USER = 67;

/** A client of Dovecot's doveadm HTTP API (POST /doveadm/v1, `Authorization: X-Dovecot-API <base64 key>`). */
export function doveadmClient(options: DoveadmOptions): DoveadmClient {
  const endpoint = new URL('/doveadm/v1', options.url).toString();
  const where = `doveadm at ${new URL(options.url).host}`;
  const authorization = `X-Dovecot-API ${Buffer.from(options.apiKey, 'utf8').toString('base64')}`;

  const post = async (command: string, calls: readonly Record<string, unknown>[]): Promise<z.infer<typeof answersSchema>> => {
    let response: Response;
    try {
      response = await fetch(endpoint, {
        method: 'POST',
        headers: { Authorization: authorization, 'Content-Type': 'application/json' },
        body: JSON.stringify(calls.map((parameters, i) => [command, parameters, `c${i}`])),
        // A redirect would take the API key somewhere else.
        redirect: 'manual',
        signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
      });
    } catch (err) {
      const cause = (err as Error & { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
      throw new DoveadmUnavailableError(`${where}: ${command} could not be sent (${cause})`, { command });
    }
    const status = response.status;
    if (status === 401) {
      throw new DoveadmRefusedError(`${where} refused the API key (HTTP 401): set ERASURE_DOVEADM_API_KEY to the server's doveadm_api_key`, {
        command,
        status,
      });
    }
    if (status === 404 || (status >= 300 && status < 400)) {
      throw new DoveadmRefusedError(
        `${where} has no doveadm HTTP API at /doveadm/v1 (HTTP ${status}): ERASURE_DOVEADM_URL must be the doveadm service's inet_listener http, as http(s)://host:port`,
        { command, status },
      );
    }
    if (status >= 500 || status === 408 || status === 429)
      throw new DoveadmUnavailableError(`${where}: ${command} failed (HTTP ${status})`, { command, status });
    if (status !== 200) throw new DoveadmRefusedError(`${where} refused ${command} (HTTP ${status})`, { command, status });
    const parsed = answersSchema.safeParse(await response.json().catch(() => undefined));
    if (!parsed.success || parsed.data.length !== calls.length) {
      throw new DoveadmRefusedError(`${where} did not answer as doveadm's HTTP API does: is ERASURE_DOVEADM_URL the doveadm service?`, { command, status });
    }
    return parsed.data;
  };

  return {
    async purgeCaches(user, mailboxes) {
      if (mailboxes.length === 0) return;
      // One command per mailbox in one request, so a failure names its mailbox.
      const command = 'mailboxCachePurge';
      const answers = await post(
        command,
        mailboxes.map((mailbox) => ({ user, mailbox: [mailbox] })),
      );
      for (const [i, mailbox] of mailboxes.entries()) {
        const answer = answers.find((a) => a[2] === `c${i}`);
        if (answer?.[0] === 'doveadmResponse') continue;
        const error = answer && !Array.isArray(answer[1]) ? answer[1] : {};
        const failure: DoveadmFailure = {
          command,
          status: 200,
          mailbox,
          ...(error.type ? { type: error.type } : {}),
          ...(error.exitCode !== undefined ? { exitCode: error.exitCode } : {}),
        };
        throw failureError(where, user, failure);
      }
    },
  };
}

function failureError(where: string, user: string, failure: DoveadmFailure): Error {
  const what = `${failure.command} of mailbox "${failure.mailbox ?? '?'}"`;
  if (failure.type === 'unknownMethod') {
    return new DoveadmRefusedError(
      `${where} does not know ${failure.command} (doveadm mailbox cache purge, Dovecot 2.3): upgrade Dovecot or unset ERASURE_DOVEADM_URL`,
      failure,
    );
  }
  if (failure.exitCode === NO_SUCH_USER) {
    return new DoveadmRefusedError(`${where} knows no user "${user}": the user of ERASURE_IMAP_URL must be the name doveadm finds in the userdb`, failure);
  }
  const permanent = failure.exitCode !== undefined ? PERMANENT_EXIT_CODES.get(failure.exitCode) : undefined;
  const code = `${failure.type ?? 'error'}${failure.exitCode !== undefined ? ` ${failure.exitCode}` : ''}`;
  if (permanent) return new DoveadmRefusedError(`${where}: ${what} failed (${code}: ${permanent})`, failure);
  // 68 (not found: the mailbox went away since it was listed), 75 (temporary failure) and
  // the rest: the next attempt lists the mailboxes again and retries.
  return new DoveadmUnavailableError(`${where}: ${what} failed (${code})`, failure);
}
