import { z } from 'zod';
import { reasonSchema } from './actions';
import { actorSchema, type Actor } from './roles';
import { proofSchema, type Warrant } from './signed-action';

/**
 * Why a record became a candidate for an inquiry (README, "Matching inquiries to
 * records"): a kind of variant key the two have in common, or the exact key of a name
 * given with initials, which never links by itself.
 */
export const variantKinds = ['name-parts', 'sounds-alike', 'name-any-residence', 'initial-and-surname', 'initial-and-surname-of-record'] as const;
export type VariantKind = (typeof variantKinds)[number];
export const matchReasons = ['exact-with-initials', ...variantKinds] as const;
export type MatchReason = (typeof matchReasons)[number];

const recordId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'a record id (a letter or digit, then letters, digits, . _ : -)');

/** A screened reviewer's decision on one candidate (a Workflow Update of the inquiry's review). */
export const candidateDecisionSchema = z.strictObject({
  actor: actorSchema,
  recordId,
  outcome: z.enum(['confirm', 'reject']),
  reason: reasonSchema.optional(),
  proof: proofSchema.optional(),
});
export type CandidateDecisionInput = z.input<typeof candidateDecisionSchema>;

/** A screened reviewer's confirmation that no record is the requester's. */
export const noMatchSchema = z.strictObject({ actor: actorSchema, proof: proofSchema.optional() });
export type NoMatchInput = z.input<typeof noMatchSchema>;

/** Records found for an inquiry after it was registered (an import), sent to its review. */
export interface MatchesFound {
  readonly links: readonly string[];
  readonly candidates: readonly { readonly recordId: string; readonly reasons: readonly MatchReason[] }[];
}

export type LinkHow = 'exact-match' | 'confirmed-candidate';

/** What the registry holds of an inquiry's matching: ids, reasons, accounts and instants only. */
export interface InquiryReviewSnapshot {
  readonly exists: boolean;
  readonly links: readonly { readonly recordId: string; readonly how: LinkHow; readonly linkedAt: string; readonly registeredAt?: string }[];
  readonly candidates: readonly {
    readonly recordId: string;
    readonly reasons: readonly MatchReason[];
    readonly foundAt: string;
    readonly decision?: { readonly outcome: 'confirmed' | 'rejected'; readonly by: Actor; readonly at: string };
  }[];
  readonly noMatch?: { readonly by: string; readonly at: string };
  readonly letter?: { readonly kind: 'no-data' | 'being-destroyed'; readonly messageId: string; readonly sentAt: string };
}

/** Input of the `inquiryReview` workflow: ids, accounts and instants, never the requester's name. */
export interface InquiryReviewInput {
  readonly inquiryId: string;
  readonly receivedAt: string;
  readonly inquiryCutoff: string;
  /** GDPR art. 12(3): by then the requester is answered; an inquiry still awaiting its review then alerts the coordinators. */
  readonly responseDue: string;
  /** The coordinator who registered the inquiry: exact matches are registered on the records in their name. */
  readonly registeredBy: Actor;
  /** The erasure service's public keys (base64url): decisions are believed only when one of them signed. */
  readonly actionKeys: readonly string[];
  /** The coordinator's registration as the service signed it: warrants registering the inquiry on exactly matching records. */
  readonly registration?: Warrant;
  /** Set by the review itself when it continues as new: the signed confirmations whose registrations are still to do. */
  readonly warrants?: readonly Warrant[];
}

export type LinkState = 'registering' | 'waiting-for-lifecycle' | 'registered' | 'being-destroyed' | 'refused';

export interface InquiryReviewStatus {
  readonly inquiryId: string;
  readonly stage: 'loading' | 'registering' | 'awaiting-review' | 'linked' | 'answered' | 'destroyed' | 'gone';
  readonly links: readonly { readonly recordId: string; readonly how: LinkHow; readonly state: LinkState; readonly detail?: string }[];
  readonly candidates: InquiryReviewSnapshot['candidates'];
  readonly noMatch?: { readonly by: string; readonly at: string };
  readonly letter?: InquiryReviewSnapshot['letter'];
  readonly inquiryCutoff: string;
  readonly responseDue: string;
  readonly allowedActions: readonly ('confirm' | 'reject' | 'no-match')[];
  readonly history: readonly { readonly at: string; readonly by: string; readonly note: string }[];
}

export const inquiryWorkflowId = (inquiryId: string): string => `inquiry-${inquiryId}`;
