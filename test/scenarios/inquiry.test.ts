import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { appendAccessLog, storeInquiry } from '../../activities/registry/inquiries';
import type { ActionInput, ActionName } from '../../schemas/actions';
import { recordWorkflowId, type LifecyclePhase, type RecordStatus } from '../../schemas/lifecycle';
import type { Policy } from '../../schemas/policy';
import { searchAttributes } from '../../schemas/search-attributes';
import { startLifecycles } from '../../cli/start-lifecycles';
import { actionUpdates, statusQuery, type recordLifecycle } from '../../workflows';
import { notifyInquiryReview } from '../../cli/inquiry-reviews';
import { verifyLedger } from '../../activities/registry/ledger-verify';
import { certificateDocument } from '../../cli/certificates/document';
import { certificateOfRecord } from '../../cli/certificates/ledger-entries';
import { certificatesFor, personRows, seedRecords, type SeededPerson } from '../helpers/fixtures';
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
import { bundleWorkflows, COORDINATORS, realPurgeRunActivities, withWorker } from '../helpers/worker';
import { runPurge } from '../helpers/purge';
import { historyText } from '../helpers/history';
import { searchTemporalFor } from '../helpers/personal-data';

const COORDINATOR = { user: 'cora', role: 'coordinator' as const };
const REVIEWER = { user: 'rev', role: 'screened-reviewer' as const };
const OFFICER = { user: 'otto', role: 'privacy-officer' as const };

type Handle = WorkflowHandle<typeof recordLifecycle>;

describe('recordLifecycle - the inquiry path with real activities, PostgreSQL, SMTP and dev server', () => {
  /** Everyone this suite's workflows dealt with, for the final search of everything Temporal holds. */
  const subjects: { name: string; residence: string }[] = [];
  const emails: string[] = [];
  const inquiryIds: string[] = [];
  const suiteStart = new Date();
  let bundle: WorkflowBundleWithSourceMap;
  let dbs: Databases;
  let mail: TestMailServer;
  let temporal: Awaited<ReturnType<typeof connectClient>>;
  beforeAll(async () => {
    bundle = await bundleWorkflows();
    dbs = openDatabases();
    mail = await startTestMailServer();
    temporal = await connectClient();
  });
  const reportsDir = mkdtempSync(join(tmpdir(), 'inquiry-reports-'));
  /** The mailbox where the inquiries arrived: each inquiry's e-mail is erased with the inquiry. */
  const maildir = mkdtempSync(join(tmpdir(), 'inquiry-maildir-'));
  for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(maildir, sub));
  const mailFile = (inquiryId: string) => join(maildir, 'cur', `1710235800.${inquiryId}.host:2,S`);
  const activities = () => realPurgeRunActivities(dbs, reportsDir, mail.url, { maildir });
  /** A purge run over the test's dossier (records are erased only when a run releases them). */
  const purge = (taskQueue: string, dossier: string) => runPurge(temporal.client, taskQueue, { dossier });
  afterAll(async () => {
    await temporal.close();
    await mail.stop();
    await dbs.close();
  });

  /** A record with its lifecycle started on the given task queue. */
  async function startRecord(taskQueue: string, policy: Policy): Promise<{ recordId: string; dossier: string; person: SeededPerson; handle: Handle }> {
    const [record] = await seedRecords(dbs, policy);
    subjects.push({ name: record!.person.fullName, residence: record!.person.residence });
    await startLifecycles({ client: temporal.client, registry: dbs.registry, taskQueue, actionKeys: testActionKeys, dossier: record!.dossier });
    return {
      recordId: record!.recordId,
      dossier: record!.dossier,
      person: record!.person,
      handle: temporal.client.workflow.getHandle(recordWorkflowId(record!.recordId)),
    };
  }

  /** Stores an inquiry from the person (matched by HMAC); its review registers it on the record, as `erasure inquiry register` does. */
  async function inquire(person: SeededPerson, policy: Policy, handle: Handle, email: string, receivedAt = new Date().toISOString()) {
    const inquiryId = randomUUID();
    emails.push(email);
    inquiryIds.push(inquiryId);
    writeFileSync(
      mailFile(inquiryId),
      `Message-ID: <${inquiryId}@mail.test.invalid>\r\nFrom: ${email}\r\nSubject: Which data do you hold about me?\r\n\r\n${person.fullName}, ${person.residence}\r\n`,
    );
    const { matchedRecordIds } = await storeInquiry(dbs.registry, testKeys, {
      inquiryId,
      receivedAt,
      policyVersion: policy.version,
      language: 'en',
      // Spelled differently from the case administration: matching folds both.
      name: person.fullName.toUpperCase(),
      residence: ` ${person.residence} `,
      email,
      mailRef: `message-id:${inquiryId}@mail.test.invalid`,
      registeredBy: COORDINATOR,
    });
    const taskQueue = (await handle.describe()).taskQueue;
    // As the service does: the coordinator's registration, signed, warrants registering the inquiry on the exact match.
    const registration = testActionSigner.signInquiryRegistration(COORDINATOR, inquiryId, receivedAt);
    await notifyInquiryReview(temporal.client, dbs.registry, taskQueue, inquiryId, testActionKeys, registration);
    await eventually('the inquiry registered on the record', async () =>
      (await handle.query(statusQuery)).inquiry?.inquiryId === inquiryId ? true : undefined,
    );
    return { inquiryId, matchedRecordIds };
  }

  /** Inquiry (received a second ago, before the cutoff), consent, identity, explanation. */
  async function throughExplanation(person: SeededPerson, policy: Policy, handle: Handle, language: 'nl' | 'en') {
    await inquire(person, policy, handle, `${uniqueId('r')}@test.invalid`, new Date(Date.now() - 1_000).toISOString());
    await act(handle, 'recordConsent', { actor: COORDINATOR, given: true });
    await act(handle, 'confirmIdentity', { actor: COORDINATOR, method: 'electronic-identity', reference: 'EID-2024-00417' });
    await consulted(handle);
    return act(handle, 'sendExplanation', { actor: REVIEWER, language });
  }

  /** What `erasure consult` leaves behind: the screened reviewer's look in the access log. */
  const consulted = (handle: Handle) =>
    appendAccessLog(dbs.registry, {
      actor: 'rev (screened-reviewer)',
      recordId: handle.workflowId.replace(/^record-/, ''),
      action: 'consult',
      purpose: 'explanation',
    });

  /** Waits until half a second after an instant (a deadline that must have passed). */
  const untilPast = (instant: string) => new Promise((r) => setTimeout(r, Math.max(0, Date.parse(instant) - Date.now() + 500)));

  const act = <A extends ActionName>(handle: Handle, name: A, payload: ActionInput<A>): Promise<RecordStatus> =>
    handle.executeUpdate(actionUpdates[name], { args: [signed(handle.workflowId, name, payload)] });
  const refusal = async <A extends ActionName>(handle: Handle, name: A, payload: ActionInput<A>): Promise<string> => {
    const error = await act(handle, name, payload).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
    return (error as WorkflowUpdateFailedError).cause?.message ?? '';
  };
  const phaseReached = (handle: Handle, phase: LifecyclePhase, timeoutMs?: number) =>
    eventually(
      `phase ${phase}`,
      async () => {
        const status = await handle.query(statusQuery);
        return status.phase === phase ? status : undefined;
      },
      timeoutMs,
    );
  const inquiryRows = async (inquiryId: string) =>
    (await dbs.registry.query('SELECT 1 FROM inquiries WHERE inquiry_id = $1 UNION ALL SELECT 1 FROM inquiry_records WHERE inquiry_id = $1', [inquiryId]))
      .rowCount;
  const updateEvents = async (handle: Handle) =>
    ((await handle.fetchHistory()).events ?? []).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes).length;

  it('recordLifecycle - consent, identity, explanation, no objection - erases after the objection period and destroys the inquiry', async () => {
    const policy = { ...policyIn(4_000, 4_000), objectionPeriod: '8s' };
    const email = `${uniqueId('requester')}@test.invalid`;
    await withWorker(bundle, activities(), async (tq) => {
      const { recordId, dossier, person, handle } = await startRecord(tq, policy);
      const { inquiryId, matchedRecordIds } = await inquire(person, policy, handle, email);
      expect(matchedRecordIds).toEqual([recordId]);
      expect((await handle.describe()).typedSearchAttributes.get(searchAttributes.InquiryOpen)).toBe(true);

      await act(handle, 'recordConsent', { actor: COORDINATOR, given: true });
      const identityCheck = { method: 'letter-to-registered-address', reference: 'BRIEF-2024-0118' } as const;
      expect((await act(handle, 'confirmIdentity', { actor: COORDINATOR, ...identityCheck })).inquiry?.identity).toEqual({
        ...identityCheck,
        confirmedAt: expect.any(String),
      });
      // Without a logged consultation the explanation would say something untrue: refused.
      const unconsulted = await act(handle, 'sendExplanation', { actor: REVIEWER, language: 'en' }).catch((err: unknown) => err);
      expect((unconsulted as WorkflowUpdateFailedError).cause?.message).toContain(
        `explain failed: no screened consultation of record ${recordId} is in the access log`,
      );
      expect((await handle.query(statusQuery)).phase).toBe('consultation');
      await consulted(handle);
      const explained = await act(handle, 'sendExplanation', { actor: REVIEWER, language: 'en' });
      expect(explained.phase).toBe('explanation-sent');
      expect(explained.inquiry?.explanationMessageId).toMatch(/@/);

      const explanation = await mail.waitFor(email, /what was processed about you/);
      expect(explanation.text).toContain('your name, place of residence and religious belief (1)');
      expect(explanation.text).toContain('notes on your behaviour and statements (2)');
      expect(explanation.text).not.toContain(person.fullName);
      expect(explanation.headers.get('x-erasure-record')).toBe(recordId);
      // The objection period runs: a purge run skips the record and says why.
      await untilPast(policy.purgeStart);
      await expect(purge(tq, dossier)).resolves.toMatchObject({ candidates: 1, released: 0, erased: 0, skipped: { 'objection-period': 1 } });
      expect((await personRows(dbs.caseAdmin, person.personId)).persons).toBe(1);

      await untilPast(explained.inquiry!.objectionPeriodEnds!);
      await expect(purge(tq, dossier)).resolves.toMatchObject({ released: 1, erased: 1, skipped: {} });
      const result = await handle.result();
      const confirmation = await mail.waitFor(email, /has been destroyed/);
      expect(confirmation.text).toContain(inquiryId);
      expect(await personRows(dbs.caseAdmin, person.personId)).toEqual({ persons: 0, notes: 0, note_sources: 0, person_organisations: 0 });
      expect(await inquiryRows(inquiryId)).toBe(0);
      expect(existsSync(mailFile(inquiryId))).toBe(false); // the inquiry e-mail went with the inquiry
      const [certificate] = await certificatesFor(dbs.registry, recordId);
      expect(certificate?.certificate_id).toBe(result.certificateId);
      expect(certificate?.body).toMatchObject({
        inquiry: { inquiryId, destroyed: ['inquiry-link', 'inquiry', 'requester-contact-data', 'inquiry-email'], remainingRecords: 0 },
        systems: [{ found: { persons: 1, notes: 2 } }],
        // How the requester was identified, and the coordinator's signed confirmation of it: in the signed body.
        identityCheck: { ...identityCheck, confirmedAt: expect.any(String) },
        decisions: [expect.objectContaining({ action: 'confirmIdentity', actor: COORDINATOR, body: expect.objectContaining(identityCheck) })],
      });
      expect((await verifyLedger(dbs.registry, undefined, undefined, testActionKeys)).firstProblem).toBeUndefined();
      const exported = await certificateOfRecord(dbs.registry, recordId);
      expect(exported?.checkedAtExport).toMatchObject({ hashMatches: true, signatureValid: true });
      expect(certificateDocument('certificate', exported ? [exported] : [])).toContain(
        "<th>requester's identity established</th><td>letter-to-registered-address, reference BRIEF-2024-0118 (",
      );
      const phases = (await handle.query(statusQuery)).history.map((e) => e.phase);
      expect(phases).toEqual([
        'awaiting-cutoff',
        'awaiting-consent',
        'identity-check',
        'consultation',
        'explanation-sent',
        'due',
        'due',
        'erasing',
        'verifying',
        'certifying',
        'erased',
      ]);
      const history = await historyText(handle);
      expect(history).toContain(`"inquiryId":"${inquiryId}"`); // decoded payloads are searched
      expect(history).not.toContain(email);
      expect(history).not.toContain(person.residence);
      expect(history).not.toContain(person.fullName);
    });
  });

  it('recordLifecycle - consent refused - no consultation; erased after the cutoff', async () => {
    const policy = policyIn(3_000, 3_000);
    await withWorker(bundle, activities(), async (tq) => {
      const { dossier, person, handle } = await startRecord(tq, policy);
      await inquire(person, policy, handle, `${uniqueId('r')}@test.invalid`);
      const refused = await act(handle, 'recordConsent', { actor: COORDINATOR, given: false });
      expect(refused.phase).toBe('awaiting-cutoff');
      expect(await refusal(handle, 'sendExplanation', { actor: REVIEWER, language: 'nl' })).toContain('the explanation is sent in consultation');
      await untilPast(policy.purgeStart);
      await purge(tq, dossier);
      await handle.result();
      expect((await personRows(dbs.caseAdmin, person.personId)).persons).toBe(0);
    });
  });

  it('recordLifecycle - objection - suspends erasure until a decision, then proceeds', async () => {
    const policy = { ...policyIn(5_000, 5_000), objectionPeriod: '1h' };
    await withWorker(bundle, activities(), async (tq) => {
      const { recordId, dossier, person, handle } = await startRecord(tq, policy);
      await throughExplanation(person, policy, handle, 'nl');
      const held = await act(handle, 'fileObjection', { actor: COORDINATOR, reference: 'BEZW-2024-001' });
      expect(held.phase).toBe('on-hold');
      expect((await handle.describe()).typedSearchAttributes.get(searchAttributes.OnHold)).toBe(true);
      // Past the purge start: still nothing destroyed.
      await untilPast(policy.purgeStart);
      expect((await handle.query(statusQuery)).phase).toBe('on-hold');
      await expect(purge(tq, dossier)).resolves.toMatchObject({ released: 0, skipped: { 'objection-on-hold': 1 } });
      expect((await personRows(dbs.caseAdmin, person.personId)).persons).toBe(1);

      expect(
        await refusal(handle, 'decideObjection', { actor: COORDINATOR, outcome: 'proceed', reason: 'objection unfounded', decisionRef: 'BESL-1' }),
      ).toContain('it is for the role privacy-officer, not coordinator');
      await act(handle, 'decideObjection', { actor: OFFICER, outcome: 'proceed', reason: 'objection unfounded', decisionRef: 'BESL-2024-017' });
      await purge(tq, dossier);
      await handle.result();
      expect((await personRows(dbs.caseAdmin, person.personId)).persons).toBe(0);
      const [certificate] = await certificatesFor(dbs.registry, recordId);
      expect(certificate?.body).toMatchObject({ decisionRefs: ['BESL-2024-017'] });
    });
  });

  it('recordLifecycle - objection decided "retain" - keeps the record and alerts the coordinators at the review date', async () => {
    const policy = { ...policyIn(5_000, 5_000), objectionPeriod: '1h', retentionReview: '2s' };
    await withWorker(bundle, activities(), async (tq) => {
      const { recordId, person, handle } = await startRecord(tq, policy);
      await throughExplanation(person, policy, handle, 'nl');
      await act(handle, 'fileObjection', { actor: COORDINATOR, reference: 'BEZW-2024-002' });
      const retained = await act(handle, 'decideObjection', { actor: OFFICER, outcome: 'retain', reason: 'objection upheld', decisionRef: 'BESL-2024-018' });
      expect(retained.phase).toBe('retained');
      const alert = await mail.waitFor(COORDINATORS, new RegExp(`Retention review due: record ${recordId}`));
      expect(alert.text).toContain(recordId);
      expect((await handle.query(statusQuery)).phase).toBe('retained');
      expect((await personRows(dbs.caseAdmin, person.personId)).persons).toBe(1);
      await handle.terminate('test done');
    });
  });

  it('recordLifecycle - legal hold - suspends everything; on release the passed deadlines apply at once', async () => {
    const policy = policyIn(4_000, 5_000);
    await withWorker(bundle, activities(), async (tq) => {
      const { dossier, person, handle } = await startRecord(tq, policy);
      await phaseReached(handle, 'awaiting-cutoff');
      expect(await refusal(handle, 'placeHold', { actor: COORDINATOR, reference: 'RB-1', reason: 'court order' })).toContain('for the role privacy-officer');
      const held = await act(handle, 'placeHold', { actor: OFFICER, reference: 'RB-2024-7', reason: 'court order pending' });
      expect(held).toMatchObject({ phase: 'on-hold', legalHold: { reference: 'RB-2024-7', returnTo: 'awaiting-cutoff' } });
      await untilPast(policy.purgeStart);
      expect((await handle.query(statusQuery)).phase).toBe('on-hold');
      expect((await personRows(dbs.caseAdmin, person.personId)).persons).toBe(1);

      expect(await refusal(handle, 'releaseHold', { actor: OFFICER, reference: 'RB-OTHER' })).toContain('is held under RB-2024-7, not RB-OTHER');
      await act(handle, 'releaseHold', { actor: OFFICER, reference: 'RB-2024-7' });
      await purge(tq, dossier);
      await handle.result();
      const phases = (await handle.query(statusQuery)).history.map((e) => e.phase);
      expect(phases.slice(0, 4)).toEqual(['awaiting-cutoff', 'on-hold', 'awaiting-cutoff', 'due']);
      expect((await personRows(dbs.caseAdmin, person.personId)).persons).toBe(0);
    });
  });

  it('recordLifecycle - objection filed during a legal hold - is kept, and on release the record waits for a decision', async () => {
    const policy = { ...policyIn(5_000, 5_000), objectionPeriod: '1h' };
    await withWorker(bundle, activities(), async (tq) => {
      const { person, handle } = await startRecord(tq, policy);
      await throughExplanation(person, policy, handle, 'en');
      await act(handle, 'placeHold', { actor: OFFICER, reference: 'RB-2024-8', reason: 'court order pending' });
      const objected = await act(handle, 'fileObjection', { actor: COORDINATOR, reference: 'BEZW-2024-003' });
      expect(objected).toMatchObject({ phase: 'on-hold', legalHold: { returnTo: 'on-hold' }, objection: { reference: 'BEZW-2024-003' } });
      const released = await act(handle, 'releaseHold', { actor: OFFICER, reference: 'RB-2024-8' });
      expect(released).toMatchObject({ phase: 'on-hold', allowedActions: ['decide', 'hold'] });
      expect((await personRows(dbs.caseAdmin, person.personId)).persons).toBe(1);
      await handle.terminate('test done');
    });
  });

  it('recordLifecycle - response deadline passes without an explanation - escalates to the coordinators', async () => {
    const policy = { ...policyIn(60_000, 60_000), responseDeadline: '2s' };
    await withWorker(bundle, activities(), async (tq) => {
      const { recordId, person, handle } = await startRecord(tq, policy);
      const { inquiryId } = await inquire(person, policy, handle, `${uniqueId('r')}@test.invalid`);
      await act(handle, 'recordConsent', { actor: COORDINATOR, given: true });
      const alert = await mail.waitFor(COORDINATORS, new RegExp(`Response deadline passed: inquiry ${inquiryId}, record ${recordId}`));
      expect(alert.text).not.toContain(person.fullName);
      const status = await eventually('overdue flag', async () => {
        const s = await handle.query(statusQuery);
        return s.inquiry?.responseOverdue ? s : undefined;
      });
      expect(status.phase).toBe('identity-check');
      expect((await handle.describe()).typedSearchAttributes.get(searchAttributes.ResponseOverdue)).toBe(true);
      await handle.terminate('test done');
    });
  });

  it('recordLifecycle - refused actions - name the reason and what is allowed, and leave no history event', async () => {
    const policy = policyIn(60_000, 120_000);
    await withWorker(bundle, activities(), async (tq) => {
      const { person, handle } = await startRecord(tq, policy);
      await phaseReached(handle, 'awaiting-cutoff');
      const late = new Date(Date.parse(policy.inquiryCutoff) + 1_000).toISOString();
      expect(await refusal(handle, 'registerInquiry', { actor: COORDINATOR, inquiryId: randomUUID(), receivedAt: late })).toContain(
        `after the inquiry cutoff ${policy.inquiryCutoff}`,
      );
      await inquire(person, policy, handle, `${uniqueId('r')}@test.invalid`);
      expect(await refusal(handle, 'recordConsent', { actor: REVIEWER, given: true })).toContain('it is for the role coordinator, not screened-reviewer (rev)');
      expect(await refusal(handle, 'fileObjection', { actor: COORDINATOR, reference: 'BEZW-1' })).toMatch(
        /is in awaiting-consent; an objection is filed during the objection period. Allowed now: consent, hold/,
      );
      expect(await refusal(handle, 'placeHold', { actor: OFFICER, reference: 'has spaces in it', reason: 'x' })).toContain('reference: a reference is an id');
      expect(await updateEvents(handle)).toBe(1); // only the inquiry itself
      await handle.terminate('test done');
    });
  });

  it('no personal data in Temporal - every history, memo and search attribute of the workflows this suite started - holds no name, residence, e-mail address or case text, decoded or not', async () => {
    const needles = [
      ...subjects.flatMap(
        (s) =>
          [
            ['name', s.name],
            ['residence', s.residence],
          ] as const,
      ),
      ...emails.map((e) => ['e-mail address', e] as const),
      // Case administration and mailbox content (notes, belief, the inquiry e-mail's text).
      ['case text', 'fixture note'],
      ['case text', 'fixture-belief'],
      ['mail text', 'Which data do you hold about me?'],
    ] as const;
    expect(subjects.length).toBeGreaterThan(5);
    const { hits, types, payloadsRead, controls } = await searchTemporalFor(temporal.client, suiteStart, needles);
    console.log(
      `personal-data search: ${[...types].map(([t, n]) => `${n} ${t}`).join(', ')}; ${payloadsRead} payloads decoded; ` +
        `${needles.length} identifiers and texts of ${subjects.length} subjects searched; ${hits.length} hits`,
    );
    expect(types.get('recordLifecycle')).toBeGreaterThanOrEqual(subjects.length);
    expect(types.get('purgeRun')).toBeGreaterThan(0);
    expect(types.get('inquiryReview')).toBe(inquiryIds.length);
    expect(controls).toEqual({ decoded: types.get('recordLifecycle'), clearAsStored: 0 });
    expect(hits).toEqual([]);
  });
});
