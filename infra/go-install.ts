import { execFileSync, spawn } from 'node:child_process';
import { ToolMissingError } from '../schemas/errors';
import { isExecutable, onPath } from './executables';

type Log = (line: string) => void;

/** Go 1.21 fetches the toolchain a module asks for by itself. */
const MINIMUM_GO = [1, 21] as const;

/**
 * The Go toolchain to build a Temporal binary with, checked for its version. `what` names
 * the binary and `instead` says how to do without a build; both go into the messages.
 */
export function findGo(env: Record<string, string | undefined>, what: string, instead: string): string {
  const go = onPath('go', env.PATH) ?? (isExecutable('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
  if (!go) {
    throw new ToolMissingError(
      `No ${what} found and no Go toolchain to build one. Either install Go ${MINIMUM_GO.join('.')} or newer ` +
        `(https://go.dev/dl, or put /usr/local/go/bin on PATH), or ${instead}.`,
    );
  }
  let version: number[] | undefined;
  try {
    const match = /go(\d+)\.(\d+)/.exec(execFileSync(go, ['version'], { env }).toString());
    version = match ? [Number(match[1]), Number(match[2])] : undefined;
  } catch {
    version = undefined;
  }
  if (version && ((version[0] ?? 0) - MINIMUM_GO[0] || (version[1] ?? 0) - MINIMUM_GO[1]) < 0) {
    throw new ToolMissingError(
      `${go} is Go ${version.join('.')}; building the ${what} needs Go ${MINIMUM_GO.join('.')} or newer (it fetches the toolchain it needs) — ` +
        `install a newer Go (https://go.dev/dl, or /usr/local/go), or ${instead}.`,
    );
  }
  return go;
}

/**
 * `go install -v <packages>` into `gobin`, printing a line every hundred steps and when a
 * module of `watch` is downloaded, so that a first build of several minutes shows it is alive.
 */
export async function goInstall(
  go: string,
  packages: readonly string[],
  gobin: string,
  env: Record<string, string | undefined>,
  log: Log,
  watch: string,
): Promise<void> {
  const started = Date.now();
  await new Promise<void>((resolvePromise, reject) => {
    const child = spawn(go, ['install', '-v', ...packages], { env: { ...env, GOBIN: gobin }, stdio: ['ignore', 'pipe', 'pipe'] });
    let steps = 0;
    let tail = '';
    const onOutput = (chunk: Buffer) => {
      const text = chunk.toString();
      tail = (tail + text).slice(-4000);
      for (const line of text.split('\n')) {
        if (!line.trim()) continue;
        steps += 1;
        if (steps % 100 === 0 || line.startsWith(`go: downloading ${watch}`))
          log(`  ... ${steps} steps (${Math.round((Date.now() - started) / 1000)}s): ${line.trim()}`);
      }
    };
    child.stdout.on('data', onOutput);
    child.stderr.on('data', onOutput);
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolvePromise();
      else reject(new ToolMissingError(`go install ${packages.join(' ')} failed (exit ${code}):\n${tail}`));
    });
  });
}
