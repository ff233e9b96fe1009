import type { FastifyInstance } from 'fastify';
import { parseConfig } from '../../schemas/config';
import { accountRoles, type AccountRole } from '../../schemas/roles';
import { buildService } from '../../service/app';
import { authBackend, accountsCommands } from '../../service/auth-wiring';
import { Accounts } from '../../service/auth/accounts';
import { Sessions } from '../../service/auth/sessions';
import { ServiceConnections } from '../../service/connections';
import { rolesOf, type ServiceRoute } from '../../service/routes';
import { openDatabases, testKeyEnv, testServices, uniqueId, type Databases } from '../helpers/services';

/**
 * The route table, enumerated: every route the service serves is declared with its access,
 * refuses anonymous callers (401) and every role it does not name (403), and lets the roles
 * it names through the gate (to the body check, 400, which runs nothing).
 */
describe('erasure service - route table', () => {
  let dbs: Databases;
  let app: FastifyInstance;
  let routes: ServiceRoute[];
  let registered: string[];
  let connections: ServiceConnections;
  const tokens = new Map<AccountRole, string>();
  let stepUpToken = '';
  let base = '';
  /** Over real HTTP (Fastify's inject needs an ES module jest cannot load). */
  const request = async (method: string, url: string, payload: unknown, token?: string) => {
    const response = await fetch(`${base}${url}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) },
      ...(method === 'POST' ? { body: JSON.stringify(payload) } : {}),
    });
    return {
      statusCode: response.status,
      headers: Object.fromEntries(response.headers),
      body: (await response.json()) as { error: { code: string; message: string } },
    };
  };

  beforeAll(async () => {
    dbs = openDatabases();
    const services = testServices();
    const config = parseConfig({ ...testKeyEnv, TEMPORAL_ADDRESS: services.temporalAddress, DATABASE_URL: services.databases.registry });
    connections = new ServiceConnections(config);
    const accounts = new Accounts(dbs.registry);
    const sessions = new Sessions(dbs.registry);
    ({ app, routes, registered } = await buildService({
      config,
      connections,
      auth: authBackend(dbs.registry, accounts, sessions),
      accounts: accountsCommands(dbs.registry, accounts),
    }));
    for (const role of accountRoles) {
      const created = await accounts.add(uniqueId(role.slice(0, 8)), role, null);
      tokens.set(role, (await sessions.create({ id: created.id, role }, 'password', '127.0.0.1')).token);
    }
    const reviewer = await accounts.add(uniqueId('stepped'), 'screened-reviewer', null);
    stepUpToken = (await sessions.create({ id: reviewer.id, role: 'screened-reviewer' }, 'password', '127.0.0.1')).token;
    await sessions.stepUp(stepUpToken);
    base = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await app?.close();
    await connections?.close();
    await dbs?.close();
  });

  it('every route Fastify serves is a declared route (a route added without a declaration fails here)', () => {
    const declared = routes.map((r) => `${r.method} ${r.url}`).sort();
    expect([...registered].sort()).toEqual(declared);
    for (const r of routes) expect(r.access).toBeDefined();
  });

  it('every role-restricted route - refuses anonymous callers (401) and every role it does not name (403); admits the roles it names', async () => {
    const checked: string[] = [];
    const bad = { args: 'not a list' };
    for (const route of routes.filter((r) => !r.ownGate)) {
      const roles = rolesOf(route.access);
      if (!roles) continue;
      const call = (token?: string) => request(route.method, route.url, bad, token);
      const anonymous = await call();
      expect({ route: route.url, status: anonymous.statusCode }).toEqual({ route: route.url, status: 401 });
      const forged = await call('not-a-session-token-at-all-0000000000');
      expect({ route: route.url, status: forged.statusCode }).toEqual({ route: route.url, status: 401 });
      for (const role of accountRoles) {
        const token = role === 'screened-reviewer' && 'stepUp' in route.access ? stepUpToken : (tokens.get(role) as string);
        const answer = await call(token);
        const expected = roles.includes(role) ? 400 : 403;
        expect({ route: route.url, role, status: answer.statusCode }).toEqual({ route: route.url, role, status: expected });
        if (expected === 403)
          expect(answer.body).toEqual({
            error: { code: 'FORBIDDEN', message: expect.stringContaining(` is for the role ${roles.join(' or ')}; you are signed in as `) },
          });
        checked.push(`${route.url} ${role}`);
      }
    }
    const api = routes.filter((r) => !r.ownGate && rolesOf(r.access));
    console.log(
      `route table (API): ${api.length} role-restricted routes × ${accountRoles.length} roles = ${checked.length} checks, plus 2 anonymous/forged checks each`,
    );
    expect(checked.length).toBe(api.length * accountRoles.length);
  });

  it('every role-restricted console page - sends anonymous and forged sessions to sign-in, refuses every role it does not name (403), and a form without its anti-forgery token (403)', async () => {
    /** A console request with the session cookie; params of the URL filled with an id that exists nowhere. */
    const page = async (method: string, url: string, token?: string) => {
      const response = await fetch(`${base}${url.replace(/:[a-zA-Z]+/g, 'no-such-id')}`, {
        method,
        redirect: 'manual',
        headers: {
          ...(token ? { cookie: `erasure-session=${token}` } : {}),
          ...(method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        },
        ...(method === 'POST' ? { body: 'x=1' } : {}),
      });
      return { status: response.status, location: response.headers.get('location'), text: await response.text(), headers: response.headers };
    };
    const consoleRoutes = routes.filter((r) => r.ownGate && rolesOf(r.access));
    expect(consoleRoutes.length).toBeGreaterThan(0);
    let checks = 0;
    for (const route of consoleRoutes) {
      const roles = rolesOf(route.access) as readonly AccountRole[];
      for (const token of [undefined, 'not-a-session-token-at-all-0000000000']) {
        const answer = await page(route.method, route.url, token);
        const expected = route.method === 'GET' ? { status: 303, location: expect.stringMatching(/^\/sign-in/) } : { status: 401, location: null };
        expect({ route: route.url, status: answer.status, location: answer.location }).toEqual({ route: route.url, ...expected });
        expect(answer.text).not.toContain('no-such-id');
      }
      for (const role of accountRoles) {
        const token = role === 'screened-reviewer' && 'stepUp' in route.access ? stepUpToken : (tokens.get(role) as string);
        const answer = await page(route.method, route.url, token);
        expect(answer.headers.get('content-security-policy')).toContain("script-src 'self'");
        if (!roles.includes(role)) {
          expect({ route: route.url, role, status: answer.status }).toEqual({ route: route.url, role, status: 403 });
          expect(answer.text).toContain('Not for your role');
        } else if (route.method === 'POST') {
          // Past the role check: refused for the missing anti-forgery token, before anything runs.
          expect({ route: route.url, role, status: answer.status }).toEqual({ route: route.url, role, status: 403 });
          expect(answer.text).toContain('Form no longer valid');
        } else {
          expect({ route: route.url, role, status: [401, 403].includes(answer.status) }).toEqual({ route: route.url, role, status: false });
        }
        checks++;
      }
    }
    console.log(
      `route table (console): ${consoleRoutes.length} role-restricted pages × ${accountRoles.length} roles = ${checks} checks, plus 2 anonymous/forged checks each`,
    );
  });

  it('a route that shows personal data - refuses a screened reviewer without a recent second factor (403 STEP_UP_REQUIRED)', async () => {
    const stepped = routes.filter((r) => 'stepUp' in r.access && !r.ownGate);
    expect(stepped.map((r) => r.url).sort()).toEqual(['/api/consult', '/api/inquiry/review']);
    for (const route of stepped) {
      const answer = await request('POST', route.url, {}, tokens.get('screened-reviewer'));
      expect(answer.statusCode).toBe(403);
      expect(answer.body.error.code).toBe('STEP_UP_REQUIRED');
    }
  });

  it('every answer - carries the security headers; an unknown route says how to find the commands', async () => {
    const answer = await request('GET', '/api/nothing-here', undefined);
    expect(answer.statusCode).toBe(404);
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    expect(answer.headers['x-frame-options']).toBe('DENY');
    expect(answer.body.error.message).toContain('`erasure --help` lists the commands');
  });
});
