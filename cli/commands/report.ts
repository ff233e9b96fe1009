import type { CliContext } from '../context';

export interface ReportFlags {
  readonly json: boolean;
  readonly html?: string;
}

/** `erasure report`: being written (issue 4). */
export async function reportCommand(ctx: CliContext, flags: ReportFlags): Promise<void> {
  await Promise.resolve();
  throw new Error(`erasure report is not available yet (${flags.json ? 'json' : 'table'}) ${ctx.config.TEMPORAL_NAMESPACE}`);
}
