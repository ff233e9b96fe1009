import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPool } from '../activities/pg-pool';
import { importInventory, type NumberedRecord } from '../activities/registry/import-inventory';
import { storePolicy } from '../activities/registry/policies';
import { configuredAdapters } from '../activities/storage';
import { parseConfig } from '../schemas/config';
import { startStack } from '../infra/stack';

/**
 * Inventory import throughput: the project's chunked import (checks, existence lookups
 * and inserts 1 000 records per statement) against a baseline that inserts record by
 * record in one transaction, on the same embedded PostgreSQL, in the same run.
 */
async function main(): Promise<void> {
  const n = Number(process.env.BENCH_RECORDS ?? 20_000);
  const dir = mkdtempSync(join(tmpdir(), 'erasure-bench-'));
  chmodSync(dir, 0o755);
  const config = parseConfig({ ERASURE_DATA_DIR: dir, EMBEDDED_PG_PORT: process.env.BENCH_PG_PORT ?? '54399', TEMPORAL_ADDRESS: 'unused:7233' });
  const stack = await startStack(config, () => undefined);
  const registry = createPool(stack.databases.registry, 4);
  const caseAdmin = createPool(stack.databases.caseAdmin, 4);
  const storage = configuredAdapters(stack.databases);
  const hmacKey = randomBytes(32);
  try {
    await caseAdmin.query(
      `INSERT INTO persons (id, full_name, residence) SELECT 'P-B' || g, 'Bench Person ' || g, 'Bench Town' FROM generate_series(1, $1) g`,
      [2 * n],
    );
    const policy = { version: 'bench', inquiryCutoff: '2030-01-01T00:00:00Z', purgeStart: '2030-01-02T00:00:00Z', objectionPeriod: '6w', responseDeadline: '30d', retentionReview: '26w' };
    await storePolicy(registry, policy);
    const records = (offset: number, dossier: string): NumberedRecord[] =>
      Array.from({ length: n }, (_, i) => ({
        line: i + 2,
        record: {
          recordId: `R-${dossier}-${i}`,
          dossier,
          subjectRef: `P-B${offset + i + 1}`,
          locations: [{ system: 'case-admin', locator: `persons/P-B${offset + i + 1}` }],
        },
      }));

    const baselineRecords = records(n, 'BASE');
    let started = process.hrtime.bigint();
    const db = await registry.connect();
    await db.query('BEGIN');
    const { rows } = await db.query<{ id: string }>(
      "INSERT INTO import_batches (source_name, source_sha256, policy_version, records_added, records_unchanged) VALUES ('baseline', '-', 'bench', $1, 0) RETURNING id",
      [n],
    );
    for (const { record } of baselineRecords) {
      await db.query('SELECT 1 FROM records WHERE record_id = $1', [record.recordId]);
      await db.query('INSERT INTO records (record_id, dossier, subject_ref, policy_version, import_batch) VALUES ($1, $2, $3, $4, $5)', [
        record.recordId,
        record.dossier,
        record.subjectRef,
        'bench',
        rows[0]?.id,
      ]);
      for (const l of record.locations) {
        await db.query('INSERT INTO record_locations (record_id, system, locator) VALUES ($1, $2, $3)', [record.recordId, l.system, l.locator]);
      }
    }
    await db.query('COMMIT');
    db.release();
    const baselineMs = Number(process.hrtime.bigint() - started) / 1e6;

    started = process.hrtime.bigint();
    const summary = await importInventory(registry, {
      sourceName: 'bench',
      sourceSha256: '-',
      policyVersion: 'bench',
      records: records(0, 'OURS'),
      adapters: storage.adapters,
      hmacKey,
    });
    const oursMs = Number(process.hrtime.bigint() - started) / 1e6;

    started = process.hrtime.bigint();
    const again = await importInventory(registry, { sourceName: 'bench', sourceSha256: '-', policyVersion: 'bench', records: records(0, 'OURS'), adapters: storage.adapters, hmacKey });
    const againMs = Number(process.hrtime.bigint() - started) / 1e6;

    const rate = (ms: number) => Math.round((n / ms) * 1000);
    console.log(`inventory import, ${n} records, embedded PostgreSQL 17 on loopback, ${new Date().toISOString()}`);
    console.log(`  baseline (row by row, one transaction):      ${baselineMs.toFixed(0)} ms  ${rate(baselineMs)} records/s`);
    console.log(`  importInventory (chunked, with all checks):  ${oursMs.toFixed(0)} ms  ${rate(oursMs)} records/s  (${summary.added} added)`);
    console.log(`  importInventory again (idempotent, no-op):   ${againMs.toFixed(0)} ms  ${rate(againMs)} records/s  (${again.unchanged} unchanged)`);
    console.log(`  speed-up over baseline: ${(baselineMs / oursMs).toFixed(1)}x`);
  } finally {
    await Promise.all([registry.end(), caseAdmin.end(), storage.close()]);
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
