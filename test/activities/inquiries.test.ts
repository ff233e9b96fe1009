import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { decrypt, encrypt, subjectHmac } from '../../activities/crypto';
import { foldText } from '../../activities/matching/fold';
import { appendAccessLog, inquiryContact, storeInquiry } from '../../activities/registry/inquiries';
import { certificatesFor, personRows, seedPerson, seedRecords } from '../helpers/fixtures';
import { startTestMailServer, type TestMailServer } from '../helpers/mail';
import { openDatabases, policyIn, testKeys, uniqueId, type Databases } from '../helpers/services';
import { realActivities } from '../helpers/worker';

describe('inquiries - registry, crypto and mail activities against PostgreSQL and SMTP', () => {
  let dbs: Databases;
  let mail: TestMailServer;
  beforeAll(async () => {
    dbs = openDatabases();
    mail = await startTestMailServer();
  });
  afterAll(async () => {
    await mail.stop();
    await dbs.close();
  });

  const newInquiry = (policyVersion: string, name: string, residence: string, email: string) => ({
    inquiryId: randomUUID(),
    receivedAt: new Date().toISOString(),
    policyVersion,
    language: 'en' as const,
    name,
    residence,
    email,
    registeredBy: { user: 'cora', role: 'coordinator' as const },
  });

  it('matches on the normalised name and residence, and keeps only the e-mail address, encrypted', async () => {
    expect(foldText('  Jän   de Vriës-Smit ')).toBe('jan de vries smit');
    const policy = policyIn(60_000, 60_000);
    const [record] = await seedRecords(dbs, policy);
    const inquiry = newInquiry(policy.version, record!.person.fullName.toLowerCase(), record!.person.residence.toUpperCase(), 'someone@test.invalid');
    await expect(storeInquiry(dbs.registry, testKeys, inquiry)).resolves.toEqual({ matchedRecordIds: [record!.recordId], candidates: [], new: true });
    await expect(storeInquiry(dbs.registry, testKeys, inquiry)).resolves.toEqual({ matchedRecordIds: [record!.recordId], candidates: [], new: false });
    const { rows } = await dbs.registry.query<{ subject_hmac: string }>('SELECT * FROM inquiries WHERE inquiry_id = $1', [inquiry.inquiryId]);
    const stored = JSON.stringify(rows[0]);
    expect(stored).not.toContain('someone@test.invalid');
    expect(stored).not.toContain(record!.person.fullName);
    expect(rows[0]?.subject_hmac).toBe(subjectHmac(testKeys.hmacKey, record!.person.fullName, record!.person.residence));
    await expect(inquiryContact(dbs.registry, testKeys, inquiry.inquiryId)).resolves.toEqual({ email: 'someone@test.invalid', language: 'en' });
  });

  it('storeInquiry - names as the people concerned write them - links exact matches, makes candidates of variants, never links initials, and stores keyed hashes only', async () => {
    const policy = policyIn(60_000, 60_000);
    const town = `Den Haag ${uniqueId('t')}`;
    const [omer, fatima, farid, mohammed] = await seedRecords(dbs, policy, 4, [
      { fullName: 'Ömer Yılmaz', residence: town },
      { fullName: 'Fatima el Idrissi', residence: town },
      { fullName: 'Farid el Idrissi', residence: town },
      { fullName: 'Muhammad Amrani', residence: town },
    ]);
    const store = (name: string) => storeInquiry(dbs.registry, testKeys, newInquiry(policy.version, name, town, `${uniqueId('r')}@test.invalid`));
    // The dotless ı has no decomposition: folded by transliteration, the exact key matches.
    await expect(store('Omer Yilmaz')).resolves.toMatchObject({ matchedRecordIds: [omer!.recordId], candidates: [] });
    // Initials alone never link: both F. el Idrissis become candidates.
    const initials = await store('F. El Idrissi');
    expect(initials.matchedRecordIds).toEqual([]);
    expect(initials.candidates.map((c) => c.recordId).sort()).toEqual([fatima!.recordId, farid!.recordId].sort());
    expect(initials.candidates[0]?.reasons).toContain('initial-and-surname');
    await expect(store('Mohammed Amrani')).resolves.toMatchObject({
      matchedRecordIds: [],
      candidates: [{ recordId: mohammed!.recordId, reasons: ['sounds-alike'] }],
    });
    await expect(store('Karim el Idrissi')).resolves.toMatchObject({ matchedRecordIds: [], candidates: [] });

    const { rows } = await dbs.registry.query<{ row: string }>(
      `SELECT row_to_json(i)::text AS row FROM inquiries i WHERE policy_version = $1
       UNION ALL SELECT row_to_json(k)::text FROM inquiry_keys k JOIN inquiries USING (inquiry_id) WHERE policy_version = $1
       UNION ALL SELECT row_to_json(s)::text FROM subject_keys s JOIN records USING (record_id) WHERE policy_version = $1`,
      [policy.version],
    );
    expect(rows.length).toBeGreaterThan(20);
    const stored = rows
      .map((r) => r.row)
      .join('\n')
      .toLowerCase();
    for (const needle of ['yilmaz', 'yılmaz', 'idrissi', 'amrani', 'mohammed', 'den haag']) expect(stored).not.toContain(needle);
  });

  it('importInventory - a record imported after an inquiry, before the cutoff - is linked to it (exact) or made its candidate (variant)', async () => {
    const policy = policyIn(60_000, 60_000);
    const town = `Utrecht ${uniqueId('t')}`;
    await seedRecords(dbs, policy, 1);
    const exact = newInquiry(policy.version, 'Youssef Bakkali', town, 'y@test.invalid');
    const variant = newInquiry(policy.version, 'Yusuf Bakali', town, 'y2@test.invalid');
    await expect(storeInquiry(dbs.registry, testKeys, exact)).resolves.toMatchObject({ matchedRecordIds: [], candidates: [] });
    await storeInquiry(dbs.registry, testKeys, variant);
    const [later] = await seedRecords(dbs, policy, 1, [{ fullName: 'Youssef Bakkali', residence: town }]);
    const links = await dbs.registry.query<{ inquiry_id: string; linked_by: string }>(
      'SELECT inquiry_id, linked_by FROM inquiry_records WHERE record_id = $1',
      [later!.recordId],
    );
    expect(links.rows).toEqual([{ inquiry_id: exact.inquiryId, linked_by: 'exact-match' }]);
    const candidates = await dbs.registry.query<{ inquiry_id: string; reasons: string[] }>(
      'SELECT inquiry_id, reasons FROM inquiry_candidates WHERE record_id = $1',
      [later!.recordId],
    );
    expect(candidates.rows).toEqual([{ inquiry_id: variant.inquiryId, reasons: ['sounds-alike'] }]);
  });

  it('binds the sealed contact data to its inquiry: moved to another row it does not open', () => {
    const sealed = encrypt(testKeys.contactKey, '{"email":"a@b.invalid"}', 'inquiry-1');
    expect(decrypt(testKeys.contactKey, sealed, 'inquiry-1')).toBe('{"email":"a@b.invalid"}');
    expect(() => decrypt(testKeys.contactKey, sealed, 'inquiry-2')).toThrow();
  });

  it('eraseRecord - two records of one requester erased at once - one confirmation, the inquiry destroyed once', async () => {
    const policy = policyIn(60_000, 60_000);
    const [first, second] = await seedRecords(dbs, policy, 2);
    // The same person twice in the case administration (a duplicate entry): one inquiry matches both.
    await dbs.caseAdmin.query('UPDATE persons SET full_name = $1, residence = $2 WHERE id = $3', [
      first!.person.fullName,
      first!.person.residence,
      second!.person.personId,
    ]);
    await dbs.registry.query('UPDATE records SET subject_hmac = (SELECT subject_hmac FROM records WHERE record_id = $1) WHERE record_id = $2', [
      first!.recordId,
      second!.recordId,
    ]);
    const email = `${uniqueId('twice')}@test.invalid`;
    const inquiry = newInquiry(policy.version, first!.person.fullName, first!.person.residence, email);
    expect((await storeInquiry(dbs.registry, testKeys, inquiry)).matchedRecordIds).toHaveLength(2);

    const activities = realActivities(dbs, mail.url);
    const erase = (recordId: string) =>
      activities.eraseRecord({
        recordId,
        systems: ['case-admin'],
        workflowId: `record-${recordId}`,
        runId: 'run',
        erasureStartedAt: new Date().toISOString(),
        inquiryId: inquiry.inquiryId,
        decisionRefs: [],
      });
    const records = [first!, second!];
    const results = await Promise.all(records.map((r) => erase(r.recordId)));
    expect(results.map((r) => r.inquiryClosed)).toEqual([true, true]);
    for (const r of records)
      expect(await personRows(dbs.caseAdmin, r.person.personId)).toEqual({ persons: 0, notes: 0, note_sources: 0, person_organisations: 0 });
    // Each certificate states what its erasure destroyed of the inquiry: the one that came second, the inquiry itself.
    const destroyedPerCertificate = async () =>
      Promise.all(
        records.map(async (r) => (await certificatesFor(dbs.registry, r.recordId)).map((c) => (c.body.inquiry as { destroyed: string[] }).destroyed)),
      );
    const accounts = await destroyedPerCertificate();
    expect(accounts.map((a) => a[0]).sort()).toEqual([['inquiry-link'], ['inquiry-link', 'inquiry', 'requester-contact-data']]);
    await mail.waitFor(email, /has been destroyed/);
    expect((await dbs.registry.query('SELECT 1 FROM inquiries WHERE inquiry_id = $1', [inquiry.inquiryId])).rowCount).toBe(0);

    // A retry (the activity's result was lost) finds the data gone, the inquiry closed and the certificate written, and sends nothing.
    await expect(erase(second!.recordId)).resolves.toMatchObject({
      certificateId: results[1]!.certificateId,
      sequence: results[1]!.sequence,
      inquiryClosed: true,
    });
    await expect(erase(first!.recordId)).resolves.toMatchObject({
      certificateId: results[0]!.certificateId,
      sequence: results[0]!.sequence,
      inquiryClosed: true,
    });
    await expect(destroyedPerCertificate()).resolves.toEqual(accounts);
    await new Promise((r) => setTimeout(r, 300));
    expect(mail.messages.filter((m) => m.subject?.includes(inquiry.inquiryId))).toHaveLength(1);
  });

  it('sendExplanation - a mailbox the server refuses - fails permanently, with codes only', async () => {
    const policy = policyIn(60_000, 60_000);
    const person = await seedPerson(dbs.caseAdmin);
    const [record] = await seedRecords(dbs, policy);
    const inquiry = newInquiry(policy.version, person.fullName, person.residence, `unknown-${uniqueId('x')}@test.invalid`);
    await storeInquiry(dbs.registry, testKeys, inquiry);
    const since = new Date(Date.now() - 1_000).toISOString();
    await appendAccessLog(dbs.registry, { actor: 'rev (screened-reviewer)', recordId: record!.recordId, action: 'consult', purpose: 'test' });
    const error = await realActivities(dbs, mail.url)
      .sendExplanation({
        recordId: record!.recordId,
        inquiryId: inquiry.inquiryId,
        systems: ['case-admin'],
        language: 'en',
        objectionPeriod: '6w',
        consultedSince: since,
      })
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect(error).toMatchObject({ type: 'MAIL_REJECTED', nonRetryable: true });
    expect((error as Error).message).toBe('mail not sent (EENVELOPE 550): the mail server refused it; check the address');
    expect((error as Error).message).not.toContain('test.invalid');
  });
});
