import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { Pool } from 'pg';
import type { InquiryReviewSnapshot } from '../schemas/inquiry-review';
import { recordWorkflowId, type RecordStatus } from '../schemas/lifecycle';
import type { Actor } from '../schemas/roles';
import type { Warrant } from '../schemas/signed-action';
import { actionUpdates, statusQuery } from '../workflows/definitions';
import { ERASURE_PHASES } from '../schemas/lifecycle';
import type { Registration } from '../workflows/inquiry-review-state';
import { withErrorBoundary } from './error-boundary';
import { inquiryExists, unlinkInquiry } from './registry/inquiries';
import { inquirySnapshot, markLinkRegistered, recordCandidateDecision, recordNoMatch } from './registry/inquiry-matching';

export interface InquiryActivityDeps {
  readonly registry: Pool;
  /** Registers inquiries on record lifecycles (Workflow Updates), as the coordinator or reviewer who linked them. */
  readonly client: Client;
}

/**
 * The side effects of an inquiry's review: what the registry holds of its matching, the
 * reviewer's decisions (recorded and logged), and registering the inquiry on the records
 * it links to. Ids, accounts and instants only.
 */
export function createInquiryActivities(deps: InquiryActivityDeps) {
  const lifecycleStatus = async (recordId: string): Promise<RecordStatus | undefined> => {
    try {
      return await deps.client.workflow.getHandle(recordWorkflowId(recordId)).query(statusQuery);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      // Other client errors name workflow ids and status codes only: they cross the error boundary unchanged (error-boundary.ts).
      throw err;
    }
  };

  return withErrorBoundary({
    async loadInquiryReview(input: { inquiryId: string }): Promise<InquiryReviewSnapshot> {
      return inquirySnapshot(deps.registry, input.inquiryId);
    },

    /**
     * Registers the inquiry on a linked record's lifecycle (the update `registerInquiry`,
     * which validates it). Idempotent: a lifecycle that has this inquiry already counts as
     * registered. A record whose erasure has begun is unlinked (the requester is told
     * the data is being destroyed); one that refuses for another reason is asked again.
     */
    async registerInquiryOnRecord(input: { inquiryId: string; recordId: string; receivedAt: string; actor: Actor; warrant?: Warrant }): Promise<Registration> {
      if (!(await inquiryExists(deps.registry, input.inquiryId))) return { result: 'inquiry-gone' };
      const status = await lifecycleStatus(input.recordId);
      if (!status) return { result: 'no-lifecycle' };
      const registered = async (): Promise<Registration> => {
        await markLinkRegistered(deps.registry, input.inquiryId, input.recordId);
        return { result: 'registered' };
      };
      if (status.inquiry?.inquiryId === input.inquiryId) return registered();
      if (ERASURE_PHASES.includes(status.phase)) {
        await unlinkInquiry(deps.registry, input.inquiryId, input.recordId);
        return { result: 'being-destroyed', detail: `it is ${status.phase}; its data is already being destroyed` };
      }
      try {
        await deps.client.workflow.getHandle(recordWorkflowId(input.recordId)).executeUpdate(actionUpdates.registerInquiry, {
          // The warrant is the service-signed registration or confirmation that makes the record believe this actor.
          args: [{ actor: input.actor, inquiryId: input.inquiryId, receivedAt: input.receivedAt, ...(input.warrant ? { warrant: input.warrant } : {}) }],
          updateId: `register-inquiry-${input.inquiryId}`,
        });
        return await registered();
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return { result: 'no-lifecycle' };
        if (!(err instanceof WorkflowUpdateFailedError)) throw err;
        // The validator's refusal names the phase and the rule, never personal data.
        return { result: 'refused', detail: err.cause?.message ?? err.message };
      }
    },

    async recordCandidateDecision(input: { inquiryId: string; recordId: string; outcome: 'confirm' | 'reject'; actor: Actor; reason?: string }): Promise<void> {
      return recordCandidateDecision(deps.registry, input);
    },

    async recordNoMatch(input: { inquiryId: string; actor: Actor }): Promise<void> {
      return recordNoMatch(deps.registry, input);
    },
  });
}

export type InquiryActivities = ReturnType<typeof createInquiryActivities>;
