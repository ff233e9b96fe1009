import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { Pool } from 'pg';
import { createPool } from '../activities/pg-pool';
import { importInventory, type NumberedRecord } from '../activities/registry/import-inventory';
import { storePolicy } from '../activities/registry/policies';
import { configuredAdapters } from '../activities/storage';
import { startLifecycles } from '../cli/start-lifecycles';
import { freePort } from '../infra/free-port';
import { startStack } from '../infra/stack';
import { parseConfig } from '../schemas/config';
import { recordWorkflowId } from '../schemas/lifecycle';
import type { purgeRun } from '../workflows';
import { workflowTypes } from '../workflows/definitions';
import { generateCaseData, plainDelete } from './case-data';
import { memoryMiB, startChild, type Child } from './child';
import { dataConverter } from '../infra/payload-codec';
import { ActionSigner } from '../service/action-signer';
import { BenchStopped, watched, workflowTaskFailure } from './watch';

/** Signs the run's start as the erasure service would. */
const { signer } = ActionSigner.generate();

type ServerKind = 'dev' | 'postgres';

interface Figures {
  readonly server: string;
  readonly imported: number;
  readonly started: number;
  readonly settled: number;
  readonly purged: number;
  readonly total: number;
  readonly waves: number;
  readonly events: number[];
  readonly peakWorkerMiB: number;
  readonly idleWorkerMiB: number;
  readonly idleServerMiB: number;
  readonly peakServerMiB: number;
  readonly storageFloor?: number;
  readonly orchestrationFloor?: number;
}

/** What a benchmark stopped with Ctrl-C (or SIGTERM) still stops: its servers run detached. */
const cleanups = new Set<() => Promise<void>>();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`benchmark stopped: ${signal}; stopping its servers`);
    void Promise.allSettled([...cleanups].map((c) => c())).then(() => process.exit(130));
  });
}

const count = async (db: Pool, sql: string): Promise<number> => Number((await db.query<{ n: string }>(sql)).rows[0]?.n ?? 0);

/**
 * The throughput benchmark: N synthetic records through import → start → purge run →
 * erased and certified, on the dev server, a Temporal server on PostgreSQL, or both one
 * after the other; then, on the same server and with the same data converter, the two
 * floors: plain batched SQL DELETEs (storage) and N minimal workflows (orchestration).
 * Every phase prints its progress; a failing workflow task, a worker that died or a phase
 * that stalls for a minute ends the benchmark with the reason. Prints figures; asserts
 * nothing.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      records: { type: 'string', default: '10000' },
      'wave-size': { type: 'string', default: '1000' },
      'batch-size': { type: 'string', default: '100' },
      'storage-rate': { type: 'string' },
      server: { type: 'string', default: 'dev' },
      'no-floors': { type: 'boolean', default: false },
      'idle-seconds': { type: 'string', default: '10' },
    },
  });
  const n = Number(values.records);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--records must be a whole number above 0, not "${values.records}"`);
  const servers: ServerKind[] = values.server === 'both' ? ['dev', 'postgres'] : values.server === 'dev' || values.server === 'postgres' ? [values.server] : [];
  if (servers.length === 0) throw new Error(`--server is dev, postgres or both, not "${values.server}"`);
  const idleSeconds = Number(values['idle-seconds']);
  console.log(
    `purge benchmark: ${n} records, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node.js ${process.version}, ${new Date().toISOString()}`,
  );
  const results: Figures[] = [];
  for (const server of servers) {
    results.push(
      await benchOn(server, n, {
        waveSize: Number(values['wave-size']),
        erasureBatch: Number(values['batch-size']),
        floors: !values['no-floors'],
        idleSeconds,
        ...(values['storage-rate'] ? { storageRate: values['storage-rate'] } : {}),
      }),
    );
  }
  if (results.length > 1) printSideBySide(n, results);
}

async function benchOn(
  server: ServerKind,
  n: number,
  options: { waveSize: number; erasureBatch: number; floors: boolean; idleSeconds: number; storageRate?: string },
): Promise<Figures> {
  const dir = mkdtempSync(join(tmpdir(), 'erasure-bench-'));
  chmodSync(dir, 0o755); // the embedded PostgreSQL runs as the postgres user when we are root
  const config = parseConfig({
    ERASURE_DATA_DIR: dir,
    TEMPORAL_PORT: String(await freePort()),
    EMBEDDED_PG_PORT: String(await freePort()),
    ...(options.storageRate ? { ERASURE_STORAGE_RATE: options.storageRate } : {}),
  });
  const label = server === 'dev' ? 'dev server (SQLite)' : 'Temporal server v1.31.0 on PostgreSQL, 4 history shards';
  console.log(`\n== ${label}`);
  const stack = await startStack(config, (line) => console.log(`  ${line}`), { headless: true, temporal: server === 'dev' ? 'dev-server' : 'cluster' });
  const stopStack = () => stack.stop();
  cleanups.add(stopStack);
  const address = stack.target.connection.address ?? '';
  const serverPid = stack.temporal?.pid;
  const registry = createPool(stack.databases.registry, 10);
  const caseAdmin = createPool(stack.databases.caseAdmin, 10);
  const storage = configuredAdapters(stack.databases);
  const connection = await Connection.connect({ address });
  const keys = {
    ERASURE_CONTACT_KEY: randomBytes(32).toString('base64'),
    ERASURE_HMAC_KEY: randomBytes(32).toString('base64'),
    ERASURE_SIGNING_KEY: generateKeyPairSync('ed25519').privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64'),
    ERASURE_PAYLOAD_KEY: randomBytes(32).toString('base64'),
  };
  // Payloads are encrypted as in production, for the product and the floor alike.
  const client = new Client({ connection, dataConverter: dataConverter({ current: Buffer.from(keys.ERASURE_PAYLOAD_KEY, 'base64'), previous: [] }) });
  const workerEnv = {
    ...process.env,
    ...keys,
    TEMPORAL_ADDRESS: address,
    DATABASE_URL: stack.databases.registry,
    CASE_DATABASE_URL: stack.databases.caseAdmin,
    SMTP_URL: 'smtp://127.0.0.1:9',
    ERASURE_STORAGE_RATE: String(config.ERASURE_STORAGE_RATE),
    ERASURE_REPORTS_DIR: join(dir, 'reports'),
    TEMPORAL_TASK_QUEUE: 'erasure',
  };
  const children: Child[] = [];
  const stopChildren = async () => void (await Promise.all(children.map((c) => c.stop())));
  cleanups.add(stopChildren);
  try {
    const persons = await generateCaseData(caseAdmin, 'P-E2E-', n);
    const policy = { version: 'bench', inquiryCutoff: new Date(Date.now() - 60_000).toISOString(), purgeStart: new Date(Date.now() - 30_000).toISOString() };
    await storePolicy(registry, { ...policy, objectionPeriod: '6w', responseDeadline: '30d', retentionReview: '26w' });
    const inventory: NumberedRecord[] = persons.map((p, i) => ({
      line: i + 2,
      record: { recordId: `R${p.slice(1)}`, dossier: `D-BENCH-${i % 10}`, subjectRef: p, locations: [{ system: 'case-admin', locator: `persons/${p}` }] },
    }));

    // BENCH_WORKER_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", profiles the worker.
    const nodeArgs = process.env.BENCH_WORKER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
    const worker = await startChild(join(__dirname, '..', 'workers', 'main.js'), [], workerEnv, /worker polling/, nodeArgs);
    children.push(worker);
    const workerGone = () => Promise.resolve(worker.exited());
    const t0 = Date.now();
    const imported = await watched(
      { name: 'import', total: n, done: () => count(registry, 'SELECT count(*) AS n FROM records') },
      importInventory(registry, {
        sourceName: 'bench',
        sourceSha256: '-',
        policyVersion: 'bench',
        records: inventory,
        adapters: storage.adapters,
        hmacKey: Buffer.from(keys.ERASURE_HMAC_KEY, 'base64'),
      }),
    );
    let startedSoFar = 0;
    const started = await watched(
      { name: 'start', total: n, done: () => startedSoFar, failure: workerGone },
      startLifecycles({
        client,
        registry,
        taskQueue: 'erasure',
        actionKeys: signer.publicKeys,
        onProgress: (s) => (startedSoFar = s.started + s.alreadyPresent),
      }),
    );
    // `start` returns once the server has the workflows; their first tasks are still queued for the worker.
    const backlog = async () => {
      const described = await connection.workflowService.describeTaskQueue({
        namespace: 'default',
        taskQueue: { name: 'erasure' },
        taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        reportStats: true,
      });
      return Number(described.stats?.approximateBacklogCount ?? 0);
    };
    const settled = await watched(
      { name: 'first workflow tasks', total: n, done: async () => n - (await backlog()), failure: workerGone },
      (async () => {
        while ((await backlog()) > 0) await new Promise((r) => setTimeout(r, 1000));
      })(),
    );
    console.log(
      `  import ${imported.seconds.toFixed(1)} s · start ${started.seconds.toFixed(1)} s · first workflow tasks done ${settled.seconds.toFixed(1)} s later`,
    );

    // The lifecycles wait on their timers: what a worker and the server hold for them.
    await new Promise((r) => setTimeout(r, options.idleSeconds * 1000));
    const idleWorkerMiB = worker.rssMiB();
    const idleServerMiB = memoryMiB(serverPid, 'VmRSS');
    console.log(`  idle with ${n} open lifecycles (after ${options.idleSeconds} s): worker RSS ${idleWorkerMiB} MiB, Temporal server RSS ${idleServerMiB} MiB`);

    const tPurge = Date.now();
    const run = await client.workflow.start<typeof purgeRun>(workflowTypes.purgeRun, {
      workflowId: 'purge-run-bench',
      taskQueue: 'erasure',
      args: [
        {
          settings: { waveSize: options.waveSize, erasureBatch: options.erasureBatch, reconcileSample: 0 },
          actionKeys: signer.publicKeys,
          startedBy: signer.signPurgeStart({ user: 'coordinator', role: 'coordinator' }, { workflowId: 'purge-run-bench' }),
        },
      ],
    });
    const firstNotErased = async () =>
      (await registry.query<{ record_id: string }>('SELECT record_id FROM records WHERE erased_at IS NULL ORDER BY record_id LIMIT 1')).rows[0]?.record_id;
    const purge = await watched(
      {
        name: 'purge',
        total: n,
        done: () => count(registry, 'SELECT count(*) AS n FROM certificates'),
        failure: async () => {
          const stuck = await firstNotErased();
          return (
            worker.exited() ??
            (await workflowTaskFailure(client, 'purge-run-bench')) ??
            (stuck ? await workflowTaskFailure(client, recordWorkflowId(stuck)) : undefined)
          );
        },
      },
      run.result(),
    );
    const report = purge.result;
    const purged = (Date.now() - tPurge) / 1000;
    const total = (Date.now() - t0) / 1000;
    const peakWorkerMiB = worker.peakRssMiB();
    const peakServerMiB = memoryMiB(serverPid, 'VmHWM');
    await worker.stop();
    if (report.erased !== n) throw new BenchStopped(`the run erased ${report.erased} of ${n} records: ${JSON.stringify(report)}`);
    const certificates = await count(registry, 'SELECT count(DISTINCT record_id) AS n FROM certificates');
    const sample = inventory.filter((_, i) => i % Math.max(1, Math.floor(n / 5)) === 0).slice(0, 5);
    const events = await Promise.all(
      sample.map(async (r) => (await client.workflow.getHandle(recordWorkflowId(r.record.recordId)).fetchHistory()).events?.length ?? 0),
    );
    if (process.env.BENCH_SHOW_HISTORY) {
      const history = await client.workflow.getHandle(recordWorkflowId(sample[0]!.record.recordId)).fetchHistory();
      for (const e of history.events ?? []) console.log(`    ${String(e.eventId)} ${String(e.eventType)}`);
    }
    const rate = (s: number) => n / s;
    console.log(`  purge run ${purged.toFixed(1)} s (${report.waves} waves, batches of ${options.erasureBatch}) = ${rate(purged).toFixed(0)} records/s`);
    console.log(`  end to end (import → erased and certified): ${total.toFixed(1)} s = ${rate(total).toFixed(0)} records/s; ${certificates} certificates`);
    console.log(`  history events per record (common path): ${events.join(', ')}`);
    console.log(`  peak worker RSS: ${peakWorkerMiB} MiB; Temporal server peak RSS: ${peakServerMiB} MiB`);

    let storageFloor: number | undefined;
    let orchestrationFloor: number | undefined;
    if (options.floors) {
      // Floor 1, storage: the same rows, freshly generated again, removed with plain batched DELETEs.
      const copy = await generateCaseData(caseAdmin, 'P-FLOOR-', n);
      const tDelete = Date.now();
      await plainDelete(caseAdmin, copy);
      storageFloor = rate((Date.now() - tDelete) / 1000);
      console.log(
        `  storage floor (plain batched SQL DELETE of the same rows): ${storageFloor.toFixed(0)} records/s; end to end is ${(rate(total) / storageFloor).toFixed(3)} of it`,
      );

      // Floor 2, orchestration: N workflows start → one no-op activity → complete, same server, same start path, same codec.
      const minimal = await startChild(join(__dirname, 'minimal-worker.js'), [address, 'bench-minimal'], workerEnv, /worker polling/);
      children.push(minimal);
      const ids = Array.from({ length: n }, (_, i) => `minimal-${i}`);
      let finished = 0;
      const work = (async () => {
        for (let i = 0; i < ids.length; i += 20) {
          await Promise.all(
            ids.slice(i, i + 20).map((id) => client.workflow.start('minimalWorkflow', { workflowId: id, taskQueue: 'bench-minimal', args: [id] })),
          );
        }
        for (let i = 0; i < ids.length; i += 200) {
          await Promise.all(ids.slice(i, i + 200).map((id) => client.workflow.getHandle(id).result()));
          finished = Math.min(i + 200, ids.length);
        }
      })();
      const floor = await watched(
        {
          name: 'orchestration floor',
          total: n,
          done: () => finished,
          failure: async () => minimal.exited() ?? (await workflowTaskFailure(client, ids[Math.min(finished, ids.length - 1)] as string)),
        },
        work,
      );
      await minimal.stop();
      orchestrationFloor = rate(floor.seconds);
      console.log(
        `  orchestration floor (${n} minimal workflows, one no-op activity): ${floor.seconds.toFixed(1)} s = ${orchestrationFloor.toFixed(0)} workflows/s; ` +
          `the purge phase is ${(rate(purged) / orchestrationFloor).toFixed(2)}× it, end to end ${(rate(total) / orchestrationFloor).toFixed(2)}×`,
      );
    }
    return {
      server: label,
      imported: imported.seconds,
      started: started.seconds,
      settled: settled.seconds,
      purged,
      total,
      waves: report.waves,
      events,
      peakWorkerMiB,
      idleWorkerMiB,
      idleServerMiB,
      peakServerMiB,
      ...(storageFloor !== undefined ? { storageFloor } : {}),
      ...(orchestrationFloor !== undefined ? { orchestrationFloor } : {}),
    };
  } finally {
    cleanups.delete(stopChildren);
    await stopChildren();
    await connection.close();
    await Promise.all([registry.end(), caseAdmin.end(), storage.close()]);
    cleanups.delete(stopStack);
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function printSideBySide(n: number, results: readonly Figures[]): void {
  const rows: [string, (f: Figures) => string][] = [
    ['import s', (f) => f.imported.toFixed(1)],
    ['start s (+ first tasks)', (f) => `${f.started.toFixed(1)} + ${f.settled.toFixed(1)}`],
    ['purge run s', (f) => f.purged.toFixed(1)],
    ['purge records/s', (f) => (n / f.purged).toFixed(0)],
    ['end to end records/s', (f) => (n / f.total).toFixed(0)],
    ['orchestration floor workflows/s', (f) => f.orchestrationFloor?.toFixed(0) ?? '-'],
    ['purge ÷ floor', (f) => (f.orchestrationFloor ? (n / f.purged / f.orchestrationFloor).toFixed(2) : '-')],
    ['end to end ÷ floor', (f) => (f.orchestrationFloor ? (n / f.total / f.orchestrationFloor).toFixed(2) : '-')],
    ['events per record', (f) => f.events.join(', ')],
    ['peak worker RSS MiB', (f) => String(f.peakWorkerMiB)],
    ['server RSS idle / peak MiB', (f) => `${f.idleServerMiB} / ${f.peakServerMiB}`],
  ];
  console.log(`\nside by side, ${n} records:`);
  console.log(`  ${''.padEnd(34)}${results.map((r) => r.server.slice(0, 30).padEnd(32)).join('')}`);
  for (const [name, value] of rows) console.log(`  ${name.padEnd(34)}${results.map((r) => value(r).padEnd(32)).join('')}`);
}

main().catch((err: unknown) => {
  // A stopped benchmark says why in one line; anything else with its stack.
  console.error(err instanceof BenchStopped ? `benchmark stopped: ${err.message}` : err);
  process.exit(1);
});
