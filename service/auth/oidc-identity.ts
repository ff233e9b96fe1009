import { z } from 'zod';
import { actorSchema, type AccountRole } from '../../schemas/roles';
import { describeRoleGroups, type OidcConfig } from './oidc-config';
import { SsoRefusedError } from './oidc-refusal';

/** Who signed in, as this service knows them. */
export interface SsoIdentity {
  readonly accountId: string;
  readonly role: AccountRole;
}

const accountIdSchema = actorSchema.shape.user;
const SSO_PREFIX = 'sso-';

/** Providers send groups as a list; some send a single group as a string. */
const groupsSchema = z.union([z.array(z.string()), z.string().transform((g) => [g])]);

/**
 * The value of the roles claim: the claim of that exact name (namespaced claims such as
 * `https://example.org/groups` have dots), else a dotted path into nested claims
 * (`realm_access.roles`). `undefined` when absent; a refusal when it is no list of names.
 */
export function readGroups(claims: Readonly<Record<string, unknown>>, claim: string): string[] | undefined {
  let value: unknown = claims[claim];
  if (value === undefined && claim.includes('.')) {
    value = claim.split('.').reduce<unknown>((at, key) => (at !== null && typeof at === 'object' ? (at as Record<string, unknown>)[key] : undefined), claims);
  }
  if (value === undefined || value === null) return undefined;
  const groups = groupsSchema.safeParse(value);
  if (!groups.success) {
    throw new SsoRefusedError(
      'no-groups-claim',
      `the identity provider's "${claim}" claim is not a list of group names; configure the provider to send the groups as a list, or set ERASURE_OIDC_ROLES_CLAIM to the claim that does`,
    );
  }
  return groups.data;
}

/**
 * The one role a person's groups grant. Several acting roles are refused rather than the
 * "highest" picked: the roles separate duties (who decides is not who reviews), so a person
 * in two of them must be put in one by whoever manages the groups. The administrator
 * manages accounts and acts on no record, so it combines with no other role either.
 */
export function roleFromGroups(groups: readonly string[], config: Pick<OidcConfig, 'rolesClaim' | 'roleGroups'>): AccountRole {
  const granted = new Map<AccountRole, string[]>();
  for (const group of new Set(groups)) {
    const role = config.roleGroups.get(group);
    if (role !== undefined) granted.set(role, [...(granted.get(role) ?? []), group]);
  }
  const mapping = describeRoleGroups(config.roleGroups);
  const [only, ...others] = [...granted.keys()];
  if (only === undefined) {
    // The person's other groups are their organisation's business: counted, not named.
    throw new SsoRefusedError(
      'no-role',
      `none of your ${groups.length} group(s) in the identity provider's "${config.rolesClaim}" claim grants a role here (ERASURE_OIDC_ROLE_GROUPS: ${mapping}); ask the provider's administrator to add you to one of these groups`,
    );
  }
  if (others.length > 0) {
    const found = [...granted].map(([role, g]) => `${role} (${g.join(', ')})`).join(' and ');
    const kind = granted.has('administrator') ? 'the administrator takes no other role' : 'the acting roles separate duties';
    throw new SsoRefusedError(
      'several-roles',
      `your groups in the identity provider's "${config.rolesClaim}" claim grant ${found}, but an account has exactly one role (${kind}); ask the provider's administrator to leave you in the group of one role only (ERASURE_OIDC_ROLE_GROUPS: ${mapping})`,
    );
  }
  return only;
}

/**
 * The account id: `preferred_username`, else `sub`, lower-cased; with `sso-` in front when
 * it does not start with a letter. Nothing else is rewritten: replacing characters could
 * give two people one account (`a@b.c` and `a.b.c`). For the same reason a name that looks
 * prefixed already (`sso-42`, which `42` becomes) is refused rather than taken as it is.
 */
export function accountIdFromClaims(claims: Readonly<Record<string, unknown>>): string {
  const name = typeof claims.preferred_username === 'string' && claims.preferred_username !== '' ? 'preferred_username' : 'sub';
  const raw = claims[name];
  const value = typeof raw === 'string' ? raw.toLowerCase() : '';
  if (value.startsWith(SSO_PREFIX) && !/^[a-z]/.test(value.slice(SSO_PREFIX.length))) {
    throw new SsoRefusedError(
      'no-account-id',
      `the identity provider's "${name}" claim starts with "${SSO_PREFIX}" and a character other than a letter, which is how names that start with a digit are written here: two people could get one account; ask the provider's administrator to rename the user`,
    );
  }
  for (const candidate of [value, `${SSO_PREFIX}${value}`]) {
    if (value !== '' && accountIdSchema.safeParse(candidate).success) return candidate;
  }
  throw new SsoRefusedError(
    'no-account-id',
    `the identity provider's "${name}" claim cannot be an account id here (lower-case letters, digits, . _ -, at most 64 characters, e.g. no @); ask the provider's administrator to send a plain user name as preferred_username`,
  );
}

/** The account and role of a person from their ID token (or userinfo) claims and groups. */
export function identityFromClaims(
  claims: Readonly<Record<string, unknown>>,
  groups: readonly string[],
  config: Pick<OidcConfig, 'rolesClaim' | 'roleGroups'>,
): SsoIdentity {
  return { accountId: accountIdFromClaims(claims), role: roleFromGroups(groups, config) };
}
