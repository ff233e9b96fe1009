import { ed25519 } from '@noble/curves/ed25519';
import { actionMessage, PROOF_MAX_AGE_MS, PROOF_MAX_AHEAD_MS, proofSchema, type Proof } from '../schemas/signed-action';

/**
 * Checks, inside the workflow sandbox, that the erasure service signed an action
 * (docs/ARCHITECTURE.md, invariant 6). Pure and deterministic: Ed25519 verification only,
 * the workflow's own clock passed in, the used nonces kept by the caller's state.
 */

export interface VerifyOptions {
  /** The service's public keys this workflow was started with (base64url, 32 bytes). */
  readonly keys: readonly string[];
  readonly workflowId: string;
  readonly update: string;
  /** The payload as it arrived, proof included. */
  readonly body: unknown;
  /** Workflow time; undefined: no freshness check (a signed start or warrant read long after it was signed). */
  readonly now?: number;
  /** Nonces this workflow accepted before. */
  readonly usedNonces?: { has(nonce: string): boolean };
}

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Base64url without padding to bytes (no Buffer in the sandbox); undefined when malformed. */
export function fromBase64url(text: string): Uint8Array | undefined {
  const bytes: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of text) {
    const digit = B64URL.indexOf(ch);
    if (digit < 0) return undefined;
    value = (value << 6) | digit;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((value >> bits) & 0xff);
    }
  }
  return Uint8Array.from(bytes);
}

/** Why the action is not authentic, or undefined when the service signed exactly this. */
export function signatureProblem(o: VerifyOptions): string | undefined {
  const raw = (o.body as { proof?: unknown } | null | undefined)?.proof;
  if (raw === undefined) return 'it carries no proof';
  const parsed = proofSchema.safeParse(raw);
  if (!parsed.success) return `its proof is malformed (${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')})`;
  const proof: Proof = parsed.data;
  if (!o.keys.includes(proof.keyId)) return `it is signed with key ${proof.keyId.slice(0, 8)}…, which this workflow does not know`;
  const publicKey = fromBase64url(proof.keyId);
  const signature = fromBase64url(proof.signature);
  const message = new TextEncoder().encode(actionMessage(o.workflowId, o.update, o.body as object));
  let valid = false;
  try {
    valid = !!publicKey && !!signature && ed25519.verify(signature, message, publicKey);
  } catch {
    valid = false;
  }
  // One answer for a forged actor, role or field and for a proof made for another workflow or update: the signature does not cover this.
  if (!valid)
    return `its signature does not match this action on ${o.workflowId} (${o.update}): the actor, role, a field, the workflow or the action differ from what was signed`;
  if (o.now !== undefined) {
    const at = Date.parse(proof.at);
    if (at < o.now - PROOF_MAX_AGE_MS) return `it was signed at ${proof.at}, more than ${PROOF_MAX_AGE_MS / 60_000} minutes ago`;
    if (at > o.now + PROOF_MAX_AHEAD_MS) return `it was signed at ${proof.at}, more than ${PROOF_MAX_AHEAD_MS / 60_000} minute ahead of the workflow's clock`;
  }
  if (o.usedNonces?.has(proof.nonce)) return `its nonce ${proof.nonce} was used before in ${o.workflowId} (a replay)`;
  return undefined;
}

/** The refusal message every workflow gives for an action the service did not sign. */
export const notAuthenticText = (label: string, why: string, command: string): string =>
  `${label} refused: the action is not signed by the erasure service (${why}): send it through the service (\`erasure ${command}\`)`;
