import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { embeddedDatabaseUrl } from './embedded-credentials';

type SupervisorMessage = { ready?: boolean; error?: string };

const START_TIMEOUT_MS = 120_000;

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid) process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

/** The embedded PostgreSQL, run by `postgres-supervisor` in its own process group. */
export class EmbeddedPostgresProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly dir: string,
    readonly port: number,
  ) {}

  static async start(options: { dir: string; port: number }): Promise<EmbeddedPostgresProcess> {
    const child = fork(join(__dirname, 'postgres-supervisor.js'), [], {
      detached: true,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, SUPERVISED_PG_DIR: options.dir, SUPERVISED_PG_PORT: String(options.port) },
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        killGroup(child, 'SIGKILL');
        reject(new Error(`the embedded PostgreSQL did not start within ${START_TIMEOUT_MS / 1000} s; see ${options.dir}/postgres.log`));
      }, START_TIMEOUT_MS);
      child.once('message', (message: SupervisorMessage) => {
        clearTimeout(timer);
        if (message.ready) resolve();
        else reject(new Error(message.error ?? 'the embedded PostgreSQL did not start'));
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the embedded PostgreSQL supervisor exited with code ${code} before it was ready`));
      });
    });
    return new EmbeddedPostgresProcess(child, options.dir, options.port);
  }

  url(database: string): string {
    const url = embeddedDatabaseUrl(this.dir, this.port, database);
    if (!url) throw new Error(`no credentials in ${this.dir}`);
    return url;
  }

  /** Asks for a clean shutdown (PostgreSQL's fast mode), waiting for it to finish. */
  async stop(timeoutMs = 30_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    if (this.child.connected) this.child.send({ stop: true });
    else killGroup(this.child, 'SIGTERM');
    // The postmaster is the supervisor's child in the same (detached) group: kill both.
    const timer = setTimeout(() => killGroup(this.child, 'SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  }
}
