import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../infra/paths';

/** The built worker (`npm run worker`): the chaos runs kill and restart the real process. */
export function workerScript(): string {
  const script = join(projectRoot(), 'dist', 'workers', 'main.js');
  if (!existsSync(script)) throw new Error(`${script} does not exist: run \`npm run build\` first`);
  return script;
}

/**
 * `node dist/workers/main.js` in a process group of its own, so that a SIGKILL takes
 * the whole group, as `kill -9 -<pgid>` would. Killed on our exit, whatever happens.
 */
export class WorkerProcess {
  private output = '';
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  readonly exited: Promise<void>;
  private readonly killOnExit = () => this.signal('SIGKILL');

  private constructor(private readonly child: ChildProcess) {
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-8000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        process.removeListener('exit', this.killOnExit);
        resolve();
      }),
    );
    process.once('exit', this.killOnExit);
  }

  static async start(env: NodeJS.ProcessEnv, readyTimeoutMs = 120_000): Promise<WorkerProcess> {
    const child = spawn(process.execPath, [workerScript()], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const worker = new WorkerProcess(child);
    let timer: NodeJS.Timeout | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`the worker did not start polling within ${readyTimeoutMs} ms:\n${worker.tail()}`)), readyTimeoutMs);
        child.stdout?.on('data', () => {
          if (/worker polling/.test(worker.output)) resolve();
        });
        void worker.exited.then(() => reject(new Error(`the worker exited (${worker.describeExit()}) before it polled:\n${worker.tail()}`)));
      });
    } catch (err) {
      await worker.kill();
      throw err;
    } finally {
      clearTimeout(timer);
    }
    return worker;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  describeExit(): string {
    if (!this.exitInfo) return 'running';
    return this.exitInfo.signal ? `signal ${this.exitInfo.signal}` : `exit code ${String(this.exitInfo.code)}`;
  }

  tail(lines = 15): string {
    return this.output.split('\n').slice(-lines).join('\n');
  }

  private signal(signal: NodeJS.Signals): void {
    if (!this.running || !this.child.pid) return;
    try {
      process.kill(-this.child.pid, signal);
    } catch {
      // the group is gone already
    }
  }

  /** kill -9 of the worker's process group; resolves once the process is gone. */
  async kill(): Promise<void> {
    this.signal('SIGKILL');
    await this.exited;
  }

  /** A graceful stop (SIGTERM, as systemd would), SIGKILL if it takes longer than `timeoutMs`. */
  async stop(timeoutMs = 45_000): Promise<void> {
    if (!this.running) return;
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }
}
