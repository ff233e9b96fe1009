import { z } from 'zod';
import type { Actor } from './roles';

/**
 * A people-action signed by the erasure service (docs/ARCHITECTURE.md, invariant 6): the
 * service authenticated the account, checked its role and signed what it sends, so that
 * a workflow believes an actor only when the service's Ed25519 key vouches for it.
 */

const base64url = (what: string, bytes: number) =>
  z
    .string()
    .length(Math.ceil((bytes * 4) / 3), `${what} is ${bytes} bytes, base64url without padding`)
    .regex(/^[A-Za-z0-9_-]+$/, `${what} is base64url (A-Z a-z 0-9 - _), without padding`);

/** An action key's id is its public key: 32 bytes, base64url. */
export const actionKeySchema = base64url('an action key', 32);

/** The service's signature over an action, carried in the action's payload. */
export const proofSchema = z.strictObject({
  /** The signing key (its public key, base64url). */
  keyId: actionKeySchema,
  /** When the service signed (ISO instant). */
  at: z.iso.datetime({ offset: true, message: 'proof.at must be an ISO 8601 instant' }),
  /** 16 random bytes, base64url: a workflow accepts each nonce once. */
  nonce: base64url('proof.nonce', 16),
  /** Ed25519 over `actionMessage(...)`, base64url. */
  signature: base64url('proof.signature', 64),
});
export type Proof = z.infer<typeof proofSchema>;
export type UnsignedProof = Omit<Proof, 'signature'>;

/** A signed body handed on to another workflow (a reviewer's decision forwarded to the record it names). */
export const warrantSchema = z.strictObject({
  workflowId: z.string().min(1).max(200),
  update: z.string().min(1).max(64),
  body: z.record(z.string(), z.unknown()),
});
export type Warrant = z.infer<typeof warrantSchema>;

/** Separates these signatures from any other use of the key. */
export const ACTION_SIGNATURE_DOMAIN = 'erasure-orchestrator/action/v1\n';

/** JSON with object keys sorted and undefined members left out: equal content, equal bytes. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The signed text: the domain, then the canonical JSON of `{ v: 1, workflowId, update, body }`
 * where body is the whole payload (actor, every field, the proof without its signature).
 */
export function actionMessage(workflowId: string, update: string, body: object): string {
  const { proof, ...fields } = body as { proof?: Partial<Proof> };
  const unsigned = proof ? { keyId: proof.keyId, at: proof.at, nonce: proof.nonce } : undefined;
  return ACTION_SIGNATURE_DOMAIN + canonicalJson({ v: 1, workflowId, update, body: { ...fields, proof: unsigned } });
}

/** How far the service's clock and the workflow's may disagree, and how long a signed action stays good. */
export const PROOF_MAX_AGE_MS = 5 * 60_000;
export const PROOF_MAX_AHEAD_MS = 60_000;

/** The pseudo-update names of signed workflow starts (a start is not an update, but is signed the same way). */
export const signedStarts = { purgeRun: 'startPurgeRun', inquiryRegistration: 'registerInquiry' } as const;

/**
 * The workflow id a run's start is signed for: the run's own for a manual run; for a
 * scheduled one, `schedule:<id>`, because the schedule names each run only when it starts it.
 */
export const purgeStartSubject = (runWorkflowId: string, scheduleId: string | undefined): string => (scheduleId ? `schedule:${scheduleId}` : runWorkflowId);

/** A decision or approval as the certificate keeps it: who, when, and the service's signature an auditor checks offline. */
export interface SignedDecision {
  readonly action: string;
  readonly actor: Actor;
  readonly at: string;
  /** What the signature covers, besides the body: the workflow and the update it was signed for. */
  readonly workflowId: string;
  readonly update: string;
  /** The payload as signed, proof included (ids, references and short reasons only). */
  readonly body: Readonly<Record<string, unknown>>;
  readonly proof: Proof;
}
