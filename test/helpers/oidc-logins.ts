import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { projectRoot } from '../../infra/paths';
import type { LoginsCommand } from './oidc-logins-main';
import { assertBuilt } from './oidc-provider';

/** What `SsoLogins` answered: its value, or the error it threw (by name, code and reason: data, not `instanceof`). */
export type Answer<T> = { ok: true; value: T } | { ok: false; error: { name?: string; code?: string; reason?: string; message: string } };

type Without<C> = C extends unknown ? Omit<C, 'id'> : never;

export interface LoginsProcess {
  call<T = unknown>(command: Without<LoginsCommand>): Promise<Answer<T>>;
  stop(): Promise<void>;
}

const MAIN = join(projectRoot(), 'dist', 'test', 'helpers', 'oidc-logins-main.js');

/** Runs the built `SsoLogins` (dist/service/auth/oidc.js) in a child Node process and talks to it over stdin/stdout. */
export function startLoginsProcess(): LoginsProcess {
  assertBuilt(['test/helpers/oidc-logins-main.ts', ...['oidc', 'oidc-config', 'oidc-identity', 'oidc-refusal'].map((f) => `service/auth/${f}.ts`)]);
  const child = spawn(process.execPath, [MAIN], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const waiting = new Map<number, (answer: Answer<unknown>) => void>();
  createInterface({ input: child.stdout }).on('line', (line) => {
    const { id, ...answer } = JSON.parse(line) as Answer<unknown> & { id: number };
    waiting.get(id)?.(answer);
    waiting.delete(id);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  void exited.then((code) => {
    for (const reject of waiting.values()) reject({ ok: false, error: { message: `the SsoLogins process exited (${code}):\n${stderr}` } });
  });
  let next = 0;
  return {
    call<T>(command: Without<LoginsCommand>) {
      const id = (next += 1);
      child.stdin.write(`${JSON.stringify({ ...command, id })}\n`);
      return new Promise<Answer<T>>((resolve) => waiting.set(id, resolve as (answer: Answer<unknown>) => void));
    },
    async stop() {
      child.stdin.end();
      await exited;
    },
  };
}
