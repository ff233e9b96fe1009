import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';

export default async function globalTeardown(): Promise<void> {
  const child = (globalThis as { __erasureServices?: ChildProcess }).__erasureServices;
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  const file = process.env.ERASURE_TEST_SERVICES;
  if (file) rmSync(dirname(file), { recursive: true, force: true });
}
