import { appendAccessLog } from '../../activities/registry/inquiries';
import { recordLocators } from '../../activities/registry/records';
import { configuredAdapters } from '../../activities/storage';
import { storageOptions } from '../../infra/storage-options';
import { InvalidInputError } from '../../schemas/errors';
import { recordWorkflowId } from '../../schemas/lifecycle';
import { databaseUrls } from '../../infra/database-urls';
import { statusQuery } from '../../workflows';
import { actorFor } from '../actors';
import type { CliContext } from '../context';

/**
 * `erasure consult <recordId> --purpose <text> --as <screened reviewer>`: the screened
 * consultation. The data goes to this terminal only, never through Temporal, and the
 * look is logged before anything is shown.
 */
export async function consultCommand(ctx: CliContext, recordId: string, purpose: string | undefined, user: string | undefined): Promise<void> {
  const actor = actorFor(ctx.roles(), user, ['screened-reviewer'], 'a consultation');
  if (!purpose || purpose.trim().length < 3) {
    throw new InvalidInputError('consult', [{ field: '--purpose', message: 'say why you look (it is kept in the access log), e.g. --purpose "explanation to requester"' }]);
  }
  const client = await ctx.client();
  const status = await client.workflow.getHandle(recordWorkflowId(recordId)).query(statusQuery);
  if (status.phase !== 'consultation') {
    throw new InvalidInputError(`record ${recordId}`, [
      { field: 'phase', message: `is ${status.phase}; a consultation needs the requester's consent and a confirmed identity (phase consultation)` },
    ]);
  }
  const storage = configuredAdapters(databaseUrls(ctx.config), storageOptions(ctx.config));
  try {
    await appendAccessLog(ctx.registry(), { actor: `${actor.user} (${actor.role})`, recordId, action: 'consult', purpose: purpose.trim() });
    const systems = [...new Set((await ctx.registry().query<{ system: string }>('SELECT DISTINCT system FROM record_locations WHERE record_id = $1', [recordId])).rows.map((r) => r.system))];
    ctx.out(`CONFIDENTIAL — consultation of record ${recordId} by ${actor.user}; logged in the access log.`);
    for (const system of systems) {
      const adapter = storage.adapters.get(system as never);
      if (!adapter) continue;
      const section = await adapter.consult(await recordLocators(ctx.registry(), recordId, adapter.system));
      ctx.out(`\n[${section.system}]`);
      for (const item of section.items) {
        ctx.out(`  ${item.kind}: ${Object.entries(item.fields).map(([k, v]) => `${k}=${v}`).join('  ')}`);
      }
    }
  } finally {
    await storage.close();
  }
}

/** `erasure access-log [--record R]`: who looked at what, when, and why. */
export async function accessLogCommand(ctx: CliContext, recordId: string | undefined): Promise<void> {
  const { rows } = await ctx.registry().query<{ at: Date; actor: string; record_id: string; action: string; purpose: string }>(
    `SELECT at, actor, record_id, action, purpose FROM access_log WHERE ($1::text IS NULL OR record_id = $1) ORDER BY at, id`,
    [recordId ?? null],
  );
  for (const r of rows) ctx.out(`${r.at.toISOString()}  ${r.record_id.padEnd(16)} ${r.action.padEnd(8)} ${r.actor.padEnd(32)} ${r.purpose}`);
  ctx.out(`${rows.length} access(es)`);
}
