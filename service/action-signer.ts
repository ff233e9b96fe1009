import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { parseConfig, type Config } from '../schemas/config';
import { inquiryWorkflowId } from '../schemas/inquiry-review';
import type { PurgeStart } from '../schemas/purge';
import type { Actor } from '../schemas/roles';
import { actionMessage, purgeStartSubject, signedStarts, type Proof, type Warrant } from '../schemas/signed-action';
import { actionPublicKeys, loadActionKey, type ActionKey } from '../infra/keys';

/** PKCS#8 DER of an Ed25519 private key, up to its 32-byte seed (RFC 8410). */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export type Signed<T extends object> = T & { proof: Proof };

/**
 * Signs people's actions for the workflows (schemas/signed-action.ts): the erasure service
 * calls `sign` once it has authenticated the account and checked its role, and sends the
 * result unchanged as the update's (or start's) argument. The workflows verify it with the
 * public keys they were started with (`publicKeys`).
 */
export class ActionSigner {
  constructor(
    private readonly key: ActionKey,
    /** The keys to start workflows with: this signer's and any extra ones accepted. */
    readonly publicKeys: string[] = [key.keyId],
  ) {}

  static fromConfig(config: Config, options: { create?: boolean } = {}): ActionSigner {
    return new ActionSigner(loadActionKey(config, options), actionPublicKeys(config, options));
  }

  /**
   * A signer with a fresh key, or the key of a 32-byte seed (tests and benchmarks); `pkcs8`
   * is the key as ERASURE_ACTION_KEY would hold it.
   */
  static generate(seed?: Buffer): { signer: ActionSigner; pkcs8: string } {
    const pkcs8 = seed
      ? Buffer.concat([ED25519_PKCS8_PREFIX, seed]).toString('base64')
      : generateKeyPairSync('ed25519').privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
    return { signer: ActionSigner.fromConfig(parseConfig({ ERASURE_ACTION_KEY: pkcs8 })), pkcs8 };
  }

  get keyId(): string {
    return this.key.keyId;
  }

  /**
   * The body with its proof: `{ keyId, at, nonce, signature }` over the domain-separated
   * canonical JSON of `{ v: 1, workflowId, update, body }`. `update` is the update's name
   * (`actionUpdates.placeHold.name`), or for a signed start `signedStarts.*`.
   */
  sign<T extends object>(workflowId: string, update: string, body: T, now: Date = new Date()): Signed<T> {
    // A proof the body already carries is replaced, never signed over.
    const fields: Record<string, unknown> = { ...(body as Record<string, unknown>) };
    delete fields.proof;
    const unsigned = { keyId: this.key.keyId, at: now.toISOString(), nonce: randomBytes(16).toString('base64url') };
    const message = actionMessage(workflowId, update, { ...fields, proof: unsigned });
    const signature = sign(null, Buffer.from(message, 'utf8'), this.key.privateKey).toString('base64url');
    return { ...(fields as T), proof: { ...unsigned, signature } };
  }

  /**
   * A purge run's `startedBy`: for a manual run signed for its workflow id, for a schedule
   * for `schedule:<id>` (each of its runs carries it). The run refuses to start without it.
   */
  signPurgeStart(actor: Actor, target: { workflowId: string } | { scheduleId: string }, now?: Date): PurgeStart {
    if ('scheduleId' in target)
      return this.sign(purgeStartSubject('', target.scheduleId), signedStarts.purgeRun, { actor, scheduleId: target.scheduleId }, now);
    return this.sign(purgeStartSubject(target.workflowId, undefined), signedStarts.purgeRun, { actor }, now);
  }

  /** A coordinator's registration of an inquiry, as the warrant its review forwards to exactly matching records. */
  signInquiryRegistration(actor: Actor, inquiryId: string, receivedAt: string, now?: Date): Warrant {
    const workflowId = inquiryWorkflowId(inquiryId);
    const update = signedStarts.inquiryRegistration;
    return { workflowId, update, body: this.sign(workflowId, update, { actor, inquiryId, receivedAt }, now) };
  }
}
