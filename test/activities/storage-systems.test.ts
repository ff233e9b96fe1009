import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createActivities } from '../../activities';
import { smtpMailer } from '../../activities/mail/mailer';
import { importInventory } from '../../activities/registry/import-inventory';
import { storePolicy } from '../../activities/registry/policies';
import { adapterRegistry } from '../../activities/storage/adapter';
import { CASE_ADMIN_MAP, caseAdminAdapter } from '../../activities/storage/case-admin';
import { documentsAdapter } from '../../activities/storage/documents';
import { ImapFlow } from 'imapflow';
import { createBackup } from '../../activities/backup/create';
import { backupKeyStore } from '../../activities/backup/key-store';
import { backupsAdapter } from '../../activities/storage/backups';
import { imapMailboxAdapter, type ImapMailboxOptions } from '../../activities/storage/imap';
import { startDovecot, type DovecotServer } from '../../infra/dovecot';
import { InvalidInputError } from '../../schemas/errors';
import { certificatesFor, personRows, seedPerson } from '../helpers/fixtures';
import { openDatabases, policyIn, testKeys, uniqueId, type Databases } from '../helpers/services';

describe('documents adapter - real files on a file store', () => {
  let root: string;
  const put = (path: string, text = 'report text') => {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'documents-'));
  });

  it('erase - a report with its text extract and thumbnail - removes all three, leaves a neighbour alone, and a second erase removes nothing', async () => {
    put('reports/2023/R-17.pdf');
    put('reports/2023/R-17.pdf.txt', 'extracted text');
    put('reports/2023/R-17.pdf.thumb.png');
    put('reports/2023/R-170.pdf'); // shares a prefix, not a derived copy
    const adapter = documentsAdapter(root);
    const locators = ['reports/2023/R-17.pdf'];
    await expect(adapter.locate(locators)).resolves.toEqual({ system: 'documents', present: { files: 1, 'derived-copies': 2 } });
    expect(adapter.categories({ files: 1, 'derived-copies': 2 })).toEqual([
      { category: 'documents-reports', count: 1 },
      { category: 'document-copies-extracts', count: 2 },
    ]);
    const consulted = await adapter.consult(locators);
    expect(consulted.items.map((i) => i.fields.path).sort()).toEqual(['reports/2023/R-17.pdf', 'reports/2023/R-17.pdf.thumb.png', 'reports/2023/R-17.pdf.txt']);
    expect(consulted.items.find((i) => i.fields.path === 'reports/2023/R-17.pdf.txt')?.fields.text).toBe('extracted text');

    await expect(adapter.erase(locators)).resolves.toMatchObject({ removed: { files: 1, 'derived-copies': 2 } });
    expect(existsSync(join(root, 'reports/2023/R-17.pdf.txt'))).toBe(false);
    expect(readFileSync(join(root, 'reports/2023/R-170.pdf'), 'utf8')).toBe('report text');
    await expect(adapter.verifyErased(locators)).resolves.toMatchObject({ verified: true, remaining: { files: 0, 'derived-copies': 0 } });
    await expect(adapter.erase(locators)).resolves.toMatchObject({ removed: { files: 0, 'derived-copies': 0 } });
    await expect(adapter.findMissing(locators)).resolves.toEqual(locators);
  });

  it('checkLocator and erase - paths outside the store, directly or through a symbolic link - are refused and nothing outside is touched', async () => {
    const adapter = documentsAdapter(root);
    expect(adapter.checkLocator('/etc/passwd')).toContain('not absolute paths');
    expect(adapter.checkLocator('reports/../../etc/passwd')).toContain('may not contain ".."');
    expect(adapter.checkLocator('reports/.ssh/id')).toContain('hidden');
    expect(adapter.checkLocator('reports/2023/R-17.pdf')).toBeUndefined();

    const outside = mkdtempSync(join(tmpdir(), 'outside-'));
    writeFileSync(join(outside, 'victim.pdf'), 'not ours');
    symlinkSync(outside, join(root, 'linked'));
    await expect(adapter.erase(['linked/victim.pdf'])).rejects.toThrow('leads outside the store');
    expect(readFileSync(join(outside, 'victim.pdf'), 'utf8')).toBe('not ours');
  });
});

describe('a record in all four systems (case administration, document store, IMAP mailbox on Dovecot, backups) - erased, verified and certified in each', () => {
  let dbs: Databases;
  let root: string;
  let dovecot: DovecotServer;
  let imap: ImapMailboxOptions;
  beforeAll(async () => {
    dbs = openDatabases();
    root = mkdtempSync(join(tmpdir(), 'documents-'));
    dovecot = await startDovecot({ dir: mkdtempSync(join(tmpdir(), 'dovecot-')), user: 'inquiries', password: uniqueId('pw') });
    imap = { host: dovecot.host, port: dovecot.port, secure: false, user: dovecot.user, password: dovecot.password };
  });
  afterAll(async () => {
    await dovecot?.stop();
    await dbs.close();
  });

  const adapters = () => adapterRegistry([caseAdminAdapter(dbs.caseAdmin), documentsAdapter(root), imapMailboxAdapter(imap), backupsAdapter(dbs.registry)]);
  /** The inquiry e-mail arrives in the mailbox (IMAP APPEND, as a mail server would deliver it). */
  const deliver = async (raw: string) => {
    const client = new ImapFlow({ host: imap.host, port: imap.port, secure: false, auth: { user: imap.user, pass: imap.password }, logger: false });
    await client.connect();
    try {
      await client.append('INBOX', raw);
    } finally {
      await client.logout();
    }
  };

  it('importInventory - a documents location outside the store - refuses the whole file and imports nothing', async () => {
    const policy = policyIn(0, 0);
    await storePolicy(dbs.registry, policy);
    const person = await seedPerson(dbs.caseAdmin);
    const dossier = uniqueId('D');
    const error = await importInventory(dbs.registry, {
      sourceName: 'traversal.csv',
      sourceSha256: uniqueId('x'),
      policyVersion: policy.version,
      adapters: adapters(),
      hmacKey: testKeys.hmacKey,
      records: [
        {
          line: 2,
          record: {
            recordId: `${dossier}-R1`,
            dossier,
            subjectRef: person.personId,
            locations: [{ system: 'case-admin', locator: `persons/${person.personId}` }],
          },
        },
        { line: 3, record: { recordId: `${dossier}-R2`, dossier, subjectRef: person.personId, locations: [{ system: 'documents', locator: '/etc/passwd' }] } },
      ],
    }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toContain('not absolute paths');
    expect((await dbs.registry.query('SELECT 1 FROM records WHERE dossier = $1', [dossier])).rowCount).toBe(0);
  });

  it('eraseRecord - case rows, a report with its derived copies, the inquiry e-mail and the backup copy - are erased, verified and certified per system', async () => {
    const policy = policyIn(0, 0);
    await storePolicy(dbs.registry, policy);
    const person = await seedPerson(dbs.caseAdmin);
    const dossier = uniqueId('D');
    const recordId = `${dossier}-R1`;
    mkdirSync(join(root, 'reports'), { recursive: true });
    for (const f of [`${recordId}.pdf`, `${recordId}.pdf.txt`]) writeFileSync(join(root, 'reports', f), 'report about the person');
    const messageId = `${uniqueId('inquiry')}@mail.example.org`;
    await deliver(`Message-ID: <${messageId}>\r\nSubject: Inquiry\r\n\r\nWhich data do you hold about me?\r\n`);
    // Last night's backup: the person's rows sealed under their own key.
    const backup = await createBackup({ registry: dbs.registry, caseAdmin: dbs.caseAdmin, map: CASE_ADMIN_MAP, dir: mkdtempSync(join(tmpdir(), 'backups-')) });
    await importInventory(dbs.registry, {
      sourceName: 'spread.csv',
      sourceSha256: uniqueId('x'),
      policyVersion: policy.version,
      adapters: adapters(),
      hmacKey: testKeys.hmacKey,
      records: [
        {
          line: 2,
          record: {
            recordId,
            dossier,
            subjectRef: person.personId,
            locations: [
              { system: 'case-admin', locator: `persons/${person.personId}` },
              { system: 'documents', locator: `reports/${recordId}.pdf` },
              { system: 'mailbox', locator: `message-id:${messageId}` },
              { system: 'backups', locator: `persons/${person.personId}` },
            ],
          },
        },
      ],
    });
    const activities = createActivities({
      registry: dbs.registry,
      adapters: adapters(),
      keys: testKeys,
      mailer: smtpMailer('smtp://127.0.0.1:1', 'x@test.invalid'),
      coordinatorsEmail: 'c@test.invalid',
    });
    const result = await activities.eraseRecord({
      recordId,
      systems: ['case-admin', 'documents', 'mailbox', 'backups'],
      workflowId: `record-${recordId}`,
      runId: 'run',
      erasureStartedAt: new Date().toISOString(),
      decisionRefs: [],
    });
    expect(result.systems).toEqual([
      { system: 'case-admin', removed: { note_sources: 2, notes: 2, person_organisations: 1, persons: 1 } },
      { system: 'documents', removed: { files: 1, 'derived-copies': 1 } },
      { system: 'mailbox', removed: { messages: 1 } },
      { system: 'backups', removed: { 'backup-keys': 1 } },
    ]);
    await expect(imapMailboxAdapter(imap).locate([`message-id:${messageId}`])).resolves.toEqual({ system: 'mailbox', present: { messages: 0 } });
    // The backup file is untouched; its copy of the person is sealed under a key that no longer exists (restores: backups.test.ts).
    expect(existsSync(backup.file)).toBe(true);
    expect((await backupKeyStore(dbs.registry).get([`persons/${person.personId}`])).size).toBe(0);
    expect((await personRows(dbs.caseAdmin, person.personId)).persons).toBe(0);
    expect(existsSync(join(root, 'reports', `${recordId}.pdf.txt`))).toBe(false);
    const [certificate] = await certificatesFor(dbs.registry, recordId);
    expect(certificate?.body).toMatchObject({
      categories: [
        { system: 'case-admin', category: 'identity-residence-belief', count: 1 },
        { system: 'case-admin', category: 'notes-behaviour-statements', count: 2 },
        { system: 'case-admin', category: 'note-sources', count: 2 },
        { system: 'case-admin', category: 'organisation-links', count: 1 },
        { system: 'documents', category: 'documents-reports', count: 1 },
        { system: 'documents', category: 'document-copies-extracts', count: 1 },
        { system: 'mailbox', category: 'e-mails', count: 1 },
        { system: 'backups', category: 'backup-copies', count: 1 },
      ],
      performedBy: {
        worker: expect.stringMatching(/^\d+@/),
        activity: 'eraseRecord',
        attempt: 1,
        verification: expect.stringContaining('verifyErased in case-admin, documents, mailbox, backups'),
      },
    });
    expect(certificate?.body).toMatchObject({
      systems: [
        { system: 'case-admin', verification: { verified: true } },
        {
          system: 'documents',
          method: 'unlink-and-fsync-with-derived-copies',
          locations: [`reports/${recordId}.pdf`],
          found: { files: 1, 'derived-copies': 1 },
          verification: { verified: true },
        },
        { system: 'mailbox', method: 'imap-uid-expunge', locations: [`message-id:${messageId}`], found: { messages: 1 }, verification: { verified: true } },
        {
          system: 'backups',
          method: 'crypto-shredding-backup-key-destroyed',
          found: { 'backup-keys': 1, 'backup-copies': 1 },
          verification: { verified: true, remaining: { 'backup-keys': 0 } },
        },
      ],
    });
    // "Verified empty" beside what each method removed, what its check looked at and what it cannot reach.
    const reaching = (notReached: string): unknown => expect.arrayContaining([expect.stringContaining(notReached)]);
    expect(certificate?.body).toMatchObject({
      systems: [
        {
          system: 'case-admin',
          scope: { removed: [expect.stringContaining('persons rows deleted')], notReached: reaching('until VACUUM') },
          verification: { checked: [expect.stringContaining('counted after the transaction committed')] },
        },
        {
          system: 'documents',
          scope: { removed: [expect.stringContaining('derived copies')], notReached: reaching('snapshots') },
          verification: { checked: [expect.stringContaining('each located path')] },
        },
        {
          system: 'mailbox',
          scope: { removed: [expect.stringContaining('UID EXPUNGE')], notReached: reaching('dovecot.index.cache') },
          verification: { checked: [expect.stringContaining('SEARCH HEADER Message-ID')] },
        },
        {
          system: 'backups',
          scope: { removed: [expect.stringContaining('backup key')], notReached: reaching("destroyed key's bytes") },
          verification: { checked: [expect.stringContaining('key store')] },
        },
      ],
    });
  });
});
