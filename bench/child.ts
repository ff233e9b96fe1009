import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface Child {
  readonly process: ChildProcess;
  /** Peak resident memory so far (VmHWM), in MiB. */
  peakRssMiB(): number;
  /** Resident memory now (VmRSS), in MiB. */
  rssMiB(): number;
  /** Why it is no longer running (exit code and the end of its stderr), or undefined while it runs. */
  exited(): string | undefined;
  stop(): Promise<void>;
}

/** Starts a Node.js script and resolves once it prints `ready` (a pattern) on stdout. */
export async function startChild(script: string, args: string[], env: NodeJS.ProcessEnv, ready: RegExp, nodeArgs: string[] = []): Promise<Child> {
  const child = spawn(process.execPath, [...nodeArgs, script, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let errors = '';
  let exitedWith: string | undefined;
  child.once('exit', (code, signal) => {
    exitedWith = `${script} exited (${signal ?? `code ${code}`}): ${errors.slice(-1000)}`;
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    errors = (errors + chunk.toString()).slice(-4000);
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (ready.test(out)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with code ${code}: ${errors}`)));
  });
  return {
    process: child,
    peakRssMiB: () => memoryMiB(child.pid, 'VmHWM'),
    rssMiB: () => memoryMiB(child.pid, 'VmRSS'),
    exited: () => exitedWith,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** A process's resident memory from /proc (VmRSS now, VmHWM its peak), in MiB; 0 once it is gone. */
export function memoryMiB(pid: number | undefined, field: 'VmRSS' | 'VmHWM'): number {
  if (pid === undefined) return 0;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Math.round(Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) / 1024);
  } catch {
    return 0;
  }
}
