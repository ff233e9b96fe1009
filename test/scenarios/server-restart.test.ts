import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { resolveTemporalCli } from '../../infra/temporal-cli';
import { TemporalDevServer } from '../../infra/temporal-dev-server';
import { startLifecycles } from '../../cli/start-lifecycles';
import { recordWorkflowId } from '../../schemas/lifecycle';
import { statusQuery, type recordLifecycle } from '../../workflows';
import { freePort } from '../global-setup';
import { certificatesFor, personRows, seedRecords } from '../helpers/fixtures';
import { connectClient, eventually, openDatabases, policyIn, uniqueId, type Databases, testActionKeys } from '../helpers/services';
import { bundleWorkflows, realActivities, realPurgeRunActivities, withWorker } from '../helpers/worker';
import { runPurge } from '../helpers/purge';

describe('durability - a dev server of its own, stopped and started on the same SQLite file', () => {
  let bundle: WorkflowBundleWithSourceMap;
  let dbs: Databases;
  let dir: string;
  beforeAll(async () => {
    bundle = await bundleWorkflows();
    dbs = openDatabases();
    dir = mkdtempSync(join(tmpdir(), 'erasure-restart-'));
  });
  afterAll(async () => {
    await dbs.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('recordLifecycle - dev server restarted while a timer is pending - the timers fire and the next purge run erases the record', async () => {
    const cli = await resolveTemporalCli(process.env, () => undefined);
    const port = await freePort();
    const options = { cliPath: cli.path, dbFile: join(dir, 'temporal.db'), logFile: join(dir, 'server.log'), port, uiPort: 0, headless: true };
    const address = `127.0.0.1:${port}`;
    const policy = policyIn(4_000, 6_000);
    const [record] = await seedRecords(dbs, policy);
    const workflowId = recordWorkflowId(record!.recordId);
    // Both workers poll the same task queue: the workflow's tasks are bound to it.
    const taskQueue = uniqueId('tq-restart');

    let server = await TemporalDevServer.start(options);
    try {
      let temporal = await connectClient(address);
      await withWorker(
        bundle,
        realActivities(dbs),
        async () => {
          await startLifecycles({ client: temporal.client, registry: dbs.registry, taskQueue, actionKeys: testActionKeys, dossier: record!.dossier });
          await eventually('awaiting-cutoff', async () =>
            (await temporal.client.workflow.getHandle(workflowId).query(statusQuery)).phase === 'awaiting-cutoff' ? true : undefined,
          );
        },
        address,
        taskQueue,
      );
      await temporal.close();
      await server.stop();

      // While the server is down both timers come due; nothing may have happened yet.
      await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(policy.purgeStart) - Date.now() + 500)));
      expect((await personRows(dbs.caseAdmin, record!.person.personId)).persons).toBe(1);

      server = await TemporalDevServer.start(options);
      temporal = await connectClient(address);
      const result = await withWorker(
        bundle,
        realPurgeRunActivities(dbs, dir),
        async () => {
          const handle = temporal.client.workflow.getHandle<typeof recordLifecycle>(workflowId);
          await eventually('due', async () => ((await handle.query(statusQuery)).phase === 'due' ? true : undefined));
          await runPurge(temporal.client, taskQueue, { dossier: record!.dossier });
          return handle.result();
        },
        address,
        taskQueue,
      );
      await temporal.close();
      expect(result.recordId).toBe(record!.recordId);
      expect((await personRows(dbs.caseAdmin, record!.person.personId)).persons).toBe(0);
      expect(await certificatesFor(dbs.registry, record!.recordId)).toHaveLength(1);
    } finally {
      await server.stop();
    }
  });
});
