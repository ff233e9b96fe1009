import { z } from 'zod';
import type { InputProblem } from './errors';

export const roles = ['coordinator', 'screened-reviewer', 'privacy-officer'] as const;
export const roleSchema = z.enum(roles);
export type Role = z.infer<typeof roleSchema>;

/** The roles of an account: the acting roles, and the administrator who manages accounts (and takes no action on records). */
export const accountRoles = [...roles, 'administrator'] as const;
export const accountRoleSchema = z.enum(accountRoles);
export type AccountRole = z.infer<typeof accountRoleSchema>;

const user = z.string().regex(/^[a-z][a-z0-9._-]{0,63}$/, "a user name is lower-case letters, digits, . _ - (an account, not a person's name)");

/** Who acts: an account and the role it acts in. Checked against configuration at the edge. */
export const actorSchema = z.strictObject({ user, role: roleSchema });
export type Actor = z.infer<typeof actorSchema>;

export type RoleMap = ReadonlyMap<Role, ReadonlySet<string>>;

/**
 * Parses `ERASURE_ROLES`: `coordinator=alice,dave;screened-reviewer=bob;privacy-officer=carol`.
 * Returns the problems instead of throwing, so configuration errors can name the variable.
 */
export function parseRoles(text: string): { roles: RoleMap; problems: InputProblem[] } {
  const map = new Map<Role, Set<string>>(roles.map((r) => [r, new Set<string>()]));
  const problems: InputProblem[] = [];
  for (const part of text
    .split(';')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [name, users = ''] = part.split('=', 2);
    const role = roleSchema.safeParse(name?.trim());
    if (!role.success) {
      problems.push({ field: 'ERASURE_ROLES', message: `"${name ?? ''}" is not a role; use ${roles.join(', ')}` });
      continue;
    }
    for (const u of users
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean)) {
      const parsed = user.safeParse(u);
      if (parsed.success) map.get(role.data)?.add(parsed.data);
      else problems.push({ field: 'ERASURE_ROLES', message: `"${u}": ${parsed.error.issues[0]?.message ?? 'invalid'}` });
    }
  }
  return { roles: map, problems };
}

/** Users for the demo and a first try-out; a deployment sets ERASURE_ROLES. */
export const DEMO_ROLES = 'coordinator=coordinator;screened-reviewer=reviewer;privacy-officer=privacy-officer';
