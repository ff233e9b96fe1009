import { accountRoleSchema, type AccountRole } from '../schemas/roles';
import { InvalidInputError } from '../schemas/errors';
import type { CommandContext } from './command-context';

/** What the account commands need of the service's account store and security log (service/auth). */
export interface AccountsCommands {
  readonly accounts: {
    add(id: string, role: AccountRole, by: string | null): Promise<{ id: string; role: AccountRole; password: string; totpSecret: string; otpauthUri: string }>;
    disable(id: string, by: string | null): Promise<void>;
    resetSecondFactor(id: string, by: string | null): Promise<{ totpSecret: string; otpauthUri: string }>;
    list(): Promise<readonly { id: string; role: AccountRole; method: string; disabledAt: Date | null; createdAt: Date }[]>;
  };
  readSecurityLog(filter: {
    accountId?: string;
    limit?: number;
  }): Promise<readonly { at: Date; event: string; accountId: string | null; from: string | null; detail: string }[]>;
}

/** `erasure users add|disable|reset-2fa|list` (administrator): a new secret is printed once, here, and stored nowhere else in clear. */
export async function usersCommand(
  ctx: CommandContext,
  store: AccountsCommands,
  what: 'add' | 'disable' | 'reset-2fa' | 'list',
  id?: string,
  role?: string,
): Promise<void> {
  const by = ctx.actorAccount();
  if (what === 'list') {
    const all = await store.accounts.list();
    for (const a of all)
      ctx.out(
        `${a.id.padEnd(24)} ${a.role.padEnd(18)} ${a.method.padEnd(9)} ${a.disabledAt ? `disabled ${a.disabledAt.toISOString()}` : 'active'}   since ${a.createdAt.toISOString()}`,
      );
    ctx.out(`${all.length} account(s)`);
    return;
  }
  const account = id as string;
  if (what === 'add') {
    const parsed = accountRoleSchema.safeParse(role);
    if (!parsed.success)
      throw new InvalidInputError('users add', [{ field: '--role', message: `give the account's role: --role ${accountRoleSchema.options.join('|')}` }]);
    const created = await store.accounts.add(account, parsed.data, by);
    ctx.out(`account ${created.id} (${created.role}) created. Hand these to its holder in person; they are not shown again:`);
    ctx.out(`  password             ${created.password}`);
    ctx.out(`  second factor secret ${created.totpSecret}`);
    ctx.out(`  authenticator link   ${created.otpauthUri}`);
    ctx.out(`  sign in with: erasure login --account ${created.id}`);
  } else if (what === 'disable') {
    await store.accounts.disable(account, by);
    ctx.out(`account ${account} disabled: its sessions are ended and it cannot sign in again`);
  } else {
    const reset = await store.accounts.resetSecondFactor(account, by);
    ctx.out(`account ${account}: a new second factor; the old one no longer works. Hand it over in person:`);
    ctx.out(`  second factor secret ${reset.totpSecret}`);
    ctx.out(`  authenticator link   ${reset.otpauthUri}`);
  }
}

/** `erasure security-log [--account <id>] [--json]`: sign-ins, failures, lockouts, sign-outs and refusals, oldest first. */
export async function securityLogCommand(
  ctx: CommandContext,
  store: AccountsCommands,
  options: { account?: string | undefined; json: boolean },
): Promise<void> {
  const rows = await store.readSecurityLog({ ...(options.account ? { accountId: options.account } : {}), limit: 10_000 });
  if (options.json) {
    ctx.out(JSON.stringify(rows, null, 2));
    return;
  }
  for (const r of rows) ctx.out(`${r.at.toISOString()}  ${r.event.padEnd(20)} ${(r.accountId ?? '-').padEnd(24)} ${(r.from ?? '-').padEnd(16)} ${r.detail}`);
  ctx.out(`${rows.length} event(s)`);
}
