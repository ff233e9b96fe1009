import { hostname } from 'node:os';
import { Context } from '@temporalio/activity';
import type { SystemErasure, SystemVerification } from '../schemas/erasure';
import { ErasureError } from '../schemas/errors';
import type { StorageSystem } from '../schemas/inventory';
import type { IdentityCheck } from '../schemas/lifecycle';
import type { SignedDecision } from '../schemas/signed-action';
import { withErrorBoundary } from './error-boundary';
import { letterActivities, sendDestructionConfirmation, type LetterDeps } from './letters';
import type { AdapterRegistry, DataCategory } from './storage/adapter';
import { issueCertificate } from './registry/certificates';
import { closeInquiry, type InquiryDestruction } from './registry/inquiries';
import { storeErasureFailure } from './registry/purge-runs';
import { recordLocators, snapshotOnce } from './registry/records';
import { reconcilePage, type ReconcileRequest } from './registry/reconcile';

export type { ExplanationReceipt, MailReceipt } from './letters';

/** The worker's identity as Temporal shows it by default (pid@host): named on each certificate. */
const WORKER_IDENTITY = `${process.pid}@${hostname()}`;

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

export interface SystemRequest {
  readonly recordId: string;
  readonly system: StorageSystem;
}

export interface EraseRecordInput {
  readonly recordId: string;
  readonly systems: readonly StorageSystem[];
  readonly workflowId: string;
  readonly runId: string;
  readonly erasureStartedAt: string;
  readonly inquiryId?: string;
  /** How the requester's identity was established (method and reference), when an inquiry got that far. */
  readonly identity?: IdentityCheck;
  readonly decisionRefs: readonly string[];
  /** The decisions and approvals as the erasure service signed them: kept in the certificate for an auditor. */
  readonly decisions?: readonly SignedDecision[];
}

export interface RecordErasureResult {
  readonly certificateId: string;
  readonly sequence: number;
  readonly issuedAt: string;
  readonly verifiedAt: string;
  /** Per system: the items removed, counts only. */
  readonly systems: readonly { system: StorageSystem; removed: Readonly<Record<string, number>> }[];
  readonly inquiryClosed: boolean;
}

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

  const eraseOne = async (request: SystemRequest): Promise<SystemErasure> => {
    const adapter = adapterFor(request.system);
    const locators = await recordLocators(deps.registry, request.recordId, request.system);
    const found = await snapshotOnce(deps.registry, request.recordId, request.system, async () => (await adapter.locate(locators)).present);
    return { ...(await adapter.erase(locators)), found };
  };
  const verifyOne = async (request: SystemRequest): Promise<SystemVerification> =>
    adapterFor(request.system).verifyErased(await recordLocators(deps.registry, request.recordId, request.system));
  /** The inquiry e-mail, erased from the mailbox and verified gone, when its inquiry is destroyed. */
  const eraseInquiryMail = async (mailRef: string): Promise<void> => {
    const mailbox = adapterFor('mailbox');
    await mailbox.erase([mailRef]);
    const check = await mailbox.verifyErased([mailRef]);
    if (!check.verified)
      throw new ErasureError('VERIFICATION_FAILED', `the inquiry e-mail is still in the mailbox after erasure (${JSON.stringify(check.remaining)})`);
  };
  /** After erasure: unlinks the inquiry from the record and, with its last record, confirms the destruction to the requester and destroys the inquiry. */
  const closeForRecord = (input: { recordId: string; inquiryId: string; erasedAt: string }): Promise<InquiryDestruction> =>
    closeInquiry(deps.registry, input.inquiryId, input.recordId, () => sendDestructionConfirmation(deps, input), eraseInquiryMail);

  return withErrorBoundary({
    /**
     * The whole erasure of a record in one idempotent step: erase in every system, verify
     * each, close the inquiry (confirmation mail first), write the certificate. A retry
     * finds the data gone, the inquiry closed and the certificate written, and says so.
     */
    async eraseRecord(input: EraseRecordInput): Promise<RecordErasureResult> {
      const erasures: SystemErasure[] = [];
      for (const system of input.systems) erasures.push(await eraseOne({ recordId: input.recordId, system }));
      const verifications: SystemVerification[] = [];
      for (const system of input.systems) verifications.push(await verifyOne({ recordId: input.recordId, system }));
      const left = verifications.filter((v) => !v.verified);
      if (left.length) {
        const detail = left.map((v) => `${v.system}: ${JSON.stringify(v.remaining)}`).join('; ');
        throw new ErasureError('VERIFICATION_FAILED', `verification found data left after erasure (${detail})`);
      }
      const verifiedAt =
        verifications
          .map((v) => v.checkedAt)
          .sort()
          .at(-1) ?? new Date().toISOString();
      const inquiry = input.inquiryId ? await closeForRecord({ recordId: input.recordId, inquiryId: input.inquiryId, erasedAt: verifiedAt }) : undefined;
      const receipt = await issueCertificate(deps.registry, signingKey(), {
        recordId: input.recordId,
        workflowId: input.workflowId,
        runId: input.runId,
        erasureStartedAt: input.erasureStartedAt,
        erasures,
        verifications,
        ...(inquiry ? { inquiry } : {}),
        ...(input.identity ? { identityCheck: input.identity } : {}),
        decisionRefs: input.decisionRefs,
        ...(input.decisions?.length ? { decisions: input.decisions } : {}),
        categories: erasures.flatMap((e) =>
          adapterFor(e.system)
            .categories(e.found)
            .map((c) => ({ system: e.system, ...c })),
        ),
        performedBy: {
          worker: WORKER_IDENTITY,
          activity: 'eraseRecord',
          attempt: activityAttempt(),
          verification: `verifyErased in ${input.systems.join(', ')} after the erase, in the same attempt`,
        },
      });
      return {
        certificateId: receipt.certificateId,
        sequence: receipt.sequence,
        issuedAt: receipt.issuedAt,
        verifiedAt,
        systems: erasures.map((e) => ({ system: e.system, removed: e.removed })),
        inquiryClosed: inquiry !== undefined,
      };
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
