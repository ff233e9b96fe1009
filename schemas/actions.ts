import { z } from 'zod';
import { actorSchema, type Role } from './roles';
import { proofSchema, warrantSchema } from './signed-action';

const instant = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time with an offset' });
/** References are ids of documents kept elsewhere (a decision letter, a court order), never their text. */
export const referenceSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/, 'a reference is an id such as "BESL-2024-017" (letters, digits, . _ : / -), not free text');
/** A short reason kept in the record history: say why, without names or other personal data. */
export const reasonSchema = z
  .string()
  .trim()
  .min(3, 'give a short reason (it is kept in the record history)')
  .max(200, 'keep the reason under 200 characters')
  .regex(/^[^\p{Cc}\p{Cf}\p{Zl}\p{Zp}]*$/u, 'a reason is one line of plain text, without control characters');

/**
 * How a coordinator established the requester's identity before anyone looks at the data
 * (GDPR art. 12(6): reasonable doubt is resolved by asking for what confirms it). Only the
 * method and a reference are kept (the desk's register number, the letter's id), never a
 * copy of the document: a copy would be more personal data to erase (docs/ARCHITECTURE.md,
 * "What may and may not reach Temporal").
 */
export const identityMethods = ['in-person-document', 'letter-to-registered-address', 'electronic-identity'] as const;
export const identityMethodSchema = z.enum(identityMethods);
export type IdentityMethod = z.infer<typeof identityMethodSchema>;

export const languageSchema = z.enum(['nl', 'en']);
export type Language = z.infer<typeof languageSchema>;

/** The payload of each coordinator action (a Workflow Update). Ids and metadata only. */
// `proof` is optional in the shape so that a missing one is refused as unsigned (NotAuthentic), not as malformed.
const proof = proofSchema.optional();
export const actionSchemas = {
  // Sent by the inquiry's review, not by the service: it carries the service-signed action that warrants it (workflows/record/authenticity.ts).
  registerInquiry: z.strictObject({ actor: actorSchema, inquiryId: z.uuid(), receivedAt: instant, proof, warrant: warrantSchema.optional() }),
  recordConsent: z.strictObject({ actor: actorSchema, proof, given: z.boolean() }),
  confirmIdentity: z.strictObject({ actor: actorSchema, proof, method: identityMethodSchema, reference: referenceSchema }),
  sendExplanation: z.strictObject({ actor: actorSchema, proof, language: languageSchema.default('nl') }),
  fileObjection: z.strictObject({ actor: actorSchema, proof, reference: referenceSchema }),
  decideObjection: z.strictObject({ actor: actorSchema, proof, outcome: z.enum(['proceed', 'retain']), reason: reasonSchema, decisionRef: referenceSchema }),
  placeHold: z.strictObject({ actor: actorSchema, proof, reference: referenceSchema, reason: reasonSchema }),
  releaseHold: z.strictObject({ actor: actorSchema, proof, reference: referenceSchema }),
  retryErasure: z.strictObject({ actor: actorSchema, proof, reason: reasonSchema }),
} as const;

export type ActionName = keyof typeof actionSchemas;
export type ActionInput<A extends ActionName> = z.input<(typeof actionSchemas)[A]>;
export type Action<A extends ActionName> = z.output<(typeof actionSchemas)[A]>;

/** Which role may take which action. */
export const actionRoles: Record<ActionName, readonly Role[]> = {
  // A screened reviewer registers it too, by confirming that a candidate record is the requester's.
  registerInquiry: ['coordinator', 'screened-reviewer'],
  recordConsent: ['coordinator'],
  confirmIdentity: ['coordinator'],
  // The explanation is drawn up from the consulted data, which only screened reviewers see.
  sendExplanation: ['screened-reviewer'],
  fileObjection: ['coordinator'],
  decideObjection: ['privacy-officer'],
  placeHold: ['privacy-officer'],
  releaseHold: ['privacy-officer'],
  retryErasure: ['coordinator'],
};

export const actionLabels: Record<ActionName, string> = {
  registerInquiry: 'inquiry',
  recordConsent: 'consent',
  confirmIdentity: 'identity',
  sendExplanation: 'explain',
  fileObjection: 'object',
  decideObjection: 'decide',
  placeHold: 'hold',
  releaseHold: 'release',
  retryErasure: 'retry',
};
