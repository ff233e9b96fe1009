import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ScenarioName, ScenarioResult } from '../../bench/chaos/scenarios';
import { projectRoot } from '../../infra/paths';

// `npm run chaos` with small numbers: the built script (node-pg-migrate, which the stack
// needs, is ESM that jest cannot load) runs one scenario on a stack of its own, with the
// built worker in processes of its own, and prints its result as JSON. Some 30 s each.
const RECORDS = 80;
// No operator help: a dead worker's erasures are retried after their 1-minute start-to-close
// timeout, its page after the 30 s heartbeat timeout.
const ARGS = ['--records', String(RECORDS), '--wave-size', '20', '--outage', '5s', '--server-down', '3s', '--json'];
const TIMEOUT = 240_000;

/** What is run is what is built: refuse to test stale code. */
function assertBuilt(): void {
  const root = projectRoot();
  const built = statSync(join(root, 'dist', 'bench', 'chaos', 'main.js'), { throwIfNoEntry: false })?.mtimeMs;
  if (built === undefined) throw new Error('dist/bench/chaos/main.js is missing: run `npm run build` first');
  for (const dir of ['bench', 'workers', 'workflows', 'activities', 'schemas', 'infra']) {
    for (const entry of readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })) {
      if (!entry.endsWith('.ts')) continue;
      if (statSync(join(root, dir, entry)).mtimeMs > built) throw new Error(`${dir}/${entry} is newer than dist/: run \`npm run build\` first`);
    }
  }
}

/** Runs one scenario through the built script; a test that gives up stops it (it cleans up on SIGTERM). */
async function run(scenario: ScenarioName): Promise<ScenarioResult> {
  const child = spawn(process.execPath, [join(projectRoot(), 'dist', 'bench', 'chaos', 'main.js'), '--scenario', scenario, ...ARGS], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const stop = setTimeout(() => child.kill('SIGTERM'), TIMEOUT - 10_000);
  try {
    await new Promise<void>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', () => resolve());
    });
  } finally {
    clearTimeout(stop);
    if (child.exitCode === null) child.kill('SIGTERM');
  }
  const line = /^CHAOS_RESULT (.*)$/m.exec(output)?.[1];
  if (!line) throw new Error(`the ${scenario} scenario gave no result (exit code ${String(child.exitCode)}):\n${output}`);
  const result = JSON.parse(line) as ScenarioResult;
  // What happened, for the reader of a failed run (and any product finding on a passing one).
  if (result.failures.length > 0) console.log(output.replace(/^CHAOS_RESULT .*$/m, ''));
  return result;
}

/** Every record erased once, each certificate in a ledger that verifies, no certificate over data still there. */
function expectErasedOnceAndProven(result: ScenarioResult): void {
  const o = result.outcome;
  expect(result.erasedAtFault).toBeGreaterThan(0);
  expect(result.erasedAtFault).toBeLessThan(RECORDS);
  expect({
    erased: o.erased,
    lost: o.lost,
    duplicateCertificates: o.duplicateCertificates,
    ledgerIntact: o.ledger.intact,
    ledgerProblem: o.ledger.problem,
    ledgerEntries: o.ledger.entries,
    certifiedWithDataLeft: o.certifiedWithDataLeft,
    erasedWithoutCertificate: o.erasedWithoutCertificate,
  }).toEqual({
    erased: RECORDS,
    lost: 0,
    duplicateCertificates: 0,
    ledgerIntact: true,
    ledgerProblem: undefined,
    ledgerEntries: RECORDS,
    certifiedWithDataLeft: 0,
    erasedWithoutCertificate: 0,
  });
}

describe('chaos - faults injected in the middle of a purge run, on a stack of its own', () => {
  beforeAll(assertBuilt);

  it(
    'purgeRun - worker process group killed with SIGKILL mid-purge, a new worker started - every record erased with exactly one certificate, ledger verifies',
    async () => expectErasedOnceAndProven(await run('kill-worker')),
    TIMEOUT,
  );

  it(
    'purgeRun - case database refusing connections mid-purge - the erasures are retried, none certified while its data is left',
    async () => expectErasedOnceAndProven(await run('db-outage')),
    TIMEOUT,
  );

  it(
    'purgeRun - dev server stopped and started again on the same file and port mid-purge - the run completes',
    async () => {
      const result = await run('server-restart');
      expect(result.report.pending).toBe(0);
      expectErasedOnceAndProven(result);
    },
    TIMEOUT,
  );
});
