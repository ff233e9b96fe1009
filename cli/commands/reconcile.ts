import { reconcilePage } from '../../activities/registry/reconcile';
import { configuredAdapters } from '../../activities/storage';
import { storageOptions } from '../../infra/storage-options';
import { databaseUrls } from '../../infra/database-urls';
import type { CommandContext } from '../../service/command-context';

const PAGE = 500;

/**
 * `erasure reconcile [--dossier D]`: re-checks every certified erasure in the systems of
 * record; data that came back (a restored backup, a re-import) is erased again, flagged
 * and reported. Safe to run at any time.
 */
export async function reconcileCommand(ctx: CommandContext, dossier: string | undefined): Promise<void> {
  const storage = configuredAdapters(databaseUrls(ctx.config), storageOptions(ctx.config));
  const runRef = `cli-${new Date().toISOString()}`;
  let checked = 0;
  let cursor: string | undefined;
  const found: string[] = [];
  try {
    do {
      const page = await reconcilePage(ctx.registry(), storage.adapters, { runRef, afterRecordId: cursor, limit: PAGE, dossier });
      checked += page.checked;
      for (const r of page.resurrected) {
        found.push(`  ${r.recordId} ${r.system}: found ${JSON.stringify(r.found)}; erased again${r.verified ? ', verified empty' : ' — STILL NOT EMPTY'}`);
      }
      cursor = page.nextCursor;
      if (cursor) ctx.progress(`  checked ${checked} erased records...`);
    } while (cursor);
  } finally {
    await storage.close();
  }
  ctx.out(`Reconciliation ${runRef}: ${checked} erased record(s) checked, ${found.length} with data that came back${dossier ? ` (dossier ${dossier})` : ''}`);
  for (const line of found) ctx.out(line);
}
