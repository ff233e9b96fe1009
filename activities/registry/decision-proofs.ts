import { createPublicKey, verify } from 'node:crypto';
import { actionMessage, type SignedDecision } from '../../schemas/signed-action';

/**
 * Why a decision kept in a certificate does not carry the erasure service's signature, or
 * undefined: the Ed25519 signature over exactly what was signed (the workflow, the action
 * and the payload with the actor), by the key it names, which must be one of `trusted` when
 * an auditor pins the service's public keys. Offline: node:crypto only, no Temporal.
 */
export function decisionProblem(decision: SignedDecision, trusted?: readonly string[]): string | undefined {
  const { proof } = decision;
  if (trusted && !trusted.includes(proof.keyId))
    return `the ${decision.action} by ${decision.actor.user} is signed with key ${proof.keyId}, which is not among the action keys given`;
  const body = decision.body as { actor?: { user?: string; role?: string }; proof?: { signature?: string } };
  if (body.actor?.user !== decision.actor.user || body.actor.role !== decision.actor.role || body.proof?.signature !== proof.signature) {
    return `the ${decision.action} names ${decision.actor.user} (${decision.actor.role}), but its signed payload names someone else or carries another proof`;
  }
  try {
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: proof.keyId }, format: 'jwk' });
    const message = Buffer.from(actionMessage(decision.workflowId, decision.update, decision.body), 'utf8');
    if (verify(null, message, key, Buffer.from(proof.signature, 'base64url'))) return undefined;
  } catch {
    // A key or signature that does not decode is a signature that does not verify.
  }
  return `the service's signature on the ${decision.action} by ${decision.actor.user} (${decision.update} on ${decision.workflowId}) does not verify`;
}
