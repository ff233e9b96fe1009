import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { freePort } from '../infra/free-port';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestServices {
  readonly temporalAddress: string;
  /** The Temporal server's process, for RSS readings. */
  readonly temporalPid?: number;
  readonly databases: { registry: string; caseAdmin: string };
  readonly dir: string;
}

export { freePort };

/**
 * Starts a real Temporal dev server and a real embedded PostgreSQL for the whole run, in
 * a fresh temporary folder on free ports, through the same infra code `npm start` uses.
 */
export default function globalSetup(): Promise<void> {
  return startTestServices();
}

/** The services of a run; `temporal: 'cluster'` runs a Temporal cluster on the embedded PostgreSQL instead of the dev server. */
export async function startTestServices(options: { temporal?: 'dev-server' | 'cluster' } = {}): Promise<void> {
  const root = join(__dirname, '..');
  if (!existsSync(join(root, 'dist', 'infra', 'services.js'))) {
    const built = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', root], { stdio: 'inherit' });
    if (built.status !== 0) throw new Error('tsc failed; run `npm run build` to see why');
  }
  const dir = mkdtempSync(join(tmpdir(), 'erasure-test-'));
  chmodSync(dir, 0o755); // the embedded PostgreSQL runs as the postgres user when we are root
  const env: Record<string, string | undefined> = {
    ...process.env,
    ERASURE_DATA_DIR: dir,
    TEMPORAL_PORT: String(await freePort()),
    EMBEDDED_PG_PORT: String(await freePort()),
    SERVICES_HEADLESS: '1',
    SERVICES_TEMPORAL: options.temporal ?? 'dev-server',
  };
  for (const name of ['TEMPORAL_ADDRESS', 'DATABASE_URL', 'CASE_DATABASE_URL', 'TEMPORAL_NAMESPACE']) delete env[name];
  const child: ChildProcess = spawn(process.execPath, [join(root, 'dist', 'infra', 'services.js')], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  (globalThis as { __erasureServices?: ChildProcess }).__erasureServices = child;
  const services = await new Promise<TestServices>((resolve, reject) => {
    let buffer = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const match = /^SERVICES (.*)$/m.exec(buffer);
      if (match?.[1]) resolve({ ...(JSON.parse(match[1]) as Omit<TestServices, 'dir'>), dir });
    });
    child.once('exit', (code) => reject(new Error(`the test services exited with code ${code} before they were ready`)));
  });
  const file = join(dir, 'services.json');
  writeFileSync(file, JSON.stringify(services));
  process.env.ERASURE_TEST_SERVICES = file;
}
