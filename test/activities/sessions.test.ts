import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pool } from 'pg';
import { createPool } from '../../activities/pg-pool';
import { Accounts, type NewCredentials } from '../../service/auth/accounts';
import { DEMO_ACCOUNTS, ensureDemoAccounts, formatCredentials } from '../../service/auth/demo-accounts';
import { readSecurityLog } from '../../service/auth/security-log';
import { Sessions } from '../../service/auth/sessions';
import { currentTotpCode } from '../../service/auth/totp';
import { openDatabases, testServices, uniqueId, type Databases } from '../helpers/services';

const MIN = 60_000;
const HOUR = 60 * MIN;

function clock(start = Date.UTC(2026, 11, 2, 9, 0, 5)) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

describe('sessions - idle and absolute limits, logout, disabled accounts, step-up, on real PostgreSQL', () => {
  let dbs: Databases;
  let pool: Pool;
  beforeAll(() => {
    dbs = openDatabases();
    pool = dbs.registry;
  });
  afterAll(() => dbs.close());

  async function setUp() {
    const c = clock();
    const accounts = new Accounts(pool, { now: c.now });
    const sessions = new Sessions(pool, { now: c.now });
    const user = await accounts.add(uniqueId('user'), 'screened-reviewer', 'admin');
    const from = uniqueId('ip');
    return { c, accounts, sessions, user, from };
  }

  const events = async (accountId: string) => (await readSecurityLog(pool, { accountId })).map((r) => r.event).reverse();

  it('create - a session - gives a 32-byte base64url token, stored only as its SHA-256; check returns the session', async () => {
    const { c, sessions, user, from } = await setUp();
    const { token, expiresAt } = await sessions.create(user, 'password', from);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    expect(expiresAt).toEqual(new Date(c.now() + 15 * MIN));
    const { rows } = await pool.query<{ token_hash: Buffer; from_address: string }>('SELECT token_hash, from_address FROM sessions WHERE account_id = $1', [
      user.id,
    ]);
    expect(rows).toEqual([{ token_hash: createHash('sha256').update(token).digest(), from_address: from }]);
    const stored = await pool.query("SELECT count(*)::int AS n FROM sessions WHERE encode(token_hash, 'escape') LIKE '%' || $1 || '%'", [token]);
    expect(stored.rows[0]).toEqual({ n: 0 });
    c.advance(5 * MIN);
    await expect(sessions.check(token)).resolves.toEqual({
      ok: true,
      session: {
        accountId: user.id,
        role: 'screened-reviewer',
        method: 'password',
        createdAt: new Date(c.now() - 5 * MIN),
        lastSeenAt: new Date(c.now()),
        expiresAt: new Date(c.now() + 15 * MIN),
        stepUpAt: null,
        // The console speaks the account's own language.
        language: 'en',
      },
    });
  });

  it('check - unused for 15 min - expired, with what to do, logged once', async () => {
    const { c, sessions, user, from } = await setUp();
    const { token } = await sessions.create(user, 'password', from);
    c.advance(14 * MIN);
    await expect(sessions.check(token)).resolves.toMatchObject({ ok: true });
    c.advance(14 * MIN); // 28 min after sign-in, but used 14 min ago
    await expect(sessions.check(token)).resolves.toMatchObject({ ok: true });
    c.advance(15 * MIN);
    const expired = { ok: false, reason: 'expired', message: 'your session expired after 15 min without use; sign in again with `erasure login`' };
    await expect(sessions.check(token)).resolves.toEqual(expired);
    c.advance(MIN);
    await expect(sessions.check(token)).resolves.toEqual(expired);
    expect(await events(user.id)).toEqual(['account-added', 'session-expired']);
    const [log] = await readSecurityLog(pool, { accountId: user.id, limit: 1 });
    expect(log).toMatchObject({ from, detail: 'after 15 min without use' });
  });

  it('check - in use for 8 h - ends at the absolute limit however busy', async () => {
    const { c, sessions, user } = await setUp();
    const { token } = await sessions.create(user, 'password', null);
    for (let used = 10 * MIN; used < 8 * HOUR; used += 10 * MIN) {
      c.advance(10 * MIN);
      const check = await sessions.check(token);
      if (!check.ok) throw new Error(`refused after ${used / MIN} min: ${check.message}`);
      expect(check.session.expiresAt.getTime()).toBe(Math.min(c.now() + 15 * MIN, check.session.createdAt.getTime() + 8 * HOUR));
    }
    c.advance(10 * MIN);
    await expect(sessions.check(token)).resolves.toEqual({
      ok: false,
      reason: 'expired',
      message: 'your session ended after 8 h, the longest a session lasts; sign in again with `erasure login`',
    });
    expect(await events(user.id)).toEqual(['account-added', 'session-expired']);
  });

  it('end - logout - ends the session once, logged; an unknown or malformed token is unknown', async () => {
    const { sessions, user, from } = await setUp();
    const { token } = await sessions.create(user, 'password', from);
    await expect(sessions.end(token)).resolves.toBe(true);
    await expect(sessions.end(token)).resolves.toBe(false);
    await expect(sessions.check(token)).resolves.toEqual({
      ok: false,
      reason: 'ended',
      message: 'you signed out of this session; sign in again with `erasure login`',
    });
    await expect(sessions.stepUp(token)).resolves.toBe(false);
    expect(await events(user.id)).toEqual(['account-added', 'logout']);
    const unknown = { ok: false, reason: 'unknown', message: 'you are not signed in; sign in again with `erasure login`' };
    await expect(sessions.check(Buffer.alloc(32, 7).toString('base64url'))).resolves.toEqual(unknown);
    await expect(sessions.check('not a token')).resolves.toEqual(unknown);
    await expect(sessions.check(`${token}x`)).resolves.toEqual(unknown);
  });

  it('check - the account disabled - its sessions refused at once', async () => {
    const { accounts, sessions, user } = await setUp();
    const one = await sessions.create(user, 'password', null);
    const two = await sessions.create(user, 'password', null);
    await accounts.disable(user.id, 'admin');
    const refused = { ok: false, reason: 'disabled', message: `the account ${user.id} is disabled; ask an administrator if you need it again` };
    await expect(sessions.check(one.token)).resolves.toEqual(refused);
    await expect(sessions.check(two.token)).resolves.toEqual(refused);
    const [log] = await readSecurityLog(pool, { accountId: user.id, limit: 1 });
    expect(log).toMatchObject({ event: 'account-disabled', detail: 'disabled by admin; 2 open session(s) ended' });
    // Disabled by hand in the database (no sessions ended): still refused, because check reads the account.
    const other = await accounts.add(uniqueId('user'), 'coordinator', 'admin');
    const three = await sessions.create(other, 'password', null);
    await pool.query('UPDATE accounts SET disabled_at = now() WHERE id = $1', [other.id]);
    await expect(sessions.check(three.token)).resolves.toMatchObject({ ok: false, reason: 'disabled' });
  });

  it('check - an SSO role changed at the provider - the old session ends', async () => {
    const { accounts, sessions } = await setUp();
    const id = uniqueId('sso');
    const first = await accounts.upsertSsoAccount(id, 'privacy-officer');
    if (!first.ok) throw new Error(first.message);
    const { token } = await sessions.create(first.account, 'sso', null);
    await expect(sessions.check(token)).resolves.toMatchObject({ ok: true, session: { role: 'privacy-officer', method: 'sso' } });
    await accounts.upsertSsoAccount(id, 'coordinator');
    await expect(sessions.check(token)).resolves.toEqual({
      ok: false,
      reason: 'ended',
      message: 'your role changed to coordinator; sign in again with `erasure login`',
    });
  });

  it('stepUp and hasRecentStepUp - a verified second factor - recorded on the session, recent for the time given', async () => {
    const { c, accounts, sessions, user, from } = await setUp();
    const signIn = await accounts.signIn(user.id, user.password, await currentTotpCode(user.totpSecret, c.now()), from);
    if (!signIn.ok) throw new Error(signIn.message);
    const { token } = await sessions.create(signIn.account, 'password', from);
    const before = await sessions.check(token);
    if (!before.ok) throw new Error(before.message);
    expect(sessions.hasRecentStepUp(before.session, 5 * MIN)).toBe(false);
    c.advance(MIN);
    await expect(accounts.verifyStepUp(user.id, await currentTotpCode(user.totpSecret, c.now()), from)).resolves.toBe(true);
    await expect(sessions.stepUp(token)).resolves.toBe(true);
    const after = await sessions.check(token);
    if (!after.ok) throw new Error(after.message);
    expect(after.session.stepUpAt).toEqual(new Date(c.now()));
    expect(sessions.hasRecentStepUp(after.session, 5 * MIN)).toBe(true);
    c.advance(5 * MIN + 1);
    expect(sessions.hasRecentStepUp(after.session, 5 * MIN)).toBe(false);
  });
});

describe('ensureDemoAccounts - the first start of an empty service', () => {
  let pool: Pool;
  let admin: Databases;
  let dir: string;
  let databaseUrl: string;
  beforeAll(async () => {
    // Suites share the registry, which has accounts: the demo needs a database with none.
    admin = openDatabases();
    const name = `demo_${uniqueId('db').slice(3)}`;
    await admin.registry.query(`CREATE DATABASE ${name}`);
    const url = new URL(testServices().databases.registry);
    url.pathname = `/${name}`;
    // As `npm run migrate` would (node-pg-migrate is ESM: run from dist/).
    execFileSync(
      process.execPath,
      ['-e', 'require("./dist/infra/migrate").migrate("registry", process.argv[1]).catch((e) => { console.error(e); process.exit(1); })', url.toString()],
      {
        cwd: join(__dirname, '..', '..'),
      },
    );
    databaseUrl = url.toString();
    pool = createPool(databaseUrl, 3);
    dir = mkdtempSync(join(tmpdir(), 'demo-accounts-'));
  });
  afterAll(async () => {
    await pool.end();
    await admin.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('ensureDemoAccounts - no account yet - creates the six, writes their credentials 0600; the second call creates nothing', async () => {
    const accounts = new Accounts(pool);
    const file = join(dir, 'credentials.txt');
    // An old credentials file is never overwritten, and then no account is made.
    writeFileSync(file, 'old');
    await expect(ensureDemoAccounts(accounts, file)).rejects.toThrow(/EEXIST/);
    await expect(accounts.list()).resolves.toEqual([]);
    rmSync(file);

    const { created } = await ensureDemoAccounts(accounts, file);
    expect(created.map((c) => [c.id, c.role])).toEqual([
      ['coordinator', 'coordinator'],
      ['reviewer-1', 'screened-reviewer'],
      ['reviewer-2', 'screened-reviewer'],
      ['officer-1', 'privacy-officer'],
      ['officer-2', 'privacy-officer'],
      ['admin', 'administrator'],
    ]);
    expect(created.map((c) => [c.id, c.role])).toEqual(DEMO_ACCOUNTS.map((a) => [a.id, a.role]));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, 'utf8');
    expect(text).toBe(formatCredentials(created));
    for (const c of created) expect(text).toContain(`password:    ${c.password}`);
    // The credentials written are the ones that work.
    const officer = created.find((c) => c.id === 'officer-2') as NewCredentials;
    await expect(accounts.signIn(officer.id, officer.password, await currentTotpCode(officer.totpSecret), null)).resolves.toMatchObject({ ok: true });

    await expect(ensureDemoAccounts(accounts, join(dir, 'again.txt'))).resolves.toEqual({ created: [] });
    expect(() => statSync(join(dir, 'again.txt'))).toThrow(/ENOENT/);
    expect((await accounts.list()).map((a) => a.id).sort()).toEqual(['admin', 'coordinator', 'officer-1', 'officer-2', 'reviewer-1', 'reviewer-2']);
    expect((await readSecurityLog(pool, {})).filter((r) => r.event === 'account-added')).toHaveLength(6);
  });
  it('the accounts migration - down - drops its tables and trigger function, and up again restores them', async () => {
    const tables = async () =>
      (
        await pool.query<{ name: string }>(
          "SELECT table_name AS name FROM information_schema.tables WHERE table_name IN ('accounts', 'login_failures', 'sessions', 'security_log') ORDER BY 1",
        )
      ).rows.map((r) => r.name);
    expect(await tables()).toEqual(['accounts', 'login_failures', 'security_log', 'sessions']);
    const run = (direction: 'up' | 'down') =>
      execFileSync(
        process.execPath,
        [
          '-e',
          `import('node-pg-migrate').then(({ runner }) => runner({ databaseUrl: process.argv[1], dir: 'infra/migrations/registry', direction: '${direction}', count: 2, migrationsTable: 'pgmigrations', singleTransaction: true, log: () => {} }))
            .catch((e) => { console.error(e); process.exit(1); })`,
          databaseUrl,
        ],
        { cwd: join(__dirname, '..', '..') },
      );
    // Down two: the batched erasure's migration (1732960000000) came after the accounts'.
    // The demo accounts' rows go with the tables (the log's DELETE trigger does not fire on DROP).
    run('down');
    expect(await tables()).toEqual([]);
    const fn = await pool.query("SELECT count(*)::int AS n FROM pg_proc WHERE proname = 'security_log_append_only'");
    expect(fn.rows[0]).toEqual({ n: 0 });
    run('up');
    expect(await tables()).toEqual(['accounts', 'login_failures', 'security_log', 'sessions']);
    await expect(new Accounts(pool).list()).resolves.toEqual([]);
  });
});
