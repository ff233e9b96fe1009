import { z } from 'zod';
import { policySchema } from './policy';
import { storageSystemSchema } from './inventory';
import { actionKeySchema } from './signed-action';
import type { IdentityMethod } from './actions';

/** Every phase of the record lifecycle (docs/ARCHITECTURE.md, "The record lifecycle"). */
export const lifecyclePhases = [
  'registered',
  'awaiting-cutoff',
  'awaiting-consent',
  'identity-check',
  'consultation',
  'explanation-sent',
  'on-hold',
  'due',
  'erasing',
  'verifying',
  'certifying',
  'erased',
  'retained',
  'erasure-failed',
] as const;
export const lifecyclePhaseSchema = z.enum(lifecyclePhases);
export type LifecyclePhase = z.infer<typeof lifecyclePhaseSchema>;

/** Phases in which erasure has begun: a hold or an inquiry can no longer stop it. */
export const ERASURE_PHASES: readonly LifecyclePhase[] = ['erasing', 'verifying', 'certifying', 'erased', 'erasure-failed'];

/**
 * Input of `recordLifecycle`: ids and the policy, never personal data (docs/ARCHITECTURE.md, invariant 1).
 * The systems are names only; the locations themselves stay in the registry.
 */
export const recordLifecycleInputSchema = z.strictObject({
  recordId: z.string().min(1),
  dossier: z.string().min(1),
  systems: z.array(storageSystemSchema).min(1),
  policy: policySchema,
  /** The erasure service's public keys (base64url): actions are believed only when one of them signed. */
  actionKeys: z.array(actionKeySchema).max(16),
});
export type RecordLifecycleInput = z.input<typeof recordLifecycleInputSchema>;

export interface LifecycleEvent {
  /** ISO instant (workflow time). */
  readonly at: string;
  readonly phase: LifecyclePhase;
  /** `system`, or the acting account and role, e.g. `alice (coordinator)`. */
  readonly by: string;
  /** The action taken, when a person took one. */
  readonly action?: string;
  /** The nonce of the erasure service's proof of that action: its signature is in the deletion certificate (decisions) and the service's log. */
  readonly nonce?: string;
  readonly note: string;
}

/** How the requester's identity was established, and when: a method and a reference, never a copy of the document. */
export interface IdentityCheck {
  readonly method: IdentityMethod;
  /** The desk's register number, the letter's id: where the evidence is kept. */
  readonly reference: string;
  readonly confirmedAt: string;
}

export interface InquiryStatus {
  readonly inquiryId: string;
  readonly receivedAt: string;
  readonly responseDue: string;
  readonly consent?: boolean;
  readonly identity?: IdentityCheck;
  readonly explanationSentAt?: string;
  readonly explanationMessageId?: string;
  readonly objectionPeriodEnds?: string;
  readonly responseOverdue: boolean;
}

/** What the `status` query returns: phase, deadlines and history, no personal data. */
export interface RecordStatus {
  readonly recordId: string;
  readonly dossier: string;
  readonly phase: LifecyclePhase;
  readonly policyVersion: string;
  readonly deadlines: { readonly inquiryCutoff: string; readonly purgeStart: string };
  readonly inquiry?: InquiryStatus;
  readonly objection?: { readonly reference: string; readonly filedAt: string };
  readonly decisions: readonly { readonly outcome: 'proceed' | 'retain'; readonly decisionRef: string; readonly at: string }[];
  readonly legalHold?: { readonly reference: string; readonly placedAt: string; readonly returnTo: LifecyclePhase };
  readonly reviewDue?: string;
  readonly allowedActions: readonly string[];
  readonly history: readonly LifecycleEvent[];
  readonly certificateId?: string;
  readonly erasedAt?: string;
  readonly lastError?: string;
}

export const recordWorkflowId = (recordId: string): string => `record-${recordId}`;
