import { actionRoles } from '../schemas/actions';
import type { AccountRole } from '../schemas/roles';
import type { CommandName } from '../cli/options';

/** The commands that run on the person's own machine: signing in and out, and process management. */
export const LOCAL_COMMANDS = ['login', 'logout', 'whoami', 'codec serve'] as const satisfies readonly CommandName[];
export type ServiceCommand = Exclude<CommandName, (typeof LOCAL_COMMANDS)[number]>;

/** The roles that act on records, and those that run the operation (console pages share them). */
export const everyActingRole = ['coordinator', 'screened-reviewer', 'privacy-officer'] as const;
export const officers = ['coordinator', 'privacy-officer'] as const;

/**
 * Who may run each command through the service, by role. The service refuses every other
 * role (403) and anyone not signed in (401) before the command runs; `stepUp` commands
 * show personal data and need the second factor re-entered within the last few minutes.
 * A command missing here does not compile, and the route-table test checks each entry.
 */
export const COMMAND_ACCESS: { readonly [C in ServiceCommand]: { readonly roles: readonly AccountRole[]; readonly stepUp?: true } } = {
  'policy add': { roles: officers },
  import: { roles: ['coordinator'] },
  start: { roles: ['coordinator'] },
  status: { roles: everyActingRole },
  list: { roles: everyActingRole },
  reconcile: { roles: ['coordinator'] },
  'purge run': { roles: officers },
  'purge approve': { roles: ['privacy-officer'] },
  'purge status': { roles: everyActingRole },
  'purge schedule create': { roles: officers },
  'purge schedule describe': { roles: everyActingRole },
  'purge schedule pause': { roles: officers },
  'purge schedule unpause': { roles: officers },
  'purge schedule trigger': { roles: officers },
  'purge schedule backfill': { roles: officers },
  'purge schedule delete': { roles: ['privacy-officer'] },
  report: { roles: officers },
  'certificates verify': { roles: officers },
  'certificates public-key': { roles: everyActingRole },
  'certificates lookup': { roles: officers },
  'certificates export': { roles: officers },
  'backup create': { roles: officers },
  'backup list': { roles: officers },
  'backup restore': { roles: ['privacy-officer'] },
  'backup check': { roles: officers },
  'inquiry register': { roles: ['coordinator'] },
  'inquiry status': { roles: everyActingRole },
  'inquiry review': { roles: ['screened-reviewer'], stepUp: true },
  'inquiry confirm': { roles: ['screened-reviewer'] },
  'inquiry reject': { roles: ['screened-reviewer'] },
  'inquiry no-match': { roles: ['screened-reviewer'] },
  consent: { roles: actionRoles.recordConsent },
  identity: { roles: actionRoles.confirmIdentity },
  consult: { roles: ['screened-reviewer'], stepUp: true },
  explain: { roles: actionRoles.sendExplanation },
  object: { roles: actionRoles.fileObjection },
  decide: { roles: actionRoles.decideObjection },
  hold: { roles: actionRoles.placeHold },
  release: { roles: actionRoles.releaseHold },
  retry: { roles: actionRoles.retryErasure },
  'access-log': { roles: ['privacy-officer'] },
  'security-log': { roles: ['privacy-officer', 'administrator'] },
  'users add': { roles: ['administrator'] },
  'users disable': { roles: ['administrator'] },
  'users reset-2fa': { roles: ['administrator'] },
  'users list': { roles: ['administrator'] },
};

export const NEEDS_POLICY = {
  import: '`erasure import` needs --policy <version> (add one with `erasure policy add`)',
  'inquiry register': '`erasure inquiry register` needs --policy <version>: its cutoff decides whether the inquiry is in time',
} as const;

/**
 * The files a command reads, sent by the CLI from the person's machine: its argument or an
 * option's values; `needs`: options without which the command is refused before any file is read.
 */
export const COMMAND_FILES: {
  readonly [C in ServiceCommand]?: { readonly arg?: true; readonly option?: string; readonly needs?: Readonly<Record<string, string>> };
} = {
  'policy add': { arg: true },
  import: { arg: true, needs: { policy: NEEDS_POLICY.import } },
  'inquiry register': { arg: true, needs: { policy: NEEDS_POLICY['inquiry register'] } },
  'certificates lookup': { arg: true },
  'certificates verify': { option: 'public-key' },
};

/** The path in the service's API of a command: `/api/purge/schedule/create`. */
export const commandPath = (command: string) => `/api/${command.replace(/ /g, '/')}`;
