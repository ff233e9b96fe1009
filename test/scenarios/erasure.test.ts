import { createPurgeActivities } from '../../activities/purge';
import { tmpdir } from 'node:os';
import { ApplicationFailure } from '@temporalio/common';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { recordWorkflowId } from '../../schemas/lifecycle';
import { searchAttributes } from '../../schemas/search-attributes';
import { startLifecycles } from '../../cli/start-lifecycles';
import { statusQuery, type recordLifecycle } from '../../workflows';
import { certificatesFor, personRows, seedRecords } from '../helpers/fixtures';
import { connectClient, eventually, openDatabases, policyIn, type Databases, testActionKeys } from '../helpers/services';
import { bundleWorkflows, realActivities, realPurgeRunActivities, withWorker } from '../helpers/worker';
import { runPurge } from '../helpers/purge';
import { historyText } from '../helpers/history';

describe('erasure scenario - real activities, real PostgreSQL, real dev server', () => {
  let bundle: WorkflowBundleWithSourceMap;
  let dbs: Databases;
  let temporal: Awaited<ReturnType<typeof connectClient>>;
  beforeAll(async () => {
    bundle = await bundleWorkflows();
    dbs = openDatabases();
    temporal = await connectClient();
  });
  afterAll(async () => {
    await temporal.close();
    await dbs.close();
  });

  const phaseOf = async (recordId: string) => (await temporal.client.workflow.getHandle(recordWorkflowId(recordId)).query(statusQuery)).phase;
  const start = (taskQueue: string, dossier: string) =>
    startLifecycles({ client: temporal.client, registry: dbs.registry, taskQueue, actionKeys: testActionKeys, dossier });

  it('startLifecycles - run twice - starts each record once', async () => {
    const records = await seedRecords(dbs, policyIn(3_600_000, 7_200_000), 3);
    await withWorker(bundle, realActivities(dbs), async (tq) => {
      await expect(start(tq, records[0]!.dossier)).resolves.toEqual({ started: 3, alreadyPresent: 0, inquiriesNotified: 0 });
      await expect(start(tq, records[0]!.dossier)).resolves.toEqual({ started: 0, alreadyPresent: 3, inquiriesNotified: 0 });
      for (const r of records) await temporal.client.workflow.getHandle(recordWorkflowId(r.recordId)).terminate('test done');
    });
  });

  it('recordLifecycle - before the inquiry cutoff - destroys nothing', async () => {
    const [record] = await seedRecords(dbs, policyIn(3_600_000, 7_200_000));
    await withWorker(bundle, realActivities(dbs), async (tq) => {
      await start(tq, record!.dossier);
      await eventually('awaiting-cutoff', async () => ((await phaseOf(record!.recordId)) === 'awaiting-cutoff' ? true : undefined));
    });
    expect((await personRows(dbs.caseAdmin, record!.person.personId)).persons).toBe(1);
    expect(await certificatesFor(dbs.registry, record!.recordId)).toEqual([]);
    await temporal.client.workflow.getHandle(recordWorkflowId(record!.recordId)).terminate('test done');
  });

  it('recordLifecycle - after the cutoff but before the purge start - destroys nothing', async () => {
    const [record] = await seedRecords(dbs, policyIn(-1_000, 3_600_000));
    await withWorker(bundle, realActivities(dbs), async (tq) => {
      await start(tq, record!.dossier);
      await eventually('due', async () => ((await phaseOf(record!.recordId)) === 'due' ? true : undefined));
    });
    expect(await personRows(dbs.caseAdmin, record!.person.personId)).toEqual({ persons: 1, notes: 2, note_sources: 2, person_organisations: 1 });
    expect(await certificatesFor(dbs.registry, record!.recordId)).toEqual([]);
    await temporal.client.workflow.getHandle(recordWorkflowId(record!.recordId)).terminate('test done');
  });

  it('recordLifecycle - released by a purge run after the purge start - removes the case rows and leaves one certificate, and no personal data in Temporal', async () => {
    const policy = policyIn(1_500, 3_000);
    const [record] = await seedRecords(dbs, policy);
    const handle = temporal.client.workflow.getHandle<typeof recordLifecycle>(recordWorkflowId(record!.recordId));
    const result = await withWorker(bundle, realPurgeRunActivities(dbs, tmpdir()), async (tq) => {
      await start(tq, record!.dossier);
      // Before the purge start a run releases nothing; from it on, the record is erased.
      await expect(runPurge(temporal.client, tq, { dossier: record!.dossier })).resolves.toMatchObject({ candidates: 0, released: 0 });
      await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(policy.purgeStart) - Date.now() + 300)));
      await expect(runPurge(temporal.client, tq, { dossier: record!.dossier })).resolves.toMatchObject({ candidates: 1, released: 1, erased: 1 });
      return handle.result();
    });
    expect(await personRows(dbs.caseAdmin, record!.person.personId)).toEqual({ persons: 0, notes: 0, note_sources: 0, person_organisations: 0 });
    const certificates = await certificatesFor(dbs.registry, record!.recordId);
    expect(certificates).toHaveLength(1);
    expect(certificates[0]?.certificate_id).toBe(result.certificateId);
    expect(certificates[0]?.body).toMatchObject({
      recordId: record!.recordId,
      systems: [{ system: 'case-admin', removed: { persons: 1, notes: 2 }, verification: { verified: true } }],
    });

    const description = await handle.describe();
    expect(description.typedSearchAttributes.get(searchAttributes.LifecyclePhase)).toBe('erased');
    expect(description.typedSearchAttributes.get(searchAttributes.Dossier)).toBe(record!.dossier);
    expect(description.typedSearchAttributes.get(searchAttributes.ErasedAt)).toBeInstanceOf(Date);
    const history = await historyText(handle);
    expect(history).toContain(`"recordId":"${record!.recordId}"`); // decoded payloads are searched
    expect(history).not.toContain(record!.person.fullName);
    expect(history).not.toContain(record!.person.residence);
    expect(history).not.toContain('fixture note');
  });

  it('purge wave batch - fails after doing all its work, before telling the lifecycle - is retried and still yields exactly one certificate', async () => {
    const [record] = await seedRecords(dbs, policyIn(0, 0));
    const real = realPurgeRunActivities(dbs, tmpdir());
    let calls = 0;
    // The first attempt erases, verifies and certifies, then "crashes" before telling the
    // lifecycle, as a worker would that dies between the database commit and the signal.
    const flaky = (tq: string, client: Parameters<typeof real>[1]) => {
      const activities = real(tq, client);
      return {
        ...activities,
        ...createPurgeActivities({
          registry: dbs.registry,
          client,
          taskQueue: tq,
          reportsDir: tmpdir(),
          async eraseBatch(orders) {
            calls += 1;
            const done = await activities.eraseBatch!(orders);
            if (calls === 1) throw ApplicationFailure.retryable('worker lost after certifying', 'INJECTED');
            return done;
          },
        }),
      };
    };
    const result = await withWorker(bundle, flaky, async (tq) => {
      await start(tq, record!.dossier);
      await runPurge(temporal.client, tq, { dossier: record!.dossier });
      return temporal.client.workflow.getHandle<typeof recordLifecycle>(recordWorkflowId(record!.recordId)).result();
    });
    expect(calls).toBe(2);
    const certificates = await certificatesFor(dbs.registry, record!.recordId);
    expect(certificates.map((c) => c.certificate_id)).toEqual([result.certificateId]);
    expect((await personRows(dbs.caseAdmin, record!.person.personId)).persons).toBe(0);
  });
});
