import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { Client as PgClient } from 'pg';
import { verifyLedger } from '../../activities/registry/ledger-verify';
import { startLifecycles } from '../../cli/start-lifecycles';
import { recordWorkflowId } from '../../schemas/lifecycle';
import { searchAttributes } from '../../schemas/search-attributes';
import type { recordLifecycle } from '../../workflows';
import { certificatesFor, personRows, seedRecords } from '../helpers/fixtures';
import { runPurge } from '../helpers/purge';
import { connectClient, eventually, openDatabases, policyIn, testActionKeys, testServices, type Databases } from '../helpers/services';
import { bundleWorkflows, realPurgeRunActivities, withWorker } from '../helpers/worker';

describe('erasure on a Temporal cluster - PostgreSQL persistence and visibility, 4 history shards', () => {
  let bundle: WorkflowBundleWithSourceMap;
  let dbs: Databases;
  let temporal: Awaited<ReturnType<typeof connectClient>>;
  beforeAll(async () => {
    bundle = await bundleWorkflows();
    dbs = openDatabases();
    temporal = await connectClient();
  });
  afterAll(async () => {
    await temporal?.close();
    await dbs?.close();
  });

  it('recordLifecycle - released by a purge run on the cluster - removes the case rows, leaves one verified certificate, and is found by its search attributes', async () => {
    const [record] = await seedRecords(dbs, policyIn(-2_000, -1_000));
    const { dossier, recordId } = record!;
    const handle = temporal.client.workflow.getHandle<typeof recordLifecycle>(recordWorkflowId(recordId));
    const result = await withWorker(bundle, realPurgeRunActivities(dbs, tmpdir()), async (tq) => {
      await expect(
        startLifecycles({ client: temporal.client, registry: dbs.registry, taskQueue: tq, actionKeys: testActionKeys, dossier }),
      ).resolves.toMatchObject({
        started: 1,
      });
      await expect(runPurge(temporal.client, tq, { dossier })).resolves.toMatchObject({ candidates: 1, released: 1, erased: 1, failed: 0, pending: 0 });
      return handle.result();
    });

    expect(await personRows(dbs.caseAdmin, record!.person.personId)).toEqual({ persons: 0, notes: 0, note_sources: 0, person_organisations: 0 });
    const certificates = await certificatesFor(dbs.registry, recordId);
    expect(certificates.map((c) => c.certificate_id)).toEqual([result.certificateId]);
    expect(certificates[0]?.body).toMatchObject({
      recordId,
      systems: [{ system: 'case-admin', removed: { persons: 1, notes: 2 }, verification: { verified: true } }],
    });
    const ledger = await verifyLedger(dbs.registry, undefined, undefined, testActionKeys);
    expect(ledger.firstProblem).toBeUndefined();
    expect(ledger.entries).toBeGreaterThanOrEqual(1);

    // The custom search attributes live in pre-allocated columns of SQL visibility: the record is found by them.
    const description = await handle.describe();
    expect(description.typedSearchAttributes.get(searchAttributes.LifecyclePhase)).toBe('erased');
    expect(description.typedSearchAttributes.get(searchAttributes.ErasedAt)).toBeInstanceOf(Date);
    const found = await eventually('the erased record in SQL visibility', async () => {
      const ids: string[] = [];
      for await (const w of temporal.client.workflow.list({ query: `Dossier = '${dossier}' AND LifecyclePhase = 'erased' AND OnHold = false` }))
        ids.push(w.workflowId);
      return ids.length > 0 ? ids : undefined;
    });
    expect(found).toEqual([recordWorkflowId(recordId)]);

    // The history lives in the cluster's own database, in one of its 4 shards.
    const url = new URL(testServices().databases.registry);
    url.pathname = '/temporal';
    const temporalDb = new PgClient({ connectionString: url.toString() });
    await temporalDb.connect();
    try {
      expect((await temporalDb.query<{ n: string }>('SELECT count(*) AS n FROM shards')).rows[0]?.n).toBe('4');
      const { rows } = await temporalDb.query<{ shard_id: number }>('SELECT shard_id FROM executions WHERE workflow_id = $1', [recordWorkflowId(recordId)]);
      expect(rows).toHaveLength(1);
      expect(rows[0]?.shard_id).toBeGreaterThanOrEqual(1);
      expect(rows[0]?.shard_id).toBeLessThanOrEqual(4);
    } finally {
      await temporalDb.end();
    }

    const pid = testServices().temporalPid;
    if (pid) {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      console.log(`Temporal server: ${/VmRSS:\s*(.*)/.exec(status)?.[1]} resident, ${/VmHWM:\s*(.*)/.exec(status)?.[1]} at most`);
    }
  });
});
