import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { parseOptions } from '@node-rs/argon2';
import { base32 } from '../../service/auth/otp-plugins';
import {
  ARGON2_OPTIONS,
  DUMMY_HASH,
  generatePassword,
  hashPassword,
  MAX_PASSWORD_LENGTH,
  PASSWORD_ALPHABET,
  verifyPassword,
} from '../../service/auth/passwords';
import { currentTotpCode, newTotpSecret, timeStepAt, totpUri, verifyTotp } from '../../service/auth/totp';

describe('passwords - argon2id hashing and generated passwords', () => {
  it('hashPassword - a password - gives an argon2id PHC string with OWASP minimum parameters that verifies', async () => {
    const stored = await hashPassword('correct horse');
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
    await expect(verifyPassword(stored, 'correct horse')).resolves.toBe(true);
    await expect(verifyPassword(stored, 'correct horsf')).resolves.toBe(false);
  });

  it('hashPassword - the same password twice - gives two different hashes (a salt each)', async () => {
    expect(await hashPassword('same')).not.toBe(await hashPassword('same'));
  });

  it('verifyPassword - no stored hash, a malformed one, or an overlong password - answers false', async () => {
    await expect(verifyPassword(null, 'anything')).resolves.toBe(false);
    await expect(verifyPassword(undefined, '')).resolves.toBe(false);
    await expect(verifyPassword('$argon2id$broken', 'anything')).resolves.toBe(false);
    const long = 'a'.repeat(MAX_PASSWORD_LENGTH + 1);
    await expect(verifyPassword(await hashPassword(long), long)).resolves.toBe(false);
  });

  it('DUMMY_HASH - the unknown-account check - costs what a real hash costs (same parameters)', () => {
    const dummy = parseOptions(DUMMY_HASH);
    expect({ algorithm: dummy.algorithm, memoryCost: dummy.memoryCost, timeCost: dummy.timeCost, parallelism: dummy.parallelism }).toEqual(ARGON2_OPTIONS);
    expect(dummy.algorithm).toBe(2); // Argon2id
  });

  it('generatePassword - new accounts - 20 characters of the unambiguous alphabet, different each time', () => {
    const passwords = Array.from({ length: 50 }, () => generatePassword());
    for (const p of passwords) expect(p).toMatch(/^[abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789]{20}$/);
    expect(new Set(passwords).size).toBe(50);
    expect(PASSWORD_ALPHABET).not.toMatch(/[0O1lIio]/);
  });
});

describe('totp - codes, the otpauth URI and the replay guard', () => {
  const now = Date.UTC(2026, 11, 2, 9, 0, 10);

  it('totpUri - an account - names the issuer "Erasure service" and the account, with the secret', () => {
    const secret = newTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(totpUri('reviewer-1', secret)).toBe(`otpauth://totp/Erasure%20service:reviewer-1?secret=${secret}&issuer=Erasure%20service`);
  });

  it('currentTotpCode - the RFC 6238 SHA-1 test vectors - gives their last six digits', async () => {
    // RFC 6238 appendix B: the ASCII secret "12345678901234567890", whose Base32 this is.
    const secret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
    const vectors: [number, string][] = [
      [59, '94287082'],
      [1111111109, '07081804'],
      [1111111111, '14050471'],
      [1234567890, '89005924'],
      [2000000000, '69279037'],
      [20000000000, '65353130'],
    ];
    for (const [seconds, code] of vectors) expect([seconds, await currentTotpCode(secret, seconds * 1000)]).toEqual([seconds, code.slice(2)]);
  });

  it("currentTotpCode and totpUri - against otplib's default plugins (run by Node outside jest) - the same code and URI", async () => {
    const secret = newTotpSecret();
    const at = 1_780_000_000_123;
    // otplib's defaults are ES modules only: Node 20.19 requires them, jest's runtime cannot.
    const script = `const o = require('otplib'); o.generate({ secret: process.argv[1], epoch: Math.floor(Number(process.argv[2]) / 1000) })
      .then((code) => console.log(JSON.stringify({ code, uri: o.generateURI({ issuer: 'Erasure service', label: 'officer-1', secret: process.argv[1] }) })));`;
    const out = JSON.parse(execFileSync(process.execPath, ['-e', script, secret, String(at)], { cwd: join(__dirname, '..', '..') }).toString()) as {
      code: string;
      uri: string;
    };
    expect(out).toEqual({ code: await currentTotpCode(secret, at), uri: totpUri('officer-1', secret) });
  });

  it('base32 - RFC 4648 test vectors - encodes and decodes them (case, spaces and padding tolerated)', () => {
    const vectors: [string, string][] = [
      ['', ''],
      ['f', 'MY'],
      ['fo', 'MZXQ'],
      ['foo', 'MZXW6'],
      ['foob', 'MZXW6YQ'],
      ['fooba', 'MZXW6YTB'],
      ['foobar', 'MZXW6YTBOI'],
    ];
    for (const [text, encoded] of vectors) {
      expect(base32.encode(Buffer.from(text))).toBe(encoded);
      expect(Buffer.from(base32.decode(encoded)).toString()).toBe(text);
    }
    expect(base32.encode(Buffer.from('foobar'), { padding: true })).toBe('MZXW6YTBOI======');
    expect(Buffer.from(base32.decode('mzxw 6ytb oi======')).toString()).toBe('foobar');
    expect(() => base32.decode('MZ1W')).toThrow('not a Base32 character: "1"');
  });

  it('verifyTotp - the current code - returns its time step; once stored, the same code is a replay', async () => {
    const secret = newTotpSecret();
    const code = await currentTotpCode(secret, now);
    expect(code).toMatch(/^\d{6}$/);
    const step = await verifyTotp(secret, code, { nowMs: now });
    expect(step).toBe(timeStepAt(now));
    await expect(verifyTotp(secret, code, { nowMs: now, afterStep: step })).resolves.toBeUndefined();
    // The next step's code is still good after this one was used.
    await expect(verifyTotp(secret, await currentTotpCode(secret, now + 30_000), { nowMs: now, afterStep: step })).resolves.toBe(timeStepAt(now) + 1);
  });

  it('verifyTotp - one step either side - accepted; two steps off - refused', async () => {
    const secret = newTotpSecret();
    await expect(verifyTotp(secret, await currentTotpCode(secret, now - 30_000), { nowMs: now })).resolves.toBe(timeStepAt(now) - 1);
    await expect(verifyTotp(secret, await currentTotpCode(secret, now + 30_000), { nowMs: now })).resolves.toBe(timeStepAt(now) + 1);
    await expect(verifyTotp(secret, await currentTotpCode(secret, now - 60_000), { nowMs: now })).resolves.toBeUndefined();
    await expect(verifyTotp(secret, await currentTotpCode(secret, now + 60_000), { nowMs: now })).resolves.toBeUndefined();
  });

  it("verifyTotp - not six digits, another secret's code, a broken secret - refused", async () => {
    const secret = newTotpSecret();
    const code = await currentTotpCode(secret, now);
    await expect(verifyTotp(secret, code.slice(1), { nowMs: now })).resolves.toBeUndefined();
    await expect(verifyTotp(secret, `${code} `, { nowMs: now })).resolves.toBeUndefined();
    await expect(verifyTotp(newTotpSecret(), code, { nowMs: now })).resolves.toBeUndefined();
    await expect(verifyTotp('AAAA', code, { nowMs: now })).resolves.toBeUndefined();
  });
});
