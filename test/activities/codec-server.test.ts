import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { startCodecServer, type RunningCodecServer } from '../../infra/codec-server';
import { issueCodecToken } from '../../infra/codec-token';
import { EncryptionCodec } from '../../infra/payload-codec';
import { freePort } from '../../infra/free-port';
import { parseRoles } from '../../schemas/roles';
import { openDatabases, type Databases } from '../helpers/services';

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
  const bearer = (user: string) => ({ Authorization: `Bearer ${issueCodecToken(keys, user, 60_000).token}` });
  const decodes = async () => (await dbs.registry.query<{ n: number }>("SELECT count(*)::int AS n FROM access_log WHERE action = 'decode'")).rows[0]?.n ?? 0;

  beforeAll(async () => {
    dbs = openDatabases();
    const { roles } = parseRoles('coordinator=cora;screened-reviewer=rev;privacy-officer=otto');
    server = await startCodecServer({ port: await freePort(), payloadKeys: keys, roles, registry: dbs.registry, allowedOrigins: [UI] });
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

  it("decode - without a token 401, with a coordinator's or privacy officer's 403, with a reviewer's 200 and logged; a forged or expired token 401", async () => {
    const body = await wire({ recordId: 'R-17' });
    const before = await decodes();

    const none = await post('/decode', body);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toContain('Bearer');
    expect(await none.json()).toEqual({ error: expect.stringContaining('erasure codec token --as <reviewer>') });
    const coordinator = await post('/decode', body, bearer('cora'));
    expect(coordinator.status).toBe(403);
    expect(await coordinator.json()).toEqual({ error: 'cora is coordinator; decoding Temporal payloads is for screened reviewers' });
    expect((await post('/decode', body, bearer('otto'))).status).toBe(403);
    expect((await post('/decode', body, bearer('mallory'))).status).toBe(403);
    expect((await post('/decode', body, { Authorization: 'Bearer v1.e30.AAAA' })).status).toBe(401);
    expect((await post('/decode', body, { Authorization: `Bearer ${issueCodecToken(keys, 'rev', -1_000).token}` })).status).toBe(401);
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
    expect(rows[0]).toEqual({ actor: 'rev (screened-reviewer)', record_id: null, purpose: 'Temporal Web UI: 1 payload(s) decoded, namespace default' });
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
      body: `token=${encodeURIComponent(issueCodecToken(keys, 'rev', 60_000).token)}`,
    });
    expect(login.status).toBe(200);
    const cookie = login.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^erasure_codec_token=.+; HttpOnly; SameSite=Lax; Path=\//);
    const withCookie = await post('/decode', await wire('y'), { Cookie: cookie.split(';')[0]! });
    expect(withCookie.status).toBe(200);
    expect((await post('/decode', { nope: 1 }, bearer('rev'))).status).toBe(400);
  });
});
