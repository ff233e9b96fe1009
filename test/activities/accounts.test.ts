import type { Pool } from 'pg';
import { Accounts, lockedMessage, SIGN_IN_REFUSED } from '../../service/auth/accounts';
import { appendSecurityLog, readSecurityLog, type SecurityLogRow } from '../../service/auth/security-log';
import { currentTotpCode } from '../../service/auth/totp';
import { InvalidInputError } from '../../schemas/errors';
import { openDatabases, uniqueId, type Databases } from '../helpers/services';

/** A clock the test moves: lockouts and replay guards without waiting. */
function clock(start = Date.UTC(2026, 11, 2, 9, 0, 5)) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

/** Account ids are 64 characters at most and start with a letter. */
const newId = (prefix: string) => uniqueId(prefix);

describe('accounts - passwords, TOTP, lockout and the security log, on real PostgreSQL', () => {
  let dbs: Databases;
  let pool: Pool;
  beforeAll(() => {
    dbs = openDatabases();
    pool = dbs.registry;
  });
  afterAll(() => dbs.close());

  /** The log rows written from `from` (a unique address per test: suites share one database), oldest first. */
  async function logFrom(from: string): Promise<SecurityLogRow[]> {
    const rows = await readSecurityLog(pool, { limit: 1000 });
    return rows.filter((r) => r.from === from).reverse();
  }

  it('add - a new account - returns a generated password and TOTP secret; the stored row has an argon2id hash, never the password', async () => {
    const accounts = new Accounts(pool);
    const id = newId('coord');
    const created = await accounts.add(id, 'coordinator', 'admin');
    expect(created).toEqual({
      id,
      role: 'coordinator',
      password: expect.stringMatching(/^.{20}$/),
      totpSecret: expect.stringMatching(/^[A-Z2-7]{32}$/),
      otpauthUri: expect.any(String),
    });
    expect(created.otpauthUri).toBe(`otpauth://totp/Erasure%20service:${id}?secret=${created.totpSecret}&issuer=Erasure%20service`);
    const { rows } = await pool.query<{ password_hash: string; created_by: string }>('SELECT password_hash, created_by FROM accounts WHERE id = $1', [id]);
    expect(rows[0]?.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(rows[0]?.password_hash).not.toContain(created.password);
    expect(rows[0]?.created_by).toBe('admin');
    await expect(accounts.get(id)).resolves.toEqual({
      id,
      role: 'coordinator',
      method: 'password',
      disabledAt: null,
      createdAt: expect.any(Date),
      createdBy: 'admin',
    });
    const listed = await accounts.list();
    expect(listed.find((a) => a.id === id)).toEqual(await accounts.get(id));
    expect(JSON.stringify(listed)).not.toContain(created.totpSecret);
    const log = await readSecurityLog(pool, { accountId: id });
    expect(log.map((r) => [r.event, r.detail])).toEqual([['account-added', 'role coordinator, password and TOTP, added by admin']]);
  });

  it('add - a taken or malformed id, or no role - refused with InvalidInputError naming the problem and the fix', async () => {
    const accounts = new Accounts(pool);
    const id = newId('taken');
    await accounts.add(id, 'privacy-officer', null);
    const taken = await accounts.add(id, 'coordinator', 'admin').catch((e: unknown) => e);
    expect(taken).toBeInstanceOf(InvalidInputError);
    expect((taken as InvalidInputError).code).toBe('INVALID_INPUT');
    expect((taken as InvalidInputError).problems).toEqual([
      { field: 'id', message: `"${id}" is taken: an account name is used once (a disabled account keeps its name); choose another name` },
    ]);
    await expect(accounts.get(id)).resolves.toMatchObject({ role: 'privacy-officer' });
    const bad = (await accounts.add('Jan Jansen', 'boss' as never, 'admin').catch((e: unknown) => e)) as InvalidInputError;
    expect(bad.problems).toEqual([
      { field: 'id', message: '"Jan Jansen" is not an account name; use 1 to 64 lower-case letters, digits, . _ - starting with a letter (e.g. reviewer-3)' },
      { field: 'role', message: '"boss" is not a role; use coordinator, screened-reviewer, privacy-officer, administrator' },
    ]);
    await expect(accounts.get('Jan Jansen')).resolves.toBeUndefined();
  });

  it('signIn - the right password and current code - succeeds, logs login; the same code again is refused as a replay', async () => {
    const c = clock();
    const accounts = new Accounts(pool, { now: c.now });
    const from = uniqueId('ip');
    const user = await accounts.add(newId('rev'), 'screened-reviewer', 'admin');
    const code = await currentTotpCode(user.totpSecret, c.now());
    const ok = await accounts.signIn(user.id, user.password, code, from);
    expect(ok).toEqual({ ok: true, account: expect.objectContaining({ id: user.id, role: 'screened-reviewer', method: 'password' }) });
    c.advance(5_000);
    await expect(accounts.signIn(user.id, user.password, code, from)).resolves.toEqual({ ok: false, message: SIGN_IN_REFUSED });
    // The next step's code works: the guard refuses used steps, not the account.
    await expect(accounts.signIn(user.id, user.password, await currentTotpCode(user.totpSecret, c.now() + 30_000), from)).resolves.toMatchObject({ ok: true });
    expect((await logFrom(from)).map((r) => [r.event, r.accountId, r.detail])).toEqual([
      ['login', user.id, 'password and TOTP'],
      ['login-failed', user.id, 'code-replayed'],
      ['login', user.id, 'password and TOTP'],
    ]);
  });

  it('signIn - wrong password, wrong code, unknown account, disabled account, SSO account - one identical message; the log says which', async () => {
    const c = clock();
    const accounts = new Accounts(pool, { now: c.now, maxFailures: 100 });
    const from = uniqueId('ip');
    const user = await accounts.add(newId('off'), 'privacy-officer', 'admin');
    const gone = await accounts.add(newId('gone'), 'coordinator', 'admin');
    await accounts.disable(gone.id, 'admin');
    const sso = newId('sso');
    await accounts.upsertSsoAccount(sso, 'coordinator');
    const code = await currentTotpCode(user.totpSecret, c.now());
    const wrongCode = code === '000000' ? '111111' : '000000';
    const results = [
      await accounts.signIn(user.id, `${user.password}x`, code, from),
      await accounts.signIn(user.id, user.password, wrongCode, from),
      await accounts.signIn(newId('nobody'), user.password, code, from),
      await accounts.signIn(gone.id, gone.password, await currentTotpCode(gone.totpSecret, c.now()), from),
      await accounts.signIn(sso, '', code, from),
      await accounts.signIn('Not An Id', 'x', 'y', from),
    ];
    for (const r of results) expect(r).toEqual({ ok: false, message: 'the account name, password or code is not right; check them and try again' });
    // The unknown names are in no log row: a name typed there may be a password.
    expect((await logFrom(from)).map((r) => [r.event, r.accountId, r.detail])).toEqual([
      ['login-failed', user.id, 'password'],
      ['login-failed', user.id, 'code'],
      ['login-failed', null, 'unknown-account'],
      ['login-failed', gone.id, 'disabled'],
      ['login-failed', sso, 'sso-account'],
      ['login-failed', null, 'unknown-account'],
    ]);
    // The wrong code did not use up the right one.
    await expect(accounts.signIn(user.id, user.password, code, from)).resolves.toMatchObject({ ok: true });
  });

  it.each([
    ['an existing account', true],
    ['a name that is no account', false],
  ])('signIn - 5 failures for %s - locks the name with doubling back-off; a success resets it', async (_what, exists) => {
    const c = clock();
    const accounts = new Accounts(pool, { now: c.now });
    const from = uniqueId('ip');
    const user = exists ? await accounts.add(newId('lock'), 'coordinator', 'admin') : undefined;
    const name = user?.id ?? newId('ghost');
    const failOnce = () => accounts.signIn(name, 'wrong-password', '123456', from);
    for (let i = 1; i <= 4; i += 1) await expect(failOnce()).resolves.toEqual({ ok: false, message: SIGN_IN_REFUSED });
    await expect(failOnce()).resolves.toEqual({ ok: false, message: 'too many failed attempts: try again in 60 s', retryAfterSeconds: 60 });
    c.advance(20_000);
    // Locked: even the right credentials are not checked, and the message is the lockout's.
    const right = async () => (user ? accounts.signIn(user.id, user.password, await currentTotpCode(user.totpSecret, c.now()), from) : failOnce());
    await expect(right()).resolves.toEqual({ ok: false, message: lockedMessage(40), retryAfterSeconds: 40 });
    c.advance(41_000);
    for (let i = 1; i <= 4; i += 1) await expect(failOnce()).resolves.toEqual({ ok: false, message: SIGN_IN_REFUSED });
    await expect(failOnce()).resolves.toEqual({ ok: false, message: lockedMessage(120), retryAfterSeconds: 120 });
    c.advance(121_000);
    for (let i = 1; i <= 5; i += 1) await failOnce();
    await expect(failOnce()).resolves.toEqual({ ok: false, message: lockedMessage(240), retryAfterSeconds: 240 });
    const log = await logFrom(from);
    expect(log.filter((r) => r.event === 'lockout').map((r) => [r.accountId, r.detail])).toEqual([
      [user?.id ?? null, '5 failed attempts; locked for 60 s'],
      [user?.id ?? null, '5 failed attempts; locked for 120 s'],
      [user?.id ?? null, '5 failed attempts; locked for 240 s'],
    ]);
    expect(log.filter((r) => r.event === 'login-failed' && r.detail === 'locked')).toHaveLength(2);
    if (!user) return;
    c.advance(241_000);
    await expect(right()).resolves.toMatchObject({ ok: true });
    // The success forgot the back-off: five more failures lock for the base time again.
    for (let i = 1; i <= 4; i += 1) await failOnce();
    await expect(failOnce()).resolves.toMatchObject({ retryAfterSeconds: 60 });
  });

  it('signIn - the same code twice at once - exactly one succeeds (the step is stored compare-and-set)', async () => {
    const c = clock();
    const accounts = new Accounts(pool, { now: c.now });
    const user = await accounts.add(newId('race'), 'coordinator', 'admin');
    const code = await currentTotpCode(user.totpSecret, c.now());
    const results = await Promise.all(Array.from({ length: 4 }, () => accounts.signIn(user.id, user.password, code, null)));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok)).toEqual(Array.from({ length: 3 }, () => ({ ok: false, message: SIGN_IN_REFUSED })));
  });

  it('signIn - twenty failures of one name at once - one lockout of the base time, logged once', async () => {
    const c = clock();
    const accounts = new Accounts(pool, { now: c.now });
    const from = uniqueId('ip');
    const name = newId('ghost');
    await Promise.all(Array.from({ length: 20 }, () => accounts.signIn(name, 'x', '123456', from)));
    const log = await logFrom(from);
    expect(log.filter((r) => r.event === 'lockout').map((r) => r.detail)).toEqual(['5 failed attempts; locked for 60 s']);
    await expect(accounts.signIn(name, 'x', '123456', from)).resolves.toMatchObject({ retryAfterSeconds: 60 });
  });

  it('signIn - back-off - stops growing at one hour', async () => {
    const c = clock();
    const accounts = new Accounts(pool, { now: c.now, maxFailures: 1, baseLockMs: 20 * 60_000 });
    const name = newId('ghost');
    const seconds: (number | undefined)[] = [];
    for (let i = 0; i < 4; i += 1) {
      const r = await accounts.signIn(name, 'x', '123456', null);
      seconds.push(r.ok ? undefined : r.retryAfterSeconds);
      c.advance(3_600_001);
    }
    expect(seconds).toEqual([1200, 2400, 3600, 3600]);
  });

  it('verifyStepUp - the next code - accepted once; a used or wrong code refused and counted toward the lockout', async () => {
    const c = clock();
    const accounts = new Accounts(pool, { now: c.now, maxFailures: 3 });
    const from = uniqueId('ip');
    const user = await accounts.add(newId('step'), 'privacy-officer', 'admin');
    const loginCode = await currentTotpCode(user.totpSecret, c.now());
    await expect(accounts.signIn(user.id, user.password, loginCode, from)).resolves.toMatchObject({ ok: true });
    await expect(accounts.verifyStepUp(user.id, loginCode, from)).resolves.toBe(false);
    c.advance(30_000);
    const next = await currentTotpCode(user.totpSecret, c.now());
    await expect(accounts.verifyStepUp(user.id, next, from)).resolves.toBe(true);
    await expect(accounts.verifyStepUp(user.id, next, from)).resolves.toBe(false);
    await expect(accounts.verifyStepUp(user.id, '12345x', from)).resolves.toBe(false);
    await expect(accounts.verifyStepUp(user.id, '000000', from)).resolves.toBe(false);
    // Three failures since the success: locked, so even a fresh code is refused now.
    c.advance(30_000);
    await expect(accounts.verifyStepUp(user.id, await currentTotpCode(user.totpSecret, c.now()), from)).resolves.toBe(false);
    expect((await logFrom(from)).map((r) => [r.event, r.detail])).toEqual([
      ['login', 'password and TOTP'],
      ['step-up-failed', 'code-replayed'],
      ['step-up', 'TOTP'],
      ['step-up-failed', 'code-replayed'],
      ['step-up-failed', 'code'],
      ['step-up-failed', expect.stringMatching(/^code/)],
      ['lockout', '3 failed attempts; locked for 60 s'],
      ['step-up-failed', 'locked'],
    ]);
  });

  it('disable and resetSecondFactor - an account - refuse its sign-in, and the old TOTP secret; both logged', async () => {
    const c = clock();
    const accounts = new Accounts(pool, { now: c.now });
    const user = await accounts.add(newId('lost'), 'screened-reviewer', 'admin');
    const reset = await accounts.resetSecondFactor(user.id, 'admin');
    expect(reset.totpSecret).not.toBe(user.totpSecret);
    expect(reset.otpauthUri).toContain(`secret=${reset.totpSecret}`);
    await expect(accounts.signIn(user.id, user.password, await currentTotpCode(user.totpSecret, c.now()), null)).resolves.toMatchObject({ ok: false });
    await expect(accounts.signIn(user.id, user.password, await currentTotpCode(reset.totpSecret, c.now()), null)).resolves.toMatchObject({ ok: true });
    await accounts.disable(user.id, 'admin');
    await accounts.disable(user.id, 'admin'); // again: nothing changes, nothing is logged
    expect((await accounts.get(user.id))?.disabledAt).toEqual(new Date(c.now()));
    c.advance(30_000);
    await expect(accounts.signIn(user.id, user.password, await currentTotpCode(reset.totpSecret, c.now()), null)).resolves.toEqual({
      ok: false,
      message: SIGN_IN_REFUSED,
    });
    const events = (await readSecurityLog(pool, { accountId: user.id })).map((r) => [r.event, r.detail]).reverse();
    expect(events).toEqual([
      ['account-added', 'role screened-reviewer, password and TOTP, added by admin'],
      ['second-factor-reset', 'reset by admin'],
      ['login-failed', 'code'],
      ['login', 'password and TOTP'],
      ['account-disabled', 'disabled by admin; 0 open session(s) ended'],
      ['login-failed', 'disabled'],
    ]);
    await expect(accounts.disable(newId('nobody'), 'admin')).rejects.toThrow(
      /there is no account "nobody-[0-9a-f]{8}"; check the name against the list of accounts/,
    );
  });

  it('upsertSsoAccount - first and later sign-ins - creates an account without password or TOTP, refreshes its role, refuses when disabled or a password account', async () => {
    const accounts = new Accounts(pool);
    const id = newId('sso');
    const from = uniqueId('ip');
    await expect(accounts.upsertSsoAccount(id, 'screened-reviewer', from)).resolves.toEqual({
      ok: true,
      account: expect.objectContaining({ id, role: 'screened-reviewer', method: 'sso' }),
    });
    await expect(accounts.upsertSsoAccount(id, 'privacy-officer', from)).resolves.toMatchObject({ ok: true, account: { role: 'privacy-officer' } });
    const { rows } = await pool.query('SELECT password_hash, totp_secret FROM accounts WHERE id = $1', [id]);
    expect(rows).toEqual([{ password_hash: null, totp_secret: null }]);
    await accounts.disable(id, 'admin');
    await expect(accounts.upsertSsoAccount(id, 'privacy-officer', from)).resolves.toEqual({
      ok: false,
      message: `the account "${id}" is disabled; ask an administrator`,
    });
    await expect(accounts.resetSecondFactor(id, 'admin')).rejects.toThrow('signs in with single sign-on');
    const local = await accounts.add(newId('local'), 'coordinator', 'admin');
    await expect(accounts.upsertSsoAccount(local.id, 'administrator', from)).resolves.toMatchObject({ ok: false });
    await expect(accounts.get(local.id)).resolves.toMatchObject({ role: 'coordinator', method: 'password' });
    expect((await logFrom(from)).map((r) => [r.event, r.accountId, r.detail])).toEqual([
      ['sso-login', id, 'role screened-reviewer'],
      ['sso-login', id, 'role privacy-officer (was screened-reviewer)'],
      ['sso-failed', id, 'disabled'],
      ['sso-failed', local.id, 'password-account'],
    ]);
    await expect(accounts.upsertSsoAccount('Jan@example.org', 'coordinator')).rejects.toBeInstanceOf(InvalidInputError);
  });
});

describe('security log - append-only, in the database itself', () => {
  let dbs: Databases;
  beforeAll(() => {
    dbs = openDatabases();
  });
  afterAll(() => dbs.close());

  it('appendSecurityLog - an entry - is read back; UPDATE, DELETE and TRUNCATE are refused by the database', async () => {
    const accountId = newId('acct');
    await appendSecurityLog(dbs.registry, { event: 'forbidden', accountId, from: '192.0.2.7', detail: 'route /records needs privacy-officer' });
    const [row] = await readSecurityLog(dbs.registry, { accountId });
    expect(row).toEqual({
      id: expect.any(Number),
      at: expect.any(Date),
      event: 'forbidden',
      accountId,
      from: '192.0.2.7',
      detail: 'route /records needs privacy-officer',
    });
    await expect(dbs.registry.query("UPDATE security_log SET detail = 'tidied' WHERE id = $1", [row?.id])).rejects.toThrow(
      'the security log is append-only: UPDATE is refused',
    );
    await expect(dbs.registry.query('DELETE FROM security_log WHERE id = $1', [row?.id])).rejects.toThrow('the security log is append-only: DELETE is refused');
    await expect(dbs.registry.query('TRUNCATE security_log')).rejects.toThrow('the security log is append-only: TRUNCATE is refused');
    await expect(readSecurityLog(dbs.registry, { accountId })).resolves.toEqual([row]);
  });

  it('appendSecurityLog - an unknown event or a multi-line detail - refused before the database', async () => {
    await expect(appendSecurityLog(dbs.registry, { event: 'password-changed' as never })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(appendSecurityLog(dbs.registry, { event: 'login', detail: 'ok\nlogin admin' })).rejects.toThrow('one line of text without control characters');
  });

  it('readSecurityLog - since and limit - newest first, from the moment given', async () => {
    const accountId = newId('acct');
    const t0 = new Date(Date.UTC(2026, 0, 1));
    for (const [i, event] of (['login', 'step-up', 'logout'] as const).entries())
      await appendSecurityLog(dbs.registry, { event, accountId }, new Date(t0.getTime() + i * 60_000));
    expect((await readSecurityLog(dbs.registry, { accountId })).map((r) => r.event)).toEqual(['logout', 'step-up', 'login']);
    expect((await readSecurityLog(dbs.registry, { accountId, since: new Date(t0.getTime() + 60_000) })).map((r) => r.event)).toEqual(['logout', 'step-up']);
    expect((await readSecurityLog(dbs.registry, { accountId, limit: 1 })).map((r) => r.event)).toEqual(['logout']);
  });
});
