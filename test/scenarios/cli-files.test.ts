import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { seedPerson } from '../helpers/fixtures';
import { TestService, type Run } from '../helpers/cli';
import { connectClient, openDatabases, policyIn, uniqueId, type Databases } from '../helpers/services';
import { bundleWorkflows, realPurgeRunActivities, withWorker } from '../helpers/worker';

/** The files coordinators bring, as Excel and editors save them, through the command line (README "Inventory files"). */
describe('erasure CLI - files as coordinators bring them, against the test services', () => {
  let dir: string;
  let dbs: Databases;
  let service: TestService;
  let bundle: WorkflowBundleWithSourceMap;
  const taskQueue = uniqueId('tq-cli-files');
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'erasure-cli-files-'));
    dbs = openDatabases();
    bundle = await bundleWorkflows();
    service = new TestService(taskQueue, { ERASURE_REPORTS_DIR: join(dir, 'reports') });
    await service.start();
  });
  afterAll(async () => {
    await service?.stop();
    await dbs.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const cli = (...args: string[]): Promise<Run> => service.run(args);
  const write = (name: string, text: string) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };

  it('erasure import - a Dutch Excel CSV (BOM, CRLF, ";", a quoted field with ";" and a line break) - is imported and the separator said', async () => {
    const policy = policyIn(3_600_000, 7_200_000);
    expect((await cli('policy', 'add', write('p-excel.json', JSON.stringify(policy)))).code).toBe(0);
    const dossier = uniqueId('D');
    const persons = [];
    for (let i = 0; i < 5; i += 1) persons.push(await seedPerson(dbs.caseAdmin));
    const [a, b, c, d, e] = persons.map((p) => p.personId);
    // Two case files in one record: the second location of each is another person's row.
    const text =
      '\uFEFFrecord_id;dossier;subject_ref;locations\r\n' +
      `${dossier}-R1;${dossier};${a};"case-admin:persons/${a};case-admin:persons/${d}"\r\n` +
      `${dossier}-R2;${dossier};${b};"case-admin:persons/${b}\r\ncase-admin:persons/${e}"\r\n` +
      `${dossier}-R3;${dossier};${c};case-admin:persons/${c}\r\n`;
    const run = await cli('import', write('excel-nl.csv', text), '--policy', policy.version);
    expect(run).toMatchObject({
      stderr: '',
      code: 0,
      stdout: expect.stringContaining('(CSV, UTF-8 with BOM, fields separated by semicolons (;) (detected from the header line)): 3 record(s) added'),
    });
    const { rows } = await dbs.registry.query<{ record_id: string; n: number }>(
      'SELECT record_id, count(l.locator)::int AS n FROM records r JOIN record_locations l USING (record_id) WHERE dossier = $1 GROUP BY record_id ORDER BY record_id',
      [dossier],
    );
    expect(rows).toEqual([
      { record_id: `${dossier}-R1`, n: 2 },
      { record_id: `${dossier}-R2`, n: 2 },
      { record_id: `${dossier}-R3`, n: 1 },
    ]);
  });

  it('erasure import - 20 000 wrong rows - shows the first 100 problems and writes every one, by line, to a file', async () => {
    const policy = policyIn(3_600_000, 7_200_000);
    expect((await cli('policy', 'add', write('p-many.json', JSON.stringify(policy)))).code).toBe(0);
    const dossier = uniqueId('D');
    const good = await seedPerson(dbs.caseAdmin);
    // Wrong in three ways, found in three stages (reading, existence, duplicates): one problem per row.
    const rows = Array.from({ length: 20_000 }, (_, k) => {
      const i = k + 1;
      if (i % 3 === 0) return `${dossier}-R${i},${dossier},Jan Jansen,case-admin:persons/${good.personId}`;
      if (i % 3 === 1) return `${dossier}-R${i},${dossier},${good.personId},case-admin:persons/${dossier}-nobody-${i}`;
      return `${dossier}-R${i - 1},${dossier},${good.personId},case-admin:persons/${good.personId}`;
    });
    // The service writes the full list into its reports folder (ERASURE_REPORTS_DIR).
    const reports = join(dir, 'reports');
    const run = await cli('import', write('many-wrong.csv', ['record_id,dossier,subject_ref,locations', ...rows].join('\n')), '--policy', policy.version);
    expect(run.code).toBe(1);
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines.filter((l) => l.startsWith('  - line'))).toHaveLength(100);
    expect(lines.length).toBeLessThan(110);
    expect(run.stderr).toContain('many-wrong.csv refused (20 000 problems); nothing was changed');
    expect(run.stderr).toContain('  - line 2, locations[0].locator: case-admin holds nothing');
    const path = new RegExp(`… and 19 900 more problems; the full list is in (${reports}/many-wrong\\.csv\\.problems-[^ ]+\\.txt)$`).exec(
      lines.at(-1) ?? '',
    )?.[1];
    expect(path).toBeDefined();
    const listed = readFileSync(path as string, 'utf8')
      .trimEnd()
      .split('\n');
    expect(listed[0]).toContain('refused (20 000 problems); nothing was changed. Every problem, by line:');
    const numbers = listed.slice(1).map((l) => Number(/^ {2}- line (\d+), /.exec(l)?.[1]));
    expect(numbers).toEqual(Array.from({ length: 20_000 }, (_, k) => k + 2));
    expect(listed.filter((l) => l.includes('is already on line'))).toHaveLength(6667);
    expect(listed.join('\n')).not.toContain('Jan Jansen');
    expect(run.stderr).not.toContain('Jan Jansen');
    expect((await dbs.registry.query('SELECT 1 FROM records WHERE dossier = $1', [dossier])).rowCount).toBe(0);
  });

  it('erasure policy add, inquiry register, certificates lookup - files saved with a BOM (Windows Notepad) - are read', async () => {
    const policy = policyIn(3_600_000, 7_200_000);
    const added = await cli('policy', 'add', write('p-bom.json', `\uFEFF${JSON.stringify(policy, null, 2)}`));
    expect(added).toMatchObject({ code: 0, stdout: expect.stringContaining(`Stored policy ${policy.version}`) });
    const name = `Ömer Yılmaz ${uniqueId('n')}`;
    const inquiry = { name, residence: 'Utrecht', email: `${uniqueId('omer')}@test.invalid`, receivedAt: new Date().toISOString() };
    // The inquiry's review answers the command: a worker runs it.
    const registered = await withWorker(
      bundle,
      realPurgeRunActivities(dbs, dir),
      () => cli('inquiry', 'register', write('inquiry-bom.json', `\uFEFF${JSON.stringify(inquiry, null, 2)}\r\n`), '--policy', policy.version),
      undefined,
      taskQueue,
    );
    expect(registered).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/Inquiry \S+ registered \(policy \S+, cutoff [^)]+\): 0 linked record\(s\), 0 candidate\(s\)/),
    });
    const lookup = await cli(
      'certificates',
      'lookup',
      write('subject-bom.json', `\uFEFF${JSON.stringify({ name, residence: 'Utrecht' })}`),
      '--purpose',
      'question from the requester',
    );
    expect(lookup).toMatchObject({ code: 0, stdout: expect.stringContaining('No record matches this name') });
    const inquiryId = /Inquiry (\S+) registered/.exec(registered.stdout)?.[1] ?? '';
    const temporal = await connectClient();
    await temporal.client.workflow.getHandle(`inquiry-${inquiryId}`).terminate('test done');
    await temporal.close();
  });

  it('erasure inquiry register - a Latin-1 file or a JSON error - is refused with line and column and the fix, nothing stored, no name on the screen', async () => {
    const policy = policyIn(3_600_000, 7_200_000);
    await cli('policy', 'add', write('p-latin1.json', JSON.stringify(policy)));
    const email = `${uniqueId('omer')}@test.invalid`;
    const inquiries = async () => Number((await dbs.registry.query<{ n: string }>('SELECT count(*) AS n FROM inquiries')).rows[0]?.n);
    const before = await inquiries();
    const latin1 = Buffer.from(
      `{"name": "\xD6mer Yilmaz", "residence": "Utrecht", "email": "${email}", "receivedAt": "${new Date().toISOString()}"}`,
      'latin1',
    );
    const file = join(dir, 'inquiry-latin1.json');
    writeFileSync(file, latin1);
    const run = await cli('inquiry', 'register', file, '--policy', policy.version);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('line 1, column 11, (encoding): is not valid UTF-8 here: the bytes look like Latin-1 or Windows-1252');
    expect(run.stderr).toContain('save the file as UTF-8');
    const broken = await cli(
      'inquiry',
      'register',
      write('inquiry-comma.json', `{\n  "name": "Omer Yilmaz",\n  "email": "${email}"\n  "residence": "Utrecht"\n}`),
      '--policy',
      policy.version,
    );
    expect(broken.stderr).toContain('line 4, column 3, (json): not valid JSON: a comma (or a closing bracket) is missing before this');
    const empty = await cli('inquiry', 'register', write('inquiry-empty.json', ''), '--policy', policy.version);
    expect(empty.stderr).toContain('line 1, (json): the file is empty');
    for (const output of [run.stderr, broken.stderr, empty.stderr]) {
      for (const personal of ['mer Yilmaz', 'Utrecht', email]) expect(output).not.toContain(personal);
    }
    expect(await inquiries()).toBe(before);
  });
});
