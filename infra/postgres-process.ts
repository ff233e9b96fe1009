import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { embeddedDatabaseUrl } from './embedded-credentials';

type SupervisorMessage = { ready?: boolean; error?: string };

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
      child.once('message', (message: SupervisorMessage) => {
        if (message.ready) resolve();
        else reject(new Error(message.error ?? 'the embedded PostgreSQL did not start'));
      });
      child.once('exit', (code) => reject(new Error(`the embedded PostgreSQL supervisor exited with code ${code} before it was ready`)));
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
    else this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  }
}
