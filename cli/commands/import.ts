import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { importInventory, type ImportStage } from '../../activities/registry/import-inventory';
import { configuredAdapters } from '../../activities/storage';
import { storageOptions } from '../../infra/storage-options';
import { InvalidInputError, grouped } from '../../schemas/errors';
import { databaseUrls } from '../../infra/database-urls';
import { loadKeys } from '../../infra/keys';
import { reportsDir } from '../../infra/paths';
import type { CommandContext } from '../../service/command-context';
import { delimiterName, type CsvDelimiter } from '../inventory-csv';
import { detectFormat, readInventory } from '../inventory-file';
import { ProblemFile } from '../problem-file';
import { TextDecoding, fileBytes, textChunks, type FileSource } from '../text-file';

export interface ImportOptions {
  readonly file: FileSource;
  readonly policy: string;
  readonly format?: string;
  readonly delimiter?: string;
}

const DELIMITERS: Record<string, CsvDelimiter> = { ',': ',', comma: ',', ';': ';', semicolon: ';', tab: '\t', '\t': '\t' };

const STAGE_WORDS: Record<ImportStage, string> = { read: 'read', located: 'locations checked', keyed: 'subjects keyed', imported: 'imported' };

/** Progress on stderr: a line per stage at most every second, nothing for an import that is quick anyway. */
function progressPrinter(ctx: CommandContext, fileSize: number, bytesRead: () => number) {
  let last = Date.now();
  let printing: ImportStage | undefined;
  return (stage: ImportStage, done: number, total?: number) => {
    const finished = total !== undefined && done >= total;
    if (Date.now() - last < 1000 && !(finished && printing === stage)) return;
    last = Date.now();
    printing = stage;
    const share = total ? Math.round((100 * done) / total) : Math.round((100 * bytesRead()) / Math.max(fileSize, 1));
    const of = total !== undefined ? `/${grouped(total)}` : '';
    ctx.progress(
      `  ${STAGE_WORDS[stage]} ${grouped(done)}${of} ${stage === 'located' ? 'locations' : 'records'} (${share}%${total === undefined ? ' of the file' : ''})`,
    );
  };
}

/** `erasure import <file> --policy <version> [--format csv|json] [--delimiter ;|,|tab]`: all-or-nothing, idempotent, streamed. */
export async function importCommand(ctx: CommandContext, options: ImportOptions): Promise<void> {
  const file = options.file.name;
  const format = detectFormat(file, options.format);
  if (!format) {
    throw new InvalidInputError(file, [{ field: '--format', message: 'cannot tell the format; name the file .csv or .json, or pass --format csv|json' }]);
  }
  const delimiter = options.delimiter === undefined ? undefined : DELIMITERS[options.delimiter.toLowerCase()];
  if (options.delimiter !== undefined && (!delimiter || format !== 'csv')) {
    throw new InvalidInputError(file, [
      {
        field: '--delimiter',
        message:
          format === 'csv'
            ? 'give the CSV separator: --delimiter ";" (Excel in Dutch), --delimiter "," or --delimiter tab'
            : 'is for CSV files; a JSON inventory has none',
      },
    ]);
  }
  const size = options.file.bytes.length;

  const hash = createHash('sha256');
  let bytesRead = 0;
  const decoding = new TextDecoding(file);
  const bytes = fileBytes(options.file, (chunk) => {
    hash.update(chunk);
    bytesRead += chunk.length;
  });
  const reading = readInventory(textChunks(bytes, decoding), format, delimiter ? { delimiter } : {});
  const problems = new ProblemFile(reportsDir(ctx.config), basename(file), `${file} refused`);
  const described = () => {
    const dialect = reading.dialect();
    return `${format.toUpperCase()}, ${decoding.encoding ?? 'UTF-8'}${dialect ? `, fields separated by ${delimiterName(dialect.delimiter)} (${dialect.how})` : ''}`;
  };
  const printProgress = progressPrinter(ctx, size, () => bytesRead);
  let announced = false;

  const storage = configuredAdapters(databaseUrls(ctx.config), storageOptions(ctx.config));
  try {
    const summary = await importInventory(ctx.registry(), {
      sourceName: basename(file),
      sourceSha256: () => hash.digest('hex'),
      policyVersion: options.policy,
      records: reading.items,
      problems,
      hmacKey: loadKeys(ctx.config).hmacKey,
      adapters: storage.adapters,
      onProgress: (stage, done, total) => {
        if (!announced && size >= 1 << 20) ctx.progress(`Reading ${file}: ${described()}`);
        announced = true;
        printProgress(stage, done, total);
      },
    });
    if (summary.added + summary.unchanged === 0) {
      throw new InvalidInputError(file, [{ field: '(file)', message: `holds no records (read as ${described()})` }]);
    }
    ctx.out(
      `Imported ${file} (${described()}): ${summary.added} record(s) added, ${summary.unchanged} already present and unchanged` +
        (summary.batchId !== undefined ? ` (import batch ${summary.batchId}, policy ${options.policy})` : '; nothing was changed'),
    );
    const matches = summary.inquiryMatches ?? [];
    for (const m of matches) {
      const linked = m.links.length ? `linked to ${m.links.join(', ')}` : '';
      const candidates = m.candidates.length
        ? `candidates for a screened reviewer: ${m.candidates.map((c) => `${c.recordId} (${c.reasons.join(', ')})`).join(', ')}`
        : '';
      ctx.out(`  open inquiry ${m.inquiryId}: ${[linked, candidates].filter(Boolean).join('; ')}`);
    }
    if (matches.length) ctx.out('  Their reviews take the new records up once their lifecycles are started: erasure start');
  } finally {
    // A refusal for the file's problems has written its list already; any other failure leaves none behind.
    problems.discard();
    await storage.close();
  }
}
