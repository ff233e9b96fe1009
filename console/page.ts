import type { FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { ServiceDeps } from '../service/app';
import type { Caller, RouteAccess } from '../service/routes';
import type { Html } from './html';
import { formatInstant, type ConsoleLanguage } from './i18n';

/**
 * One request to a console page, past the gate (docs/ARCHITECTURE.md, "The console"):
 * who asks (undefined on the public sign-in pages), in which language, the form token
 * their forms carry, and the service's own connections.
 */
export interface ConsoleRequest {
  readonly request: FastifyRequest;
  readonly caller: Caller | undefined;
  readonly language: ConsoleLanguage;
  /** The anti-forgery token every form of this session carries ('' before sign-in). */
  readonly csrf: string;
  readonly deps: ServiceDeps;
}

/** A signed-in request: what every page behind the gate is given. */
export interface SignedInRequest extends ConsoleRequest {
  readonly caller: Caller;
}

export interface ConsolePage {
  /** The page's title (no personal data: titles end up in history and window lists). */
  readonly title: string;
  readonly body: Html;
  readonly status?: number;
  /** A notice above the page: the outcome of the form just sent. */
  readonly notice?: Notice;
}

/** The outcome of a form, as the person reads it above the page it led to. */
export interface Notice {
  readonly kind: 'done' | 'refused';
  readonly lines: readonly string[];
}

/** What a page handler answers: a page, a redirect (after a form), or a file to save. */
export type ConsoleAnswer = (
  | { readonly page: ConsolePage }
  /** `repost`: the browser sends the same form again to `redirect` (307), as after a step-up asked for by a form. */
  | { readonly redirect: string; readonly repost?: true }
  | { readonly download: { readonly filename: string; readonly type: string; readonly content: string | Buffer } }
) & { readonly setCookie?: string };

/** A console route, declared with its access like every route of the service. */
export interface ConsoleRoute<R extends ConsoleRequest = SignedInRequest> {
  readonly method: 'GET' | 'POST';
  readonly url: string;
  readonly access: RouteAccess;
  /** What the route does, as a refusal names it. */
  readonly what: string;
  readonly handle: (c: R) => Promise<ConsoleAnswer>;
}

/** A refusal the console answers with a page of its status (400, 403, 404). */
export class ConsoleRefusal extends Error {
  override name = 'ConsoleRefusal';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A form's fields, checked: 400 naming the field and what to give when one is not usable.
 * The anti-forgery token is checked by the gate and is not part of the schema.
 */
export function formFields<S extends z.ZodObject>(c: ConsoleRequest, schema: S): z.output<S> {
  const fields = { ...((c.request.body ?? {}) as Record<string, unknown>) };
  delete fields._csrf;
  const parsed = schema.safeParse(fields);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConsoleRefusal(400, `${issue?.path.join('.') || 'the form'}: ${issue?.message ?? 'not usable'}`);
  }
  return parsed.data;
}

/** A route parameter (`:id`), checked against `schema`: 404 when it is no such thing. */
export function routeParam<S extends z.ZodType<string>>(c: ConsoleRequest, name: string, schema: S, what: string): z.output<S> {
  const value = (c.request.params as Record<string, unknown>)[name];
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ConsoleRefusal(404, `there is no ${what} with that id`);
  return parsed.data;
}

/** A query parameter (filters, never personal data), or undefined. */
export function queryParam(c: ConsoleRequest, name: string): string | undefined {
  const value = (c.request.query as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** An instant as the signed-in person reads it, in the console's time zone. */
export const localTime = (c: ConsoleRequest, at: string | Date): string => formatInstant(at, c.language, c.deps.config.ERASURE_CONSOLE_TIME_ZONE);

/** A page with the outcome of the form that led to it, if any. */
export const withOutcome = (page: ConsolePage, notice?: Notice, status?: number): ConsolePage => ({
  ...page,
  ...(notice ? { notice } : {}),
  ...(status ? { status } : {}),
});
