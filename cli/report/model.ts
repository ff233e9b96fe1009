import { lifecyclePhases, type LifecyclePhase } from '../../schemas/lifecycle';

/**
 * The shape of `erasure report --json`, version 1. Stable: fields are added, never renamed
 * or removed, without a new `format`; an absent value is `null`, never a missing key.
 * Ids, dossier ids, counts, instants, phases and reasons only: no personal data.
 */
export const REPORT_FORMAT = 'erasure-operation-report/1';

/** Records per lifecycle phase, every phase present (0 when none). */
export type PhaseCounts = Readonly<Record<LifecyclePhase, number>>;

/** Why a record is not erased yet: a phase before erasure, or no lifecycle to be in one. */
export type PendingKey = 'no-lifecycle' | 'lifecycle-not-running' | Exclude<LifecyclePhase, 'erased'>;

export interface OperationReport {
  readonly format: typeof REPORT_FORMAT;
  /** ISO instant the report was collected. */
  readonly generatedAt: string;
  readonly namespace: string;
  readonly totals: {
    /** Rows in the registry's `records`. */
    readonly imported: number;
    /** Records with a certificate in the ledger (authoritative). */
    readonly erased: number;
    /** imported − erased. */
    readonly pending: number;
    /** Imported, not erased, and no lifecycle started (`erasure start`). */
    readonly withoutLifecycle: number;
    /** Records whose data came back after erasure (flagged by reconciliation). */
    readonly resurrected: number;
  };
  /** Temporal visibility: running lifecycles per phase; `erased` counts closed ones too. */
  readonly phases: PhaseCounts;
  /** Every pending reason in lifecycle order (0 when none); sums to `totals.pending` unless visibility lags (see notes). */
  readonly pending: readonly PendingEntry[];
  readonly dossiers: readonly DossierReport[];
  /** The policies records were imported under, with their deadlines, earliest purge start first. */
  readonly policies: readonly PolicyEntry[];
  readonly inquiries: InquiryReport;
  readonly holds: HoldReport;
  readonly certificates: CertificateReport;
  /** The last purge runs, newest first. */
  readonly purgeRuns: readonly PurgeRunEntry[];
  readonly resurrections: ResurrectionReport;
  readonly erasureFailures: FailureReport;
  /** Footnotes: where each figure comes from and where sources disagree. */
  readonly notes: readonly string[];
}

export interface PendingEntry {
  readonly key: PendingKey;
  readonly records: number;
  readonly reason: string;
}

export interface DossierReport {
  readonly dossier: string;
  readonly imported: number;
  readonly erased: number;
  readonly withoutLifecycle: number;
  /** Not erased, lifecycle started, but no running lifecycle in visibility. */
  readonly lifecycleNotRunning: number;
  readonly resurrected: number;
  /** Temporal visibility, as `OperationReport.phases`. */
  readonly phases: PhaseCounts;
}

export interface PolicyEntry {
  readonly version: string;
  /** The IANA zone the deadlines were set in; null when the policy gives offsets only. */
  readonly timeZone: string | null;
  /** ISO instants, with the zone's offset when the policy has a zone. */
  readonly inquiryCutoff: string;
  readonly purgeStart: string;
  readonly objectionPeriod: string;
  /** Records imported under this policy. */
  readonly records: number;
}

export interface InquiryReport {
  /** Inquiries still in the registry (their contact data is held, encrypted). */
  readonly open: number;
  readonly openMatched: number;
  /** No record matched: answered "no data found", destroyed after the cutoff. */
  readonly openUnmatched: number;
  /** Closed: the inquiry, the contact data and the mail reference destroyed. */
  readonly destroyed: number;
  /** One per record explained. */
  readonly explanationsSent: number;
  readonly noDataAnswers: number;
  readonly destructionConfirmations: number;
  /** Coordinators alerted that a response deadline (GDPR art. 12(3)) passed. */
  readonly responseOverdueAlerts: number;
  /** Visibility: running lifecycles with `InquiryOpen`. */
  readonly recordsWithOpenInquiry: number;
  /** Visibility: running lifecycles with `ResponseOverdue`. */
  readonly recordsResponseOverdue: number;
}

export interface HoldEntry {
  readonly recordId: string;
  readonly dossier: string;
  readonly kind: 'objection' | 'legal-hold';
  /** The objection or legal-hold reference (a case number, never a name). */
  readonly reference: string;
  readonly since: string;
  /** An objection filed during the legal hold, decided after its release. */
  readonly pendingObjection: string | null;
}

export interface HoldReport {
  /** Visibility: running lifecycles in `on-hold`. */
  readonly onHold: number;
  readonly objectionsAwaitingDecision: number;
  readonly legalHolds: number;
  /** On hold, but the lifecycle was not asked or did not answer (see notes). */
  readonly unclassified: number;
  /** Visibility: kept after a decision on an objection. */
  readonly retained: number;
  readonly items: readonly HoldEntry[];
}

export interface CertificateDay {
  /** UTC date, YYYY-MM-DD. */
  readonly day: string;
  readonly issued: number;
  readonly cumulative: number;
}

export interface CertificateReport {
  readonly total: number;
  readonly firstIssuedAt: string | null;
  readonly lastIssuedAt: string | null;
  /** Every UTC day from the first certificate to the last, days without any included. */
  readonly perDay: readonly CertificateDay[];
}

export interface PurgeOutcome {
  readonly candidates: number;
  readonly released: number;
  readonly restarted: number;
  readonly erased: number;
  readonly failed: number;
  readonly pending: number;
  readonly skipped: Readonly<Record<string, number>>;
  readonly reconciled: number;
  readonly resurrected: number;
  readonly waves: number;
  readonly durationMs: number;
  readonly stoppedBecause: string | null;
  readonly failures: readonly { readonly reason: string; readonly records: number }[];
}

export interface PurgeRunEntry {
  readonly runRef: string;
  readonly dryRun: boolean;
  readonly scheduled: boolean;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  /** The run's stored report; null while it runs (or if it never finished). */
  readonly outcome: PurgeOutcome | null;
}

export interface ResurrectionReport {
  readonly total: number;
  readonly records: number;
  /** Erased again, but the verification still found data. */
  readonly unverified: number;
  readonly bySystem: readonly { readonly system: string; readonly count: number }[];
  /** The latest, newest first. */
  readonly recent: readonly {
    readonly recordId: string;
    readonly dossier: string;
    readonly system: string;
    readonly detectedAt: string;
    readonly runRef: string;
    readonly verified: boolean;
  }[];
}

export interface FailureReport {
  /** Failures logged (a record can fail more than once). */
  readonly total: number;
  readonly records: number;
  readonly recordsNotErased: number;
  /** The latest reason of each record not erased, grouped, most frequent first. */
  readonly reasons: readonly { readonly reason: string; readonly records: number }[];
  /** The latest, newest first. */
  readonly recent: readonly { readonly recordId: string; readonly dossier: string; readonly reason: string; readonly failedAt: string }[];
}

/** Why a record in each pending state is not erased yet, in lifecycle order. */
export const pendingReasons: Readonly<Record<PendingKey, string>> = {
  'no-lifecycle': 'imported, no lifecycle started yet (erasure start)',
  'lifecycle-not-running': 'lifecycle ended without erasure; the next purge run starts it again',
  registered: 'lifecycle starting',
  'awaiting-cutoff': 'waiting for the inquiry cutoff of its policy',
  'awaiting-consent': "inquiry: waiting for the requester's consent",
  'identity-check': "inquiry: waiting for the requester's identity to be confirmed",
  consultation: 'inquiry: waiting for the screened consultation and the explanation',
  'explanation-sent': 'objection period running after the explanation',
  'on-hold': 'objection awaiting a decision, or legal hold',
  due: 'due: waiting for the purge start or the next purge run',
  erasing: 'being erased now',
  verifying: 'being verified now',
  certifying: 'certificate being written now',
  retained: 'retained after a decision on an objection (periodic review)',
  'erasure-failed': 'erasure failed after its retries; a coordinator retries it',
};

export const pendingKeys = Object.keys(pendingReasons) as PendingKey[];

export const zeroPhases = (): Record<LifecyclePhase, number> => Object.fromEntries(lifecyclePhases.map((p) => [p, 0])) as Record<LifecyclePhase, number>;
