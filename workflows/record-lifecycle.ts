import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  defineQuery,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type * as activities from '../activities';
import { recordLifecycleInputSchema, type LifecyclePhase, type RecordLifecycleInput, type RecordStatus } from '../schemas/lifecycle';
import { searchAttributes } from '../schemas/search-attributes';
import { eraseAndVerify, eraseVerifyCertify } from './erasure';
import { allowedActions, registerActionHandlers, type ActionContext } from './lifecycle-actions';
import { LifecycleState, type Flags } from './lifecycle-state';
import { judgeSignalledRelease, registerReleaseHandlers } from './release';
import { SearchAttributePublisher } from './search-attribute-publisher';

export { actionUpdates } from './lifecycle-actions';


export interface RecordLifecycleResult {
  readonly recordId: string;
  readonly certificateId: string;
  readonly erasedAt: string;
}

export const statusQuery = defineQuery<RecordStatus>('status');

type Activities = ReturnType<typeof activities.createActivities>;

// Alerts to the coordinators run beside the main loop, so a mail outage delays no
// deadline; after a while a failing alert is given up and noted in the history.
const alerts = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 10 },
});

// Closing the inquiry after erasure (confirmation mail, destruction): retried for a
// while, then the record shows erasure-failed instead of hanging without a certificate.
const closing = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '2 minutes', maximumAttempts: 10 },
});

// The explanation is sent while the coordinator waits for the update's answer: a few
// attempts, then the action fails with the reason and can be taken again.
const explaining = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 4 },
});

// The certificate write is idempotent and the erasure has already happened: keep
// trying until it is written, so that no erased record is ever left without proof.
const ledger = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

/**
 * One personal-data record from registration to its deletion certificate (DESIGN.md,
 * "The record lifecycle"). Deadlines are absolute instants derived from the policy and
 * waited for with durable timers; coordinator actions arrive as validated updates. The
 * workflow sees ids and metadata only.
 */
export async function recordLifecycle(rawInput: RecordLifecycleInput): Promise<RecordLifecycleResult> {
  const parsed = recordLifecycleInputSchema.safeParse(rawInput);
  if (!parsed.success) {
    throw ApplicationFailure.nonRetryable(`recordLifecycle input refused: ${parsed.error.message}`, 'INVALID_INPUT');
  }
  const input = parsed.data;
  // Lifecycles started before the purge run existed erase themselves at the purge start,
  // step by step, and upsert search attributes on every change; newer ones wait for a
  // purge run to release them, erase in one activity and publish once per workflow task.
  const waitsForRelease = input.awaitsRelease === true;
  const publisher = waitsForRelease ? new SearchAttributePublisher() : undefined;
  const state = new LifecycleState(input, (phase: LifecyclePhase, flags: Flags) =>
    publisher
      ? publisher.set(phase, flags)
      : upsertSearchAttributes([
          { key: searchAttributes.LifecyclePhase, value: phase },
          { key: searchAttributes.InquiryOpen, value: flags.inquiryOpen },
          { key: searchAttributes.OnHold, value: flags.onHold },
          { key: searchAttributes.ResponseOverdue, value: flags.responseOverdue },
        ]),
  );

  state.awaitsRelease = waitsForRelease;

  // Handlers first, main logic below.
  setHandler(statusQuery, () => state.status(allowedActions(state)));
  const context: ActionContext = { state, input, sendExplanation: explaining.sendExplanation };
  registerActionHandlers(context);
  registerReleaseHandlers(state);

  state.enter('awaiting-cutoff', 'system', `waiting for the inquiry cutoff ${input.policy.inquiryCutoff}`);

  const pendingAlerts: Promise<void>[] = [];
  const alert = (request: Parameters<Activities['notifyCoordinators']>[0]) => {
    pendingAlerts.push(
      alerts.notifyCoordinators(request).then(
        () => undefined,
        (err: unknown) => state.note('system', `alert to the coordinators (${request.what}) failed: ${causeOf(err)}`),
      ),
    );
  };

  for (;;) {
    state.advance(new Date());
    if (waitsForRelease) judgeSignalledRelease(state);

    if (state.responseEscalationDue(new Date())) {
      const inquiry = state.inquiry!;
      state.markResponseOverdue();
      alert({ recordId: input.recordId, inquiryId: inquiry.inquiryId, what: 'response-overdue', due: inquiry.responseDue });
      continue;
    }
    if (state.reviewNotificationDue(new Date())) {
      state.markReviewNotified();
      alert({ recordId: input.recordId, what: 'retention-review', due: state.reviewDue! });
      continue;
    }
    const erasureStarts = waitsForRelease
      ? state.phase === 'due' && !state.legalHold && state.released !== undefined
      : state.phase === 'due' && !state.legalHold && Date.now() >= Date.parse(input.policy.purgeStart);
    if (erasureStarts) {
      const result = waitsForRelease ? await eraseReleased() : await erase(state, input.recordId);
      if (result) {
        await Promise.all(pendingAlerts);
        await condition(allHandlersFinished);
        return result;
      }
      continue;
    }

    publisher?.flush();
    const seen = state.version;
    const deadline = state.nextDeadline(new Date());
    if (deadline) {
      await condition(() => state.version !== seen, Math.max(deadline.at - Date.now(), 1), { summary: deadline.summary });
    } else {
      await condition(() => state.version !== seen);
    }
  }

  /** Erase, verify, close the inquiry and certify in one activity on the storage queue. */
  async function eraseReleased(): Promise<RecordLifecycleResult | undefined> {
    const erasureStartedAt = new Date().toISOString();
    state.enter('erasing', 'system', `released by ${state.released ?? '?'}; erasing in ${input.systems.join(', ')}, then verifying and certifying`);
    publisher?.flush();
    const info = workflowInfo();
    const outcome = await eraseVerifyCertify(
      {
        recordId: input.recordId,
        systems: input.systems,
        workflowId: info.workflowId,
        runId: info.runId,
        erasureStartedAt,
        ...(state.inquiry ? { inquiryId: state.inquiry.inquiryId } : {}),
        decisionRefs: state.decisionRefs(),
      },
      `${info.taskQueue}-storage`,
    );
    if (!outcome.ok) {
      state.failErasure(outcome.error);
      publisher?.flush();
      // For the purge run's report; the record shows the failure either way.
      await alerts.recordErasureFailure({ recordId: input.recordId, reason: outcome.error }).catch((err: unknown) => {
        state.note('system', `the failure could not be logged in the registry: ${causeOf(err)}`);
      });
      return undefined;
    }
    const r = outcome.result;
    const removed = r.systems.map((s) => `${s.system}: ${Object.entries(s.removed).map(([k, n]) => `${n} ${k}`).join(', ') || 'nothing left to remove'}`);
    state.recordStep('verifying', r.verifiedAt, `erased (${removed.join('; ')}); every system verified empty`);
    state.recordStep('certifying', r.issuedAt, `${r.inquiryClosed ? 'inquiry closed; ' : ''}writing the deletion certificate`);
    state.certify(r.certificateId, r.issuedAt);
    state.enter('erased', 'system', `certificate ${r.certificateId} (ledger entry ${r.sequence})`);
    publisher?.set('erased', state.flags(), new Date(r.issuedAt));
    publisher?.flush();
    return { recordId: input.recordId, certificateId: r.certificateId, erasedAt: r.issuedAt };
  }

  async function erase(lifecycle: LifecycleState, recordId: string): Promise<RecordLifecycleResult | undefined> {
    const outcome = await eraseAndVerify(recordId, input.systems, (phase, note) => lifecycle.enter(phase, 'system', note));
    if (!outcome.ok) {
      lifecycle.failErasure(outcome.error);
      return undefined;
    }
    let inquiry: Awaited<ReturnType<Activities['closeInquiryForRecord']>> | undefined;
    if (lifecycle.inquiry) {
      try {
        // The confirmation goes out before the contact data it needs is destroyed.
        inquiry = await closing.closeInquiryForRecord({ inquiryId: lifecycle.inquiry.inquiryId, recordId, erasedAt: new Date().toISOString() });
      } catch (err) {
        lifecycle.failErasure(`the data is erased, but the inquiry could not be closed: ${causeOf(err)}`);
        return undefined;
      }
    }
    lifecycle.enter('certifying', 'system', 'every system verified empty; writing the deletion certificate');
    const info = workflowInfo();
    let receipt: Awaited<ReturnType<Activities['issueCertificate']>>;
    try {
      receipt = await ledger.issueCertificate({
        recordId,
        workflowId: info.workflowId,
        runId: info.runId,
        erasureStartedAt: outcome.startedAt,
        erasures: outcome.erasures,
        verifications: outcome.verifications,
        ...(inquiry ? { inquiry } : {}),
        decisionRefs: lifecycle.decisionRefs(),
      });
    } catch (err) {
      // Only a permanent failure gets here (the ledger retries everything else): stay visible and retryable.
      lifecycle.failErasure(`the certificate could not be written: ${causeOf(err)}`);
      return undefined;
    }
    lifecycle.certify(receipt.certificateId, receipt.issuedAt);
    upsertSearchAttributes([{ key: searchAttributes.ErasedAt, value: new Date(receipt.issuedAt) }]);
    lifecycle.enter('erased', 'system', `certificate ${receipt.certificateId} (ledger entry ${receipt.sequence})`);
    return { recordId, certificateId: receipt.certificateId, erasedAt: receipt.issuedAt };
  }
}

/** The message of an activity failure's cause (already reduced to codes by the activities). */
function causeOf(err: unknown): string {
  return err instanceof Error && err.cause instanceof Error ? err.cause.message : String(err);
}
