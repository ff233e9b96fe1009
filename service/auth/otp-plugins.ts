import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Base32Plugin, CryptoPlugin, HashAlgorithm } from '@otplib/core';

/**
 * otplib v13's plugins on Node's own crypto. Why not its defaults (`@otplib/plugin-crypto-noble`,
 * `@otplib/plugin-base32-scure`): they load `@noble/hashes` 2 and `@scure/base` 2, which are
 * ES modules only; Node 20.19 can require them, but jest's CommonJS runtime cannot, so the
 * service could not be tested. OpenSSL's HMAC is no weaker, and the TOTP logic (counter,
 * truncation, window, time step) stays otplib's: see `totp.ts`.
 */
export const nodeCrypto: CryptoPlugin = Object.freeze({
  name: 'node',
  algorithms: Object.freeze(['sha1', 'sha256', 'sha512'] as HashAlgorithm[]),
  hmac: (algorithm: HashAlgorithm, key: Uint8Array, data: Uint8Array) => new Uint8Array(createHmac(algorithm, key).update(data).digest()),
  randomBytes: (length: number) => new Uint8Array(randomBytes(length)),
  constantTimeEqual(a: string | Uint8Array, b: string | Uint8Array) {
    const x = typeof a === 'string' ? Buffer.from(a, 'utf8') : Buffer.from(a);
    const y = typeof b === 'string' ? Buffer.from(b, 'utf8') : Buffer.from(b);
    return x.length === y.length && timingSafeEqual(x, y);
  },
});

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 Base32, the secret format of every authenticator app (no padding by default, as otplib writes it). */
export const base32: Base32Plugin = Object.freeze({
  name: 'rfc4648',
  encode(data: Uint8Array, options?: { padding?: boolean }) {
    let out = '';
    let bits = 0;
    let value = 0;
    for (const byte of data) {
      value = (value << 8) | byte;
      bits += 8;
      while (bits >= 5) {
        out += ALPHABET[(value >>> (bits - 5)) & 31];
        bits -= 5;
      }
    }
    if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
    return options?.padding ? out.padEnd(Math.ceil(out.length / 8) * 8, '=') : out;
  },
  decode(str: string) {
    // Apps show secrets in groups and in either case; padding carries no data.
    const clean = str.replace(/[\s=]/g, '').toUpperCase();
    const bytes: number[] = [];
    let bits = 0;
    let value = 0;
    for (const char of clean) {
      const index = ALPHABET.indexOf(char);
      if (index < 0) throw new Error(`not a Base32 character: ${JSON.stringify(char)}`);
      value = ((value << 5) | index) & 0xffff;
      bits += 5;
      if (bits >= 8) {
        bytes.push((value >>> (bits - 8)) & 0xff);
        bits -= 8;
      }
    }
    return new Uint8Array(bytes);
  },
});
