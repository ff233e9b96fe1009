import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { subjectHmac } from '../../activities/crypto';
import { recordWorkflowId, type RecordStatus } from '../../schemas/lifecycle';
import { seedPerson } from '../helpers/fixtures';
import { startTestMailServer } from '../helpers/mail';
import { TestService, storageFolders, type Run } from '../helpers/cli';
import { connectClient, eventually, openDatabases, policyIn, testKeyEnv, testServices, uniqueId, type Databases } from '../helpers/services';
import { bundleWorkflows, realActivities, realPurgeRunActivities, withWorker } from '../helpers/worker';

describe('erasure CLI - as a coordinator runs it, against the test services', () => {
  let dir: string;
  let dbs: Databases;
  let service: TestService;
  let bundle: WorkflowBundleWithSourceMap;
  const taskQueue = uniqueId('tq-cli');
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'erasure-cli-'));
    for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(dir, 'maildir', sub), { recursive: true });
    dbs = openDatabases();
    bundle = await bundleWorkflows();
    service = new TestService(taskQueue, storageFolders(dir));
    await service.start();
  });
  afterAll(async () => {
    await service?.stop();
    await dbs.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const cli = (...args: string[]): Promise<Run> => service.run(args);
  const cliAs = (as: string, ...args: string[]): Promise<Run> => service.run(args, as);
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

  it('erasure inquiry path - register, consent, identity, consult, explain - as a coordinator and a screened reviewer run it', async () => {
    const mail = await startTestMailServer();
    const policy = { ...policyIn(3_600_000, 7_200_000), objectionPeriod: '6w' };
    await cli('policy', 'add', write('p3.json', JSON.stringify(policy)));
    const person = await seedPerson(dbs.caseAdmin);
    const dossier = uniqueId('D');
    const recordId = `${dossier}-R1`;
    await cli(
      'import',
      write('inv3.csv', `record_id,dossier,subject_ref,locations\n${recordId},${dossier},${person.personId},case-admin:persons/${person.personId}\n`),
      '--policy',
      policy.version,
    );
    const email = `${uniqueId('requester')}@test.invalid`;
    const inquiry = {
      name: person.fullName,
      residence: person.residence,
      email,
      language: 'en',
      receivedAt: new Date().toISOString(),
      mailRef: `message-id:${uniqueId('inquiry')}@mail.test.invalid`,
    };
    const late = { ...inquiry, receivedAt: new Date(Date.parse(policy.inquiryCutoff) + 60_000).toISOString() };
    try {
      await withWorker(
        bundle,
        realPurgeRunActivities(dbs, dir, mail.url),
        async () => {
          await cli('start', '--dossier', dossier);
          const tooLate = await cli('inquiry', 'register', write('late.json', JSON.stringify(late)), '--policy', policy.version);
          expect(tooLate).toMatchObject({ code: 1, stderr: expect.stringContaining(`after the inquiry cutoff ${policy.inquiryCutoff}`) });
          const future = { ...inquiry, receivedAt: new Date(Date.now() + 30 * 60_000).toISOString() };
          expect((await cli('inquiry', 'register', write('future.json', JSON.stringify(future)), '--policy', policy.version)).stderr).toContain(
            'is in the future; give the moment the inquiry e-mail arrived',
          );

          const registered = await cli('inquiry', 'register', write('inq.json', JSON.stringify(inquiry)), '--policy', policy.version);
          expect(registered.stdout).toContain(`record ${recordId} (exact-match): the inquiry is registered on its lifecycle`);
          expect(registered.stdout).toContain(`Next: erasure consent ${recordId} --given|--refused`);
          expect((await cli('status', recordId)).stdout).toContain('phase: awaiting-consent');
          expect((await cliAs('rev', 'consent', recordId, '--given')).stderr).toContain(
            `\`erasure consent\` is for the role coordinator; you are signed in as ${service.account('rev').id} (screened-reviewer)`,
          );
          expect((await cliAs('cora', 'consent', recordId, '--given')).stdout).toContain(`record ${recordId}: identity-check`);
          const early = await cliAs('rev', 'consult', recordId, '--purpose', 'explanation');
          expect(early.stderr).toContain('is identity-check; a consultation needs');
          // How the identity was established, and where the evidence is kept: both asked for, by option, before anything is sent.
          const noMethod = await cliAs('cora', 'identity', recordId, '--reference', 'BALIE-2024-0117');
          expect(noMethod).toMatchObject({ code: 2, stderr: expect.stringContaining('`erasure identity` needs --method <method>') });
          expect(noMethod.stderr).toContain('in-person-document, letter-to-registered-address, electronic-identity');
          expect((await cliAs('cora', 'identity', recordId, '--method', 'in-person-document')).stderr).toContain('`erasure identity` needs --reference <id>');
          const wrong = await cliAs('cora', 'identity', recordId, '--method', 'passport', '--reference', 'a copy of the passport');
          expect(wrong).toMatchObject({ code: 1, stderr: expect.stringContaining('identity refused (2 problems); nothing was changed') });
          expect(wrong.stderr).toContain(
            '--method: "passport" is not a method; give one of in-person-document, letter-to-registered-address, electronic-identity',
          );
          expect(wrong.stderr).toContain('--reference: a reference is an id such as');
          expect((await cli('status', recordId)).stdout).toContain('phase: identity-check');
          const identified = await cliAs('cora', 'identity', recordId, '--method', 'in-person-document', '--reference', 'BALIE-2024-0117');
          expect(identified.stdout).toContain(
            `record ${recordId}: consultation — requester's identity confirmed (in-person-document, reference BALIE-2024-0117)`,
          );
          expect((await cli('status', recordId)).stdout).toMatch(/\n {2}identity confirmed: \S+ \(in-person-document, reference BALIE-2024-0117\)\n/);
          const statusJson = JSON.parse((await cli('status', recordId, '--json')).stdout) as RecordStatus;
          expect(statusJson.inquiry?.identity).toEqual({ method: 'in-person-document', reference: 'BALIE-2024-0117', confirmedAt: expect.any(String) });
          expect((await cliAs('cora', 'consult', recordId, '--purpose', 'explanation')).stderr).toContain(
            '`erasure consult` is for the role screened-reviewer',
          );

          const consulted = await cliAs('rev', 'consult', recordId, '--purpose', 'explanation to requester');
          expect(consulted.stdout).toContain(`name=${person.fullName}`);
          expect(consulted.stdout).toContain('text=first fixture note');
          const log = await cli('access-log', '--record', recordId);
          expect(log.stdout).toMatch(new RegExp(`${recordId}\\s+consult\\s+rev-[0-9a-f]{8} \\(screened-reviewer\\)\\s+explanation to requester`));

          const explained = await cliAs('rev', 'explain', recordId, '--language', 'en');
          expect(explained.stdout).toContain(`record ${recordId}: explanation-sent`);
          await mail.waitFor(email, /what was processed about you/);
          const status = await cli('status', recordId);
          expect(status.stdout).toContain('objection period until:');
          expect(status.stdout).toContain('possible actions: object, hold');
        },
        testServices().temporalAddress,
        taskQueue,
      );
    } finally {
      await mail.stop();
    }
    const temporal = await connectClient();
    await temporal.client.workflow.getHandle(recordWorkflowId(recordId)).terminate('test done');
    await temporal.close();
  });

  it('erasure purge and report - dry run, approval by a privacy officer, status and the report in three forms', async () => {
    const policy = policyIn(-2_000, -1_000);
    await cli('policy', 'add', write('p4.json', JSON.stringify(policy)));
    const dossier = uniqueId('D');
    const persons = [await seedPerson(dbs.caseAdmin), await seedPerson(dbs.caseAdmin)];
    const rows = persons.map((p, i) => `${dossier}-R${i + 1},${dossier},${p.personId},case-admin:persons/${p.personId}`);
    await cli('import', write('inv4.csv', ['record_id,dossier,subject_ref,locations', ...rows].join('\n')), '--policy', policy.version);
    await withWorker(
      bundle,
      realPurgeRunActivities(dbs, dir),
      async () => {
        await cli('start', '--dossier', dossier);
        const dry = await cli('purge', 'run', '--dry-run', '--dossier', dossier);
        expect(dry.code).toBe(0);
        expect(dry.stdout).toMatch(/Dry run purge-run-dry-\S+: 1 wave\(s\)/);
        expect(dry.stdout).toMatch(/would be released\s+2/);
        expect(dry.stdout).toMatch(new RegExp(`${dossier}\\s+case-admin\\s+2\\s+2`));
        const file = /record ids: (\S+)/.exec(dry.stdout)?.[1] ?? '';
        expect(readFileSync(file, 'utf8')).toContain(`"recordId":"${dossier}-R1"`);

        expect((await cli('purge', 'run', '--wave-size', 'many')).stderr).toContain('--wave-size: "many" is not a number');
        // Started by a privacy officer: she may not approve her own run's waves (four eyes); another may.
        const started = await cliAs('otto', 'purge', 'run', '--approval', '--dossier', dossier, '--no-wait');
        const runId = started.stdout.trim();
        expect(runId).toMatch(/^purge-run-manual-/);
        await eventually('the run waits for approval', async () => ((await cli('purge', 'status', runId)).stdout.includes('wave 1 awaits') ? true : undefined));
        const refused = await cliAs('cora', 'purge', 'approve', runId, '--wave', '1');
        expect(refused).toMatchObject({
          code: 1,
          stderr: expect.stringContaining(
            `\`erasure purge approve\` is for the role privacy-officer; you are signed in as ${service.account('cora').id} (coordinator)`,
          ),
        });
        const own = await cliAs('otto', 'purge', 'approve', runId, '--wave', '1');
        expect(own).toMatchObject({ code: 1, stderr: expect.stringContaining('approval refused') });
        expect(own.stderr).toContain(service.account('otto').id);
        console.log(`four eyes: ${own.stderr.trim()}`);
        expect((await cliAs('olga', 'purge', 'approve', runId, '--wave', '1')).stdout).toContain(
          `wave 1 of ${runId} approved by ${service.account('olga').id}`,
        );
        const report = await eventually('the run report', async () => {
          const status = await cli('purge', 'status', runId);
          return status.stdout.includes('erased and certified') ? status.stdout : undefined;
        });
        expect(report).toMatch(/erased and certified\s+2/);
        expect((await cli('purge', 'status')).stdout).toContain(runId);

        const json = JSON.parse((await cli('report', '--json')).stdout) as { totals: { erased: number }; dossiers: { dossier: string; erased: number }[] };
        expect(json.dossiers.find((d) => d.dossier === dossier)).toMatchObject({ erased: 2 });
        const html = await cli('report', '--html', join(dir, 'report.html'));
        expect(html.code).toBe(0);
        expect(readFileSync(join(dir, 'report.html'), 'utf8')).toContain('<svg');
        expect((await cli('report')).stdout).toContain(dossier);

        const verified = await cli('certificates', 'verify');
        expect(verified).toMatchObject({
          code: 0,
          stdout: expect.stringMatching(/^Ledger intact: \d+ certificate\(s\), each chained to the one before; \d+ signed \(Ed25519/),
        });
        const subject = write('subject.json', JSON.stringify({ name: persons[0]!.fullName, residence: persons[0]!.residence }));
        expect((await cliAs('rev', 'certificates', 'lookup', subject, '--purpose', 'question from the requester')).stderr).toContain(
          '`erasure certificates lookup` is for the role coordinator or privacy-officer',
        );
        const lookup = await cliAs('otto', 'certificates', 'lookup', subject, '--purpose', 'question from the requester');
        expect(lookup.stdout).toMatch(
          new RegExp(`${dossier}-R1\\s+dossier ${dossier}\\s+destroyed \\S+\\s+certificate [0-9a-f-]{36} \\(ledger entry #\\d+\\)`),
        );
        expect(lookup.stdout).not.toContain(persons[0]!.fullName);
        expect((await cli('access-log', '--record', `${dossier}-R1`)).stdout).toMatch(
          /lookup\s+otto-[0-9a-f]{8} \(privacy-officer\)\s+question from the requester/,
        );

        expect((await cli('certificates', 'export', '--record', `${dossier}-R1`, '--out', dir)).stdout).toContain('1 certificate(s) exported');
        const exported = JSON.parse(readFileSync(join(dir, `${dossier}-R1.certificate.json`), 'utf8')) as {
          certificate: Record<string, unknown>;
          checkedAtExport: Record<string, unknown>;
        };
        expect(exported.checkedAtExport).toMatchObject({ hashMatches: true, signatureValid: true });
        expect(exported.certificate).toMatchObject({
          recordId: `${dossier}-R1`,
          dossier,
          subjectHash: expect.stringMatching(/^[0-9a-f]{64}$/),
          systems: [{ system: 'case-admin', scope: { notReached: expect.arrayContaining([expect.stringContaining('until VACUUM')]) } }],
        });
        const document = readFileSync(join(dir, `${dossier}-R1.certificate.html`), 'utf8');
        expect(document).toContain('✓ verifies');
        expect(document).toContain('<th>not reached</th>');
        expect(document).toContain('<li>dead row versions in the tables&#39; files, until VACUUM reclaims them</li>');
        expect(document).not.toContain(persons[0]!.fullName);
        expect(document).not.toContain(persons[0]!.residence);
        expect((await cli('certificates', 'export', '--run', runId, '--out', dir)).stdout).toContain('2 certificate(s) exported');
      },
      testServices().temporalAddress,
      taskQueue,
    );
  });

  it('erasure backup - create, list, a person typed back in after erasure, check and check --erase - found by the suppression list and erased again', async () => {
    const created = await cli('backup', 'create');
    expect(created).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(
        /^backup backup-\d{8}T\d{9}Z: .*backups\/backup-\d{8}T\d{9}Z\.jsonl\.gz \(\d+ bytes, sha256 [0-9a-f]{64}\)\n {2}\d+ person\(s\) sealed, each under their own key/,
      ),
    });
    expect((await cli('backup', 'list')).stdout).toMatch(
      /backup-\d{8}T\d{9}Z\s+\S+\s+backup-\S+\.jsonl\.gz\s+\d+ person\(s\), \d+ still readable, \d+ crypto-shredded/,
    );

    // Someone erased earlier is typed back in under a new id (their keyed hash is on the suppression list).
    const personId = uniqueId('P-again');
    await dbs.registry.query('INSERT INTO suppressed_subjects (subject_hmac, certificate_id, suppressed_at) VALUES ($1, gen_random_uuid(), now())', [
      subjectHmac(Buffer.from(testKeyEnv.ERASURE_HMAC_KEY, 'base64'), `Back Again ${personId}`, 'Returned Town'),
    ]);
    await dbs.caseAdmin.query("INSERT INTO persons (id, full_name, residence) VALUES ($1, $2, 'RETURNED town')", [personId, `back again ${personId}`]);
    const check = await cli('backup', 'check');
    expect(check).toMatchObject({ code: 1, stdout: expect.stringContaining(`persons/${personId}  erased `) });
    expect(check.stderr).toContain('erase them with `erasure backup check --erase` (a privacy officer)');
    expect((await cliAs('cora', 'backup', 'check', '--erase')).stderr).toContain('erasing suppressed persons is for the role privacy-officer');
    expect((await cliAs('otto', 'backup', 'check', '--erase')).stdout).toContain(`erased again by ${service.account('otto').id}: `);
    expect((await dbs.caseAdmin.query('SELECT 1 FROM persons WHERE id = $1', [personId])).rowCount).toBe(0);
    expect(await cli('backup', 'check')).toMatchObject({ code: 0, stdout: 'suppression check: no erased person is in the case administration\n' });
  });

  it('erasure whoami and access-log --export - the session is the one identity; the export only for the privacy officer, logged itself', async () => {
    const who = await cliAs('rev', 'whoami', '--token');
    expect(who).toMatchObject({
      code: 0,
      stdout: expect.stringContaining(`${service.account('rev').id} (screened-reviewer), signed in by password and second factor`),
    });
    expect(who.stdout.trimEnd().split('\n').at(-1)).toMatch(/^[A-Za-z0-9_-]{40,}$/);

    const file = join(dir, `access-${uniqueId('log')}.csv`);
    expect((await cliAs('rev', 'access-log', '--export', file)).stderr).toContain('`erasure access-log` is for the role privacy-officer');
    const exported = await cliAs('otto', 'access-log', '--export', file);
    expect(exported).toMatchObject({ code: 0, stdout: expect.stringMatching(/^\d+ access\(es\) exported to .*\.csv \(the export itself is logged\)\n$/) });
    const csv = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(csv[0]).toBe('id,at,actor,record_id,inquiry_id,action,purpose');
    expect(csv.slice(1).every((line) => /^\d+,\d{4}-\d\d-\d\dT[^,]+Z,/.test(line))).toBe(true);
    expect((await cli('access-log')).stdout).toMatch(/-\s+export\s+otto-[0-9a-f]{8} \(privacy-officer\)\s+access log exported \(\d+ entries\) to access-log-/);
    expect((await cliAs('otto', 'access-log', '--export', file)).stderr).toContain('exists; an export never overwrites one made before');
  });

  it('erasure - wrong usage - prints what is wrong and the usage, exit code 2', async () => {
    const run = await cli('import', 'x.csv');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('needs --policy <version>');
    expect(run.stderr).toContain('erasure policy add <policy.json>');
    const phase = await cli('list', '--phase', 'gone');
    expect(phase.stderr).toContain('"gone" is not a phase; use one of registered, awaiting-cutoff');
    // An option the command does not take is refused before anything runs, never ignored.
    const option = await cli('status', 'R-1', '--erase');
    expect(option).toMatchObject({ code: 2, stdout: '' });
    expect(option.stderr).toContain(
      "erasure: `erasure status` does not take --erase; it takes:\n  --json  JSON instead of text\n\nerasure — the deletion coordinators' command line\n",
    );
  });
});
