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
import { eraseAndVerify } from './erasure';
import { allowedActions, registerActionHandlers, type ActionContext } from './lifecycle-actions';
import { LifecycleState } from './lifecycle-state';

export { actionUpdates } from './lifecycle-actions';

export interface RecordLifecycleResult {
  readonly recordId: string;
  readonly certificateId: string;
  readonly erasedAt: string;
}

export const statusQuery = defineQuery<RecordStatus>('status');

type Activities = ReturnType<typeof activities.createActivities>;

// Mail and registry bookkeeping: retried with backoff for as long as it takes; each is
// idempotent (one message per kind, destruction of what is gone is success).
const desk = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
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
  const state = new LifecycleState(input, (phase: LifecyclePhase, flags) =>
    upsertSearchAttributes([
      { key: searchAttributes.LifecyclePhase, value: phase },
      { key: searchAttributes.InquiryOpen, value: flags.inquiryOpen },
      { key: searchAttributes.OnHold, value: flags.onHold },
      { key: searchAttributes.ResponseOverdue, value: flags.responseOverdue },
    ]),
  );

  // Handlers first, main logic below.
  setHandler(statusQuery, () => state.status(allowedActions(state)));
  const context: ActionContext = { state, input, sendExplanation: desk.sendExplanation };
  registerActionHandlers(context);

  state.enter('awaiting-cutoff', 'system', `waiting for the inquiry cutoff ${input.policy.inquiryCutoff}`);

  for (;;) {
    state.advance(new Date());

    if (state.responseEscalationDue(new Date())) {
      const inquiry = state.inquiry!;
      await desk.notifyCoordinators({ recordId: input.recordId, inquiryId: inquiry.inquiryId, what: 'response-overdue', due: inquiry.responseDue });
      state.markResponseOverdue();
      continue;
    }
    if (state.reviewNotificationDue(new Date())) {
      await desk.notifyCoordinators({ recordId: input.recordId, what: 'retention-review', due: state.reviewDue! });
      state.markReviewNotified();
      continue;
    }
    if (state.phase === 'due' && !state.legalHold && Date.now() >= Date.parse(input.policy.purgeStart)) {
      const result = await erase(state, input.recordId);
      if (result) {
        await condition(allHandlersFinished);
        return result;
      }
      continue;
    }

    const seen = state.version;
    const deadline = state.nextDeadline(new Date());
    if (deadline) {
      await condition(() => state.version !== seen, Math.max(deadline.at - Date.now(), 1), { summary: deadline.summary });
    } else {
      await condition(() => state.version !== seen);
    }
  }

  async function erase(lifecycle: LifecycleState, recordId: string): Promise<RecordLifecycleResult | undefined> {
    const outcome = await eraseAndVerify(recordId, input.systems, (phase, note) => lifecycle.enter(phase, 'system', note));
    if (!outcome.ok) {
      lifecycle.failErasure(outcome.error);
      return undefined;
    }
    let inquiry: Awaited<ReturnType<Activities['destroyInquiryData']>> | undefined;
    if (lifecycle.inquiry) {
      const { inquiryId } = lifecycle.inquiry;
      // The confirmation goes out before the contact data it needs is destroyed.
      await desk.sendDestructionConfirmation({ recordId, inquiryId, erasedAt: new Date().toISOString() });
      inquiry = await desk.destroyInquiryData({ inquiryId, recordId });
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
      lifecycle.failErasure(`the certificate could not be written: ${err instanceof Error && err.cause instanceof Error ? err.cause.message : String(err)}`);
      return undefined;
    }
    lifecycle.certify(receipt.certificateId, receipt.issuedAt);
    upsertSearchAttributes([{ key: searchAttributes.ErasedAt, value: new Date(receipt.issuedAt) }]);
    lifecycle.enter('erased', 'system', `certificate ${receipt.certificateId} (ledger entry ${receipt.sequence})`);
    return { recordId, certificateId: receipt.certificateId, erasedAt: receipt.issuedAt };
  }
}
