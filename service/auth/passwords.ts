import { randomInt } from 'node:crypto';
import { hash, verify, type Options } from '@node-rs/argon2';

/**
 * argon2id with OWASP's minimum (Password Storage Cheat Sheet: m=19 MiB, t=2, p=1). Why
 * the minimum and not more: every sign-in pays it on a small server, and the passwords are
 * generated (20 characters from 55, about 115 bits), so the hash guards against a stolen
 * table, not against guessable passwords. argon2id resists both GPU cracking and side
 * channels; the algorithm is named explicitly so a library default can never change it.
 * `Algorithm` is a const enum, which isolatedModules cannot read: 2 is its `Argon2id`.
 */
export const ARGON2_OPTIONS: Readonly<Options> = Object.freeze({ algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 });

/**
 * A hash of a random, forgotten password with the same parameters: an unknown account is
 * verified against it, so that a name that is no account costs the same time as one that is.
 */
export const DUMMY_HASH = '$argon2id$v=19$m=19456,t=2,p=1$6zrirHt2I926ZpAM/UTr7A$THIoSxZyvOplVZBMrcY4GKDLOHNvLEo2KE7M1r4ZvoM';

/** Longer input is refused before hashing: argon2 of a megabyte of "password" is a cheap denial of service. */
export const MAX_PASSWORD_LENGTH = 1024;

/** The PHC string (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`) to store. */
export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

/**
 * Whether `password` matches `stored`. With no stored hash (an unknown or single-sign-on
 * account) it checks against `DUMMY_HASH` and answers false: the same work either way.
 */
export async function verifyPassword(stored: string | null | undefined, password: string): Promise<boolean> {
  const tooLong = password.length > MAX_PASSWORD_LENGTH;
  const target = stored && !tooLong ? stored : DUMMY_HASH;
  let matches: boolean;
  try {
    matches = await verify(target, tooLong ? '' : password);
  } catch {
    // A malformed stored hash is a failed check, never an open door or a crash.
    matches = false;
  }
  return matches && target !== DUMMY_HASH;
}

/** Letters and digits with the look-alikes (0 O o, 1 l I i) left out: the password is read off a screen and typed. */
export const PASSWORD_ALPHABET = 'abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** A new account's password: `length` characters drawn uniformly (crypto.randomInt has no modulo bias). */
export function generatePassword(length = 20): string {
  let password = '';
  for (let i = 0; i < length; i += 1) password += PASSWORD_ALPHABET[randomInt(PASSWORD_ALPHABET.length)] ?? '';
  return password;
}
