import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { PayloadKeys } from './payload-codec';

/**
 * Bearer tokens for the codec server: `v1.<claims>.<mac>`, the claims (user, expiry) in
 * base64url JSON, the MAC an HMAC-SHA256 under a key derived from the current payload key
 * (so the CLI that issues and the server that checks need nothing more). The user's role
 * is looked up again on every request: removing someone from ERASURE_ROLES ends their access.
 */
const claimsSchema = z.strictObject({ u: z.string().min(1).max(64), exp: z.number().int().positive() });
export type TokenClaims = z.infer<typeof claimsSchema>;

const tokenKey = (keys: PayloadKeys) => createHmac('sha256', keys.current).update('erasure codec server bearer tokens').digest();
const mac = (keys: PayloadKeys, claims: string) => createHmac('sha256', tokenKey(keys)).update(claims).digest('base64url');

export function issueCodecToken(keys: PayloadKeys, user: string, validMs: number, now = Date.now()): { token: string; expires: Date } {
  const exp = Math.floor((now + validMs) / 1000);
  const claims = Buffer.from(JSON.stringify({ u: user, exp })).toString('base64url');
  return { token: `v1.${claims}.${mac(keys, claims)}`, expires: new Date(exp * 1000) };
}

/** The token's claims, or why it is not accepted (malformed, forged, expired). */
export function checkCodecToken(keys: PayloadKeys, token: string, now = Date.now()): { claims: TokenClaims } | { problem: string } {
  const [version, claims, given] = token.split('.');
  if (version !== 'v1' || !claims || !given) return { problem: 'not a codec token (get one with `erasure codec token --as <reviewer>`)' };
  const expected = Buffer.from(mac(keys, claims));
  const actual = Buffer.from(given);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual))
    return { problem: 'the token was not issued here (or the payload key changed since)' };
  let parsed: TokenClaims;
  try {
    parsed = claimsSchema.parse(JSON.parse(Buffer.from(claims, 'base64url').toString('utf8')));
  } catch {
    return { problem: 'the token is malformed' };
  }
  if (parsed.exp * 1000 <= now) return { problem: `the token expired at ${new Date(parsed.exp * 1000).toISOString()}` };
  return { claims: parsed };
}
