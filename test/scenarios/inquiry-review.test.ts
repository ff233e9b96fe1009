import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { appendAccessLog, storeInquiry } from '../../activities/registry/inquiries';
import { storePolicy } from '../../activities/registry/policies';
import { notifyInquiryReview, reviewStatus } from '../../cli/inquiry-reviews';
import { startLifecycles } from '../../cli/start-lifecycles';
import { inquiryWorkflowId, type CandidateDecisionInput, type InquiryReviewStatus } from '../../schemas/inquiry-review';
import { recordWorkflowId } from '../../schemas/lifecycle';
import type { Policy } from '../../schemas/policy';
import { confirmNoMatchUpdate, decideCandidateUpdate, inquiryStatusQuery, statusQuery, type inquiryReview } from '../../workflows';
import { seedRecords, type Identity } from '../helpers/fixtures';
import { decisions } from '../helpers/history';
import { startTestMailServer, type TestMailServer } from '../helpers/mail';
import {
  connectClient,
  eventually,
  openDatabases,
  policyIn,
  testKeys,
  uniqueId,
  type Databases,
  testActionKeys,
  testActionSigner,
  signed,
} from '../helpers/services';
import { searchTemporalFor } from '../helpers/personal-data';
import { bundleWorkflows, COORDINATORS, realPurgeRunActivities, withWorker } from '../helpers/worker';

const COORDINATOR = { user: 'cora', role: 'coordinator' as const };
const REVIEWER = { user: 'rev', role: 'screened-reviewer' as const };

type Review = WorkflowHandle<typeof inquiryReview>;

describe('inquiryReview - matching that never turns a requester away, with real activities, PostgreSQL, SMTP and dev server', () => {
  let bundle: WorkflowBundleWithSourceMap;
  let dbs: Databases;
  let mail: TestMailServer;
  let temporal: Awaited<ReturnType<typeof connectClient>>;
  const suiteStart = new Date();
  /** Every name, residence and address this suite's workflows dealt with, for the final search of Temporal. */
  const needles: [string, string][] = [];
  const maildir = mkdtempSync(join(tmpdir(), 'inquiry-review-maildir-'));
  for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(maildir, sub));
  const mailFile = (inquiryId: string) => join(maildir, 'cur', `1710235800.${inquiryId}.host:2,S`);
  const activities = () => realPurgeRunActivities(dbs, mkdtempSync(join(tmpdir(), 'inquiry-review-reports-')), mail.url, { maildir });
  beforeAll(async () => {
    bundle = await bundleWorkflows();
    dbs = openDatabases();
    mail = await startTestMailServer();
    temporal = await connectClient();
  });
  afterAll(async () => {
    await temporal.close();
    await mail.stop();
    await dbs.close();
  });

  /** Records for these people, with lifecycles on the task queue. */
  async function recordsOf(taskQueue: string, policy: Policy, identities: Identity[]) {
    for (const i of identities) needles.push(['name', i.fullName], ['residence', i.residence]);
    const records = await seedRecords(dbs, policy, identities.length, identities);
    await startLifecycles({ client: temporal.client, registry: dbs.registry, taskQueue, actionKeys: testActionKeys, dossier: records[0]!.dossier });
    return records;
  }

  /** What `erasure inquiry register` does: store it (with its e-mail in the mailbox), and start its review. */
  async function register(taskQueue: string, policy: Policy, name: string, residence: string) {
    await storePolicy(dbs.registry, policy);
    const inquiryId = randomUUID();
    const email = `${uniqueId('requester')}@test.invalid`;
    needles.push(['name', name], ['residence', residence], ['e-mail address', email]);
    writeFileSync(mailFile(inquiryId), `Message-ID: <${inquiryId}@mail.test.invalid>\r\nFrom: ${email}\r\n\r\nWhich data do you hold about me?\r\n`);
    const receivedAt = new Date().toISOString();
    const stored = await storeInquiry(dbs.registry, testKeys, {
      inquiryId,
      receivedAt,
      policyVersion: policy.version,
      language: 'nl',
      name,
      residence,
      email,
      mailRef: `message-id:${inquiryId}@mail.test.invalid`,
      registeredBy: COORDINATOR,
    });
    // As the service does: the coordinator's registration, signed, warrants registering the inquiry on the exact matches.
    const registration = testActionSigner.signInquiryRegistration(COORDINATOR, inquiryId, receivedAt);
    await notifyInquiryReview(temporal.client, dbs.registry, taskQueue, inquiryId, testActionKeys, registration);
    const review: Review = temporal.client.workflow.getHandle(inquiryWorkflowId(inquiryId));
    return { inquiryId, email, stored, review };
  }

  const settled = async (inquiryId: string, until: (s: InquiryReviewStatus) => boolean) => {
    const { status, settled: ok } = await reviewStatus(temporal.client, inquiryId, (s) => s.stage !== 'loading' && until(s), 30_000);
    expect(ok).toBe(true);
    return status;
  };
  /** What `erasure inquiry review` logs before it shows the names. */
  const reviewed = (inquiryId: string) =>
    appendAccessLog(dbs.registry, { actor: 'rev (screened-reviewer)', recordId: null, inquiryId, action: 'inquiry-review', purpose: 'matching' });
  const decide = (review: Review, decision: Omit<CandidateDecisionInput, 'actor'>) =>
    review.executeUpdate(decideCandidateUpdate, { args: [signed(review.workflowId, decideCandidateUpdate, { actor: REVIEWER, ...decision })] });
  const refusal = async (work: Promise<unknown>) => {
    const error = await work.catch((err: unknown) => err);
    expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
    return (error as WorkflowUpdateFailedError).cause?.message ?? '';
  };
  const mailsTo = (email: string) => mail.messages.filter((m) => JSON.stringify(m.to).includes(email));

  it('inquiryReview - no record matches - sends no letter until a screened reviewer confirms, then says a person checked, and destroys the inquiry after the cutoff', async () => {
    const policy = policyIn(8_000, 8_000);
    await withWorker(bundle, activities(), async (tq) => {
      const { inquiryId, email, review } = await register(tq, policy, 'Niet Bestaand', `Nergensdorp ${uniqueId('t')}`);
      const waiting = await settled(inquiryId, (s) => s.stage === 'awaiting-review');
      expect(waiting).toMatchObject({ links: [], candidates: [], allowedActions: ['no-match'] });
      // No false "no data" letter by itself: the query above was answered after the workflow
      // task that judged what the review loaded, and that task scheduled no letter.
      expect(decisions(await review.fetchHistory())).not.toContain('activity:sendNoDataFound');
      expect(mailsTo(email)).toHaveLength(0);

      expect(
        await refusal(review.executeUpdate(confirmNoMatchUpdate, { args: [signed(review.workflowId, confirmNoMatchUpdate, { actor: COORDINATOR })] })),
      ).toContain('it is for the role screened-reviewer, not coordinator');
      expect(
        await refusal(review.executeUpdate(confirmNoMatchUpdate, { args: [signed(review.workflowId, confirmNoMatchUpdate, { actor: REVIEWER })] })),
      ).toContain(`rev has not reviewed inquiry ${inquiryId}`);
      await reviewed(inquiryId);
      await review.executeUpdate(confirmNoMatchUpdate, { args: [signed(review.workflowId, confirmNoMatchUpdate, { actor: REVIEWER })] });
      const letter = await mail.waitFor(email, /geen gegevens gevonden/);
      expect(letter.text).toContain(inquiryId);
      // One letter, and only after the confirmation that was taken (the attempt before it failed in the registry).
      const order = decisions(await review.fetchHistory());
      expect(order.filter((d) => d === 'activity:sendNoDataFound')).toHaveLength(1);
      expect(order.indexOf('activity:sendNoDataFound')).toBeGreaterThan(order.lastIndexOf('update:confirmNoMatch'));
      // The letter says that a person checked, and when the inquiry is destroyed.
      expect(letter.text).toContain('Een gescreende medewerker heeft de gegevens');
      expect(letter.text).toMatch(/zodra de termijn voor verzoeken op \d+ \w+ \d{4}/);
      await expect(review.result()).resolves.toEqual({ outcome: 'destroyed', destroyed: ['inquiry', 'requester-contact-data', 'inquiry-email'] });
      expect(existsSync(mailFile(inquiryId))).toBe(false);
      const status = await review.query(inquiryStatusQuery);
      expect(status).toMatchObject({ stage: 'destroyed', noMatch: { by: 'rev (screened-reviewer)' }, letter: { kind: 'no-data' } });
      const log = await dbs.registry.query<{ action: string }>('SELECT action FROM access_log WHERE inquiry_id = $1 ORDER BY id', [inquiryId]);
      expect(log.rows.map((r) => r.action)).toEqual(['inquiry-review', 'no-match-confirmed']);
    });
  });

  it('inquiryReview - candidates (Mohammed / Muhammad, Mohamed) - a screened reviewer confirms one and rejects the other; only the confirmed record takes the inquiry', async () => {
    const policy = policyIn(120_000, 120_000);
    const town = `Utrecht ${uniqueId('t')}`;
    await withWorker(bundle, activities(), async (tq) => {
      const [muhammad, mohamed] = await recordsOf(tq, policy, [
        { fullName: 'Muhammad Amrani', residence: town },
        { fullName: 'Mohamad Amrani', residence: town },
      ]);
      const { inquiryId, email, stored, review } = await register(tq, policy, 'Mohammed Amrani', town);
      expect(stored.matchedRecordIds).toEqual([]);
      expect(stored.candidates.map((c) => c.recordId).sort()).toEqual([muhammad!.recordId, mohamed!.recordId].sort());
      await settled(inquiryId, (s) => s.stage === 'awaiting-review');

      // A decision needs a review logged after the candidates were found.
      expect(await refusal(decide(review, { recordId: muhammad!.recordId, outcome: 'confirm' }))).toContain('has not reviewed');
      await reviewed(inquiryId);
      expect(await refusal(decide(review, { recordId: 'R-NOT-A-CANDIDATE', outcome: 'confirm' }))).toContain('is not a candidate');
      await decide(review, { recordId: muhammad!.recordId, outcome: 'confirm' });
      expect(await refusal(decide(review, { recordId: muhammad!.recordId, outcome: 'reject' }))).toContain(
        `record ${muhammad!.recordId} was already confirmed by rev (screened-reviewer)`,
      );
      expect(
        await refusal(review.executeUpdate(confirmNoMatchUpdate, { args: [signed(review.workflowId, confirmNoMatchUpdate, { actor: REVIEWER })] })),
      ).toContain(`decide on the candidates first (confirm or reject): ${mohamed!.recordId}`);
      await decide(review, { recordId: mohamed!.recordId, outcome: 'reject', reason: 'another person, other date of birth' });

      await expect(review.result()).resolves.toEqual({ outcome: 'linked', destroyed: [] });
      const record = temporal.client.workflow.getHandle(recordWorkflowId(muhammad!.recordId));
      const status = await record.query(statusQuery);
      expect(status).toMatchObject({ phase: 'awaiting-consent', inquiry: { inquiryId } });
      expect(status.history.at(-1)?.by).toBe('rev (screened-reviewer)');
      expect((await temporal.client.workflow.getHandle(recordWorkflowId(mohamed!.recordId)).query(statusQuery)).inquiry).toBeUndefined();
      expect(mailsTo(email)).toHaveLength(0);
      const history = (await review.query(inquiryStatusQuery)).history.map((e) => e.note).join('\n');
      expect(history).toContain(`candidate ${muhammad!.recordId} confirmed`);
      expect(history).toContain(`candidate ${mohamed!.recordId} rejected (another person, other date of birth)`);
      const log = await dbs.registry.query<{ action: string; record_id: string | null }>(
        'SELECT action, record_id FROM access_log WHERE inquiry_id = $1 ORDER BY id',
        [inquiryId],
      );
      expect(log.rows).toEqual([
        { action: 'inquiry-review', record_id: null },
        { action: 'candidate-confirmed', record_id: muhammad!.recordId },
        { action: 'candidate-rejected', record_id: mohamed!.recordId },
      ]);
    });
  });

  it('inquiryReview - response deadline passes while the inquiry awaits its review - alerts the coordinators, with ids only', async () => {
    const policy = { ...policyIn(120_000, 120_000), responseDeadline: '2s' };
    await withWorker(bundle, activities(), async (tq) => {
      const { inquiryId } = await register(tq, policy, 'Laat Beantwoord', `Traagdorp ${uniqueId('t')}`);
      const alert = await mail.waitFor(COORDINATORS, new RegExp(`Response deadline passed: inquiry ${inquiryId} awaits its review`));
      expect(alert.text).toContain(`erasure inquiry status ${inquiryId}`);
      expect(alert.text).not.toMatch(/Laat|Traagdorp/);
      expect((await settled(inquiryId, (s) => s.history.some((e) => e.note.includes('the coordinators are alerted')))).stage).toBe('awaiting-review');
      await temporal.client.workflow.getHandle(inquiryWorkflowId(inquiryId)).terminate('test done');
    });
  });

  it('inquiryReview - initials only (F. El Idrissi) - never link automatically, even to the same spelling', async () => {
    const policy = policyIn(120_000, 120_000);
    const town = `Den Haag ${uniqueId('t')}`;
    await withWorker(bundle, activities(), async (tq) => {
      const [same, full] = await recordsOf(tq, policy, [
        { fullName: 'F. el Idrissi', residence: town },
        { fullName: 'Fatima el Idrissi', residence: town },
      ]);
      const { inquiryId, stored } = await register(tq, policy, 'F. El Idrissi', town);
      expect(stored.matchedRecordIds).toEqual([]);
      const status = await settled(inquiryId, (s) => s.stage === 'awaiting-review');
      expect(Object.fromEntries(status.candidates.map((c) => [c.recordId, c.reasons]))).toEqual({
        [same!.recordId]: expect.arrayContaining(['exact-with-initials']),
        [full!.recordId]: expect.arrayContaining(['initial-and-surname']),
      });
      for (const r of [same!, full!])
        expect((await temporal.client.workflow.getHandle(recordWorkflowId(r.recordId)).query(statusQuery)).inquiry).toBeUndefined();
      await temporal.client.workflow.getHandle(inquiryWorkflowId(inquiryId)).terminate('test done');
    });
  });

  it('inquiryReview - a record imported after the inquiry, before the cutoff - is linked, and takes the inquiry once its lifecycle starts; no "no data" letter goes out', async () => {
    const policy = policyIn(120_000, 120_000);
    const town = `Zwolle ${uniqueId('t')}`;
    await withWorker(bundle, activities(), async (tq) => {
      const { inquiryId, email } = await register(tq, policy, 'Ömer Yılmaz', town);
      await settled(inquiryId, (s) => s.stage === 'awaiting-review' && s.links.length === 0);
      // Imported later, spelled without the Turkish letters: the exact key still matches.
      const [later] = await seedRecords(dbs, policy, 1, [{ fullName: 'Omer Yilmaz', residence: town }]);
      const summary = await startLifecycles({
        client: temporal.client,
        registry: dbs.registry,
        taskQueue: tq,
        actionKeys: testActionKeys,
        dossier: later!.dossier,
      });
      expect(summary.inquiriesNotified).toBe(1);
      const status = await settled(inquiryId, (s) => s.links.some((l) => l.recordId === later!.recordId && l.state === 'registered'));
      expect(status.stage).toBe('linked');
      const record = await eventually('the inquiry on the new record', async () => {
        const s = await temporal.client.workflow.getHandle(recordWorkflowId(later!.recordId)).query(statusQuery);
        return s.inquiry ? s : undefined;
      });
      expect(record).toMatchObject({ phase: 'awaiting-consent', inquiry: { inquiryId } });
      expect(record.history.at(-1)?.by).toBe('cora (coordinator)');
      expect(mailsTo(email)).toHaveLength(0);
    });
  });

  it('no personal data in Temporal - the reviews, the lifecycles and their decisions - hold no name, residence or e-mail address, decoded or not', async () => {
    const { hits, types, controls } = await searchTemporalFor(temporal.client, suiteStart, needles);
    console.log(
      `personal-data search: ${[...types].map(([t, n]) => `${n} ${t}`).join(', ')}; ${needles.length} names, residences and addresses searched; ${hits.length} hits`,
    );
    expect(types.get('inquiryReview')).toBe(5);
    expect(controls.decoded).toBe(types.get('recordLifecycle'));
    expect(hits).toEqual([]);
  });
});
