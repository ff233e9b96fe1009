import type { SignedDecision } from './signed-action';
import type { StorageSystem } from './inventory';
import type { IdentityCheck } from './lifecycle';

/**
 * What an erasure method reaches, as the certificate states it: sentences of ids and facts
 * about the method and the system (never about the data), so that "verified empty" is
 * read next to what was and was not in reach.
 */
export interface ErasureScope {
  /** What was removed, and how. */
  readonly removed: readonly string[];
  /** Where copies may remain that this method cannot reach (caches, logs, snapshots, backups made elsewhere). */
  readonly notReached: readonly string[];
}

/** Result of erasing one record in one storage system: counts and locators, no content. */
export interface SystemErasure {
  readonly system: StorageSystem;
  readonly method: string;
  readonly locations: readonly string[];
  /** What the system held when erasure first began (kept across retries), per kind. */
  readonly found: Readonly<Record<string, number>>;
  /** Items removed in this attempt, per kind (table, file, ...). Zero when already gone. */
  readonly removed: Readonly<Record<string, number>>;
  readonly scope: ErasureScope;
}

/** Result of checking that nothing of a record is left in one storage system. */
export interface SystemVerification {
  readonly system: StorageSystem;
  readonly verified: boolean;
  /** Items still found, per kind. All zero when verified. */
  readonly remaining: Readonly<Record<string, number>>;
  /** What the check looked at, in words (facts about the method, no data). */
  readonly checked: readonly string[];
  readonly checkedAt: string;
}

export interface IssueCertificateInput {
  readonly recordId: string;
  readonly workflowId: string;
  readonly runId: string;
  readonly erasureStartedAt: string;
  readonly erasures: readonly SystemErasure[];
  readonly verifications: readonly SystemVerification[];
  /** The inquiry data destroyed with the record, if there was an inquiry. */
  readonly inquiry?: { readonly inquiryId: string; readonly destroyed: readonly string[]; readonly remainingRecords: number };
  /** How the requester's identity was established before the consultation: the method and a reference, never a copy of the document. */
  readonly identityCheck?: IdentityCheck;
  /** References of the decisions that led here (objection decisions), never their text. */
  readonly decisionRefs?: readonly string[];
  /** The decisions and approvals with the erasure service's signatures (schemas/signed-action.ts): an auditor verifies them offline. */
  readonly decisions?: readonly SignedDecision[];
  /** What was held, as categories a reader understands, with counts (no content). */
  readonly categories?: readonly { readonly system: StorageSystem; readonly category: string; readonly count: number }[];
  /** Who did it: the worker process, and the activity attempt that erased and then verified. */
  readonly performedBy?: {
    readonly worker: string;
    readonly activity: string;
    readonly attempt: number;
    /** How many records the activity erased together (the purge wave's batch; 1 for a record erased on its own). */
    readonly batch?: number;
    readonly verification: string;
  };
}

export interface CertificateReceipt {
  readonly certificateId: string;
  readonly sequence: number;
  readonly hash: string;
  readonly issuedAt: string;
  /** False when this call found the certificate an earlier attempt had already written. */
  readonly created: boolean;
}
