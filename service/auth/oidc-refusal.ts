import { ErasureError } from '../../schemas/errors';

/**
 * Why a single sign-on was refused, as data: the service's callback page and the CLI's
 * poll choose their wording and status from it, never from the message.
 */
export type SsoRefusalReason =
  /** The callback's `state` was never issued here (a forged or foreign link, or the service restarted). */
  | 'unknown-state'
  /** The callback was used already: a replay, or a page reloaded. */
  | 'replayed'
  /** More than 10 minutes passed between `erasure login --sso` and the callback. */
  | 'expired'
  /** Too many sign-ins are waiting for their callback at once. */
  | 'busy'
  /** The identity provider answered with an error (the person cancelled, or the client is misconfigured there). */
  | 'provider-error'
  /** The provider's answer did not pass the checks (ID token signature, issuer, audience, nonce, PKCE). */
  | 'token-invalid'
  /** The provider sent no roles claim, neither in the ID token nor from userinfo. */
  | 'no-groups-claim'
  /** The person's groups grant no role. */
  | 'no-role'
  /** The person's groups grant more than one role: which to act in would be a guess. */
  | 'several-roles'
  /** Neither preferred_username nor sub can be made an account id. */
  | 'no-account-id';

/** Thrown when a single sign-on is refused: `reason` says why; the message says what to do and holds no token and no personal data. */
export class SsoRefusedError extends ErasureError {
  constructor(
    readonly reason: SsoRefusalReason,
    message: string,
  ) {
    super('VERIFICATION_FAILED', message);
    this.name = 'SsoRefusedError';
  }
}
