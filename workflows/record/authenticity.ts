import type { Action, ActionName } from '../../schemas/actions';
import { inquiryWorkflowId } from '../../schemas/inquiry-review';
import type { Actor } from '../../schemas/roles';
import type { Proof, SignedDecision, Warrant } from '../../schemas/signed-action';
import { signatureProblem } from '../signed-action';

const sameActor = (a: unknown, b: Actor) => {
  const x = a as Partial<Actor> | undefined;
  return x?.user === b.user && x.role === b.role;
};

/**
 * The actions whose signed payload the deletion certificate keeps: the decisions, and the
 * identity confirmation (its method and reference, as the coordinator sent them).
 */
const certified: readonly ActionName[] = ['confirmIdentity', 'decideObjection', 'placeHold', 'releaseHold'];

/**
 * A record lifecycle's bookkeeping of who acted, provably: the nonces it accepted (each
 * once: a replayed action is refused), the account that filed the open objection (four
 * eyes: it may not decide it) and the signed decisions for the certificate. Validators
 * read it; only accepted actions (update handlers, which replay deterministically) write it.
 *
 * `registerInquiry` does not come from the service but from the inquiry's review, whose
 * activity sends it after a coordinator registered the inquiry or a screened reviewer
 * confirmed a candidate. It is believed only with a *warrant*: the service-signed action
 * that caused it, forwarded unchanged — the coordinator's registration (signed for
 * `registerInquiry` on `inquiry-<id>`, naming the inquiry and its receipt) or the
 * reviewer's confirmation (signed for `decideCandidate` on `inquiry-<id>`, naming this
 * record). Forwarding the service's own signature, rather than letting the worker sign,
 * keeps the private key in the service alone; a warrant is not held to the five-minute
 * window, because a record imported weeks after the inquiry is registered then, but its
 * nonce is accepted once per record. A proof signed directly for `registerInquiry` on
 * this record's workflow id is accepted too.
 */
export class ActionLedger {
  readonly #nonces = new Set<string>();
  readonly #decisions: SignedDecision[] = [];
  #objectionFiledBy: string | undefined;

  constructor(
    readonly keys: readonly string[],
    readonly workflowId: string,
    readonly recordId: string,
  ) {}

  /** Why the service did not sign this action for this record now, or undefined. */
  authenticityProblem(name: ActionName, raw: unknown, action: Action<ActionName>, now: number): string | undefined {
    const body = raw as { proof?: unknown; warrant?: Warrant };
    if (name === 'registerInquiry' && body.proof === undefined && body.warrant !== undefined) {
      return this.#warrantProblem(action as Action<'registerInquiry'>, body.warrant);
    }
    return signatureProblem({ keys: this.keys, workflowId: this.workflowId, update: name, body: raw, now, usedNonces: this.#nonces });
  }

  /** Four eyes: the privacy officer who lets an objection's record be destroyed is not the account that filed the objection. */
  fourEyesProblem(name: ActionName, action: Action<ActionName>): string | undefined {
    if (name !== 'decideObjection' || (action as Action<'decideObjection'>).outcome !== 'proceed') return undefined;
    if (this.#objectionFiledBy === undefined || this.#objectionFiledBy !== action.actor.user) return undefined;
    return `a decision to proceed needs a privacy officer other than ${action.actor.user}, who filed the objection`;
  }

  /** Notes an action the handler takes (after its validator passed). */
  accepted(name: ActionName, raw: unknown, action: Action<ActionName>, at: string): void {
    const { proof, warrant } = raw as { proof?: Proof; warrant?: Warrant };
    const nonce = proof?.nonce ?? (warrant?.body.proof as Proof | undefined)?.nonce;
    if (nonce) this.#nonces.add(nonce);
    if (name === 'fileObjection') this.#objectionFiledBy = action.actor.user;
    if (proof && certified.includes(name)) {
      this.#decisions.push({ action: name, actor: action.actor, at, workflowId: this.workflowId, update: name, body: raw as Record<string, unknown>, proof });
    }
  }

  /** A wave's approval that reached the record with its release (signed for the purge run's `approveWave`). */
  approval(runRef: string, approvedBy: { actor: Actor; wave: number; proof: Proof }, at: string): void {
    if (this.#decisions.some((d) => d.update === 'approveWave' && d.workflowId === runRef)) return; // the same run asking again
    this.#decisions.push({
      action: 'approveWave',
      actor: approvedBy.actor,
      at,
      workflowId: runRef,
      update: 'approveWave',
      body: { ...approvedBy },
      proof: approvedBy.proof,
    });
  }

  decisions(): SignedDecision[] {
    return [...this.#decisions];
  }

  #warrantProblem(action: Action<'registerInquiry'>, warrant: Warrant): string | undefined {
    const b = warrant.body;
    if (warrant.workflowId !== inquiryWorkflowId(action.inquiryId))
      return `its warrant was signed for ${warrant.workflowId}, not for inquiry ${action.inquiryId}`;
    if (!sameActor(b.actor, action.actor)) return `its warrant was signed for another account than ${action.actor.user} (${action.actor.role})`;
    if (warrant.update === 'decideCandidate') {
      if (b.recordId !== this.recordId || b.outcome !== 'confirm') return `its warrant is not a confirmation of record ${this.recordId}`;
    } else if (warrant.update === 'registerInquiry') {
      if (b.inquiryId !== action.inquiryId || b.receivedAt !== action.receivedAt) return 'its warrant names another inquiry or receipt';
    } else return `a ${warrant.update} does not warrant registering an inquiry`;
    return signatureProblem({ keys: this.keys, workflowId: warrant.workflowId, update: warrant.update, body: b, usedNonces: this.#nonces });
  }
}
