import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Config } from '../schemas/config';
import { COMMAND_ACCESS, commandPath, type ServiceCommand } from './command-table';
import { runCommand } from './command-route';
import type { AuthBackend, SsoBackend } from './auth-backend';
import type { ServiceConnections } from './connections';
import type { AccountsCommands } from './users-commands';
import { authRoutes } from './auth-routes';
import { HttpRefusal, type Caller, type RouteAccess, type ServiceRoute } from './routes';
import formbody from '@fastify/formbody';
import { consoleRoutes } from '../console/routes';
import { consoleNotFound } from '../console/gate';

export interface ServiceDeps {
  readonly config: Config;
  readonly connections: ServiceConnections;
  readonly auth: AuthBackend;
  readonly accounts: AccountsCommands;
  readonly sso?: SsoBackend | undefined;
}

/** Every route of the service, each with its declared access: the auth routes, then one per command. */
export function serviceRoutes(deps: ServiceDeps): ServiceRoute[] {
  const commands = (Object.keys(COMMAND_ACCESS) as ServiceCommand[]).map((command): ServiceRoute => ({
    method: 'POST',
    url: commandPath(command),
    access: COMMAND_ACCESS[command],
    what: `\`erasure ${command}\``,
    handle: (request, reply, caller) => runCommand(command, request, reply, caller as Caller, deps),
  }));
  return [...authRoutes(deps), ...commands, ...consoleRoutes(deps)];
}

const bearer = (request: FastifyRequest): string | undefined => {
  const header = request.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() || undefined : undefined;
};

/** The gate in front of every route: 401 without a valid session, 403 for a role the route does not declare, or without a recent second factor. */
async function admit(deps: ServiceDeps, access: RouteAccess, request: FastifyRequest, route: string, what: string): Promise<Caller | undefined> {
  if ('public' in access) return undefined;
  const token = bearer(request);
  if (!token) throw new HttpRefusal(401, 'SIGNED_OUT', 'sign in first: `erasure login --account <id>` (or `erasure login --sso`)');
  const checked = await deps.auth.checkSession(token);
  if (!checked.ok) throw new HttpRefusal(401, 'SIGNED_OUT', checked.message);
  const caller: Caller = { token, session: checked.session, from: request.ip };
  if (!('roles' in access)) return caller;
  const { session } = checked;
  if (!access.roles.includes(session.role)) {
    await deps.auth.log('forbidden', session.accountId, request.ip, `${route} refused to role ${session.role}`);
    throw new HttpRefusal(
      403,
      'FORBIDDEN',
      `${what} is for the role ${access.roles.join(' or ')}; you are signed in as ${session.accountId} (${session.role})`,
    );
  }
  if (access.stepUp) {
    const within = deps.config.ERASURE_STEP_UP_MINUTES * 60_000;
    if (!session.stepUpAt || Date.now() - session.stepUpAt.getTime() > within) {
      throw new HttpRefusal(
        403,
        'STEP_UP_REQUIRED',
        `personal data is shown only after you re-enter your second factor (within the last ${deps.config.ERASURE_STEP_UP_MINUTES} min): the CLI asks for the code`,
      );
    }
  }
  return caller;
}

/** Headers on every answer: nothing cached, nothing sniffed or framed, no referrer. */
const SECURITY_HEADERS = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
};

/**
 * The erasure service's HTTP API (Fastify). Each route is registered through its
 * declaration, so none can exist without declared access; `registered` lists what Fastify
 * actually serves, which the route-table test compares with the declarations.
 */
export async function buildService(deps: ServiceDeps): Promise<{ app: FastifyInstance; routes: ServiceRoute[]; registered: string[] }> {
  // Inventories are sent whole (base64 in JSON): up to 512 MiB.
  const app = Fastify({ logger: { level: process.env.ERASURE_SERVICE_LOG ?? 'warn' }, bodyLimit: 700 * 1024 * 1024, trustProxy: false });
  const registered: string[] = [];
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) if (method !== 'HEAD') registered.push(`${method} ${r.url}`);
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) if (!reply.hasHeader(name)) reply.header(name, value);
    return payload;
  });
  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    if (error instanceof HttpRefusal) {
      if (error.retryAfterSeconds !== undefined) reply.header('Retry-After', String(error.retryAfterSeconds));
      if (error.status === 401) reply.header('WWW-Authenticate', 'Bearer realm="erasure"');
      return reply.status(error.status).send({ error: { code: error.code, message: error.message } });
    }
    if (error.statusCode && error.statusCode < 500) {
      return reply.status(error.statusCode).send({ error: { code: error.code ?? 'BAD_REQUEST', message: error.message } });
    }
    request.log.error({ err: error.message }, 'request failed');
    return reply.status(500).send({ error: { code: 'INTERNAL', message: 'the erasure service failed; its log says why' } });
  });
  // The console's forms post as application/x-www-form-urlencoded (fields of 4 KiB at most).
  await app.register(formbody, { bodyLimit: 64 * 1024 });
  app.setNotFoundHandler((request, reply) =>
    !request.url.startsWith('/api/')
      ? consoleNotFound(request, reply, deps)
      : reply
          .status(404)
          .send({ error: { code: 'NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}; \`erasure --help\` lists the commands` } }),
  );
  const routes = serviceRoutes(deps);
  for (const route of routes) {
    app.route({
      method: route.method,
      url: route.url,
      handler: async (request, reply) => {
        if (route.ownGate) return route.handle(request, reply, undefined);
        const caller = await admit(deps, route.access, request, `${route.method} ${route.url}`, route.what ?? `${route.method} ${route.url}`);
        return route.handle(request, reply, caller);
      },
    });
  }
  await app.ready();
  return { app, routes, registered };
}
