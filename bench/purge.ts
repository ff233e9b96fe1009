import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { createPool } from '../activities/pg-pool';
import { importInventory, type NumberedRecord } from '../activities/registry/import-inventory';
import { storePolicy } from '../activities/registry/policies';
import { configuredAdapters } from '../activities/storage';
import { startLifecycles } from '../cli/start-lifecycles';
import { freePort } from '../infra/free-port';
import { startStack } from '../infra/stack';
import { parseConfig } from '../schemas/config';
import { recordWorkflowId } from '../schemas/lifecycle';
import type { PurgeReport } from '../schemas/purge';
import type { purgeRun } from '../workflows';
import { workflowTypes } from '../workflows/definitions';
import { generateCaseData, plainDelete } from './case-data';
import { startChild } from './child';
import { dataConverter } from '../infra/payload-codec';
import { ActionSigner } from '../service/action-signer';

/** Signs the run's start as the erasure service would. */
const { signer } = ActionSigner.generate();

const seconds = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e9;

/**
 * The throughput benchmark of issue 4: N synthetic records through import → start →
 * purge run → erased and certified on a dev server, then, on an identical fresh copy,
 * the two floors: plain batched SQL DELETEs (storage) and N minimal workflows
 * (orchestration). Prints figures; asserts nothing.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { records: { type: 'string', default: '10000' }, 'wave-size': { type: 'string', default: '1000' }, 'storage-rate': { type: 'string' } },
  });
  const n = Number(values.records);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--records must be a whole number above 0, not "${values.records}"`);
  const dir = mkdtempSync(join(tmpdir(), 'erasure-bench-'));
  chmodSync(dir, 0o755); // the embedded PostgreSQL runs as the postgres user when we are root
  const config = parseConfig({
    ERASURE_DATA_DIR: dir,
    TEMPORAL_PORT: String(await freePort()),
    EMBEDDED_PG_PORT: String(await freePort()),
    ...(values['storage-rate'] ? { ERASURE_STORAGE_RATE: values['storage-rate'] } : {}),
  });
  const stack = await startStack(config, () => undefined, { headless: true });
  const address = stack.target.connection.address ?? '';
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
  // Payloads are encrypted as in production: the benchmark measures the codec too.
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
  try {
    console.log(
      `purge benchmark: ${n} records, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node.js ${process.version}, ${new Date().toISOString()}`,
    );
    // The source data, as it exists before the operation starts (not timed).
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
    const t0 = process.hrtime.bigint();
    await importInventory(registry, {
      sourceName: 'bench',
      sourceSha256: '-',
      policyVersion: 'bench',
      records: inventory,
      adapters: storage.adapters,
      hmacKey: Buffer.from(keys.ERASURE_HMAC_KEY, 'base64'),
    });
    const imported = seconds(t0);
    const tStart = process.hrtime.bigint();
    await startLifecycles({ client, registry, taskQueue: 'erasure', actionKeys: signer.publicKeys });
    const started = seconds(tStart);
    const tPurge = process.hrtime.bigint();
    const run = await client.workflow.start<typeof purgeRun>(workflowTypes.purgeRun, {
      workflowId: 'purge-run-bench',
      taskQueue: 'erasure',
      args: [
        {
          settings: { waveSize: Number(values['wave-size']), reconcileSample: 0 },
          actionKeys: signer.publicKeys,
          startedBy: signer.signPurgeStart({ user: 'coordinator', role: 'coordinator' }, { workflowId: 'purge-run-bench' }),
        },
      ],
    });
    const report: PurgeReport = await run.result();
    const purged = seconds(tPurge);
    const total = seconds(t0);
    const peakRss = worker.peakRssMiB();
    await worker.stop();
    if (report.erased !== n) throw new Error(`the run erased ${report.erased} of ${n} records: ${JSON.stringify(report)}`);
    const certificates = Number((await registry.query<{ n: string }>('SELECT count(DISTINCT record_id) AS n FROM certificates')).rows[0]?.n);
    const sample = inventory.filter((_, i) => i % Math.max(1, Math.floor(n / 5)) === 0).slice(0, 5);
    const events = await Promise.all(
      sample.map(async (r) => (await client.workflow.getHandle(recordWorkflowId(r.record.recordId)).fetchHistory()).events?.length ?? 0),
    );
    if (process.env.BENCH_SHOW_RUN) {
      const runEvents = (await client.workflow.getHandle('purge-run-bench').fetchHistory()).events ?? [];
      const first = Number(runEvents[0]?.eventTime?.seconds ?? 0) * 1000 + Math.round((runEvents[0]?.eventTime?.nanos ?? 0) / 1e6);
      for (const e of runEvents) {
        const at = Number(e.eventTime?.seconds ?? 0) * 1000 + Math.round((e.eventTime?.nanos ?? 0) / 1e6) - first;
        const name = e.activityTaskScheduledEventAttributes?.activityType?.name ?? '';
        if (name || e.activityTaskCompletedEventAttributes || e.timerStartedEventAttributes) console.log(`    +${at} ms ${String(e.eventType)} ${name}`);
      }
    }
    if (process.env.BENCH_SHOW_HISTORY) {
      const history = await client.workflow.getHandle(recordWorkflowId(sample[0]!.record.recordId)).fetchHistory();
      for (const e of history.events ?? [])
        console.log(
          `    ${String(e.eventId)} ${String(e.eventType)} ${Object.keys(e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {}).join(',')}`,
        );
    }

    // Floor 1, storage: the same rows, freshly generated again, removed with plain batched DELETEs.
    const copy = await generateCaseData(caseAdmin, 'P-FLOOR-', n);
    const tDelete = process.hrtime.bigint();
    await plainDelete(caseAdmin, copy);
    const deleted = seconds(tDelete);

    // Floor 2, orchestration: N workflows start → one no-op activity → complete, same server, same start path.
    const minimal = await startChild(join(__dirname, 'minimal-worker.js'), [address, 'bench-minimal'], process.env, /worker polling/);
    const tMinimal = process.hrtime.bigint();
    const ids = Array.from({ length: n }, (_, i) => `minimal-${i}`);
    for (let i = 0; i < ids.length; i += 20) {
      await Promise.all(ids.slice(i, i + 20).map((id) => client.workflow.start('minimalWorkflow', { workflowId: id, taskQueue: 'bench-minimal', args: [id] })));
    }
    for (let i = 0; i < ids.length; i += 200) await Promise.all(ids.slice(i, i + 200).map((id) => client.workflow.getHandle(id).result()));
    const orchestrated = seconds(tMinimal);
    await minimal.stop();

    const rate = (s: number) => n / s;
    const e2e = rate(total);
    console.log(`  import ${imported.toFixed(1)} s · start ${started.toFixed(1)} s · purge run ${purged.toFixed(1)} s (${report.waves} waves)`);
    console.log(`  end to end (import → erased and certified): ${total.toFixed(1)} s = ${e2e.toFixed(0)} records/s; ${certificates} certificates`);
    console.log(`  history events per record (common path): ${events.join(', ')}`);
    console.log(`  peak worker RSS: ${peakRss} MiB`);
    console.log(
      `  storage floor (plain batched SQL DELETE of the same rows): ${deleted.toFixed(2)} s = ${rate(deleted).toFixed(0)} records/s; ours is ${(e2e / rate(deleted)).toFixed(3)} of it`,
    );
    console.log(
      `  orchestration floor (${n} minimal workflows, one no-op activity): ${orchestrated.toFixed(1)} s = ${rate(orchestrated).toFixed(0)} workflows/s; ours is ${(e2e / rate(orchestrated)).toFixed(2)} of it`,
    );
  } finally {
    await connection.close();
    await Promise.all([registry.end(), caseAdmin.end(), storage.close()]);
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
