import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Payload } from '@temporalio/common';
import type { Pool } from 'pg';
import { z } from 'zod';
import { appendAccessLog } from '../activities/registry/inquiries';
import type { Config } from '../schemas/config';
import type { AccountRole } from '../schemas/roles';
import { EncryptionCodec, type PayloadKeys } from './payload-codec';

/** The Temporal Web UI's remote codec protocol: payloads as JSON, bytes in base64. */
const wirePayloads = z.strictObject({
  payloads: z
    .array(
      z.object({
        metadata: z.record(z.string(), z.string().regex(/^[A-Za-z0-9+/=]*$/)).optional(),
        data: z
          .string()
          .regex(/^[A-Za-z0-9+/=]*$/)
          .optional(),
      }),
    )
    .max(10_000),
});
type WirePayloads = z.infer<typeof wirePayloads>;

const fromWire = (p: WirePayloads['payloads'][number]): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data ?? '', 'base64'),
});
const toWire = (p: Payload) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? []).toString('base64')])),
  data: Buffer.from(p.data ?? []).toString('base64'),
});

export interface CodecServerOptions {
  readonly port: number;
  readonly host?: string;
  readonly payloadKeys: PayloadKeys;
  /** The erasure service's session check (service/auth): one identity for the CLI, the service and the Web UI. */
  readonly checkSession: (token: string) => Promise<{ ok: true; session: { accountId: string; role: AccountRole } } | { ok: false; message: string }>;
  /** The registry: each decode is written to its access log before anything is answered. */
  readonly registry: Pool;
  /** Origins allowed to call from a browser (the Web UI's), e.g. http://localhost:8233. */
  readonly allowedOrigins: readonly string[];
}

export interface RunningCodecServer {
  readonly url: string;
  stop(): Promise<void>;
}

const COOKIE = 'erasure_codec_token';
const MAX_BODY = 16 * 1024 * 1024;

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new HttpProblem(413, `the request body is larger than ${MAX_BODY} bytes`));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const bearerOf = (req: IncomingMessage): string | undefined => {
  const header = req.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice('Bearer '.length).trim();
  const cookie = (req.headers.cookie ?? '')
    .split(';')
    .map((c) => c.trim())
    .find((c) => c.startsWith(`${COOKIE}=`));
  return cookie ? decodeURIComponent(cookie.slice(COOKIE.length + 1)) : undefined;
};

const page = (title: string, body: string) =>
  `<!doctype html><meta charset="utf-8"><title>${title}</title><body style="font-family:sans-serif;max-width:40em;margin:3em auto"><h1>${title}</h1>${body}</body>`;

/**
 * The codec server for the Temporal Web UI (its `/decode` and `/encode` protocol, CORS for
 * the UI's origin). It decodes only for a screened reviewer's token — Bearer header, or
 * the cookie set by its `/login` page for browsers — answering 401 without a valid token
 * and 403 for anyone else, and logs every decode in the access log before answering.
 */
export async function startCodecServer(options: CodecServerOptions): Promise<RunningCodecServer> {
  const codec = new EncryptionCodec(options.payloadKeys);
  const reviewer = async (req: IncomingMessage): Promise<{ user: string }> => {
    const token = bearerOf(req);
    if (!token)
      throw new HttpProblem(
        401,
        'a screened reviewer\'s session is needed: sign in with `erasure login`, then send `erasure whoami --token` as "Authorization: Bearer <token>" (or paste it at /login)',
      );
    const checked = await options.checkSession(token);
    if (!checked.ok) throw new HttpProblem(401, checked.message);
    const { accountId, role } = checked.session;
    if (role === 'screened-reviewer') return { user: accountId };
    throw new HttpProblem(403, `${accountId} is signed in as ${role}; decoding Temporal payloads is for screened reviewers`);
  };

  const cors = (req: IncomingMessage, res: ServerResponse) => {
    const origin = req.headers.origin;
    if (origin && options.allowedOrigins.includes(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', 'Content-Type, Authorization, X-Namespace');
      res.setHeader('Access-Control-Max-Age', '600');
    }
    res.setHeader('Vary', 'Origin');
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    cors(req, res);
    const path = (req.url ?? '/').split('?')[0]?.replace(/\/+$/, '') ?? '';
    if (req.method === 'OPTIONS') {
      res.writeHead(204).end();
      return;
    }
    if (path === '/login' && req.method === 'GET') {
      res
        .writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' })
        .end(
          page(
            'Codec server: sign in',
            '<p>Sign in with <code>erasure login</code>, then paste the session token from <code>erasure whoami --token</code>. The Web UI then decodes payloads for you (enable "Include cross-origin credentials" in its codec settings). Every decode is logged.</p><form method="post"><input name="token" size="60" autocomplete="off"> <button>Sign in</button></form>',
          ),
        );
      return;
    }
    if (path === '/login' && req.method === 'POST') {
      const token = new URLSearchParams(await readBody(req)).get('token')?.trim() ?? '';
      const checked = await options.checkSession(token);
      if (!checked.ok) throw new HttpProblem(401, checked.message);
      // The cookie lives no longer than the browser session; the service's session ends it sooner when idle.
      res.writeHead(200, {
        'Content-Type': 'text/html; charset=utf-8',
        'Set-Cookie': `${COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Lax; Path=/`,
      });
      res.end(page('Codec server: signed in', `<p>Signed in as ${checked.session.accountId} (${checked.session.role}).</p>`));
      return;
    }
    if (req.method !== 'POST' || (path !== '/decode' && path !== '/encode'))
      throw new HttpProblem(404, 'POST /decode or /encode (the Temporal Web UI codec protocol)');
    const { user } = await reviewer(req);
    let body: WirePayloads;
    try {
      body = wirePayloads.parse(JSON.parse(await readBody(req)));
    } catch (err) {
      if (err instanceof HttpProblem) throw err;
      throw new HttpProblem(400, 'the body must be {"payloads": [{"metadata": {...base64}, "data": base64}]}');
    }
    const payloads = body.payloads.map(fromWire);
    let result: Payload[];
    try {
      result = path === '/decode' ? await codec.decode(payloads) : await codec.encode(payloads);
    } catch (err) {
      throw new HttpProblem(422, (err as Error).message);
    }
    if (path === '/decode') {
      const namespace = String(req.headers['x-namespace'] ?? 'default').slice(0, 100);
      await appendAccessLog(options.registry, {
        actor: `${user} (screened-reviewer)`,
        recordId: null,
        action: 'decode',
        purpose: `Temporal Web UI: ${payloads.length} payload(s) decoded, namespace ${namespace}`,
      });
    }
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ payloads: result.map(toWire) }));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const status = err instanceof HttpProblem ? err.status : 500;
      if (status === 500) console.error(`codec server: ${(err as Error).message}`);
      if (!res.headersSent) {
        res.writeHead(status, { 'Content-Type': 'application/json', ...(status === 401 ? { 'WWW-Authenticate': 'Bearer realm="erasure-codec"' } : {}) });
      }
      res.end(JSON.stringify({ error: status === 500 ? 'internal error (see the codec server log)' : (err as Error).message }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** ERASURE_CODEC_ORIGINS, or the dev server's Web UI on both names of the loopback. */
export const codecOrigins = (config: Config): string[] =>
  config.ERASURE_CODEC_ORIGINS?.split(',')
    .map((o) => o.trim())
    .filter(Boolean) ?? [`http://localhost:${config.TEMPORAL_UI_PORT}`, `http://127.0.0.1:${config.TEMPORAL_UI_PORT}`];
