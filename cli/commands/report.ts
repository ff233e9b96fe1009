import { UnusableArgumentsError } from '../../schemas/errors';
import type { CommandContext } from '../../service/command-context';
import { collectOperationReport } from '../report/collect';
import { renderHtml } from '../report/html';
import { formatOperationReport } from '../report/text';

export interface ReportFlags {
  readonly json: boolean;
  readonly html?: string;
}

/**
 * `erasure report [--json | --html <file>]`: the state of the whole operation for the
 * people accountable. Text on stdout by default; `--json` one OperationReport object
 * (cli/report/model.ts); `--html` a self-contained file, whose path is printed.
 */
export async function reportCommand(ctx: CommandContext, flags: ReportFlags): Promise<void> {
  const file = flags.html === undefined ? undefined : htmlTarget(flags);
  const report = await collectOperationReport({ registry: ctx.registry(), client: await ctx.client(), onProgress: ctx.progress });
  if (flags.json) {
    ctx.out(JSON.stringify(report, null, 2));
  } else if (file) {
    ctx.deliver({ path: file, content: renderHtml(report) });
    ctx.out(file);
  } else {
    for (const line of formatOperationReport(report)) ctx.out(line);
  }
}

/** Checked before the counting starts, which can take a while on a large operation; the CLI has checked the folder on its machine. */
function htmlTarget(flags: ReportFlags): string {
  const problem = (message: string) => new UnusableArgumentsError('report', [{ field: '--html', message }]);
  if (flags.json) throw problem('give either --json or --html <file>, not both');
  if (!flags.html?.trim()) throw problem('name the file to write, e.g. --html report.html');
  return flags.html;
}
