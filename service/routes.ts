import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AccountRole } from '../schemas/roles';
import type { SessionView } from './auth-backend';

/**
 * Who may call a route: anyone (signing in), any signed-in account, or the roles named.
 * Every route the service registers declares one (docs/ARCHITECTURE.md, "The erasure service").
 */
export type RouteAccess = { readonly public: true } | { readonly signedIn: true } | { readonly roles: readonly AccountRole[]; readonly stepUp?: true };

export interface Caller {
  readonly token: string;
  readonly session: SessionView;
  readonly from: string;
}

export interface ServiceRoute {
  readonly method: 'GET' | 'POST';
  readonly url: string;
  readonly access: RouteAccess;
  /** What the route does, as a refusal names it: "`erasure consent`". */
  readonly what?: string;
  /** The console's pages check their access themselves (session cookie, anti-forgery token): console/gate.ts. */
  readonly ownGate?: true;
  /** `caller` is undefined only on public routes. */
  readonly handle: (request: FastifyRequest, reply: FastifyReply, caller: Caller | undefined) => Promise<unknown>;
}

/** A refusal the HTTP layer answers with its status: 400 (bad request), 401, 403, 404, 429. */
export class HttpRefusal extends Error {
  override name = 'HttpRefusal';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

export const rolesOf = (access: RouteAccess): readonly AccountRole[] | undefined => ('roles' in access ? access.roles : undefined);
