import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { startCodecServer, type RunningCodecServer } from '../../infra/codec-server';
import { EncryptionCodec } from '../../infra/payload-codec';
import { freePort } from '../../infra/free-port';
import { parseConfig } from '../../schemas/config';
import type { AccountRole } from '../../schemas/roles';
import { Accounts } from '../../service/auth/accounts';
import { Sessions } from '../../service/auth/sessions';
import { sessionChecker } from '../../service/auth-wiring';
import { openDatabases, uniqueId, type Databases } from '../helpers/services';

const UI = 'http://localhost:8233';

describe('codec server - the Web UI protocol, for screened reviewers only, every decode logged', () => {
  const keys = { current: randomBytes(32), previous: [] };
  const codec = new EncryptionCodec(keys);
  let dbs: Databases;
  let server: RunningCodecServer;
  const wire = async (value: unknown) => {
    const [sealed] = await codec.encode([defaultPayloadConverter.toPayload(value)]);
    return {
      payloads: [
        {
          metadata: Object.fromEntries(Object.entries(sealed!.metadata!).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
          data: Buffer.from(sealed!.data!).toString('base64'),
        },
      ],
    };
  };
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: UI, 'X-Namespace': 'default', ...headers },
      body: JSON.stringify(body),
    });
  /** The erasure service's sessions: the codec server accepts the same ones (one identity). */
  const tokens = new Map<string, string>();
  const ids = new Map<string, string>();
  const bearer = (user: string) => ({ Authorization: `Bearer ${tokens.get(user) ?? 'no-such-session-token-0000000000000000'}` });
  const decodes = async () => (await dbs.registry.query<{ n: number }>("SELECT count(*)::int AS n FROM access_log WHERE action = 'decode'")).rows[0]?.n ?? 0;

  beforeAll(async () => {
    dbs = openDatabases();
    const accounts = new Accounts(dbs.registry);
    const sessions = new Sessions(dbs.registry);
    const people: [string, AccountRole][] = [
      ['cora', 'coordinator'],
      ['rev', 'screened-reviewer'],
      ['otto', 'privacy-officer'],
    ];
    for (const [name, role] of people) {
      const created = await accounts.add(uniqueId(name), role, null);
      ids.set(name, created.id);
      tokens.set(name, (await sessions.create({ id: created.id, role }, 'password', '127.0.0.1')).token);
    }
    // A reviewer's session that began nine hours ago (past the 8 h limit), and one signed out.
    const old = new Sessions(dbs.registry, { now: () => Date.now() - 9 * 3_600_000 });
    tokens.set('rev-expired', (await old.create({ id: ids.get('rev') as string, role: 'screened-reviewer' }, 'password', '127.0.0.1')).token);
    const ended = (await sessions.create({ id: ids.get('rev') as string, role: 'screened-reviewer' }, 'password', '127.0.0.1')).token;
    await sessions.end(ended);
    tokens.set('rev-ended', ended);
    server = await startCodecServer({
      port: await freePort(),
      payloadKeys: keys,
      checkSession: sessionChecker(dbs.registry, parseConfig({})),
      registry: dbs.registry,
      allowedOrigins: [UI],
    });
  });
  afterAll(async () => {
    await server.stop();
    await dbs.close();
  });

  it('preflight - from the Web UI origin - allows it with credentials; from another origin - no CORS grant', async () => {
    const ok = await fetch(`${server.url}/decode`, {
      method: 'OPTIONS',
      headers: { Origin: UI, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization,content-type,x-namespace' },
    });
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(UI);
    expect(ok.headers.get('access-control-allow-credentials')).toBe('true');
    expect(ok.headers.get('access-control-allow-headers')).toContain('Authorization');
    const other = await fetch(`${server.url}/decode`, { method: 'OPTIONS', headers: { Origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it("decode - without a session 401, with a coordinator's or privacy officer's 403, with a reviewer's 200 and logged; a forged, expired or ended session 401", async () => {
    const body = await wire({ recordId: 'R-17' });
    const before = await decodes();

    const none = await post('/decode', body);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toContain('Bearer');
    expect(await none.json()).toEqual({ error: expect.stringContaining('sign in with `erasure login`, then send `erasure whoami --token`') });
    const coordinator = await post('/decode', body, bearer('cora'));
    expect(coordinator.status).toBe(403);
    expect(await coordinator.json()).toEqual({ error: `${ids.get('cora')} is signed in as coordinator; decoding Temporal payloads is for screened reviewers` });
    expect((await post('/decode', body, bearer('otto'))).status).toBe(403);
    expect((await post('/decode', body, bearer('mallory'))).status).toBe(401);
    expect((await post('/decode', body, { Authorization: 'Bearer v1.e30.AAAA' })).status).toBe(401);
    const expired = await post('/decode', body, bearer('rev-expired'));
    expect(expired.status).toBe(401);
    expect(await expired.json()).toEqual({ error: expect.stringContaining('sign in again with `erasure login`') });
    expect((await post('/decode', body, bearer('rev-ended'))).status).toBe(401);
    expect(await decodes()).toBe(before); // nothing decoded, nothing logged

    const reviewer = await post('/decode', body, bearer('rev'));
    expect(reviewer.status).toBe(200);
    expect(reviewer.headers.get('access-control-allow-origin')).toBe(UI);
    const decoded = (await reviewer.json()) as { payloads: { metadata: Record<string, string>; data: string }[] };
    expect(Buffer.from(decoded.payloads[0]!.metadata.encoding!, 'base64').toString()).toBe('json/plain');
    expect(JSON.parse(Buffer.from(decoded.payloads[0]!.data, 'base64').toString())).toEqual({ recordId: 'R-17' });
    const { rows } = await dbs.registry.query<{ actor: string; record_id: string | null; purpose: string }>(
      "SELECT actor, record_id, purpose FROM access_log WHERE action = 'decode' ORDER BY id DESC LIMIT 1",
    );
    expect(rows[0]).toEqual({
      actor: `${ids.get('rev')} (screened-reviewer)`,
      record_id: null,
      purpose: 'Temporal Web UI: 1 payload(s) decoded, namespace default',
    });
    expect(await decodes()).toBe(before + 1);
  });

  it('encode for a reviewer, and a browser sign-in - the cookie from /login works like the bearer token', async () => {
    const encoded = await post(
      '/encode',
      { payloads: [{ metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: Buffer.from('"x"').toString('base64') }] },
      bearer('rev'),
    );
    expect(encoded.status).toBe(200);
    const sealed = (await encoded.json()) as { payloads: { metadata: Record<string, string> }[] };
    expect(Buffer.from(sealed.payloads[0]!.metadata.encoding!, 'base64').toString()).toBe('binary/encrypted');

    const login = await fetch(`${server.url}/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `token=${encodeURIComponent(tokens.get('rev') as string)}`,
    });
    expect(login.status).toBe(200);
    const cookie = login.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^erasure_codec_token=.+; HttpOnly; SameSite=Lax; Path=\//);
    const withCookie = await post('/decode', await wire('y'), { Cookie: cookie.split(';')[0]! });
    expect(withCookie.status).toBe(200);
    expect((await post('/decode', { nope: 1 }, bearer('rev'))).status).toBe(400);
  });
});
