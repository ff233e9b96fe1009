import type { SsoBackend } from './auth-backend';
import { parseOidcConfig } from './auth/oidc-config';
import { SsoLogins } from './auth/oidc';

/** Single sign-on when ERASURE_OIDC_ISSUER is set (the provider is discovered once, at start); otherwise none. */
export async function configuredSso(env: Readonly<Record<string, string | undefined>>): Promise<SsoBackend | undefined> {
  const config = parseOidcConfig(env);
  return config ? SsoLogins.create(config) : undefined;
}
