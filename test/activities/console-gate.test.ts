import type { FastifyInstance } from 'fastify';
import { parseConfig } from '../../schemas/config';
import { buildService } from '../../service/app';
import { authBackend, accountsCommands } from '../../service/auth-wiring';
import { Accounts } from '../../service/auth/accounts';
import { Sessions } from '../../service/auth/sessions';
import { ServiceConnections } from '../../service/connections';
import type { NewCredentials } from '../../service/auth/account-info';
import { html, trusted } from '../../console/html';
import { clearSessionCookie, setSessionCookie } from '../../console/cookies';
import { codeFor } from '../helpers/cli';
import { openDatabases, testKeyEnv, testServices, uniqueId, type Databases } from '../helpers/services';

/**
 * The console's gate over real HTTP: sign-in with password and code, the session cookie's
 * attributes, the anti-forgery token on every form, the account's language, an ended
 * session sent to sign-in with nothing shown, and the headers of every page.
 */
describe('console - sign-in, session cookie and gate', () => {
  let dbs: Databases;
  let app: FastifyInstance;
  let connections: ServiceConnections;
  let base = '';
  let cora: NewCredentials;
  let step = 0;
  /** A code not used before (a code is accepted once; later steps are still valid). */
  const code = async (account: NewCredentials) => codeFor(account.totpSecret, step++ % 2);

  const get = (path: string, cookie?: string) => fetch(`${base}${path}`, { redirect: 'manual', headers: cookie ? { cookie } : {} });
  const post = (path: string, fields: Record<string, string>, cookie?: string, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}), ...headers },
      body: new URLSearchParams(fields).toString(),
    });
  const csrfOf = (page: string) => /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';
  async function signIn(account: NewCredentials): Promise<{ cookie: string; setCookie: string }> {
    const answer = await post('/sign-in', { account: account.id, password: account.password, code: await code(account) });
    expect(answer.status).toBe(303);
    const setCookie = answer.headers.get('set-cookie') ?? '';
    return { cookie: setCookie.split(';')[0] ?? '', setCookie };
  }

  beforeAll(async () => {
    dbs = openDatabases();
    const services = testServices();
    const config = parseConfig({ ...testKeyEnv, TEMPORAL_ADDRESS: services.temporalAddress, DATABASE_URL: services.databases.registry });
    connections = new ServiceConnections(config);
    const accounts = new Accounts(dbs.registry);
    ({ app } = await buildService({
      config,
      connections,
      auth: authBackend(dbs.registry, accounts, new Sessions(dbs.registry)),
      accounts: accountsCommands(dbs.registry, accounts),
    }));
    cora = await accounts.add(uniqueId('cora'), 'coordinator', null);
    base = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await app?.close();
    await connections?.close();
    await dbs?.close();
  });

  it('escapes every value in a template, and only markup it wrote itself passes as markup', () => {
    const name = '<script>alert("x")</script> & \'co\'';
    expect(html`<p title="${name}">${name}</p>`.text).toBe(
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;co&#39;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;co&#39;</p>',
    );
    expect(html`<ul>${['a<', 'b'].map((x) => html`<li>${x}</li>`)}</ul>${trusted('<hr>')}`.text).toBe('<ul><li>a&lt;</li><li>b</li></ul><hr>');
  });

  it('cookies - HttpOnly and SameSite=Strict; Secure and __Host- named when the service is reached over TLS', () => {
    const tls = parseConfig({ ...testKeyEnv, ERASURE_SERVICE_URL: 'https://erasure.example.org' });
    expect(setSessionCookie(tls, 't')).toBe('__Host-erasure-session=t; Path=/; HttpOnly; SameSite=Strict; Secure');
    expect(clearSessionCookie(tls)).toContain('Max-Age=0');
    const plain = parseConfig({ ...testKeyEnv });
    expect(setSessionCookie(plain, 't')).toBe('erasure-session=t; Path=/; HttpOnly; SameSite=Strict');
  });

  it('sign-in - the form in either language; a wrong code is refused without saying which part was wrong or echoing the password', async () => {
    const page = await get('/sign-in');
    expect(page.status).toBe(200);
    const text = await page.text();
    expect(text).toContain('<html lang="en">');
    expect(text).toContain('<label for="f-password">Password</label>');
    expect(text).toContain('A session ends after 15 min without use, and after 8 h in any case.');
    for (const [name, value] of Object.entries({
      'content-security-policy':
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
      'cache-control': 'no-store',
      'x-frame-options': 'DENY',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    }))
      expect({ name, value: page.headers.get(name) }).toEqual({ name, value });
    const dutch = await get('/sign-in?lang=nl');
    expect(await dutch.text()).toContain('<html lang="nl">');
    expect(dutch.headers.get('set-cookie')).toContain('erasure-language=nl');

    const wrong = await post('/sign-in', { account: cora.id, password: 'Secret-Wrong-1234', code: '000000' });
    expect(wrong.status).toBe(401);
    const refused = await wrong.text();
    expect(refused).toContain('The account name, password or code is not right; check them and try again.');
    expect(refused).not.toContain('Secret-Wrong-1234');
    expect(wrong.headers.get('set-cookie')).toBeNull();
  });

  it('a session - its cookie is HttpOnly and SameSite=Strict; forms need its own anti-forgery token; the language is the account’s; an ended session lands on sign-in without data', async () => {
    const { cookie, setCookie } = await signIn(cora);
    expect(setCookie).toMatch(/^erasure-session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict$/);
    const home = await get('/', cookie);
    expect(home.status).toBe(200);
    const page = await home.text();
    expect(page).toContain(`Signed in as ${cora.id} (coordinator)`);
    expect(page).toContain('data-expires-at=');
    const csrf = csrfOf(page);
    expect(csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);

    // Without the token, with another session's, or from another origin: refused, nothing changed.
    for (const [fields, headers] of [
      [{ language: 'nl' }, {}],
      [{ language: 'nl', _csrf: csrf.replace(/^./, csrf.startsWith('A') ? 'B' : 'A') }, {}],
      [{ language: 'nl', _csrf: csrf }, { origin: 'https://evil.example' }],
    ] as const) {
      const forged = await post('/language', fields, cookie, headers);
      expect(forged.status).toBe(403);
      expect(await forged.text()).toContain('Form no longer valid');
    }
    expect(await (await get('/', cookie)).text()).toContain('<html lang="en">');

    const chosen = await post('/language', { language: 'nl', back: '/', _csrf: csrf }, cookie);
    expect(chosen.status).toBe(303);
    expect(chosen.headers.get('location')).toBe('/');
    const dutch = await (await get('/', cookie)).text();
    expect(dutch).toContain('<html lang="nl">');
    expect(dutch).toContain(`Aangemeld als ${cora.id} (coördinator)`);
    // The return path is this console's only.
    const away = await post('/language', { language: 'en', back: '//evil.example/x', _csrf: csrf }, cookie);
    expect(away.headers.get('location')).toBe('/');

    // The session ends (idle past its limit): a page sends to sign-in, a form is refused, neither shows anything.
    await dbs.registry.query(`UPDATE sessions SET last_seen_at = now() - interval '1 day' WHERE account_id = $1`, [cora.id]);
    const ended = await get('/', cookie);
    expect(ended.status).toBe(303);
    expect(ended.headers.get('location')).toBe('/sign-in?ended=1');
    expect(ended.headers.get('set-cookie')).toContain('Max-Age=0');
    expect(await ended.text()).toBe('');
    const late = await post('/language', { language: 'nl', _csrf: csrf }, cookie);
    expect(late.status).toBe(401);
    expect(await late.text()).not.toContain(cora.id);
    expect(await (await get('/sign-in?ended=1')).text()).toContain('Your session has ended. Sign in again.');
  });

  it('sign-out - ends the session: the cookie opens nothing afterwards', async () => {
    const { cookie } = await signIn(cora);
    const csrf = csrfOf(await (await get('/', cookie)).text());
    const out = await post('/sign-out', { _csrf: csrf }, cookie);
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toBe('/sign-in');
    expect((await get('/', cookie)).headers.get('location')).toBe('/sign-in?ended=1');
  });

  it('an unknown page - the console’s 404, the API keeps its JSON', async () => {
    const page = await get('/no-such-page');
    expect(page.status).toBe(404);
    expect(await page.text()).toContain('There is no such page.');
    expect((await get('/api/no-such-route')).headers.get('content-type')).toContain('application/json');
  });
});
