import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowHandle, WorkflowUpdateFailedError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { Activities } from '../../activities';
import type { CoordinatorAlert } from '../../activities/mail/templates';
import { ensureJavaTestServer, JAVA_TEST_SERVER_VERSION } from '../../infra/java-test-server';
import type { ActionInput, ActionName } from '../../schemas/actions';
import { recordWorkflowId, type LifecyclePhase, type RecordStatus } from '../../schemas/lifecycle';
import { searchAttributes } from '../../schemas/search-attributes';
import { actionUpdates, statusQuery, type recordLifecycle } from '../../workflows';
import { eventually, policyIn, testDataConverter, uniqueId, signed, testActionKeys } from '../helpers/services';
import { bundleWorkflows, withWorker } from '../helpers/worker';

// Weeks-long timers are the subject here: on Temporal's time-skipping test server (the
// Java one, fetched by infra/java-test-server.ts) `env.sleep` moves the server's clock,
// so the policy keeps its real durations: objection period 6 weeks, response deadline 30 days.
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
const COORDINATOR = { user: 'cora', role: 'coordinator' as const };
const REVIEWER = { user: 'rev', role: 'screened-reviewer' as const };

describe('recordLifecycle - deadlines of weeks - on the time-skipping test server', () => {
  let bundle: WorkflowBundleWithSourceMap;
  let env: TestWorkflowEnvironment;

  beforeAll(async () => {
    bundle = await bundleWorkflows(); // first: it installs the quiet Runtime the environment then uses
    const path = await ensureJavaTestServer();
    const started = Date.now();
    env = await TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path } },
      client: { dataConverter: testDataConverter },
    });
    console.log(`time-skipping test server (Java ${JAVA_TEST_SERVER_VERSION}) answered ${Date.now() - started} ms after its start`);
    // The lifecycle upserts its search attributes; the test server knows only its own until told.
    await env.connection.operatorService.addSearchAttributes({
      namespace: env.namespace ?? 'default',
      searchAttributes: Object.fromEntries(
        Object.values(searchAttributes).map((key) => [key.name, temporal.api.enums.v1.IndexedValueType[`INDEXED_VALUE_TYPE_${key.type}`]]),
      ),
    });
  }, 600_000); // the first run fetches the server with Maven
  afterAll(async () => env?.teardown());

  /** The server's clock (what the workflow sees), not the machine's. */
  const now = async () => env.currentTimeMs();
  /** Moves the server's clock to `instant` + `offsetMs`; timers due on the way fire as they would. */
  const skipTo = async (instant: string, offsetMs: number) => env.sleep(Date.parse(instant) + offsetMs - (await now()));
  const phaseOf = async (handle: WorkflowHandle) => (await handle.query(statusQuery)).phase;
  const reaches = (handle: WorkflowHandle, phase: LifecyclePhase) => eventually(phase, async () => ((await phaseOf(handle)) === phase ? true : undefined));

  /** A record whose cutoff lies `cutoffMs` ahead on the server's clock, with the real objection period and response deadline; purge start far beyond. */
  async function start(taskQueue: string, cutoffMs: number) {
    const recordId = uniqueId('R');
    const policy = policyIn(cutoffMs, 52 * WEEK, await now());
    const handle = await env.client.workflow.start<typeof recordLifecycle>('recordLifecycle', {
      workflowId: recordWorkflowId(recordId),
      taskQueue,
      args: [{ recordId, dossier: 'D-TS', systems: ['case-admin'], policy, actionKeys: testActionKeys }],
    });
    // Signed at the server's time: the workflow judges a proof's age by its own clock.
    const act = async <A extends ActionName>(name: A, payload: ActionInput<A>): Promise<RecordStatus> =>
      handle.executeUpdate(actionUpdates[name], { args: [signed(handle.workflowId, name, payload, new Date(await now()))] });
    // An inquiry is taken once the lifecycle has left `registered` (its first workflow task).
    await reaches(handle, 'awaiting-cutoff');
    return { recordId, policy, handle, act };
  }

  /** Stand-in activities: alerts are collected; the explanation is "sent" at the server's time. */
  function standIns(alerts: CoordinatorAlert[]): Partial<Activities> {
    return {
      async notifyCoordinators(alert) {
        alerts.push(alert);
        return { messageId: `<alert-${alerts.length}@test.invalid>` };
      },
      async sendExplanation({ recordId }) {
        const sentAt = await now();
        return {
          messageId: `<${recordId}@test.invalid>`,
          sentAt: new Date(sentAt).toISOString(),
          objectionPeriodEnds: new Date(sentAt + 6 * WEEK).toISOString(),
        };
      },
    };
  }

  it('recordLifecycle - no inquiry - awaits the cutoff three weeks ahead and is due only once it has passed', async () => {
    await withWorker(
      bundle,
      standIns([]),
      async (tq) => {
        const { policy, handle } = await start(tq, 3 * WEEK);
        await skipTo(policy.inquiryCutoff, -HOUR);
        expect(await phaseOf(handle)).toBe('awaiting-cutoff');
        await skipTo(policy.inquiryCutoff, HOUR);
        await reaches(handle, 'due');
        const status = await handle.query(statusQuery);
        expect(status.history.map((e) => e.phase)).toEqual(['awaiting-cutoff', 'due']);
        // The transition happened at the server's time of the cutoff, weeks after the start.
        expect(Date.parse(status.history[1]!.at)).toBeGreaterThanOrEqual(Date.parse(policy.inquiryCutoff));
        await handle.terminate('test done');
      },
      env,
    );
  });

  it('recordLifecycle - inquiry unanswered for 30 days - alerts the coordinators that the response is overdue', async () => {
    const alerts: CoordinatorAlert[] = [];
    await withWorker(
      bundle,
      standIns(alerts),
      async (tq) => {
        const { recordId, handle, act } = await start(tq, 8 * WEEK);
        const inquiryId = '7f0c2a9e-0000-4000-8000-000000000031';
        const registered = await act('registerInquiry', { actor: COORDINATOR, inquiryId, receivedAt: new Date(await now()).toISOString() });
        const responseDue = registered.inquiry!.responseDue;
        expect(Date.parse(responseDue) - Date.parse(registered.inquiry!.receivedAt)).toBe(30 * DAY);
        // Validators work on this server too: a second inquiry is refused and never enters history.
        const refused = await act('registerInquiry', { actor: COORDINATOR, inquiryId, receivedAt: new Date(await now()).toISOString() }).catch(
          (err: unknown) => err,
        );
        expect((refused as WorkflowUpdateFailedError).cause?.message).toContain(`inquiry ${inquiryId} was already registered`);
        const accepted = ((await handle.fetchHistory()).events ?? []).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
        expect(accepted).toHaveLength(1);
        await skipTo(responseDue, -HOUR);
        expect(alerts).toEqual([]);
        expect((await handle.query(statusQuery)).inquiry?.responseOverdue).toBe(false);
        await skipTo(responseDue, HOUR);
        await eventually('the response-overdue alert', async () => (alerts.length > 0 ? true : undefined));
        expect(alerts).toEqual([{ recordId, inquiryId, what: 'response-overdue', due: responseDue }]);
        const status = await handle.query(statusQuery);
        expect(status.phase).toBe('awaiting-consent');
        expect(status.inquiry?.responseOverdue).toBe(true);
        await handle.terminate('test done');
      },
      env,
    );
  });

  it('recordLifecycle - explanation sent - is due only after the 6-week objection period, not at the cutoff', async () => {
    const alerts: CoordinatorAlert[] = [];
    await withWorker(
      bundle,
      standIns(alerts),
      async (tq) => {
        const { policy, handle, act } = await start(tq, 3 * WEEK);
        await act('registerInquiry', {
          actor: COORDINATOR,
          inquiryId: '7f0c2a9e-0000-4000-8000-000000000032',
          receivedAt: new Date(await now()).toISOString(),
        });
        await act('recordConsent', { actor: COORDINATOR, given: true });
        await act('confirmIdentity', { actor: COORDINATOR, method: 'letter-to-registered-address', reference: 'BRIEF-2024-0032' });
        const sent = await act('sendExplanation', { actor: REVIEWER, language: 'nl' });
        expect(sent.phase).toBe('explanation-sent');
        const { objectionPeriodEnds, explanationSentAt } = sent.inquiry!;
        expect(Date.parse(objectionPeriodEnds!) - Date.parse(explanationSentAt!)).toBe(6 * WEEK);
        // The cutoff passes during the objection period: the record stays where it is.
        await skipTo(policy.inquiryCutoff, HOUR);
        expect(await phaseOf(handle)).toBe('explanation-sent');
        await skipTo(objectionPeriodEnds!, -HOUR);
        expect(await phaseOf(handle)).toBe('explanation-sent');
        await skipTo(objectionPeriodEnds!, HOUR);
        await reaches(handle, 'due');
        // Answered within the response deadline, which passed on the way: no alert.
        expect(alerts).toEqual([]);
        await handle.terminate('test done');
      },
      env,
    );
  });
});
