import { createBackup } from '../../activities/backup/create';
import { restoreBackup } from '../../activities/backup/restore';
import { findSuppressedPersons, type SuppressedUnit } from '../../activities/backup/suppression';
import { createPool } from '../../activities/pg-pool';
import { CASE_ADMIN_MAP } from '../../activities/storage/case-admin';
import { mappedErasure } from '../../activities/storage/mapped-erasure';
import { databaseUrls } from '../../infra/database-urls';
import { loadKeys } from '../../infra/keys';
import { backupsDir } from '../../infra/paths';
import { ErasureError, InvalidInputError, UnusableArgumentsError } from '../../schemas/errors';
import type { CommandContext } from '../../service/command-context';

/** The case administration to act on: the configured one, or `--into <url>` (a fresh database for a restore). */
function caseAdminUrl(ctx: CommandContext, into: string | undefined, command: string, changes: boolean): string {
  if (into === undefined) return databaseUrls(ctx.config).caseAdmin;
  if (!/^postgres(ql)?:\/\//.test(into)) {
    const problems = [{ field: '--into', message: 'give a PostgreSQL URL such as postgres://user:password@host:5432/case_admin_restored' }];
    // A check only reads: no refusal to report, just the argument to fix.
    throw changes ? new InvalidInputError(command, problems) : new UnusableArgumentsError(command, problems);
  }
  return into;
}

async function withCaseAdmin<T>(url: string, work: (pool: ReturnType<typeof createPool>) => Promise<T>): Promise<T> {
  const pool = createPool(url, 4);
  try {
    return await work(pool);
  } finally {
    await pool.end();
  }
}

const suppressedLines = (found: readonly SuppressedUnit[]) => found.map((s) => `    ${s.unit}  erased ${s.suppressedAt}  certificate ${s.certificateId}`);

/** `erasure backup create [--out <folder>]` */
export async function backupCreateCommand(ctx: CommandContext, out: string | undefined): Promise<void> {
  const dir = out ?? backupsDir(ctx.config);
  const summary = await withCaseAdmin(databaseUrls(ctx.config).caseAdmin, (caseAdmin) =>
    createBackup({ registry: ctx.registry(), caseAdmin, map: CASE_ADMIN_MAP, dir }),
  );
  ctx.out(`backup ${summary.backupId}: ${summary.file} (${summary.bytes} bytes, sha256 ${summary.sha256})`);
  ctx.out(`  ${summary.units} person(s) sealed, each under their own key (erasing a person destroys the key: this copy becomes unreadable for them)`);
  ctx.out(`  rows in the clear: ${summary.clearRows.caseAdmin} of the case administration (no person in them), ${summary.clearRows.registry} of the registry`);
}

/** `erasure backup list` */
export async function backupListCommand(ctx: CommandContext): Promise<void> {
  const { rows } = await ctx.registry().query<{ backup_id: string; file_name: string; units: number; created_at: Date; readable: number }>(
    `SELECT b.backup_id, b.file_name, b.units, b.created_at,
            (SELECT count(*)::int FROM backup_units u JOIN backup_keys k USING (unit) WHERE u.backup_id = b.backup_id) AS readable
       FROM backups b ORDER BY b.created_at`,
  );
  if (rows.length === 0) {
    ctx.out('No backups yet: `erasure backup create` makes one.');
    return;
  }
  for (const r of rows)
    ctx.out(
      `${r.backup_id}  ${r.created_at.toISOString()}  ${r.file_name}  ${r.units} person(s), ${r.readable} still readable, ${r.units - r.readable} crypto-shredded`,
    );
}

/**
 * `erasure backup restore <file> [--into <url>] [--registry]` (a privacy officer):
 * restores into an empty database, then runs the post-restore check on it.
 */
export async function backupRestoreCommand(ctx: CommandContext, file: string, options: { into: string | undefined; registry: boolean }): Promise<void> {
  const actor = ctx.actor(['privacy-officer'], 'restoring a backup');
  const url = caseAdminUrl(ctx, options.into, 'backup restore', true);
  const hmacKey = loadKeys(ctx.config).hmacKey;
  await withCaseAdmin(url, async (caseAdmin) => {
    const summary = await restoreBackup({
      file,
      registry: ctx.registry(),
      caseAdmin,
      map: CASE_ADMIN_MAP,
      hmacKey,
      ...(options.registry ? { restoreRegistryInto: ctx.registry() } : {}),
    });
    ctx.out(
      `restored ${summary.backupId} (made ${summary.createdAt}) by ${actor.user}${summary.registered ? '; file checked against its registered SHA-256' : '; this registry has no record of the file (not checked against a registered SHA-256)'}`,
    );
    if (summary.registryRows)
      ctx.out(
        `  registry: ${Object.entries(summary.registryRows)
          .map(([t, n]) => `${t} ${n}`)
          .join(', ')}`,
      );
    ctx.out(
      `  case administration: ${Object.entries(summary.caseAdminRows)
        .map(([t, n]) => `${t} ${n}`)
        .join(', ')}`,
    );
    ctx.out(`  persons restored: ${summary.restoredUnits}`);
    ctx.out(
      `  persons left sealed, their key destroyed by an erasure: ${summary.unreadable.length}${summary.unreadable.length ? ` (${summary.unreadable.join(', ')})` : ''}`,
    );
    ctx.out(`  persons not restored, on the suppression list: ${summary.suppressed.length}`);
    for (const line of suppressedLines(summary.suppressed)) ctx.out(line);
    const after = await findSuppressedPersons(caseAdmin, ctx.registry(), CASE_ADMIN_MAP, hmacKey);
    ctx.out(`post-restore check: ${after.length} erased person(s) in the restored database${after.length ? ' — run `erasure backup check --erase`' : ''}`);
    for (const line of suppressedLines(after)) ctx.out(line);
  });
}

/** `erasure backup check [--into <url>] [--erase]` (--erase: a privacy officer): erased persons found in a case administration. */
export async function backupCheckCommand(ctx: CommandContext, options: { into: string | undefined; erase: boolean }): Promise<void> {
  const actor = options.erase ? ctx.actor(['privacy-officer'], 'erasing suppressed persons') : undefined;
  const url = caseAdminUrl(ctx, options.into, 'backup check', options.erase);
  await withCaseAdmin(url, async (caseAdmin) => {
    const found = await findSuppressedPersons(caseAdmin, ctx.registry(), CASE_ADMIN_MAP, loadKeys(ctx.config).hmacKey);
    if (found.length === 0) {
      ctx.out('suppression check: no erased person is in the case administration');
      return;
    }
    ctx.out(`suppression check: ${found.length} erased person(s) are back in the case administration:`);
    for (const line of suppressedLines(found)) ctx.out(line);
    if (!actor) throw new ErasureError('VERIFICATION_FAILED', 'erased persons are back: erase them with `erasure backup check --erase` (a privacy officer)');
    const ids = found.map((s) => s.unit.slice(CASE_ADMIN_MAP.root.table.length + 1));
    const removed = await mappedErasure(caseAdmin, CASE_ADMIN_MAP).erase(ids);
    ctx.out(
      `erased again by ${actor.user}: ${Object.entries(removed)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ')}`,
    );
  });
}
