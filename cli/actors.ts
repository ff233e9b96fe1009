import { actionRoles, type ActionName } from '../schemas/actions';
import type { Config } from '../schemas/config';
import { InvalidConfigError, InvalidInputError } from '../schemas/errors';
import { DEMO_ROLES, parseRoles, type Actor, type Role, type RoleMap } from '../schemas/roles';

/** The configured users per role (ERASURE_ROLES), or the demo users with a warning. */
export function configuredRoles(config: Config, warn: (line: string) => void): RoleMap {
  if (!config.ERASURE_ROLES) warn(`(ERASURE_ROLES is not set: using the demo users ${DEMO_ROLES})`);
  const { roles, problems } = parseRoles(config.ERASURE_ROLES ?? DEMO_ROLES);
  if (problems.length) throw new InvalidConfigError(problems);
  return roles;
}

/**
 * The actor for `--as <user>`: the user's role that may take the action. Refused here,
 * at the edge, with the roles the user has and the role the action needs.
 */
export function actorFor(roles: RoleMap, user: string | undefined, needs: readonly Role[], what: string): Actor {
  if (!user) throw new InvalidInputError(what, [{ field: '--as', message: `say who acts: --as <user> (a ${needs.join(' or ')})` }]);
  const has = [...roles].filter(([, users]) => users.has(user)).map(([role]) => role);
  if (has.length === 0) {
    throw new InvalidInputError(what, [{ field: '--as', message: `"${user}" is not a configured user (ERASURE_ROLES)` }]);
  }
  const role = needs.find((r) => has.includes(r));
  if (!role) {
    throw new InvalidInputError(what, [{ field: '--as', message: `${user} is ${has.join(', ')}; ${what} is for the role ${needs.join(' or ')}` }]);
  }
  return { user, role };
}

export const actorForAction = (roles: RoleMap, user: string | undefined, action: ActionName, what: string): Actor =>
  actorFor(roles, user, actionRoles[action], what);
