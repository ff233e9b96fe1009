import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { TestService, storageFolders, type Run } from '../helpers/cli';
import { seedPerson } from '../helpers/fixtures';
import { startTestMailServer, type TestMailServer } from '../helpers/mail';
import { openDatabases, policyIn, uniqueId, type Databases } from '../helpers/services';
import { bundleWorkflows, realPurgeRunActivities, withWorker } from '../helpers/worker';

describe('erasure inquiry review - candidates and "no match" as a coordinator and a screened reviewer run them', () => {
  let dir: string;
  let dbs: Databases;
  let service: TestService;
  let bundle: WorkflowBundleWithSourceMap;
  let mail: TestMailServer;
  const taskQueue = uniqueId('tq-cli-review');
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'erasure-cli-review-'));
    for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(dir, 'maildir', sub), { recursive: true });
    dbs = openDatabases();
    bundle = await bundleWorkflows();
    mail = await startTestMailServer();
    service = new TestService(taskQueue, { ...storageFolders(dir), SMTP_URL: mail.url });
    await service.start();
  });
  afterAll(async () => {
    await service?.stop();
    await mail.stop();
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
  const inquiryIdIn = (text: string) => /Inquiry ([0-9a-f-]{36}) registered/.exec(text)?.[1] ?? '';

  it('erasure inquiry register|review|confirm|no-match|status - a candidate confirmed after a logged review; no "no data found" before a reviewer checked', async () => {
    const policy = policyIn(3_600_000, 7_200_000);
    await cli('policy', 'add', write('policy.json', JSON.stringify(policy)));
    const town = `Rotterdam ${uniqueId('t')}`;
    const person = await seedPerson(dbs.caseAdmin, uniqueId('P'), { fullName: 'Muhammad Amrani', residence: town });
    const dossier = uniqueId('D');
    const recordId = `${dossier}-R1`;
    await cli(
      'import',
      write('inventory.csv', `record_id,dossier,subject_ref,locations\n${recordId},${dossier},${person.personId},case-admin:persons/${person.personId}\n`),
      '--policy',
      policy.version,
    );
    const inquiry = (name: string, residence: string) => ({
      name,
      residence,
      email: `${uniqueId('r')}@test.invalid`,
      language: 'nl',
      receivedAt: new Date().toISOString(),
    });
    await withWorker(
      bundle,
      realPurgeRunActivities(dbs, dir, mail.url),
      async () => {
        await cli('start', '--dossier', dossier);
        const registered = await cli(
          'inquiry',
          'register',
          write('candidate.json', JSON.stringify(inquiry('Mohammed Amrani', town))),
          '--policy',
          policy.version,
        );
        expect(registered.stdout).toContain('0 linked record(s), 1 candidate(s)');
        expect(registered.stdout).toContain(`candidate ${recordId} (sounds-alike): awaiting a screened reviewer`);
        expect(registered.stdout).toContain('No record matches exactly. The requester is not answered until a screened reviewer has checked the candidates');
        const inquiryId = inquiryIdIn(registered.stdout);
        // The coordinator's terminal shows ids and reasons, never the name.
        expect(registered.stdout + registered.stderr).not.toContain('Amrani');

        expect((await cliAs('cora', 'inquiry', 'confirm', inquiryId, '--record', recordId)).stderr).toContain(
          `\`erasure inquiry confirm\` is for the role screened-reviewer; you are signed in as ${service.account('cora').id} (coordinator)`,
        );
        expect((await cliAs('rev', 'inquiry', 'confirm', inquiryId, '--record', recordId)).stderr).toContain(
          `${service.account('rev').id} has not reviewed inquiry ${inquiryId}`,
        );
        const review = await cliAs('rev', 'inquiry', 'review', inquiryId, '--purpose', 'matching the inquiry');
        expect(review.stdout).toContain('The requester gave: name "Mohammed Amrani"');
        expect(review.stdout).toContain(`candidate ${recordId}`);
        expect(review.stdout).toContain(`case-admin persons/${person.personId}: name "Muhammad Amrani", residence "${town}"`);
        const confirmed = await cliAs('rev', 'inquiry', 'confirm', inquiryId, '--record', recordId);
        expect(confirmed.stdout).toContain(`record ${recordId} (confirmed-candidate): the inquiry is registered on its lifecycle`);
        expect((await cli('status', recordId)).stdout).toContain('phase: awaiting-consent');
        expect((await cli('inquiry', 'status', inquiryId)).stdout).toMatch(
          new RegExp(`rev-[0-9a-f]{8} \\(screened-reviewer\\)\\s+candidate ${recordId} confirmed`),
        );
        expect((await cli('access-log', '--record', recordId)).stdout).toMatch(/candidate-confirmed/);

        const nobody = await cli(
          'inquiry',
          'register',
          write('nobody.json', JSON.stringify(inquiry('Niet Bestaand', `Nergensdorp ${uniqueId('t')}`))),
          '--policy',
          policy.version,
        );
        const nobodyId = inquiryIdIn(nobody.stdout);
        expect(nobody.stdout).toContain('0 linked record(s), 0 candidate(s)');
        expect(nobody.stdout).toContain('The requester is not answered until a screened reviewer has checked:');
        expect((await cliAs('rev', 'inquiry', 'no-match', nobodyId)).stderr).toContain(`${service.account('rev').id} has not reviewed inquiry ${nobodyId}`);
        expect((await cliAs('rev', 'inquiry', 'review', nobodyId, '--purpose', 'matching the inquiry')).stdout).toContain('No candidates');
        const answered = await cliAs('rev', 'inquiry', 'no-match', nobodyId);
        expect(answered.stdout).toContain('answered: no-data letter');
        expect((await cliAs('rev', 'inquiry', 'no-match', nobodyId)).stderr).toContain(
          `no match was confirmed by ${service.account('rev').id} (screened-reviewer)`,
        );
        expect((await cli('inquiry', 'status', 'not-an-id')).stderr).toContain('"not-an-id" is not an inquiry id');
      },
      undefined,
      taskQueue,
    );
  });
});
