import { allHandlersFinished, ApplicationFailure, condition, continueAsNew, proxyActivities, rootCause, setHandler, workflowInfo } from '@temporalio/workflow';
import type * as activities from '../activities';
import type * as inquiryActivities from '../activities/inquiry';
import { candidateDecisionSchema, inquiryWorkflowId, noMatchSchema, type InquiryReviewInput } from '../schemas/inquiry-review';
import { refusalText } from '../schemas/zod-problems';
import { activityOptions } from './activity-options';
import { confirmNoMatchUpdate, decideCandidateUpdate, inquiryStatusQuery, refusal, registryChangedSignal, type RefusalKind } from './definitions';
import { InquiryReview } from './inquiry-review-state';
import { notAuthenticText, signatureProblem } from './signed-action';
import type { Warrant } from '../schemas/signed-action';

type Activities = ReturnType<typeof activities.createActivities> & ReturnType<typeof inquiryActivities.createInquiryActivities>;

const desk = proxyActivities<Activities>(activityOptions.registry);
const deciding = proxyActivities<Activities>(activityOptions.whileWaiting);
const alerts = proxyActivities<Activities>(activityOptions.alert);

export interface InquiryReviewResult {
  readonly outcome: 'linked' | 'destroyed' | 'gone';
  readonly destroyed: readonly string[];
}

const refused = (kind: RefusalKind, label: string, why: string) => refusal(kind, `${label} refused: ${why}`, { action: label });

/**
 * One inquiry's matching (README, "Matching inquiries to records"): registers it on the
 * records it links to, holds the candidates for a screened reviewer, answers the
 * requester only once that is settled — "no data found" only after a reviewer confirmed
 * it — and destroys an answered inquiry without records after the cutoff, until which
 * records imported later are matched against it too. Ids, accounts and instants only.
 */
export async function inquiryReview(input: InquiryReviewInput): Promise<InquiryReviewResult> {
  const review = new InquiryReview(input);
  let reloadWanted = true;
  const workflowId = inquiryWorkflowId(input.inquiryId);
  const usedNonces = new Set<string>();
  /** The reviewer's signed confirmations, forwarded to the records they name as the warrant of `registerInquiry` (workflows/record/authenticity.ts). */
  const confirmations = new Map<string, Warrant>((input.warrants ?? []).map((w) => [String(w.body.recordId), w]));
  const unsigned = (label: string, update: string, raw: unknown, command: string) => {
    const why = signatureProblem({ keys: input.actionKeys, workflowId, update, body: raw, now: Date.now(), usedNonces });
    if (why) throw refusal('unsigned', notAuthenticText(label, why, command), { action: label });
  };

  // Handlers first, main logic below.
  setHandler(inquiryStatusQuery, () => review.status());
  setHandler(registryChangedSignal, () => {
    reloadWanted = true;
  });
  setHandler(
    decideCandidateUpdate,
    async (raw) => {
      const decision = candidateDecisionSchema.parse(raw);
      if (decision.proof) usedNonces.add(decision.proof.nonce);
      review.beginDecision(decision.recordId);
      try {
        // The registry keeps the decision; its proof travels on to the record as the warrant.
        await deciding.recordCandidateDecision({
          inquiryId: input.inquiryId,
          recordId: decision.recordId,
          outcome: decision.outcome,
          actor: decision.actor,
          ...(decision.reason ? { reason: decision.reason } : {}),
        });
      } catch (err) {
        review.abortDecision(decision.recordId);
        throw ApplicationFailure.nonRetryable(`${decision.outcome} refused: ${rootCause(err)}`, 'DECISION_NOT_RECORDED');
      }
      if (decision.outcome === 'confirm') confirmations.set(decision.recordId, { workflowId, update: decideCandidateUpdate.name, body: raw });
      review.decide(decision, new Date());
      return review.status();
    },
    {
      validator: (raw) => {
        const parsed = candidateDecisionSchema.safeParse(raw);
        const label = (raw as { outcome?: unknown } | undefined)?.outcome === 'reject' ? 'reject' : 'confirm';
        if (!parsed.success) throw refused('invalid', label, refusalText(parsed.error, '(decision)'));
        unsigned(label, decideCandidateUpdate.name, raw, `inquiry ${label} ${input.inquiryId} ${parsed.data.recordId}`);
        const why = review.decisionRefusal(parsed.data);
        if (why) throw refused('state', label, why);
      },
    },
  );
  setHandler(
    confirmNoMatchUpdate,
    async (raw) => {
      const action = noMatchSchema.parse(raw);
      if (action.proof) usedNonces.add(action.proof.nonce);
      review.beginNoMatch();
      try {
        await deciding.recordNoMatch({ inquiryId: input.inquiryId, actor: action.actor });
      } catch (err) {
        review.abortNoMatch();
        throw ApplicationFailure.nonRetryable(`no-match refused: ${rootCause(err)}`, 'DECISION_NOT_RECORDED');
      }
      review.confirmNoMatch(action, new Date());
      return review.status();
    },
    {
      validator: (raw) => {
        const parsed = noMatchSchema.safeParse(raw);
        if (!parsed.success) throw refused('invalid', 'no-match', refusalText(parsed.error, '(action)'));
        unsigned('no-match', confirmNoMatchUpdate.name, raw, `inquiry no-match ${input.inquiryId}`);
        const why = review.noMatchRefusal(parsed.data);
        if (why) throw refused('state', 'no-match', why);
      },
    },
  );

  const warrantFor = (recordId: string): { warrant?: Warrant } => {
    const warrant = confirmations.get(recordId) ?? input.registration;
    return warrant ? { warrant } : {};
  };

  for (;;) {
    if (reloadWanted) {
      reloadWanted = false;
      review.load(await desk.loadInquiryReview({ inquiryId: input.inquiryId }), new Date());
    }
    for (const link of review.pendingRegistrations(new Date())) {
      const outcome = await desk.registerInquiryOnRecord({
        inquiryId: input.inquiryId,
        recordId: link.recordId,
        receivedAt: input.receivedAt,
        actor: link.actor,
        ...warrantFor(link.recordId),
      });
      review.registration(link.recordId, outcome, new Date());
    }
    if (review.responseOverdue(new Date())) {
      const failure = await alerts.notifyCoordinators({ inquiryId: input.inquiryId, what: 'inquiry-review-overdue', due: input.responseDue }).then(
        () => undefined,
        (err: unknown) => rootCause(err),
      );
      review.markResponseOverdue(new Date(), failure);
    }
    const letter = review.letterDue();
    if (letter) {
      const { messageId } = await desk.sendNoDataFound({ inquiryId: input.inquiryId, beingDestroyed: letter === 'being-destroyed' });
      review.letterSent(letter, messageId, new Date());
      continue;
    }
    const verdict = review.verdict(new Date());
    if (verdict) {
      await condition(allHandlersFinished);
      // A decision that came in while the handlers finished is honoured first.
      if (review.verdict(new Date()) !== verdict || reloadWanted) continue;
      if (verdict === 'done') return { outcome: review.status().stage === 'gone' ? 'gone' : 'linked', destroyed: [] };
      const { destroyed } = await desk.destroyUnmatchedInquiry({ inquiryId: input.inquiryId });
      review.markDestroyed(destroyed, new Date());
      return { outcome: 'destroyed', destroyed };
    }
    if (workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      // The registry holds everything the review knows: the next run reads it again.
      return continueAsNew<typeof inquiryReview>({ ...input, warrants: [...confirmations.values()] });
    }
    const seen = review.changes;
    const deadline = review.nextDeadline(new Date());
    const changed = () => review.changes !== seen || reloadWanted;
    if (deadline) await condition(changed, Math.max(deadline.at - Date.now(), 1));
    else await condition(changed);
  }
}
