import type { UpdateDefinition } from '@temporalio/common';
import { ApplicationFailure, defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ActionInput, ActionName } from '../schemas/actions';
import type { CandidateDecisionInput, InquiryReviewStatus, NoMatchInput } from '../schemas/inquiry-review';
import type { RecordStatus } from '../schemas/lifecycle';
import type { ErasureOrder, ErasureOutcome } from '../schemas/erasure-order';
import { skipReasons, type ApproveWave, type PurgeProgress, type Releasability, type ReleaseRequest, type SkipReason } from '../schemas/purge';

/**
 * Every name the workflows share with the clients, the activities and the workers: workflow
 * types, task queues, updates, queries, signals and the failures a validator refuses with
 * (docs/ARCHITECTURE.md, "Components"). Nothing here runs; each name is spelled once.
 */

export const workflowTypes = {
  recordLifecycle: 'recordLifecycle',
  purgeRun: 'purgeRun',
  inquiryReview: 'inquiryReview',
} as const;

/** Erasure runs on its own, rate-limited queue beside the worker's main queue. */
export const storageTaskQueue = (taskQueue: string): string => `${taskQueue}-storage`;
/** The activities that run on the storage queue: a record erased on its own, and a purge wave's batch. */
export const storageActivities = ['eraseRecord', 'eraseReleased'] as const;

// --- the record lifecycle -------------------------------------------------------------

export const statusQuery = defineQuery<RecordStatus>('status');

type ActionUpdate<A extends ActionName> = UpdateDefinition<RecordStatus, [ActionInput<A>], A>;

/** One Workflow Update per coordinator action; each returns the record's new status. */
export const actionUpdates: { [A in ActionName]: ActionUpdate<A> } = {
  registerInquiry: defineUpdate('registerInquiry'),
  recordConsent: defineUpdate('recordConsent'),
  confirmIdentity: defineUpdate('confirmIdentity'),
  sendExplanation: defineUpdate('sendExplanation'),
  fileObjection: defineUpdate('fileObjection'),
  decideObjection: defineUpdate('decideObjection'),
  placeHold: defineUpdate('placeHold'),
  releaseHold: defineUpdate('releaseHold'),
  retryErasure: defineUpdate('retryErasure'),
};

export interface ReleaseAnswer {
  readonly recordId: string;
  readonly releasedBy: string;
  /** What the batch that erases the record needs for its certificate; the lifecycle then waits for `erasureOutcomeSignal`. */
  readonly order?: ErasureOrder;
}

/** A purge run releases a due record with this update; the validator refuses what is not releasable. */
export const releaseUpdate = defineUpdate<ReleaseAnswer, [ReleaseRequest]>('releaseForErasure');
/** The same release for a lifecycle the run starts again (signal-with-start); judged once the lifecycle has caught up with time. */
export const releaseSignal = defineSignal<[ReleaseRequest]>('releaseForErasure');
/** The batch that erased a released record tells its lifecycle (with the release's ticket); the lifecycle completes on it. */
export const erasureOutcomeSignal = defineSignal<[ErasureOutcome]>('erasureOutcome');
/** What a dry run asks: would a release be accepted now, and if not, why. */
export const releasableQuery = defineQuery<Releasability>('releasable');

// --- the purge run ---------------------------------------------------------------------

export const purgeProgressQuery = defineQuery<PurgeProgress>('progress');
export const approveWaveUpdate = defineUpdate<{ wave: number; approvedBy: string }, [ApproveWave]>('approveWave');

// --- the inquiry review ------------------------------------------------------------------

/** The registry changed for this inquiry (records imported, lifecycles started): read it again. */
export const registryChangedSignal = defineSignal('registryChanged');
/** A screened reviewer confirms or rejects one candidate. */
export const decideCandidateUpdate = defineUpdate<InquiryReviewStatus, [CandidateDecisionInput]>('decideCandidate');
/** A screened reviewer confirms that no record is the requester's: the "no data found" letter may go. */
export const confirmNoMatchUpdate = defineUpdate<InquiryReviewStatus, [NoMatchInput]>('confirmNoMatch');
export const inquiryStatusQuery = defineQuery<InquiryReviewStatus>('inquiryStatus');

// --- refusals ----------------------------------------------------------------------------

/**
 * Why a validator refused, as the failure's `type`. The message is for people; programs
 * read the type and the details (ids, phases and instants only: invariant 1).
 */
export const refusalTypes = {
  /** The payload does not parse: the message names the field and the fix. */
  invalid: 'InvalidRequest',
  /** The acting account's role may not take this action. */
  role: 'RoleNotAllowed',
  /** The action is not allowed in the record's (or run's, or review's) state now. */
  state: 'NotAllowedNow',
  /** The erasure service did not sign this action (no proof, unknown key, forged, for another workflow or action, stale or replayed). */
  unsigned: 'NotAuthentic',
  /** The same account may not take both sides of a decision (four eyes). */
  fourEyes: 'FourEyesRequired',
} as const;
export type RefusalKind = keyof typeof refusalTypes;

/** Structured details of a refused action: what was refused and what would be accepted now. */
export interface ActionRefusalDetails {
  readonly action: string;
  readonly allowedNow?: readonly string[];
}

export const refusal = (kind: RefusalKind, message: string, details: ActionRefusalDetails): ApplicationFailure =>
  ApplicationFailure.create({ type: refusalTypes[kind], message, details: [details], nonRetryable: true });

/** A release refusal's type: one per reason the purge run counts, e.g. `NotReleasable.legal-hold`. */
const releaseRefusalType = (reason: SkipReason): string => `NotReleasable.${reason}`;

export interface ReleaseRefusal {
  readonly reason: SkipReason;
  readonly detail: string;
}

export const releaseRefusal = (refused: ReleaseRefusal): ApplicationFailure =>
  ApplicationFailure.create({ type: releaseRefusalType(refused.reason), message: refused.detail, details: [refused], nonRetryable: true });

/**
 * The reason of a release refused by a lifecycle's validator, from the failure an update
 * client receives (its cause) or the failure itself; undefined for any other error.
 */
export function releaseRefusalOf(err: unknown): ReleaseRefusal | undefined {
  const failure = err instanceof ApplicationFailure ? err : err instanceof Error && err.cause instanceof ApplicationFailure ? err.cause : undefined;
  const reason = skipReasons.find((r) => failure?.type === releaseRefusalType(r));
  return reason && failure ? { reason, detail: failure.message } : undefined;
}
