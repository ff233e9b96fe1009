import type { UpdateDefinition } from '@temporalio/common';
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  isCancellation,
  proxyActivities,
  rootCause,
  setHandler,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { actionSchemas, type Action, type ActionName } from '../schemas/actions';
import { recordLifecycleInputSchema, recordWorkflowId, type RecordLifecycleInput, type RecordStatus } from '../schemas/lifecycle';
import type { z } from 'zod';
import { releaseRequestSchema } from '../schemas/purge';
import { activityOptions } from './activity-options';
import { actionUpdates, erasureOutcomeSignal, releasableQuery, releaseSignal, releaseUpdate, statusQuery, storageTaskQueue } from './definitions';
import { erasureOutcomeSchema, type ErasureOrder, type ErasureOutcome } from '../schemas/erasure-order';
import { ActionLedger } from './record/authenticity';
import { RecordMachine, type ErasureReport } from './record/machine';
import { validateAction, validateRelease } from './record/validate';
import { SearchAttributePublisher } from './search-attribute-publisher';

type Input = z.output<typeof recordLifecycleInputSchema>;

export interface RecordLifecycleResult {
  readonly recordId: string;
  readonly certificateId: string;
  readonly erasedAt: string;
}

const alerts = proxyActivities<Activities>(activityOptions.alert);
const whileWaiting = proxyActivities<Activities>(activityOptions.whileWaiting);

/**
 * One personal-data record from registration to its deletion certificate
 * (docs/ARCHITECTURE.md, "The record lifecycle"). The rules are the machine's
 * (`record/machine.ts`); this loop gives it the workflow clock, answers its updates and
 * query, sends what it asks for and waits for its next deadline with a durable timer.
 * It sees ids and metadata only.
 */
export async function recordLifecycle(rawInput: RecordLifecycleInput): Promise<RecordLifecycleResult> {
  const parsed = recordLifecycleInputSchema.safeParse(rawInput);
  if (!parsed.success) throw ApplicationFailure.nonRetryable(`recordLifecycle input refused: ${parsed.error.message}`, 'INVALID_INPUT');
  const input = parsed.data;
  const machine = new RecordMachine(input, Date.now());
  const publisher = new SearchAttributePublisher();
  const ledger = new ActionLedger(input.actionKeys, recordWorkflowId(input.recordId), input.recordId);

  // Handlers first, main logic below.
  setHandler(statusQuery, () => machine.status(Date.now()));
  registerActions(machine, ledger, input);
  const batch = registerRelease(machine, ledger, input);

  // Alerts run beside the loop, so a mail outage delays no deadline.
  const pendingAlerts: Promise<void>[] = [];
  for (;;) {
    const now = Date.now();
    machine.advance(now);
    for (const alert of machine.takeDueAlerts(now)) {
      pendingAlerts.push(
        alerts.notifyCoordinators({ recordId: input.recordId, ...alert }).then(
          () => undefined,
          (err: unknown) => machine.note(Date.now(), `alert to the coordinators (${alert.what}) failed: ${rootCause(err)}`),
        ),
      );
    }
    if (machine.erasureTicket || machine.erasureMayStart) {
      const result = await erase(machine, ledger, input, publisher, batch);
      if (result) {
        await Promise.all(pendingAlerts);
        await condition(allHandlersFinished);
        return result;
      }
    }
    publisher.set(machine.phase, machine.flags());
    publisher.flush();
    const seen = machine.changes;
    const deadline = machine.nextDeadline(Date.now());
    const moved = () => machine.changes !== seen;
    if (deadline) await condition(moved, Math.max(deadline.at - Date.now(), 1), { summary: deadline.name });
    else await condition(moved);
  }
}

/** What the erasure needs from the lifecycle for the certificate (ids, references, signed decisions). */
function erasureOrder(machine: RecordMachine, ledger: ActionLedger, input: Input, erasureStartedAt: string, ticket?: string): ErasureOrder {
  const info = workflowInfo();
  return {
    recordId: input.recordId,
    systems: [...input.systems],
    workflowId: info.workflowId,
    runId: info.runId,
    erasureStartedAt,
    ...(machine.inquiryId ? { inquiryId: machine.inquiryId } : {}),
    ...(machine.identity ? { identity: machine.identity } : {}),
    decisionRefs: machine.decisionRefs(),
    decisions: [...ledger.decisions()],
    ...(ticket ? { ticket } : {}),
  };
}

/**
 * Erase, verify, close the inquiry and certify (docs/ARCHITECTURE.md, "Batched erasure").
 * Released by a purge wave, the record waits for the wave's batch to tell it its
 * certificate and completes on that message. Otherwise (a coordinator's retry, a lifecycle
 * the run started again, or a record the batch could not erase), it erases itself with
 * the same batch code, the record alone, in one activity on the storage queue. A failure
 * leaves the record in `erasure-failed`, visible and retryable.
 */
async function erase(
  machine: RecordMachine,
  ledger: ActionLedger,
  input: Input,
  publisher: SearchAttributePublisher,
  batch: { told(): ErasureOutcome['outcome'] | undefined },
): Promise<RecordLifecycleResult | undefined> {
  let report: ErasureReport | undefined;
  if (machine.erasureTicket) {
    // Until the batch tells, or a coordinator retries a record whose batch never came (the run was stopped).
    await condition(() => batch.told() !== undefined || machine.erasureTicket === undefined);
    const told = batch.told();
    if (told?.kind === 'erased') report = told;
    else if (told) machine.erasureAlone(told.reason, Date.now());
  }
  if (!report && machine.phase !== 'erasing') {
    machine.beginErasure(input.systems, Date.now());
    publisher.set(machine.phase, machine.flags());
    publisher.flush();
  }
  if (!report) {
    try {
      const own = proxyActivities<Activities>(activityOptions.erasure(storageTaskQueue(workflowInfo().taskQueue)));
      report = await own.eraseRecord(erasureOrder(machine, ledger, input, new Date().toISOString()));
    } catch (err) {
      if (isCancellation(err)) throw err;
      const reason = `erasure failed after retries: ${rootCause(err)}`;
      machine.erasureFailed(reason, Date.now());
      // For the purge run's report; the record shows the failure either way.
      await alerts.recordErasureFailure({ recordId: input.recordId, reason }).catch((failure: unknown) => {
        machine.note(Date.now(), `the failure could not be logged in the registry: ${rootCause(failure)}`);
      });
      return undefined;
    }
  }
  machine.erased(report);
  publisher.set('erased', machine.flags(), new Date(report.issuedAt));
  publisher.flush();
  return { recordId: input.recordId, certificateId: report.certificateId, erasedAt: report.issuedAt };
}

/** Each coordinator action: a validated update; a refused one never enters history. */
function registerActions(machine: RecordMachine, ledger: ActionLedger, input: Input): void {
  const on = <A extends ActionName>(name: A, handle: (action: Action<A>) => Promise<void> | void) => {
    setHandler(
      actionUpdates[name] as unknown as UpdateDefinition<RecordStatus, [unknown]>,
      async (raw: unknown) => {
        const action = actionSchemas[name].parse(raw) as Action<A>;
        // Its nonce is spent before the first await: a replay that arrives while the explanation is sent is refused too.
        ledger.accepted(name, raw, action, new Date().toISOString());
        await handle(action);
        return machine.status(Date.now());
      },
      { validator: (raw: unknown) => void validateAction(machine, ledger, name, raw, Date.now()) },
    );
  };
  for (const name of Object.keys(actionUpdates) as ActionName[]) {
    if (name !== 'sendExplanation') on(name, (action) => machine.apply(name, action, Date.now()));
  }
  on('sendExplanation', async (action) => {
    const { inquiryId, consultedSince } = machine.beginExplanation();
    try {
      // 6 weeks by default: the Dutch administrative objection term (Awb 6:7), counted by
      // the activity from the moment the mail is handed over.
      const sent = await whileWaiting.sendExplanation({
        recordId: input.recordId,
        inquiryId,
        systems: input.systems,
        language: action.language,
        objectionPeriod: input.policy.objectionPeriod,
        consultedSince,
        ...(input.policy.timeZone ? { timeZone: input.policy.timeZone } : {}),
      });
      machine.explanationSent(action, sent, Date.now());
    } catch (err) {
      machine.explanationFailed();
      // The action fails (the coordinator sees why); the record stays in consultation.
      throw ApplicationFailure.nonRetryable(`explain failed: ${rootCause(err)}`, 'EXPLANATION_NOT_SENT');
    }
  });
}

/**
 * The purge run's release: an update with a validator, the same as a signal, and a query
 * for dry runs. An accepted release begins the erasure at once (no hold can come between)
 * and answers with the erasure order for the wave's batch, whose outcome arrives as a
 * signal carrying the ticket drawn here.
 */
function registerRelease(machine: RecordMachine, ledger: ActionLedger, input: Input): { told(): ErasureOutcome['outcome'] | undefined } {
  let told: ErasureOutcome['outcome'] | undefined;
  setHandler(releasableQuery, () => machine.releasability(Date.now(), ''));
  setHandler(
    releaseUpdate,
    (raw) => {
      const { runRef, approvedBy } = releaseRequestSchema.parse(raw);
      if (approvedBy) ledger.approval(runRef, approvedBy, new Date().toISOString());
      machine.release(runRef, Date.now());
      if (!machine.erasureMayStart) return { recordId: machine.recordId, releasedBy: runRef };
      const ticket = uuid4();
      told = undefined;
      machine.beginErasure(input.systems, Date.now(), ticket);
      return { recordId: machine.recordId, releasedBy: runRef, order: erasureOrder(machine, ledger, input, new Date().toISOString(), ticket) };
    },
    { validator: (raw) => void validateRelease(machine, raw, Date.now()) },
  );
  setHandler(releaseSignal, (raw) => {
    const parsed = releaseRequestSchema.safeParse(raw);
    if (!parsed.success) return; // a malformed signal changes nothing
    if (parsed.data.approvedBy) ledger.approval(parsed.data.runRef, parsed.data.approvedBy, new Date().toISOString());
    machine.requestRelease(parsed.data.runRef);
  });
  setHandler(erasureOutcomeSignal, (raw) => {
    const parsed = erasureOutcomeSchema.safeParse(raw);
    // Only the batch given this release's order knows its ticket; anything else (a repeat, a forgery) changes nothing.
    if (parsed.success && machine.erasureTicket !== undefined && parsed.data.ticket === machine.erasureTicket) told = parsed.data.outcome;
  });
  return { told: () => told };
}
