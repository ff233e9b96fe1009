import { createHash, randomBytes } from 'node:crypto';
import type * as OpenIdClient from 'openid-client';
import type { OidcConfig } from './oidc-config';
import { identityFromClaims, readGroups, type SsoIdentity } from './oidc-identity';
import { SsoRefusedError } from './oidc-refusal';

export type { SsoIdentity } from './oidc-identity';
export { SsoRefusedError, type SsoRefusalReason } from './oidc-refusal';

/** From `erasure login --sso` to the callback: long enough to sign in with a second factor, short enough that a stolen link goes stale. */
export const SSO_LOGIN_TTL_MS = 10 * 60_000;
/** Sign-ins waiting for their callback at once; beyond that `start` refuses, so that anonymous starts cannot fill the memory. */
export const SSO_MAX_PENDING = 10_000;
const SCOPE = 'openid profile';

/** A sign-in's outcome for the CLI that polls for it: its identity, or why it was refused. */
export type SsoPoll = 'pending' | SsoIdentity | { readonly problem: string; readonly reason: SsoRefusedError['reason'] };

type Login =
  | { readonly phase: 'waiting'; readonly state: string; readonly nonce: string; readonly verifier: string; readonly expiresAt: number }
  | { readonly phase: 'exchanging'; readonly expiresAt: number }
  | {
      readonly phase: 'done';
      readonly outcome: SsoIdentity | { readonly problem: string; readonly reason: SsoRefusedError['reason'] };
      readonly expiresAt: number;
    };

/** openid-client is ESM only: loaded with a real `import()`, so that this module itself stays loadable from CommonJS (and jest). */
const loadOpenIdClient = (): Promise<typeof OpenIdClient> => import('openid-client');

const randomId = () => randomBytes(32).toString('base64url');

/**
 * Single sign-on logins with OpenID Connect (authorization code flow, PKCE, state and
 * nonce), for the CLI's `erasure login --sso`: `start` gives the URL to open and a login id
 * to poll with; the service's callback calls `finish`; `poll` hands the outcome out once.
 *
 * Pending logins live in this process's memory: a restart of the service voids them (their
 * callbacks are refused as unknown, and the person starts again), and a service run as
 * several processes needs its callbacks routed to the process that started the login.
 */
export class SsoLogins {
  private readonly logins = new Map<string, Login>();
  /** state → login id; kept after the callback until expiry, to tell a replay from a forgery. */
  private readonly states = new Map<string, { readonly loginId: string; used: boolean; readonly expiresAt: number }>();

  private constructor(
    private readonly client: typeof OpenIdClient,
    private readonly server: OpenIdClient.Configuration,
    private readonly config: OidcConfig,
    private readonly now: () => number,
  ) {}

  /** Discovers the provider (its `/.well-known/openid-configuration`); rejects when it cannot be reached or is no OpenID provider. */
  static async create(config: OidcConfig, options: { readonly now?: () => number } = {}): Promise<SsoLogins> {
    const client = await loadOpenIdClient();
    // Plain http only to this machine (the configuration refuses it elsewhere): a provider in a test or on a developer's laptop.
    const insecure = config.issuer.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(config.issuer.hostname);
    let server: OpenIdClient.Configuration;
    try {
      server = await client.discovery(config.issuer, config.clientId, config.clientSecret, undefined, {
        ...(insecure ? { execute: [client.allowInsecureRequests] } : {}),
        timeout: 10,
      });
    } catch (error) {
      throw new SsoRefusedError(
        'provider-error',
        `single sign-on is configured, but the OpenID provider ${config.issuer.origin} could not be discovered (${describe(error)}); check ERASURE_OIDC_ISSUER (the issuer, without /.well-known/openid-configuration) and that the provider is reachable`,
      );
    }
    return new SsoLogins(client, server, config, options.now ?? Date.now);
  }

  /** A new sign-in: the provider's URL to open in a browser, and the login id the CLI polls with (never put in a URL: it collects the session). */
  start(): { loginId: string; url: string } {
    this.sweep();
    if (this.logins.size >= SSO_MAX_PENDING) {
      throw new SsoRefusedError('busy', `too many single sign-ins are in progress (${SSO_MAX_PENDING}); try again in a few minutes`);
    }
    const loginId = randomId();
    const state = this.client.randomState();
    const nonce = this.client.randomNonce();
    const verifier = this.client.randomPKCECodeVerifier();
    const expiresAt = this.now() + SSO_LOGIN_TTL_MS;
    this.logins.set(loginId, { phase: 'waiting', state, nonce, verifier, expiresAt });
    this.states.set(state, { loginId, used: false, expiresAt });
    const url = this.client.buildAuthorizationUrl(this.server, {
      redirect_uri: this.config.redirectUri.href,
      scope: SCOPE,
      state,
      nonce,
      // S256 as calculatePKCECodeChallenge computes it, without its Promise: `start` stays synchronous for the route.
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    });
    return { loginId, url: url.href };
  }

  /**
   * The provider's redirect to the callback: checks state, exchanges the code (openid-client
   * checks the ID token's signature, issuer, audience, expiry and nonce, and the provider the
   * PKCE verifier), and maps the person to an account and one role. A refusal is also what
   * the login's poll hands out, when the state named a login.
   */
  async finish(callbackUrl: URL): Promise<SsoIdentity & { loginId: string }> {
    this.sweep();
    const state = callbackUrl.searchParams.get('state') ?? '';
    const known = this.states.get(state);
    if (!known) {
      throw new SsoRefusedError('unknown-state', 'this sign-in link was not issued by this service (or long ago); run `erasure login --sso` again');
    }
    if (known.used) {
      throw new SsoRefusedError('replayed', 'this sign-in was completed already (a link is good once); run `erasure login --sso` again to sign in anew');
    }
    // Used from here on, before anything is awaited: a second callback with this state is a replay, however fast it comes.
    known.used = true;
    const { loginId } = known;
    const login = this.logins.get(loginId);
    try {
      if (login?.phase !== 'waiting' || this.now() > login.expiresAt) throw expired();
      this.logins.set(loginId, { phase: 'exchanging', expiresAt: login.expiresAt });
      const identity = await this.exchange(callbackUrl, login);
      this.logins.set(loginId, { phase: 'done', outcome: identity, expiresAt: this.now() + SSO_LOGIN_TTL_MS });
      return { loginId, ...identity };
    } catch (error) {
      const refusal = error instanceof SsoRefusedError ? error : this.unexpected(error);
      this.logins.set(loginId, { phase: 'done', outcome: { problem: refusal.message, reason: refusal.reason }, expiresAt: this.now() + SSO_LOGIN_TTL_MS });
      throw refusal;
    }
  }

  /** The CLI's question: `'pending'` until the callback came, then the identity or the refusal, once; after that, a problem. */
  poll(loginId: string): SsoPoll {
    this.sweep();
    const login = this.logins.get(loginId);
    if (!login) {
      return {
        reason: 'unknown-state',
        problem:
          'no single sign-on is waiting under this login id: it was collected already, expired (10 minutes), or never started; run `erasure login --sso` again',
      };
    }
    if (login.phase === 'exchanging') return 'pending';
    if (login.phase === 'waiting') {
      if (this.now() <= login.expiresAt) return 'pending';
      this.logins.delete(loginId);
      const { message: problem, reason } = expired();
      return { problem, reason };
    }
    this.logins.delete(loginId);
    return login.outcome;
  }

  private async exchange(callbackUrl: URL, login: Extract<Login, { phase: 'waiting' }>): Promise<SsoIdentity> {
    // The configured redirect URI with the callback's parameters: behind a proxy the URL the route sees may differ from the one registered.
    const current = new URL(this.config.redirectUri);
    current.search = callbackUrl.search;
    let tokens: Awaited<ReturnType<typeof OpenIdClient.authorizationCodeGrant>>;
    try {
      tokens = await this.client.authorizationCodeGrant(this.server, current, {
        expectedState: login.state,
        expectedNonce: login.nonce,
        pkceCodeVerifier: login.verifier,
        idTokenExpected: true,
      });
    } catch (error) {
      if (error instanceof this.client.AuthorizationResponseError || error instanceof this.client.ResponseBodyError) {
        throw new SsoRefusedError(
          'provider-error',
          `the identity provider refused the sign-in (${describe(error)}); run \`erasure login --sso\` again, or ask its administrator when this repeats`,
        );
      }
      throw error;
    }
    const claims = tokens.claims();
    if (!claims) throw new SsoRefusedError('token-invalid', 'the identity provider sent no ID token; run `erasure login --sso` again');
    let groups = readGroups(claims, this.config.rolesClaim);
    if (groups === undefined) {
      // Providers that keep ID tokens small release groups from userinfo only.
      const userinfo = await this.client.fetchUserInfo(this.server, tokens.access_token, claims.sub);
      groups = readGroups(userinfo, this.config.rolesClaim);
    }
    if (groups === undefined) {
      throw new SsoRefusedError(
        'no-groups-claim',
        `the identity provider sent no "${this.config.rolesClaim}" claim (neither in the ID token nor from userinfo); have its administrator release that claim to client ${this.config.clientId}, or set ERASURE_OIDC_ROLES_CLAIM to the claim that carries the groups`,
      );
    }
    return identityFromClaims(claims, groups, this.config);
  }

  /** What went wrong outside the protocol: the provider unreachable, or its answer failing openid-client's checks. */
  private unexpected(error: unknown): SsoRefusedError {
    if (error instanceof TypeError || (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))) {
      return new SsoRefusedError('provider-error', `the identity provider could not be reached (${describe(error)}); try again, or check ERASURE_OIDC_ISSUER`);
    }
    return new SsoRefusedError(
      'token-invalid',
      `the identity provider's answer did not pass the checks (${describe(error)}); run \`erasure login --sso\` again`,
    );
  }

  /**
   * Forgets what is over: logins and states a grace period after they expired (so that a
   * late callback or poll is told "expired" rather than "unknown"), outcomes not collected.
   */
  private sweep(): void {
    const forget = this.now() - SSO_LOGIN_TTL_MS;
    for (const [id, login] of this.logins) if (login.expiresAt < forget) this.logins.delete(id);
    for (const [state, entry] of this.states) if (entry.expiresAt < forget) this.states.delete(state);
  }
}

const expired = () => new SsoRefusedError('expired', 'this sign-in took longer than 10 minutes; run `erasure login --sso` again');

/** Text from elsewhere (a provider's error description), fit for a message: no control characters, at most 200 characters. */
const clean = (text: string) => {
  const plain = text.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, ' ');
  return plain.length > 200 ? `${plain.slice(0, 200)}…` : plain;
};

/**
 * An openid-client error in words fit for a message: the OAuth error code and description
 * (cleaned and cut), else the library's own message. Never a
 * token: these carry claim names and codes, not values.
 */
function describe(error: unknown): string {
  if (error !== null && typeof error === 'object') {
    const { error: code, error_description: description } = error as { error?: unknown; error_description?: unknown };
    if (typeof code === 'string') return `${clean(code)}${typeof description === 'string' ? `: ${clean(description)}` : ''}`;
    if (error instanceof Error) return clean(error.message);
  }
  return 'unknown error';
}
