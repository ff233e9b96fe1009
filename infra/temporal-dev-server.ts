import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Connection } from '@temporalio/client';
import { stopChild } from './executables';
import { portIsFree } from './free-port';
import { searchAttributeCliTypes } from '../schemas/search-attributes';

export interface DevServerOptions {
  readonly cliPath: string;
  /** SQLite file that keeps workflows, timers and visibility across restarts. */
  readonly dbFile: string;
  readonly port: number;
  readonly uiPort: number;
  readonly headless?: boolean;
  readonly logFile: string;
  readonly namespace?: string;
  readonly startTimeoutMs?: number;
  /** The codec server the Web UI asks to decode payloads (`--ui-codec-endpoint`). */
  readonly uiCodecEndpoint?: string;
}

/** A `temporal server start-dev` child process with the project's search attributes. */
export class TemporalDevServer {
  private constructor(
    private readonly child: ChildProcess,
    readonly address: string,
    readonly uiUrl: string | undefined,
    private readonly logFile: string,
  ) {}

  /** The server's process id (for RSS readings in /proc/<pid>/status). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  static async start(options: DevServerOptions): Promise<TemporalDevServer> {
    // Another server on the port would answer our readiness check and pass for this one,
    // with other state: refuse instead.
    await stopLeftover(options.dbFile);
    for (const port of options.headless ? [options.port] : [options.port, options.uiPort]) {
      if (!(await portIsFree(port))) {
        throw new Error(
          `port ${port} on 127.0.0.1 is already in use (another \`npm start\` or Temporal server?). ` +
            'Stop it, or choose other ports with TEMPORAL_PORT and TEMPORAL_UI_PORT.',
        );
      }
    }
    mkdirSync(dirname(options.dbFile), { recursive: true });
    mkdirSync(dirname(options.logFile), { recursive: true });
    const args = [
      'server',
      'start-dev',
      '--db-filename',
      options.dbFile,
      '--ip',
      '127.0.0.1',
      '--port',
      String(options.port),
      // WAL keeps the file consistent if the process is killed and lets readers run beside the writer.
      '--sqlite-pragma',
      'journal_mode=wal',
      '--sqlite-pragma',
      'synchronous=normal',
      '--dynamic-config-value',
      'frontend.enableUpdateWorkflowExecution=true',
      '--dynamic-config-value',
      'frontend.enableUpdateWorkflowExecutionAsyncAccepted=true',
      '--log-level',
      'error',
      ...Object.entries(searchAttributeCliTypes).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]),
      ...(options.headless ? ['--headless'] : ['--ui-port', String(options.uiPort)]),
      ...(!options.headless && options.uiCodecEndpoint ? ['--ui-codec-endpoint', options.uiCodecEndpoint] : []),
      ...(options.namespace && options.namespace !== 'default' ? ['--namespace', options.namespace] : []),
    ];
    const logFd = openSync(options.logFile, 'a');
    // Its own process group: a Ctrl-C in the terminal reaches only our process, which
    // then stops the worker before the server, in that order.
    const child = spawn(options.cliPath, args, { stdio: ['ignore', logFd, logFd], detached: true });
    closeSync(logFd);
    const spawnError = new Promise<never>((_, reject) =>
      child.once('error', (err) => reject(new Error(`cannot run ${options.cliPath}: ${err.message}; set TEMPORAL_CLI_PATH to a temporal binary`))),
    );
    spawnError.catch(() => undefined);
    if (child.pid) writeFileSync(pidFile(options.dbFile), String(child.pid));
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    child.once('exit', () => process.removeListener('exit', killOnExit));
    const address = `127.0.0.1:${options.port}`;
    const server = new TemporalDevServer(child, address, options.headless ? undefined : `http://localhost:${options.uiPort}`, options.logFile);
    await Promise.race([server.waitUntilServing(options.namespace ?? 'default', options.startTimeoutMs ?? 60_000), spawnError]);
    return server;
  }

  private async waitUntilServing(namespace: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let exited: number | null | undefined;
    this.child.once('exit', (code) => {
      exited = code;
    });
    let lastError = '';
    while (Date.now() < deadline) {
      if (exited !== undefined) {
        throw new Error(
          `temporal server start-dev exited with code ${exited} before it answered on ${this.address}` +
            ` (is the port taken by another server?). Its log (${this.logFile}):\n${this.logTail()}`,
        );
      }
      try {
        const connection = await Connection.connect({ address: this.address, connectTimeout: 1_000 });
        try {
          await connection.workflowService.describeNamespace({ namespace });
          return;
        } finally {
          await connection.close();
        }
      } catch (err) {
        lastError = (err as Error).message;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    this.child.kill('SIGKILL');
    throw new Error(`temporal server start-dev did not answer on ${this.address} within ${timeoutMs} ms (${lastError}).\n${this.logTail()}`);
  }

  private logTail(): string {
    try {
      return readFileSync(this.logFile, 'utf8').split('\n').slice(-15).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** Stops the server gracefully (SIGINT), killing it if it does not stop in time. */
  stop(timeoutMs = 15_000): Promise<void> {
    return stopChild(this.child, 'SIGINT', timeoutMs);
  }
}

const pidFile = (dbFile: string) => `${dbFile}.pid`;

/**
 * A server of ours that outlived its parent (killed with SIGKILL, say) still holds the
 * ports and the SQLite file. Recognised by its pid file and its command line naming our
 * database file, it is stopped before a new one starts.
 */
async function stopLeftover(dbFile: string): Promise<void> {
  const file = pidFile(dbFile);
  if (!existsSync(file)) return;
  const pid = Number(readFileSync(file, 'utf8'));
  let commandLine = '';
  try {
    commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    // not running any more
  }
  if (commandLine.includes('start-dev') && commandLine.includes(dbFile)) {
    process.kill(pid, 'SIGINT');
    for (let i = 0; i < 100 && existsSync(`/proc/${pid}`); i += 1) await new Promise((r) => setTimeout(r, 100));
    if (existsSync(`/proc/${pid}`)) process.kill(pid, 'SIGKILL');
  }
  rmSync(file, { force: true });
}
