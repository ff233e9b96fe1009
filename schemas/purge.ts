import { z } from 'zod';
import { durationSchema } from './duration';
import { actorSchema } from './roles';
import { actionKeySchema, proofSchema } from './signed-action';

/** The request a purge run sends a due record (update, or signal with signal-with-start). */
export const releaseRequestSchema = z.strictObject({
  /** The run that releases the record (its workflow id), kept in the record history. */
  runRef: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'a run reference is an id (a letter or digit, then letters, digits, . _ : -)'),
  /** The privacy officer's signed approval of the wave that released the record, for its certificate. */
  approvedBy: z.strictObject({ actor: actorSchema, wave: z.int().min(1), proof: proofSchema }).optional(),
});
export type ReleaseRequest = z.infer<typeof releaseRequestSchema>;

/**
 * Why a record is not released: the purge run counts these per reason; a dry run lists
 * them too. No other text crosses into the run's history.
 */
export const skipReasons = [
  'not-due-yet',
  'inquiry-open',
  'objection-period',
  'objection-on-hold',
  'legal-hold',
  'retained',
  'erasure-failed',
  'already-released',
  'erased',
  'before-purge-start',
] as const;
export type SkipReason = (typeof skipReasons)[number];

export interface Releasability {
  readonly releasable: boolean;
  readonly reason?: SkipReason;
  readonly detail?: string;
}

/** How a purge run behaves: from the policy's `purgeRun` settings, overridable per run. */
export const purgeRunSettingsSchema = z.strictObject({
  /** Records released per wave (one page of the registry cursor). */
  waveSize: z.int('waveSize must be a whole number').min(1, 'waveSize must be at least 1').max(10_000, 'waveSize must be at most 10000').default(500),
  /** Released records erased together in one batch (one transaction per system, one ledger transaction). */
  erasureBatch: z
    .int('erasureBatch must be a whole number')
    .min(1, 'erasureBatch must be at least 1')
    .max(1000, 'erasureBatch must be at most 1000')
    .default(100),
  /** A privacy officer approves each wave before it is released. */
  approvalRequired: z.boolean().default(false),
  /** Share of earlier erasures re-checked by each run: 1 = all, 0 = none. */
  reconcileSample: z.number().min(0, 'reconcileSample is a share between 0 and 1').max(1, 'reconcileSample is a share between 0 and 1').default(1),
  /** How long a run waits for released records to be erased before it reports what is still pending. */
  settleTimeout: durationSchema.default('6h'),
});
export type PurgeRunSettings = z.output<typeof purgeRunSettingsSchema>;

const countsSchema = z.record(z.string(), z.number().int().nonnegative());

/** Running totals a run carries across continue-as-new: counts only, never record ids. */
export const purgeTotalsSchema = z.strictObject({
  candidates: z.number().int().nonnegative().default(0),
  released: z.number().int().nonnegative().default(0),
  restarted: z.number().int().nonnegative().default(0),
  skipped: countsSchema.default({}),
  reconciled: z.number().int().nonnegative().default(0),
  resurrected: z.number().int().nonnegative().default(0),
  waves: z.number().int().nonnegative().default(0),
  /** Release chunks so far (each erased as one batch): numbers the batches within the run. */
  batches: z.number().int().nonnegative().default(0),
});
export type PurgeTotals = z.output<typeof purgeTotalsSchema>;

export const purgeStages = ['release', 'reconcile', 'settle'] as const;

/** Who started a run (or created its schedule), as the service signed it: the four-eyes rule keeps them from approving its waves. */
export const purgeStartSchema = z.strictObject({ actor: actorSchema, scheduleId: z.string().min(1).max(200).optional(), proof: proofSchema.optional() });
export type PurgeStart = z.infer<typeof purgeStartSchema>;

export const purgeRunInputSchema = z.strictObject({
  dryRun: z.boolean().default(false),
  /** The erasure service's public keys (base64url): approvals are believed only when one of them signed. */
  actionKeys: z.array(actionKeySchema).max(16),
  startedBy: purgeStartSchema,
  /** Only this dossier (a coordinator may destroy one dossier first); unset: every dossier. */
  dossier: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'a dossier id (a letter or digit, then letters, digits, . _ : -)')
    .optional(),
  /** Started by this schedule: the run releases no further wave once the schedule is paused. */
  scheduleId: z.string().min(1).max(200).optional(),
  settings: purgeRunSettingsSchema.prefault({}),
  /** Tests force continue-as-new early with this; normally the server's suggestion decides. */
  continueAsNewAfterEvents: z.int().min(50).optional(),
  /** Set by the run itself when it continues as new. */
  carried: z
    .strictObject({
      runRef: z.string().min(1),
      startedAt: z.iso.datetime(),
      stage: z.enum([...purgeStages, 'done']),
      cursor: z.string().optional(),
      stoppedBecause: z.string().optional(),
      totals: purgeTotalsSchema,
    })
    .optional(),
});
export type PurgeRunInput = z.input<typeof purgeRunInputSchema>;

/** The privacy officer's approval of one wave (an update with a validator). */
export const approveWaveSchema = z.strictObject({
  actor: actorSchema,
  wave: z.int().min(1, 'waves are numbered from 1'),
  proof: proofSchema.optional(),
});
export type ApproveWave = z.infer<typeof approveWaveSchema>;

export interface PurgeFailure {
  readonly reason: string;
  readonly records: number;
}

/** The run report: stored in the registry, returned by the workflow, printed by the CLI. */
export interface PurgeReport {
  readonly runRef: string;
  readonly dryRun: boolean;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  readonly candidates: number;
  readonly released: number;
  readonly restarted: number;
  readonly erased: number;
  readonly pending: number;
  readonly failed: number;
  readonly failures: readonly PurgeFailure[];
  readonly skipped: Readonly<Record<string, number>>;
  readonly reconciled: number;
  readonly resurrected: number;
  readonly waves: number;
  /** Why the run ended before it had looked at every due record (the schedule was paused). */
  readonly stoppedBecause?: string;
  /** Dry run: what would be destroyed, per dossier and system (records and locations). */
  readonly wouldDestroy?: readonly { dossier: string; system: string; records: number; locations: number }[];
  /** Dry run: the file with the record ids (on the worker's machine). */
  readonly reportFile?: string;
}

/** What the run shows while it works (query `progress`). */
export interface PurgeProgress {
  readonly runRef: string;
  readonly dryRun: boolean;
  readonly stage: (typeof purgeStages)[number] | 'awaiting-approval' | 'done';
  readonly wave: number;
  readonly awaitingApprovalOfWave?: number;
  readonly totals: PurgeTotals;
  readonly settled?: { released: number; erased: number; failed: number; pending: number };
}

export const PURGE_SCHEDULE_ID = 'erasure-purge-schedule';
export const purgeRunWorkflowId = (stamp: string): string => `purge-run-${stamp}`;
