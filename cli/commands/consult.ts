import type { Pool } from 'pg';
import { basename } from 'node:path';
import { appendAccessLog } from '../../activities/registry/inquiries';
import { recordLocators } from '../../activities/registry/records';
import { configuredAdapters } from '../../activities/storage';
import { storageOptions } from '../../infra/storage-options';
import { InvalidInputError } from '../../schemas/errors';
import { recordWorkflowId } from '../../schemas/lifecycle';
import { databaseUrls } from '../../infra/database-urls';
import { statusQuery } from '../../workflows';
import type { CommandContext } from '../../service/command-context';

/**
 * `erasure consult <recordId> --purpose <text> --as <screened reviewer>`: the screened
 * consultation. The data goes to this terminal only, never through Temporal, and the
 * look is logged before anything is shown.
 */
export async function consultCommand(ctx: CommandContext, recordId: string, purpose: string | undefined): Promise<void> {
  const actor = ctx.actor(['screened-reviewer'], 'a consultation');
  if (!purpose || purpose.trim().length < 3) {
    throw new InvalidInputError('consult', [
      { field: '--purpose', message: 'say why you look (it is kept in the access log), e.g. --purpose "explanation to requester"' },
    ]);
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
    const systems = [
      ...new Set(
        (await ctx.registry().query<{ system: string }>('SELECT DISTINCT system FROM record_locations WHERE record_id = $1', [recordId])).rows.map(
          (r) => r.system,
        ),
      ),
    ];
    ctx.out(`CONFIDENTIAL — consultation of record ${recordId} by ${actor.user}; logged in the access log.`);
    for (const system of systems) {
      const adapter = storage.adapters.get(system as never);
      if (!adapter) continue;
      const section = await adapter.consult(await recordLocators(ctx.registry(), recordId, adapter.system));
      ctx.out(`\n[${section.system}]`);
      for (const item of section.items) {
        ctx.out(
          `  ${item.kind}: ${Object.entries(item.fields)
            .map(([k, v]) => `${k}=${v}`)
            .join('  ')}`,
        );
      }
    }
  } finally {
    await storage.close();
  }
}

export interface AccessRow {
  id: string;
  at: Date;
  actor: string;
  record_id: string | null;
  inquiry_id: string | null;
  action: string;
  purpose: string;
}

/** The access log, oldest first, of one record or of all. */
export async function accessLogRows(db: Pool, record: string | undefined): Promise<AccessRow[]> {
  const { rows } = await db.query<AccessRow>(
    `SELECT id, at, actor, record_id, inquiry_id, action, purpose FROM access_log WHERE ($1::text IS NULL OR record_id = $1) ORDER BY at, id`,
    [record ?? null],
  );
  return rows;
}

/** One access as exported and shown: camel-case fields, the instant in ISO 8601. */
export const accessEntry = (r: AccessRow) => ({
  id: Number(r.id),
  at: r.at.toISOString(),
  actor: r.actor,
  recordId: r.record_id,
  inquiryId: r.inquiry_id,
  action: r.action,
  purpose: r.purpose,
});

export const csvCell = (value: string) => (/[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);

/**
 * `erasure access-log [--record R] [--export <file.csv|file.json> --as <privacy-officer>]`:
 * who looked at what, when, and why (consultations, lookups, Web UI decodes). The export
 * is for the privacy officer, and is itself logged.
 */
export async function accessLogCommand(ctx: CommandContext, options: { record?: string | undefined; export?: string | undefined }): Promise<void> {
  const actor = options.export ? ctx.actor(['privacy-officer'], 'exporting the access log') : undefined;
  if (options.export && !/\.(csv|json)$/.test(options.export)) {
    throw new InvalidInputError('access-log', [{ field: '--export', message: 'name a .csv or .json file, e.g. --export access-log-2024-q1.csv' }]);
  }
  const rows = await accessLogRows(ctx.registry(), options.record);
  if (!options.export || !actor) {
    for (const r of rows) {
      ctx.out(
        `${r.at.toISOString()}  ${(r.record_id ?? '-').padEnd(16)} ${r.action.padEnd(8)} ${r.actor.padEnd(32)} ${r.purpose}${r.inquiry_id ? `  (inquiry ${r.inquiry_id})` : ''}`,
      );
    }
    ctx.out(`${rows.length} access(es)`);
    return;
  }
  const entries = rows.map(accessEntry);
  const text = options.export.endsWith('.json')
    ? `${JSON.stringify({ format: 'erasure-access-log/1', exportedAt: new Date().toISOString(), exportedBy: actor.user, entries }, null, 2)}\n`
    : `${['id,at,actor,record_id,inquiry_id,action,purpose', ...entries.map((e) => [String(e.id), e.at, e.actor, e.recordId ?? '', e.inquiryId ?? '', e.action, e.purpose].map(csvCell).join(','))].join('\n')}\n`;
  // Written by the CLI on the privacy officer's machine, never over an earlier export (it checked before asking).
  ctx.deliver({ path: options.export, content: text, exclusive: true });
  await appendAccessLog(ctx.registry(), {
    actor: `${actor.user} (${actor.role})`,
    recordId: options.record ?? null,
    action: 'export',
    purpose: `access log exported (${entries.length} entries) to ${basename(options.export)}`,
  });
  ctx.out(`${entries.length} access(es) exported to ${options.export} (the export itself is logged)`);
}
