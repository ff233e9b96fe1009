import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { decrypt, encrypt, subjectHmac } from '../../activities/crypto';
import { foldText } from '../../activities/matching/fold';
import { appendAccessLog, inquiryContact, storeInquiry } from '../../activities/registry/inquiries';
import { seedPerson, seedRecords } from '../helpers/fixtures';
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
    registeredBy: 'cora (coordinator)',
  });

  it('matches on the normalised name and residence, and keeps only the e-mail address, encrypted', async () => {
    expect(foldText('  Jän   de Vriës-Smit ')).toBe('jan de vries smit');
    const policy = policyIn(60_000, 60_000);
    const [record] = await seedRecords(dbs, policy);
    const inquiry = newInquiry(policy.version, record!.person.fullName.toLowerCase(), record!.person.residence.toUpperCase(), 'someone@test.invalid');
    await expect(storeInquiry(dbs.registry, testKeys, inquiry)).resolves.toEqual({ matchedRecordIds: [record!.recordId], new: true });
    await expect(storeInquiry(dbs.registry, testKeys, inquiry)).resolves.toEqual({ matchedRecordIds: [record!.recordId], new: false });
    const { rows } = await dbs.registry.query<{ subject_hmac: string }>('SELECT * FROM inquiries WHERE inquiry_id = $1', [inquiry.inquiryId]);
    const stored = JSON.stringify(rows[0]);
    expect(stored).not.toContain('someone@test.invalid');
    expect(stored).not.toContain(record!.person.fullName);
    expect(rows[0]?.subject_hmac).toBe(subjectHmac(testKeys.hmacKey, record!.person.fullName, record!.person.residence));
    await expect(inquiryContact(dbs.registry, testKeys, inquiry.inquiryId)).resolves.toEqual({ email: 'someone@test.invalid', language: 'en' });
  });

  it('binds the sealed contact data to its inquiry: moved to another row it does not open', () => {
    const sealed = encrypt(testKeys.contactKey, '{"email":"a@b.invalid"}', 'inquiry-1');
    expect(decrypt(testKeys.contactKey, sealed, 'inquiry-1')).toBe('{"email":"a@b.invalid"}');
    expect(() => decrypt(testKeys.contactKey, sealed, 'inquiry-2')).toThrow();
  });

  it('closeInquiryForRecord - two records of one requester closed at once - one confirmation, the inquiry destroyed once', async () => {
    const policy = policyIn(60_000, 60_000);
    const [first, second] = await seedRecords(dbs, policy, 2);
    // The same person twice in the case administration (a duplicate entry): one inquiry matches both.
    await dbs.caseAdmin.query('UPDATE persons SET full_name = $1, residence = $2 WHERE id = $3', [first!.person.fullName, first!.person.residence, second!.person.personId]);
    await dbs.registry.query('UPDATE records SET subject_hmac = (SELECT subject_hmac FROM records WHERE record_id = $1) WHERE record_id = $2', [first!.recordId, second!.recordId]);
    const email = `${uniqueId('twice')}@test.invalid`;
    const inquiry = newInquiry(policy.version, first!.person.fullName, first!.person.residence, email);
    expect((await storeInquiry(dbs.registry, testKeys, inquiry)).matchedRecordIds).toHaveLength(2);

    const activities = realActivities(dbs, mail.url);
    const erasedAt = new Date().toISOString();
    const results = await Promise.all(
      [first!, second!].map((r) => activities.closeInquiryForRecord({ inquiryId: inquiry.inquiryId, recordId: r.recordId, erasedAt })),
    );
    expect(results.map((r) => r.destroyed).sort()).toEqual([['inquiry-link'], ['inquiry-link', 'inquiry', 'requester-contact-data']]);
    await mail.waitFor(email, /has been destroyed/);
    await new Promise((r) => setTimeout(r, 300));
    expect(mail.messages.filter((m) => m.subject?.includes(inquiry.inquiryId))).toHaveLength(1);
    // A retry (the activity's result was lost) gets the same account, and sends nothing.
    await expect(activities.closeInquiryForRecord({ inquiryId: inquiry.inquiryId, recordId: second!.recordId, erasedAt })).resolves.toEqual(results[1]);
    await expect(activities.closeInquiryForRecord({ inquiryId: inquiry.inquiryId, recordId: first!.recordId, erasedAt })).resolves.toEqual(results[0]);
    expect((await dbs.registry.query('SELECT 1 FROM inquiries WHERE inquiry_id = $1', [inquiry.inquiryId])).rowCount).toBe(0);
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
      .sendExplanation({ recordId: record!.recordId, inquiryId: inquiry.inquiryId, systems: ['case-admin'], language: 'en', objectionPeriod: '6w', consultedSince: since })
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect(error).toMatchObject({ type: 'MAIL_REJECTED', nonRetryable: true });
    expect((error as Error).message).toBe('mail not sent (EENVELOPE 550): the mail server refused it; check the address');
    expect((error as Error).message).not.toContain('test.invalid');
  });
});
