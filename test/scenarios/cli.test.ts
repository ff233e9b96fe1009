import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { recordWorkflowId } from '../../schemas/lifecycle';
import { seedPerson } from '../helpers/fixtures';
import { connectClient, eventually, openDatabases, policyIn, testKeyEnv, testServices, uniqueId, type Databases } from '../helpers/services';
import { bundleWorkflows, realActivities, withWorker } from '../helpers/worker';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('erasure CLI - as a coordinator runs it, against the test services', () => {
  let dir: string;
  let dbs: Databases;
  let bundle: WorkflowBundleWithSourceMap;
  const taskQueue = uniqueId('tq-cli');
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'erasure-cli-'));
    dbs = openDatabases();
    bundle = await bundleWorkflows();
  });
  afterAll(async () => {
    await dbs.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const cli = (...args: string[]): Promise<Run> => {
    const services = testServices();
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      TEMPORAL_ADDRESS: services.temporalAddress,
      DATABASE_URL: services.databases.registry,
      CASE_DATABASE_URL: services.databases.caseAdmin,
      TEMPORAL_TASK_QUEUE: taskQueue,
      ...testKeyEnv,
    };
    return new Promise((resolve) => {
      execFile(process.execPath, [join(__dirname, '..', '..', 'dist', 'cli', 'main.js'), ...args], { env }, (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
      });
    });
  };
  const write = (name: string, text: string) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };

  it('erasure - policy, import, start, status and list - work end to end and are idempotent', async () => {
    const policy = policyIn(3_600_000, 7_200_000);
    const policyFile = write('policy.json', JSON.stringify(policy));
    expect((await cli('policy', 'add', policyFile)).stdout).toContain(`Stored policy ${policy.version}`);
    expect((await cli('policy', 'add', policyFile)).stdout).toContain('already stored with the same content');

    const dossier = uniqueId('D');
    const persons = [await seedPerson(dbs.caseAdmin), await seedPerson(dbs.caseAdmin)];
    const lines = persons.map((p, i) => `${dossier}-R${i + 1},${dossier},${p.personId},case-admin:persons/${p.personId}`);
    const inventory = write('inventory.csv', ['record_id,dossier,subject_ref,locations', ...lines].join('\n'));
    const first = await cli('import', inventory, '--policy', policy.version);
    expect(first).toMatchObject({ code: 0, stdout: expect.stringContaining('2 record(s) added, 0 already present') });
    const second = await cli('import', inventory, '--policy', policy.version);
    expect(second.stdout).toContain('0 record(s) added, 2 already present and unchanged; nothing was changed');

    await withWorker(
      bundle,
      realActivities(dbs),
      async () => {
        expect((await cli('start', '--dossier', dossier)).stdout).toContain('Lifecycles: 2 started, 0 already present');
        expect((await cli('start', '--dossier', dossier)).stdout).toContain('Lifecycles: 0 started, 2 already present');
        const status = await cli('status', `${dossier}-R1`);
        expect(status.stdout).toContain('phase: awaiting-cutoff');
        expect(status.stdout).toContain(`inquiry cutoff: ${policy.inquiryCutoff}`);
        const listed = await eventually('both records listed', async () => {
          const run = await cli('list', '--dossier', dossier, '--phase', 'awaiting-cutoff');
          return run.stdout.includes('2 record(s)') ? run : undefined;
        });
        expect(listed.stdout).toContain(`${dossier}-R2`);
      },
      testServices().temporalAddress,
      taskQueue,
    );
    const temporal = await connectClient();
    for (const n of [1, 2]) await temporal.client.workflow.getHandle(recordWorkflowId(`${dossier}-R${n}`)).terminate('test done');
    await temporal.close();
  });

  it('erasure import - bad rows - refuses the whole file with line numbers and imports nothing', async () => {
    const policy = policyIn(3_600_000, 7_200_000);
    expect((await cli('policy', 'add', write('p2.json', JSON.stringify(policy)))).code).toBe(0);
    const dossier = uniqueId('D');
    const good = await seedPerson(dbs.caseAdmin);
    const file = write(
      'bad.csv',
      [
        'record_id,dossier,subject_ref,locations',
        `${dossier}-R1,${dossier},${good.personId},case-admin:persons/${good.personId}`,
        `${dossier}-R2,${dossier},Jan Jansen,case-admin:persons/P-2`,
        `${dossier}-R3,${dossier},P-3,mailbox`,
        `${dossier}-R4,${dossier},P-4,case-admin:persons/${dossier}-nobody`,
      ].join('\n'),
    );
    const run = await cli('import', file, '--policy', policy.version);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('refused (3 problems); nothing was changed');
    expect(run.stderr).toMatch(/line 3, subjectRef: .*never a name/);
    expect(run.stderr).toMatch(/line 4, locations\[0\]\.system/);
    expect(run.stderr).toMatch(/line 5, locations\[0\]\.locator: case-admin holds nothing/);
    const { rows } = await dbs.registry.query('SELECT 1 FROM records WHERE dossier = $1', [dossier]);
    expect(rows).toEqual([]);
  });

  it('erasure - wrong usage - prints what is wrong and the usage, exit code 2', async () => {
    const run = await cli('import', 'x.csv');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('needs --policy <version>');
    expect(run.stderr).toContain('erasure policy add <policy.json>');
    const phase = await cli('list', '--phase', 'gone');
    expect(phase.stderr).toContain('"gone" is not a phase; use one of registered, awaiting-cutoff');
  });
});
