import { hostname } from 'node:os';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { erasureOrderSchema, type ErasureOrder } from '../schemas/erasure-order';
import { batchEraser, type BatchOutcome, type RecordErasureResult } from './erasure-batch';
import { ErasureError } from '../schemas/errors';
import type { StorageSystem } from '../schemas/inventory';
import { withErrorBoundary } from './error-boundary';
import { letterActivities, sendDestructionConfirmation, type LetterDeps } from './letters';
import type { AdapterRegistry, DataCategory } from './storage/adapter';
import { closeInquiry, type InquiryDestruction } from './registry/inquiries';
import { storeErasureFailure } from './registry/purge-runs';
import { recordLocators } from './registry/records';
import { reconcilePage, type ReconcileRequest } from './registry/reconcile';

export type { ExplanationReceipt, MailReceipt } from './letters';

/** The worker's identity as Temporal shows it by default (pid@host): named on each certificate. */
const WORKER_IDENTITY = `${process.pid}@${hostname()}`;

/** The running activity's type (the function's name when called outside an activity, as tests do). */
function activityName(fallback: string): string {
  try {
    return Context.current().info.activityType;
  } catch {
    return fallback;
  }
}

/** The attempt of the running activity (1 outside an activity, e.g. in a test calling it directly). */
function activityAttempt(): number {
  try {
    return Context.current().info.attempt;
  } catch {
    return 1;
  }
}

export interface ActivityDeps extends LetterDeps {
  readonly adapters: AdapterRegistry;
}

/** A record's erasure as its lifecycle asks for it (schemas/erasure-order.ts). */
export type EraseRecordInput = ErasureOrder;
export type { RecordErasureResult } from './erasure-batch';

/** A reconciliation page as the purge run sees it: counts only (the findings are in the registry). */
export interface ReconcileCounts {
  readonly checked: number;
  readonly scanned: number;
  readonly resurrected: number;
  readonly nextCursor?: string;
}

/**
 * Every side effect of the lifecycle. Activities take and return ids, counts, dates and
 * message ids, never personal data (docs/ARCHITECTURE.md, invariant 1), and are idempotent, so Temporal may
 * retry any of them. What they throw leaves through the error boundary (error-boundary.ts).
 */
export function createActivities(deps: ActivityDeps) {
  const adapterFor = (system: StorageSystem) => {
    const adapter = deps.adapters.get(system);
    if (!adapter) throw new ErasureError('UNSUPPORTED_SYSTEM', `no storage adapter for "${system}" is configured on this worker`);
    return adapter;
  };
  const signingKey = () => {
    if (!deps.keys.signing)
      throw new ErasureError(
        'INVALID_CONFIG',
        'this worker has no certificate signing key: set ERASURE_SIGNING_KEY, or run `npm start` once so that keys.json has one',
      );
    return deps.keys.signing;
  };
  const categoriesOf = async (recordId: string, systems: readonly StorageSystem[]): Promise<DataCategory[]> => {
    const categories: DataCategory[] = [];
    for (const system of systems) {
      const adapter = adapterFor(system);
      categories.push(...adapter.categories((await adapter.locate(await recordLocators(deps.registry, recordId, system))).present));
    }
    return categories;
  };

  /** The inquiry e-mail, erased from the mailbox and verified gone, when its inquiry is destroyed. */
  const eraseInquiryMail = async (mailRef: string): Promise<void> => {
    const mailbox = adapterFor('mailbox');
    await mailbox.erase([mailRef]);
    const check = await mailbox.verifyErased([mailRef]);
    if (!check.verified)
      throw new ErasureError('VERIFICATION_FAILED', `the inquiry e-mail is still in the mailbox after erasure (${JSON.stringify(check.remaining)})`);
  };
  const eraseBatch = batchEraser({
    registry: deps.registry,
    adapters: deps.adapters,
    signingKey,
    closeForRecord: (input) => closeForRecord(input),
    performer: (fallback) => ({ worker: WORKER_IDENTITY, activity: activityName(fallback), attempt: activityAttempt() }),
  });
  /** After erasure: unlinks the inquiry from the record and, with its last record, confirms the destruction to the requester and destroys the inquiry. */
  const closeForRecord = (input: { recordId: string; inquiryId: string; erasedAt: string }): Promise<InquiryDestruction> =>
    closeInquiry(deps.registry, input.inquiryId, input.recordId, () => sendDestructionConfirmation(deps, input), eraseInquiryMail);

  return withErrorBoundary({
    /**
     * A batch of released records erased at once (erasure-batch.ts): per record its
     * certificate, or why it has to be erased on its own.
     */
    eraseBatch: (orders: readonly ErasureOrder[]): Promise<BatchOutcome[]> => eraseBatch(orders.map((o) => erasureOrderSchema.parse(o))),

    /**
     * The whole erasure of one record (a retried erasure, a lifecycle the run started
     * again): the same batch with that record alone. A failure is thrown with its reason, so
     * Temporal retries it as the activity options say.
     */
    async eraseRecord(input: EraseRecordInput): Promise<RecordErasureResult> {
      const [outcome] = await eraseBatch([erasureOrderSchema.parse(input)], 'eraseRecord');
      if (outcome && 'erased' in outcome) return outcome.erased;
      const reason = outcome && 'failed' in outcome ? outcome : { failed: 'no outcome', retryable: true };
      throw reason.retryable ? ApplicationFailure.retryable(reason.failed, 'ERASURE_FAILED') : ApplicationFailure.nonRetryable(reason.failed, 'ERASURE_FAILED');
    },

    /** Keeps a failed erasure's reason (id-only text) for the purge run's report. */
    async recordErasureFailure(input: { recordId: string; reason: string }): Promise<void> {
      await storeErasureFailure(deps.registry, input);
    },

    /** One page of re-checks of certified erasures; what came back is erased again (counts only in the result). */
    async reconcilePage(request: ReconcileRequest): Promise<ReconcileCounts> {
      const page = await reconcilePage(deps.registry, deps.adapters, request);
      return {
        checked: page.checked,
        scanned: page.scanned,
        resurrected: page.resurrected.length,
        ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
      };
    },

    /** An inquiry answered without records (no data, or data already being destroyed): destroyed once the cutoff has passed. */
    async destroyUnmatchedInquiry(input: { inquiryId: string }): Promise<InquiryDestruction> {
      return closeInquiry(deps.registry, input.inquiryId, undefined, () => Promise.resolve(), eraseInquiryMail);
    },

    ...letterActivities(deps, categoriesOf),
  });
}

export type Activities = ReturnType<typeof createActivities>;
