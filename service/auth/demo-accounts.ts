import { open, rm } from 'node:fs/promises';
import type { AccountRole } from '../../schemas/roles';
import type { Accounts, NewCredentials } from './accounts';

/** The demo's accounts: two reviewers and two officers, so that a decision needing a second person of the role can be tried. */
export const DEMO_ACCOUNTS: readonly { readonly id: string; readonly role: AccountRole }[] = [
  { id: 'coordinator', role: 'coordinator' },
  { id: 'reviewer-1', role: 'screened-reviewer' },
  { id: 'reviewer-2', role: 'screened-reviewer' },
  { id: 'officer-1', role: 'privacy-officer' },
  { id: 'officer-2', role: 'privacy-officer' },
  { id: 'admin', role: 'administrator' },
];

/** The credentials as printed once and written to the credentials file. */
export function formatCredentials(list: readonly NewCredentials[]): string {
  const blocks = list.map((c) =>
    [`account:     ${c.id} (${c.role})`, `password:    ${c.password}`, `TOTP secret: ${c.totpSecret}`, `otpauth URI: ${c.otpauthUri}`].join('\n'),
  );
  return `${blocks.join('\n\n')}\n`;
}

/**
 * On a first start (no account at all) creates the demo accounts and writes their
 * credentials to `file`, readable by its owner only (0600), and never over an existing
 * file ('wx'): an old credentials file is the operator's to remove. Once any account
 * exists it creates nothing, so a restart never resets anyone's password.
 */
export async function ensureDemoAccounts(accounts: Accounts, file: string): Promise<{ created: NewCredentials[] }> {
  if ((await accounts.list()).length > 0) return { created: [] };
  // The file first: if it cannot be written, no account exists whose password nobody saw.
  const handle = await open(file, 'wx', 0o600);
  const created: NewCredentials[] = [];
  try {
    // The mode given to open is narrowed by the umask, never widened; chmod makes 0600 certain.
    await handle.chmod(0o600);
    for (const { id, role } of DEMO_ACCOUNTS) created.push(await accounts.add(id, role, null));
    await handle.writeFile(formatCredentials(created), 'utf8');
  } catch (err) {
    // Accounts made before the failure keep their credentials in the file; with none, no file is left.
    if (created.length) await handle.writeFile(formatCredentials(created), 'utf8');
    await handle.close();
    if (!created.length) await rm(file, { force: true });
    throw err;
  }
  await handle.close();
  return { created };
}
