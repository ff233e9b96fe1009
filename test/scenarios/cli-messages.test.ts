import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { recordWorkflowId } from '../../schemas/lifecycle';
import { seedPerson } from '../helpers/fixtures';
import { TestService, type Run } from '../helpers/cli';
import { connectClient, openDatabases, testServices, uniqueId, type Databases } from '../helpers/services';
import { bundleWorkflows, realActivities, withWorker } from '../helpers/worker';

/** Words of a refusal that a command which changes nothing must not use. */
const REFUSAL = /refused|nothing was changed/;

describe('erasure CLI - policies in a time zone, and what read-only commands say when they cannot answer', () => {
  let dir: string;
  let dbs: Databases;
  let service: TestService;
  let bundle: WorkflowBundleWithSourceMap;
  const taskQueue = uniqueId('tq-cli-messages');
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'erasure-cli-messages-'));
    dbs = openDatabases();
    bundle = await bundleWorkflows();
    service = new TestService(taskQueue);
    await service.start();
  });
  afterAll(async () => {
    await service?.stop();
    await dbs.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const cli = (...args: string[]): Promise<Run> => service.run(args);
  const write = (name: string, content: unknown) => {
    const file = join(dir, name);
    writeFileSync(file, JSON.stringify(content));
    return file;
  };
  const example = JSON.parse(readFileSync(join(__dirname, '..', '..', 'examples', 'policy-source-case-2024.json'), 'utf8')) as Record<string, unknown>;

  it("erasure policy add - the source case in Europe/Amsterdam - is stored with the zone's offset and shown back in the zone", async () => {
    const version = uniqueId('source-case');
    const added = await cli('policy', 'add', write('source-case.json', { ...example, version }));
    expect(added).toMatchObject({ code: 0, stderr: '' });
    expect(added.stdout).toBe(
      `Stored policy ${version}: inquiry cutoff 2024-03-31 23:59:59.999 +02:00 Europe/Amsterdam, purge start 2024-04-01 00:00:00 +02:00 Europe/Amsterdam, objection period 6w\n`,
    );
    const { rows } = await dbs.registry.query<{ body: Record<string, unknown> }>('SELECT body FROM policies WHERE version = $1', [version]);
    expect(rows[0]?.body).toMatchObject({
      timeZone: 'Europe/Amsterdam',
      inquiryCutoff: '2024-03-31T23:59:59.999+02:00',
      purgeStart: '2024-04-01T00:00:00+02:00',
    });
    // The same deadlines written with their (right) offsets are the same policy.
    const again = await cli(
      'policy',
      'add',
      write('source-case-offsets.json', { ...example, version, inquiryCutoff: '2024-03-31T23:59:59.999+02:00', purgeStart: '2024-04-01T00:00:00+02:00' }),
    );
    expect(again.stdout).toContain(`Policy ${version} is already stored with the same content; nothing changed`);
  });

  it('erasure policy add - the wrong offset for the zone - is refused naming the right one and why, and nothing is stored', async () => {
    const version = uniqueId('wrong-offset');
    const run = await cli('policy', 'add', write('wrong-offset.json', { ...example, version, inquiryCutoff: '2024-03-31T23:59:59+01:00' }));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('refused (1 problem); nothing was changed:');
    expect(run.stderr).toContain(
      '  - inquiryCutoff: the offset +01:00 does not match Europe/Amsterdam, which is at +02:00 on 31 March 2024 at 23:59:59 (CEST began on 31 March 2024 at 02:00, from +01:00 to +02:00); write "2024-03-31T23:59:59+02:00", or leave the offset out',
    );
    expect((await dbs.registry.query('SELECT 1 FROM policies WHERE version = $1', [version])).rowCount).toBe(0);
  });

  it('erasure status - a record never imported, or not started - says which, and no word of a refusal', async () => {
    const missing = uniqueId('R-NOPE');
    const nope = await cli('status', missing);
    expect(nope.code).toBe(1);
    expect(nope.stderr).toBe(
      `erasure status: no record ${missing}: it was never imported (\`erasure import <inventory> --policy <version>\`); \`erasure list\` shows the records that have a lifecycle\n`,
    );

    const policy = { version: uniqueId('winter'), timeZone: 'Europe/Amsterdam', inquiryCutoff: '2099-01-15T12:00:00', purgeStart: '2099-01-16T00:00:00' };
    expect((await cli('policy', 'add', write('winter.json', policy))).code).toBe(0);
    const dossier = uniqueId('D');
    const person = await seedPerson(dbs.caseAdmin);
    const recordId = `${dossier}-R1`;
    const inventory = join(dir, 'inventory.csv');
    writeFileSync(inventory, `record_id,dossier,subject_ref,locations\n${recordId},${dossier},${person.personId},case-admin:persons/${person.personId}\n`);
    expect((await cli('import', inventory, '--policy', policy.version)).code).toBe(0);
    const notStarted = await cli('status', recordId);
    expect(notStarted).toMatchObject({
      code: 1,
      stderr: `erasure status: record ${recordId} is imported, but its lifecycle was not started: run \`erasure start\`\n`,
    });

    await withWorker(
      bundle,
      realActivities(dbs),
      async () => {
        expect((await cli('start', '--dossier', dossier)).code).toBe(0);
        const status = await cli('status', recordId);
        expect(status.stdout).toContain('inquiry cutoff: 2099-01-15 12:00:00 +01:00 Europe/Amsterdam\n');
        expect(status.stdout).toContain('purge start:    2099-01-16 00:00:00 +01:00 Europe/Amsterdam\n');
        // History instants are in the policy's zone too (the workflow records them in UTC).
        expect(status.stdout).toMatch(/\n {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{3})? \+0[12]:00 {2}awaiting-cutoff /);
        const json = JSON.parse((await cli('status', recordId, '--json')).stdout) as { policyTimeZone?: string; deadlines: { inquiryCutoff: string } };
        expect(json).toMatchObject({ policyTimeZone: 'Europe/Amsterdam', deadlines: { inquiryCutoff: '2099-01-15T12:00:00+01:00' } });
        const report = await cli('report');
        expect(report.stdout).toContain(
          `  ${policy.version}  (1 record(s), objection period 6w)\n    inquiry cutoff  2099-01-15 12:00:00 +01:00 Europe/Amsterdam\n`,
        );
      },
      testServices().temporalAddress,
      taskQueue,
    );
    const temporal = await connectClient();
    await temporal.client.workflow.getHandle(recordWorkflowId(recordId)).terminate('test done');
    await temporal.close();
  });

  it('read-only commands - what is asked for does not exist, or an argument is unusable - say what is wrong, never "refused"', async () => {
    const cases: [string[], string][] = [
      [['list', '--phase', 'gone'], 'erasure list: --phase: "gone" is not a phase; use one of registered, awaiting-cutoff'],
      [['status', 'not an id'], 'erasure status: recordId: "not an id" is not a record id'],
      [['purge', 'status', 'purge-run-nope'], 'erasure purge status: no purge run purge-run-nope, finished or running; `erasure purge status` lists the runs'],
      [
        ['certificates', 'export', '--record', 'R-NOPE', '--out', dir],
        'erasure certificates export: record R-NOPE has no certificate: it is not erased yet, or no record has that id',
      ],
      [['certificates', 'export', '--run', 'purge-run-nope', '--out', dir], 'erasure certificates export: no purge run purge-run-nope'],
      [['certificates', 'export', '--record', 'R-1', '--out', join(dir, 'nowhere')], 'erasure certificates export: --out: '],
      [['certificates', 'verify', '--public-key', join(dir, 'none.pem')], 'erasure certificates verify: --public-key: '],
      [['report', '--html', join(dir, 'no', 'such', 'r.html')], 'erasure report: --html: the folder '],
      [['backup', 'check', '--into', 'mysql://x'], 'erasure backup check: --into: give a PostgreSQL URL'],
    ];
    for (const [args, message] of cases) {
      const run = await cli(...args);
      expect({ args, code: run.code, stderr: run.stderr }).toMatchObject({ code: 1, stderr: expect.stringContaining(message) });
      expect({ args, stderr: run.stderr }).toEqual({ args, stderr: expect.not.stringMatching(REFUSAL) });
    }
  });
});
