import { z } from 'zod';
import { InvalidConfigError, type InputProblem } from '../../schemas/errors';
import { accountRoleSchema, accountRoles, type AccountRole } from '../../schemas/roles';

/** Single sign-on with OpenID Connect, as `SsoLogins` uses it (see `parseOidcConfig`). */
export interface OidcConfig {
  readonly issuer: URL;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The service's callback, registered at the provider exactly so: `https://erasure.example.org/api/auth/sso/callback`. */
  readonly redirectUri: URL;
  /** The claim that carries the person's groups (`groups`; with Keycloak e.g. `realm_access.roles`). */
  readonly rolesClaim: string;
  /** Group → role: each group grants one role; a person's groups must grant exactly one. */
  readonly roleGroups: ReadonlyMap<string, AccountRole>;
}

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\]|localhost)$/i;

/** https, or http to this machine only: codes, tokens and the client secret cross this connection. */
const secureUrl = (name: string, example: string, what: string) =>
  z
    .url({ error: (issue) => (issue.input === undefined ? `${name} is missing: set ${what}, e.g. ${example}` : `${name} must be a URL such as ${example}`) })
    .refine((v) => {
      const u = URL.parse(v);
      return !u || u.protocol === 'https:' || (u.protocol === 'http:' && LOOPBACK.test(u.hostname));
    }, `${name} must use https:// unless the host is this machine (127.0.0.1, ::1, localhost): the sign-in's codes and tokens travel over it`)
    .refine((v) => {
      const u = URL.parse(v);
      return !u || (!u.search && !u.hash && !u.username);
    }, `${name} must have no query, fragment or user name`);

const envSchema = z.object({
  ERASURE_OIDC_ISSUER: secureUrl('ERASURE_OIDC_ISSUER', 'https://login.example.org/realms/staff', "the identity provider's issuer (without /.well-known/…)"),
  ERASURE_OIDC_CLIENT_ID: z.string({ message: 'ERASURE_OIDC_CLIENT_ID is missing: set the client id registered for this service at the identity provider' }),
  ERASURE_OIDC_CLIENT_SECRET: z.string({
    message: "ERASURE_OIDC_CLIENT_SECRET is missing: set the client's secret from the identity provider (the service is a confidential client)",
  }),
  ERASURE_OIDC_REDIRECT_URI: secureUrl(
    'ERASURE_OIDC_REDIRECT_URI',
    'https://erasure.example.org/api/auth/sso/callback',
    "this service's callback URL, exactly as registered for the client at the identity provider",
  ),
  ERASURE_OIDC_ROLES_CLAIM: z.string().default('groups'),
  ERASURE_OIDC_ROLE_GROUPS: z.string({
    message: `ERASURE_OIDC_ROLE_GROUPS is missing: say which groups grant which role, e.g. coordinator=erasure-coordinators;screened-reviewer=erasure-reviewers;privacy-officer=erasure-privacy-officers;administrator=erasure-admins`,
  }),
});

/** The variables of single sign-on: with ERASURE_OIDC_ISSUER unset (or empty) every other one must be unset too. */
export const oidcVariables = Object.keys(envSchema.shape) as readonly (keyof typeof envSchema.shape)[];

/**
 * Parses `ERASURE_OIDC_ROLE_GROUPS`: `coordinator=erasure-coordinators,old-coordinators;administrator=erasure-admins`.
 * A group may grant only one role: otherwise the role a person gets would depend on the order of a list.
 */
export function parseRoleGroups(text: string): { roleGroups: Map<string, AccountRole>; problems: InputProblem[] } {
  const field = 'ERASURE_OIDC_ROLE_GROUPS';
  const roleGroups = new Map<string, AccountRole>();
  const problems: InputProblem[] = [];
  for (const part of text
    .split(';')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const eq = part.indexOf('=');
    const name = (eq < 0 ? part : part.slice(0, eq)).trim();
    const role = accountRoleSchema.safeParse(name);
    if (!role.success) {
      problems.push({ field, message: `${JSON.stringify(name)} is not a role; use ${accountRoles.join(', ')} (role=group,group;role=group)` });
      continue;
    }
    const groups = (eq < 0 ? '' : part.slice(eq + 1))
      .split(',')
      .map((g) => g.trim())
      .filter(Boolean);
    if (groups.length === 0) problems.push({ field, message: `${role.data} has no group; write ${role.data}=<group name>, or leave the role out` });
    for (const group of groups) {
      const earlier = roleGroups.get(group);
      if (earlier !== undefined && earlier !== role.data) {
        problems.push({
          field,
          message: `group ${JSON.stringify(group)} grants both ${earlier} and ${role.data}; a group grants one role: remove it from one`,
        });
      }
      roleGroups.set(group, role.data);
    }
  }
  if (roleGroups.size === 0 && problems.length === 0) problems.push({ field, message: 'grants no role to any group; write role=group;role=group' });
  return { roleGroups, problems };
}

/**
 * Single sign-on from an environment: `undefined` (off) when ERASURE_OIDC_ISSUER is unset.
 * Throws InvalidConfigError naming each variable and its fix.
 */
export function parseOidcConfig(env: Readonly<Record<string, string | undefined>>): OidcConfig | undefined {
  const picked: Record<string, string> = {};
  for (const key of oidcVariables) {
    const value = env[key]?.trim();
    if (value) picked[key] = value;
  }
  if (picked.ERASURE_OIDC_ISSUER === undefined) {
    const stray = Object.keys(picked);
    if (stray.length === 0) return undefined;
    // Half a configuration is a mistake, not a wish for SSO to be off.
    throw new InvalidConfigError(
      stray.map((field) => ({ field, message: `${field} is set but ERASURE_OIDC_ISSUER is not: set the issuer to turn single sign-on on, or unset ${field}` })),
    );
  }
  const result = envSchema.safeParse(picked);
  if (!result.success) {
    throw new InvalidConfigError(
      result.error.issues.map((issue) => ({
        field: String(issue.path[0] ?? ''),
        message: `${issue.message} (environment variable ${String(issue.path[0] ?? '')})`,
      })),
    );
  }
  const { roleGroups, problems } = parseRoleGroups(result.data.ERASURE_OIDC_ROLE_GROUPS);
  if (problems.length) throw new InvalidConfigError(problems);
  return {
    issuer: new URL(result.data.ERASURE_OIDC_ISSUER),
    clientId: result.data.ERASURE_OIDC_CLIENT_ID,
    clientSecret: result.data.ERASURE_OIDC_CLIENT_SECRET,
    redirectUri: new URL(result.data.ERASURE_OIDC_REDIRECT_URI),
    rolesClaim: result.data.ERASURE_OIDC_ROLES_CLAIM,
    roleGroups,
  };
}

/** The mapping as configured, for refusals that tell a person which group they need: `coordinator=erasure-coordinators; …`. */
export function describeRoleGroups(roleGroups: ReadonlyMap<string, AccountRole>): string {
  return accountRoles
    .map((role) => [role, [...roleGroups].filter(([, r]) => r === role).map(([g]) => g)] as const)
    .filter(([, groups]) => groups.length > 0)
    .map(([role, groups]) => `${role}=${groups.join(',')}`)
    .join('; ');
}
