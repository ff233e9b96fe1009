import { randomUUID } from 'node:crypto';
import { letterDate } from '../../activities/mail/templates';
import { recordPolicyTimeZone } from '../../activities/registry/policies';
import { appendAccessLog, storeInquiry } from '../../activities/registry/inquiries';
import { policyFileSchema } from '../../schemas/policy-file';
import { seedRecords } from '../helpers/fixtures';
import { startTestMailServer, type TestMailServer } from '../helpers/mail';
import { openDatabases, policyIn, testKeys, uniqueId, type Databases } from '../helpers/services';
import { realActivities } from '../helpers/worker';

describe("letters - times in the zone of the record's policy, through the real activities, PostgreSQL and SMTP", () => {
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

  it('explanation and, after eraseRecord, confirmation - a policy in America/New_York - give the objection period and the destruction in New York time, in Dutch', async () => {
    const policy = policyFileSchema.parse({
      version: uniqueId('new-york'),
      timeZone: 'America/New_York',
      inquiryCutoff: '2099-01-15T12:00:00',
      purgeStart: '2099-01-16T00:00:00',
    });
    expect(policy.inquiryCutoff).toBe('2099-01-15T12:00:00-05:00');
    const [record] = await seedRecords(dbs, policy);
    const { recordId, person } = record!;
    await expect(recordPolicyTimeZone(dbs.registry, recordId)).resolves.toBe('America/New_York');

    const email = `${uniqueId('zoned')}@test.invalid`;
    const inquiryId = randomUUID();
    const since = new Date(Date.now() - 1_000).toISOString();
    const stored = await storeInquiry(dbs.registry, testKeys, {
      inquiryId,
      receivedAt: since,
      policyVersion: policy.version,
      language: 'nl',
      name: person.fullName,
      residence: person.residence,
      email,
      registeredBy: { user: 'cora', role: 'coordinator' },
    });
    expect(stored.matchedRecordIds).toEqual([recordId]);
    await appendAccessLog(dbs.registry, { actor: 'rev (screened-reviewer)', recordId, action: 'consult', purpose: 'explanation' });

    const activities = realActivities(dbs, mail.url);
    const sent = await activities.sendExplanation({
      recordId,
      inquiryId,
      systems: ['case-admin'],
      language: 'nl',
      objectionPeriod: '6w',
      consultedSince: since,
      timeZone: 'America/New_York',
    });
    const explanation = await mail.waitFor(email, /welke gegevens over u zijn verwerkt/);
    expect(explanation.text).toContain(`kunt u dat tot ${letterDate(sent.objectionPeriodEnds, 'nl', 'America/New_York')} laten weten`);
    expect(letterDate(sent.objectionPeriodEnds, 'nl', 'America/New_York')).toMatch(/ E[SD]T$/);
    expect(explanation.text).toContain('  - uw naam, woonplaats en levensovertuiging (1)');

    // The erasure closes the inquiry with its last record: the confirmation gives the moment of verification.
    const erased = await activities.eraseRecord({
      recordId,
      systems: ['case-admin'],
      workflowId: `record-${recordId}`,
      runId: 'run',
      erasureStartedAt: new Date().toISOString(),
      inquiryId,
      decisionRefs: [],
    });
    expect(erased.inquiryClosed).toBe(true);
    const confirmation = await mail.waitFor(email, /uw gegevens zijn vernietigd/);
    expect(letterDate(erased.verifiedAt, 'nl', 'America/New_York')).toMatch(/ E[SD]T$/);
    expect(confirmation.text).toContain(`zijn op ${letterDate(erased.verifiedAt, 'nl', 'America/New_York')} vernietigd.`);
    expect(confirmation.text).toContain(`vernietigingsverklaring (registratie ${recordId}) zonder persoonsgegevens`);
  });

  it('recordPolicyTimeZone - a policy with offsets only, or an unknown record - has no zone (letters then use Europe/Amsterdam)', async () => {
    const [record] = await seedRecords(dbs, policyIn(60_000, 60_000));
    await expect(recordPolicyTimeZone(dbs.registry, record!.recordId)).resolves.toBeUndefined();
    await expect(recordPolicyTimeZone(dbs.registry, uniqueId('R-NOPE'))).resolves.toBeUndefined();
  });
});
