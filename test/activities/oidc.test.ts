import { InvalidConfigError } from '../../schemas/errors';
import { parseOidcConfig } from '../../service/auth/oidc-config';
import { accountIdFromClaims, readGroups } from '../../service/auth/oidc-identity';
import type { SsoIdentity, SsoPoll } from '../../service/auth/oidc';
import { startLoginsProcess, type Answer, type LoginsProcess } from '../helpers/oidc-logins';
import { startTestProvider, type TestProvider } from '../helpers/oidc-provider';

// SsoLogins (openid-client, ESM only) and the provider (oidc-provider, ESM only) each run in a
// Node process of their own; this test talks to both over real HTTP and pipes.

const client = { clientId: 'erasure-service', clientSecret: 'test-secret-0123456789', redirectUri: 'http://127.0.0.1:8080/api/auth/sso/callback' };
const ROLE_GROUPS =
  'coordinator=erasure-coordinators;screened-reviewer=erasure-reviewers;privacy-officer=erasure-privacy-officers;administrator=erasure-admins';
const accounts = [
  { login: 'Cora', groups: ['staff', 'erasure-coordinators'] },
  { login: '42.ops', groups: ['erasure-admins'] },
  { login: 'nina', groups: ['staff', 'finance'] },
  { login: 'sam', groups: ['erasure-coordinators', 'erasure-reviewers'] },
  { login: 'ada', groups: ['erasure-admins', 'erasure-privacy-officers'] },
  { login: 'rev', groups: ['erasure-reviewers'] },
];
const env = (issuer: string) => ({
  ERASURE_OIDC_ISSUER: issuer,
  ERASURE_OIDC_CLIENT_ID: client.clientId,
  ERASURE_OIDC_CLIENT_SECRET: client.clientSecret,
  ERASURE_OIDC_REDIRECT_URI: client.redirectUri,
  ERASURE_OIDC_ROLE_GROUPS: ROLE_GROUPS,
});

function value<T>(answer: Answer<T>): T {
  if (!answer.ok) throw new Error(`expected a value, got ${answer.error.name}: ${answer.error.message}`);
  return answer.value;
}

describe('SsoLogins - OpenID Connect sign-in against a real provider', () => {
  let provider: TestProvider;
  let logins: LoginsProcess;
  const start = async () => value(await logins.call<{ loginId: string; url: string }>({ op: 'start' }));
  const finish = (url: string) => logins.call<SsoIdentity & { loginId: string }>({ op: 'finish', url });
  const poll = async (loginId: string) => value(await logins.call<SsoPoll>({ op: 'poll', loginId }));
  /** Start, sign in at the provider as `login`: the callback URL the browser would be sent to. */
  const signedIn = async (login: string) => {
    const started = await start();
    return { ...started, callback: await provider.signIn(started.url, login) };
  };

  beforeAll(async () => {
    provider = await startTestProvider({ client, accounts });
    logins = startLoginsProcess();
    value(await logins.call({ op: 'create', env: env(provider.issuer) }));
  });
  afterAll(async () => {
    await logins?.stop();
    await provider?.stop();
  });

  it('start, sign-in, finish - a coordinator - gets the coordinator role and the lower-cased user name; poll hands it out once', async () => {
    const { loginId, url, callback } = await signedIn('Cora');
    const authorization = new URL(url);
    expect(authorization.origin).toBe(provider.issuer);
    expect(authorization.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorization.searchParams.get('nonce')).toBeTruthy();
    expect(authorization.searchParams.get('state')).not.toBe(loginId);
    expect(url).not.toContain(loginId);
    expect(callback.startsWith(`${client.redirectUri}?`)).toBe(true);
    expect(new URL(callback).searchParams.get('code')).toBeTruthy();

    expect(await poll(loginId)).toBe('pending');
    expect(await finish(callback)).toEqual({ ok: true, value: { loginId, accountId: 'cora', role: 'coordinator' } });
    expect(await poll(loginId)).toEqual({ accountId: 'cora', role: 'coordinator' });
    expect(await poll(loginId)).toEqual({ reason: 'unknown-state', problem: expect.stringContaining('collected already') });
  });

  it('finish - a user name that starts with a digit - becomes sso-<name>; administrator alone is a role', async () => {
    const { callback } = await signedIn('42.ops');
    expect(value(await finish(callback))).toMatchObject({ accountId: 'sso-42.ops', role: 'administrator' });
  });

  it('finish - groups that grant no role - refused, naming the groups claim and the configured mapping; poll hands out the refusal', async () => {
    const { loginId, callback } = await signedIn('nina');
    const refused = await finish(callback);
    expect(refused).toMatchObject({ ok: false, error: { name: 'SsoRefusedError', code: 'VERIFICATION_FAILED', reason: 'no-role' } });
    const message = refused.ok ? '' : refused.error.message;
    expect(message).toContain('"groups" claim');
    expect(message).toContain('coordinator=erasure-coordinators; screened-reviewer=erasure-reviewers');
    expect(message).not.toContain('finance'); // the person's other groups are not ours to repeat
    expect(await poll(loginId)).toEqual({ reason: 'no-role', problem: message });
  });

  it('finish - groups that grant two acting roles, or administrator and another - refused, not the "highest" role picked', async () => {
    const two = await finish((await signedIn('sam')).callback);
    expect(two).toMatchObject({ ok: false, error: { reason: 'several-roles', message: expect.stringContaining('coordinator (erasure-coordinators)') } });
    const admin = await finish((await signedIn('ada')).callback);
    expect(admin).toMatchObject({ ok: false, error: { reason: 'several-roles', message: expect.stringContaining('the administrator takes no other role') } });
  });

  it('finish - a state this service never issued - refused, and the genuine sign-in still completes', async () => {
    const { loginId, callback } = await signedIn('rev');
    const forged = new URL(callback);
    forged.searchParams.set('state', 'not-issued-here');
    expect(await finish(forged.href)).toMatchObject({ ok: false, error: { reason: 'unknown-state' } });
    const noState = new URL(callback);
    noState.searchParams.delete('state');
    expect(await finish(noState.href)).toMatchObject({ ok: false, error: { reason: 'unknown-state' } });
    expect(await poll(loginId)).toBe('pending');
    expect(value(await finish(callback))).toMatchObject({ accountId: 'rev', role: 'screened-reviewer' });
  });

  it('finish - the same callback again (replay) - refused; the first result is handed out once', async () => {
    const { loginId, callback } = await signedIn('Cora');
    expect(value(await finish(callback)).role).toBe('coordinator');
    expect(await finish(callback)).toMatchObject({ ok: false, error: { reason: 'replayed', message: expect.stringContaining('erasure login --sso') } });
    expect(await poll(loginId)).toEqual({ accountId: 'cora', role: 'coordinator' });
  });

  it('finish - the right state with a code the provider did not issue - refused by the provider', async () => {
    const { loginId, callback } = await signedIn('Cora');
    const tampered = new URL(callback);
    tampered.searchParams.set('code', 'x'.repeat(43));
    expect(await finish(tampered.href)).toMatchObject({ ok: false, error: { reason: 'provider-error', message: expect.stringContaining('invalid_grant') } });
    expect(await poll(loginId)).toMatchObject({ reason: 'provider-error' });
  });

  it('finish - more than 10 minutes after start - refused as expired; poll says so too', async () => {
    const { loginId, url } = await start();
    value(await logins.call({ op: 'advance', ms: 10 * 60_000 + 1 }));
    expect(await poll(loginId)).toMatchObject({ reason: 'expired' });
    const callback = await provider.signIn(url, 'Cora');
    expect(await finish(callback)).toMatchObject({ ok: false, error: { reason: 'expired' } });
  });
});

describe('SsoLogins - a provider that releases groups from userinfo only', () => {
  let provider: TestProvider;
  let logins: LoginsProcess;
  beforeAll(async () => {
    provider = await startTestProvider({ client, accounts, groupsInIdToken: false });
    logins = startLoginsProcess();
    value(await logins.call({ op: 'create', env: env(provider.issuer) }));
  });
  afterAll(async () => {
    await logins?.stop();
    await provider?.stop();
  });

  it('finish - no groups claim in the ID token - reads it from userinfo and maps the role', async () => {
    const { url } = value(await logins.call<{ loginId: string; url: string }>({ op: 'start' }));
    const callback = await provider.signIn(url, 'rev');
    expect(value(await logins.call<SsoIdentity>({ op: 'finish', url: callback }))).toMatchObject({ accountId: 'rev', role: 'screened-reviewer' });
  });

  it('finish - a roles claim the provider never sends - refused, naming the claim and the variable', async () => {
    const other = startLoginsProcess();
    try {
      value(await other.call({ op: 'create', env: { ...env(provider.issuer), ERASURE_OIDC_ROLES_CLAIM: 'roles' } }));
      const { url } = value(await other.call<{ loginId: string; url: string }>({ op: 'start' }));
      const refused = await other.call({ op: 'finish', url: await provider.signIn(url, 'rev') });
      expect(refused).toMatchObject({ ok: false, error: { reason: 'no-groups-claim', message: expect.stringContaining('"roles" claim') } });
      expect(refused).toMatchObject({ ok: false, error: { message: expect.stringContaining('ERASURE_OIDC_ROLES_CLAIM') } });
    } finally {
      await other.stop();
    }
  });
});

describe('parseOidcConfig - the ERASURE_OIDC_* variables', () => {
  const problems = (vars: Record<string, string>) => {
    try {
      parseOidcConfig(vars);
    } catch (error) {
      if (error instanceof InvalidConfigError) return error.problems.map((p) => `${p.field}: ${p.message}`);
      throw error;
    }
    throw new Error('accepted');
  };

  it('unset issuer - SSO off; a complete set - parsed with the default groups claim', () => {
    expect(parseOidcConfig({})).toBeUndefined();
    expect(parseOidcConfig({ ERASURE_OIDC_ISSUER: '' })).toBeUndefined();
    const config = parseOidcConfig(env('https://login.example.org/realms/staff'));
    expect(config?.rolesClaim).toBe('groups');
    expect(config?.roleGroups.get('erasure-reviewers')).toBe('screened-reviewer');
    expect(config?.redirectUri.href).toBe(client.redirectUri);
  });

  it('a variable without the issuer, a missing secret, plain http to another host - each named with its fix', () => {
    expect(problems({ ERASURE_OIDC_CLIENT_ID: 'x' })).toEqual([expect.stringMatching(/^ERASURE_OIDC_CLIENT_ID: .*ERASURE_OIDC_ISSUER is not/)]);
    expect(problems({ ...env('https://login.example.org'), ERASURE_OIDC_CLIENT_SECRET: '' })).toEqual([
      expect.stringMatching(/^ERASURE_OIDC_CLIENT_SECRET: .*confidential client/),
    ]);
    expect(problems({ ...env('https://login.example.org'), ERASURE_OIDC_REDIRECT_URI: '' })).toEqual([
      expect.stringMatching(/^ERASURE_OIDC_REDIRECT_URI: ERASURE_OIDC_REDIRECT_URI is missing: set this service's callback URL/),
    ]);
    expect(problems(env('http://login.example.org'))).toEqual([
      expect.stringMatching(/^ERASURE_OIDC_ISSUER: .*must use https:\/\/ unless the host is this machine/),
    ]);
  });

  it('ERASURE_OIDC_ROLE_GROUPS - an unknown role, or a group granting two roles - refused', () => {
    const withGroups = (groups: string) => problems({ ...env('https://login.example.org'), ERASURE_OIDC_ROLE_GROUPS: groups });
    expect(withGroups('reviewer=erasure-reviewers')).toEqual([expect.stringContaining('"reviewer" is not a role; use coordinator, screened-reviewer')]);
    expect(withGroups('coordinator=staff;privacy-officer=staff')).toEqual([expect.stringContaining('"staff" grants both coordinator and privacy-officer')]);
  });
});

describe('accountIdFromClaims and readGroups - what the provider sends, made an account and groups', () => {
  const id = (claims: Record<string, unknown>) => {
    try {
      return accountIdFromClaims(claims);
    } catch (error) {
      return `refused: ${(error as { reason?: string }).reason}`;
    }
  };

  it('account id - preferred_username lower-cased, else sub; sso- before a digit; refused where it cannot be one id of one person', () => {
    expect(id({ sub: 'f3a9', preferred_username: 'Cora.Smith' })).toBe('cora.smith');
    expect(id({ sub: 'cora' })).toBe('cora');
    expect(id({ sub: '0f3a9-77' })).toBe('sso-0f3a9-77');
    expect(id({ sub: 'x', preferred_username: 'cora@example.org' })).toBe('refused: no-account-id');
    expect(id({ sub: 'x', preferred_username: 'c'.repeat(65) })).toBe('refused: no-account-id');
    expect(id({ sub: 'x', preferred_username: '4'.repeat(61) })).toBe('refused: no-account-id');
    // "sso-42" as it is would be the account of the person called "42".
    expect(id({ sub: 'x', preferred_username: 'sso-42' })).toBe('refused: no-account-id');
    expect(id({ sub: 'x', preferred_username: 'sso-team' })).toBe('sso-team');
  });

  it('groups - a list, a single string, a namespaced claim, a nested path; absent is undefined; a number is refused', () => {
    expect(readGroups({ groups: ['a', 'b'] }, 'groups')).toEqual(['a', 'b']);
    expect(readGroups({ groups: 'a' }, 'groups')).toEqual(['a']);
    expect(readGroups({ 'https://example.org/groups': ['a'] }, 'https://example.org/groups')).toEqual(['a']);
    expect(readGroups({ realm_access: { roles: ['a'] } }, 'realm_access.roles')).toEqual(['a']);
    expect(readGroups({ sub: 'x' }, 'groups')).toBeUndefined();
    const refusal = (() => {
      try {
        return readGroups({ groups: 7 }, 'groups');
      } catch (error) {
        return (error as { reason?: string }).reason;
      }
    })();
    expect(refusal).toBe('no-groups-claim');
  });
});
