import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPool } from '../activities/pg-pool';
import { storePolicy } from '../activities/registry/policies';
import { readInventory } from '../cli/inventory-file';
import { TextDecoding, fileBytes, localFile, textChunks } from '../cli/text-file';
import { grouped } from '../schemas/errors';
import { parseConfig } from '../schemas/config';
import { startStack } from '../infra/stack';

/** No phase may run longer than this: the benchmark ends with a reason instead of hanging. */
const PHASE_TIMEOUT_MS = 45 * 60_000;

const log = (line: string) => console.error(`bench:import ${line}`);

/** Peak resident memory of this process (VmHWM), in MiB. */
const ownPeakMiB = () => Math.round(Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) / 1024);

/** The parse floor, in its own process: decode and parse the file with the import's own readers, nothing else. */
async function parseOnly(file: string): Promise<void> {
  const started = process.hrtime.bigint();
  let records = 0;
  let problems = 0;
  for await (const item of readInventory(textChunks(fileBytes(localFile(file)), new TextDecoding(file)), 'csv').items) {
    if ('problem' in item) problems += 1;
    else records += 1;
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  console.log(JSON.stringify({ ms, records, problems, peakMiB: ownPeakMiB() }));
}

interface Measured {
  readonly ms: number;
  readonly peakMiB: number;
  readonly output: string;
}

/**
 * Runs a Node.js script in a child process; its peak RSS is read by a preloaded hook at
 * exit (VmHWM), its stderr passed through as progress. A child that outlives the phase
 * timeout is killed and the benchmark ends saying so.
 */
async function measured(dir: string, args: string[], env: NodeJS.ProcessEnv): Promise<Measured> {
  const peakFile = join(dir, `peak-${randomBytes(4).toString('hex')}`);
  const hook = join(dir, 'peak-hook.js');
  writeFileSync(
    hook,
    "process.on('exit', () => { const s = require('fs').readFileSync('/proc/self/status', 'utf8'); require('fs').writeFileSync(process.env.BENCH_PEAK_FILE, /VmHWM:\\s+(\\d+)/.exec(s)[1]); });\n",
  );
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, ['-r', hook, ...args], { env: { ...env, BENCH_PEAK_FILE: peakFile }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let partial = '';
  child.stderr.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) process.stderr.write(`    ${line}\n`);
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), PHASE_TIMEOUT_MS);
  const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
  clearTimeout(timer);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (signal === 'SIGKILL') throw new Error(`${args.join(' ')} did not finish within ${PHASE_TIMEOUT_MS / 60_000} minutes; killed`);
  if (code !== 0) throw new Error(`${args.join(' ')} exited with code ${code}: ${output.slice(-2000)}`);
  return { ms, peakMiB: Math.round(Number(readFileSync(peakFile, 'utf8')) / 1024), output };
}

async function writeInventory(file: string, rows: number): Promise<void> {
  const out = createWriteStream(file);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  await write('record_id,dossier,subject_ref,locations\n');
  let batch = '';
  for (let i = 1; i <= rows; i += 1) {
    const person = `P-B${String(i).padStart(7, '0')}`;
    batch += `R-2024-${String(i).padStart(7, '0')},D-2024-BENCH-01,${person},case-admin:persons/${person}\n`;
    if (batch.length > 1 << 16) {
      await write(batch);
      batch = '';
    }
  }
  await write(batch);
  out.end();
  await once(out, 'close');
}

function rowsOption(): number {
  const at = process.argv.indexOf('--rows');
  const n = Number(at >= 0 ? process.argv[at + 1] : (process.env.BENCH_RECORDS ?? 1_000_000));
  if (!Number.isInteger(n) || n < 1) throw new Error('give --rows N with N a positive whole number');
  return n;
}

/**
 * Inventory import at scale: a CSV of N rows (default 1 000 000) imported by the real
 * command line (`erasure import`, in a child process: its time and peak RSS), then again
 * (idempotent: nothing added); next to, in the same run, the floors: the same file only
 * decoded and parsed by the import's readers (a child process: its time and peak RSS),
 * and PostgreSQL's own COPY of the file into a bare table.
 */
async function main(): Promise<void> {
  if (process.argv[2] === '--phase' && process.argv[3] === 'parse') return parseOnly(process.argv[4] as string);
  const n = rowsOption();
  const dir = mkdtempSync(join(tmpdir(), 'erasure-bench-import-'));
  chmodSync(dir, 0o755); // the embedded PostgreSQL (the postgres user when we are root) reads the file for COPY
  const config = parseConfig({ ERASURE_DATA_DIR: dir, EMBEDDED_PG_PORT: process.env.BENCH_PG_PORT ?? '54398', TEMPORAL_ADDRESS: 'unused:7233' });
  log('starting an embedded PostgreSQL');
  const stack = await startStack(config, log);
  const registry = createPool(stack.databases.registry, 2);
  const caseAdmin = createPool(stack.databases.caseAdmin, 2);
  try {
    log(`seeding ${grouped(n)} persons in the case administration`);
    await caseAdmin.query(
      `INSERT INTO persons (id, full_name, residence) SELECT 'P-B' || lpad(g::text, 7, '0'), 'Bench Person ' || g, 'Bench Town' FROM generate_series(1, $1) g`,
      [n],
    );
    await storePolicy(registry, {
      version: 'bench',
      inquiryCutoff: '2030-01-01T00:00:00Z',
      purgeStart: '2030-01-02T00:00:00Z',
      objectionPeriod: '6w',
      responseDeadline: '30d',
      retentionReview: '26w',
    });
    const file = join(dir, 'inventory.csv');
    log(`writing ${file}`);
    await writeInventory(file, n);
    chmodSync(file, 0o644);
    const size = statSync(file).size;

    log('floor 1: decoding and parsing the file alone');
    const parsed = await measured(dir, [__filename, '--phase', 'parse', file], process.env);
    const parse = JSON.parse(parsed.output) as { ms: number; records: number; peakMiB: number };
    if (parse.records !== n) throw new Error(`the parse floor read ${parse.records} records, not ${n}`);

    log('floor 2: PostgreSQL COPY of the file into a bare table');
    let copyMs: number | undefined;
    let copyNote = '';
    try {
      await registry.query('CREATE TABLE bench_copy (record_id text, dossier text, subject_ref text, locations text)');
      const started = process.hrtime.bigint();
      await registry.query(`COPY bench_copy FROM '${file.replace(/'/g, "''")}' WITH (FORMAT csv, HEADER true)`);
      copyMs = Number(process.hrtime.bigint() - started) / 1e6;
    } catch (err) {
      copyNote = ` (not measured: ${(err as Error).message})`;
    }

    const env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      DATABASE_URL: stack.databases.registry,
      CASE_DATABASE_URL: stack.databases.caseAdmin,
      TEMPORAL_ADDRESS: 'unused:7233',
      ERASURE_DATA_DIR: dir,
      ERASURE_HMAC_KEY: randomBytes(32).toString('base64'),
      ERASURE_CONTACT_KEY: randomBytes(32).toString('base64'),
      ERASURE_PAYLOAD_KEY: randomBytes(32).toString('base64'),
    };
    const cli = join(__dirname, '..', 'cli', 'main.js');
    log('erasure import (checks, existence lookups, subject keys, inserts)');
    const first = await measured(dir, [cli, 'import', file, '--policy', 'bench'], env);
    if (!first.output.includes(`${n} record(s) added`)) throw new Error(`the import did not add ${n} records: ${first.output}`);
    log('erasure import again (idempotent: every record already there)');
    const again = await measured(dir, [cli, 'import', file, '--policy', 'bench'], env);
    if (!again.output.includes(`0 record(s) added, ${n} already present`)) throw new Error(`the second import changed something: ${again.output}`);

    const rate = (ms: number) => `${grouped(Math.round((n / ms) * 1000))} rows/s`;
    const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`.padStart(8);
    console.log(`inventory import, ${grouped(n)} rows (${(size / 1e6).toFixed(1)} MB CSV), embedded PostgreSQL 17 on loopback, ${new Date().toISOString()}`);
    console.log(`  floor: decode and parse only (child process)    ${s(parse.ms)}  ${rate(parse.ms)}  peak RSS ${parse.peakMiB} MiB`);
    console.log(`  floor: PostgreSQL COPY into a bare table        ${copyMs !== undefined ? `${s(copyMs)}  ${rate(copyMs)}` : `       -${copyNote}`}`);
    console.log(`  erasure import (all checks, keys, inserts)      ${s(first.ms)}  ${rate(first.ms)}  peak RSS ${first.peakMiB} MiB`);
    console.log(`  erasure import again (nothing to add)           ${s(again.ms)}  ${rate(again.ms)}  peak RSS ${again.peakMiB} MiB`);
    if (copyMs !== undefined)
      console.log(`  import / COPY floor: ${(first.ms / copyMs).toFixed(1)}x; import / parse floor: ${(first.ms / parse.ms).toFixed(1)}x`);
  } finally {
    await Promise.all([registry.end(), caseAdmin.end()]);
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(`bench:import ended: ${(err as Error).message}`);
  process.exit(1);
});
