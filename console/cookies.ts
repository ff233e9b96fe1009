import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Config } from '../schemas/config';

/**
 * The console's cookies (docs/ARCHITECTURE.md, "The console"): the session token, HttpOnly
 * and SameSite=Strict, Secure (and `__Host-` named) when the service is reached over TLS.
 * Nothing else of the person is kept in the browser.
 */
export const secureCookies = (config: Config) => (config.ERASURE_SERVICE_URL ?? '').startsWith('https:');

const sessionName = (config: Config) => (secureCookies(config) ? '__Host-erasure-session' : 'erasure-session');
/** The sign-in language before there is an account to hold it: not personal data. */
export const LANGUAGE_COOKIE = 'erasure-language';
/** Ties a single sign-on's return to the browser that started it (Lax: the provider's redirect is a cross-site navigation). */
const SSO_COOKIE = 'erasure-sso';

function attributes(config: Config, sameSite: 'Strict' | 'Lax', maxAgeSeconds?: number): string {
  const parts = ['Path=/', 'HttpOnly', `SameSite=${sameSite}`];
  if (secureCookies(config)) parts.push('Secure');
  if (maxAgeSeconds !== undefined) parts.push(`Max-Age=${maxAgeSeconds}`);
  return parts.join('; ');
}

/** The value of one cookie of the request, or undefined. */
export function cookieValue(request: FastifyRequest, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return decodeURIComponent(part.slice(at + 1).trim());
  }
  return undefined;
}

export const sessionToken = (request: FastifyRequest, config: Config) => cookieValue(request, sessionName(config));
export const setSessionCookie = (config: Config, token: string) => `${sessionName(config)}=${token}; ${attributes(config, 'Strict')}`;
export const clearSessionCookie = (config: Config) => `${sessionName(config)}=; ${attributes(config, 'Strict', 0)}`;
export const languageCookie = (config: Config, language: string) => `${LANGUAGE_COOKIE}=${language}; ${attributes(config, 'Strict', 365 * 86_400)}`;
export const ssoCookie = (config: Config, loginId: string) => `${SSO_COOKIE}=${encodeURIComponent(loginId)}; ${attributes(config, 'Lax', 600)}`;
export const clearSsoCookie = (config: Config) => `${SSO_COOKIE}=; ${attributes(config, 'Lax', 0)}`;
export const ssoLoginId = (request: FastifyRequest) => cookieValue(request, SSO_COOKIE);

/**
 * Anti-forgery tokens: an HMAC of the session token under a key of this process, so each
 * session's forms carry their own token and a forged form from elsewhere carries none.
 * (A restart of the service asks for the form again.)
 */
export class CsrfTokens {
  private readonly key = randomBytes(32);

  forSession(sessionToken: string): string {
    return createHmac('sha256', this.key).update(sessionToken).digest('base64url');
  }

  matches(sessionToken: string, sent: unknown): boolean {
    if (typeof sent !== 'string') return false;
    const expected = Buffer.from(this.forSession(sessionToken));
    const given = Buffer.from(sent);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}
