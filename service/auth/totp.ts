import { generateSecret } from '@otplib/core';
import { generate, verify } from '@otplib/totp';
import { generateTOTP } from '@otplib/uri';
import { base32, nodeCrypto } from './otp-plugins';

/*
 * otplib v13's own TOTP packages (the ones `otplib` re-exports), with the plugins of
 * `otp-plugins.ts`: `import 'otplib'` would load its ES-module-only default plugins.
 */

/** The name an authenticator app shows above the code. */
export const TOTP_ISSUER = 'Erasure service';

/** RFC 6238 as every authenticator app implements it: SHA-1, 6 digits, 30 s. */
const PERIOD_S = 30;
const plugins = { crypto: nodeCrypto, base32 } as const;

/** A new Base32 secret of 20 random bytes (160 bits, RFC 4226's recommendation). */
export function newTotpSecret(): string {
  return generateSecret({ ...plugins, length: 20 });
}

/** The `otpauth://totp/...` URI an authenticator app scans as a QR code. */
export function totpUri(accountId: string, secret: string): string {
  return generateTOTP({ issuer: TOTP_ISSUER, label: accountId, secret, algorithm: 'sha1', digits: 6, period: PERIOD_S });
}

/** The time step (RFC 6238's T) of a moment: the number that replay protection stores. */
export const timeStepAt = (nowMs: number) => Math.floor(nowMs / 1000 / PERIOD_S);

/** The code of `secret` at `nowMs`: what the authenticator app shows (for tests and the demo). */
export function currentTotpCode(secret: string, nowMs = Date.now()): Promise<string> {
  return generate({ ...plugins, secret, epoch: Math.floor(nowMs / 1000), period: PERIOD_S, digits: 6, algorithm: 'sha1' });
}

/**
 * Checks a 6-digit code against `secret` at `nowMs`, one step either side (a clock a little
 * off, a code typed as it changed). Returns the matched time step, or undefined when the
 * code is wrong or its step is not after `afterStep` (a code already used: a replay).
 * The caller stores the step (accounts.totp_last_step), atomically, before trusting it.
 */
export async function verifyTotp(secret: string, code: string, options: { nowMs?: number; afterStep?: number | null } = {}): Promise<number | undefined> {
  if (!/^\d{6}$/.test(code)) return undefined;
  const nowMs = options.nowMs ?? Date.now();
  try {
    // ±30 s around now covers exactly the previous, current and next 30-s step.
    const result = await verify({
      ...plugins,
      secret,
      token: code,
      epoch: Math.floor(nowMs / 1000),
      epochTolerance: PERIOD_S,
      period: PERIOD_S,
      digits: 6,
      algorithm: 'sha1',
    });
    if (!result.valid) return undefined;
    const step = result.timeStep;
    // Compared here, not with otplib's afterTimeStep, which throws for a step beyond the window.
    if (options.afterStep !== undefined && options.afterStep !== null && step <= options.afterStep) return undefined;
    return step;
  } catch {
    // A secret otplib cannot use (corrupted, too short) fails the check; it never opens it.
    return undefined;
  }
}
