import { z } from 'zod';
import type { AccountRole } from '../../schemas/roles';

/* The account's shapes and the words of a refusal, shared by `Accounts`, `Sessions` and the routes. */

/** An account name: the rule of `user` in schemas/roles.ts (ERASURE_ROLES), and of the accounts table's CHECK. */
export const accountIdSchema = z
  .string()
  .regex(/^[a-z][a-z0-9._-]{0,63}$/, 'an account name is 1 to 64 lower-case letters, digits, . _ - starting with a letter');

export type SignInMethod = 'password' | 'sso';

/** An account as shown to an administrator: no hash, no secret. */
export interface AccountInfo {
  readonly id: string;
  readonly role: AccountRole;
  readonly method: SignInMethod;
  readonly disabledAt: Date | null;
  readonly createdAt: Date;
  readonly createdBy: string | null;
}

/** What a new password account's holder needs, shown once and stored nowhere in clear. */
export interface NewCredentials {
  readonly id: string;
  readonly role: AccountRole;
  readonly password: string;
  readonly totpSecret: string;
  readonly otpauthUri: string;
}

export type SignInResult = { ok: true; account: AccountInfo } | { ok: false; message: string; retryAfterSeconds?: number };

/** The one refusal of a sign-in: which check failed goes to the security log, never to the caller (it would tell who has an account). */
export const SIGN_IN_REFUSED = 'the account name, password or code is not right; check them and try again';
export const lockedMessage = (seconds: number) => `too many failed attempts: try again in ${seconds} s`;
