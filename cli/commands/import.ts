import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { sha256Hex } from '../../activities/registry/canonical-json';
import { importInventory } from '../../activities/registry/import-inventory';
import { configuredAdapters } from '../../activities/storage';
import { storageOptions } from '../../infra/storage-options';
import { InvalidInputError } from '../../schemas/errors';
import { databaseUrls } from '../../infra/database-urls';
import { loadKeys } from '../../infra/keys';
import type { CliContext } from '../context';
import { detectFormat, parseCsvInventory, parseJsonInventory } from '../inventory-file';

export interface ImportOptions {
  readonly file: string;
  readonly policy: string;
  readonly format?: string;
}

/** `erasure import <file> --policy <version>`: all-or-nothing, idempotent. */
export async function importCommand(ctx: CliContext, options: ImportOptions): Promise<void> {
  const format = detectFormat(options.file, options.format);
  if (!format) {
    throw new InvalidInputError(options.file, [
      { field: '--format', message: 'cannot tell the format; name the file .csv or .json, or pass --format csv|json' },
    ]);
  }
  let text: string;
  try {
    text = readFileSync(options.file, 'utf8');
  } catch (err) {
    throw new InvalidInputError(options.file, [{ field: '(file)', message: `cannot be read: ${(err as Error).message}` }]);
  }
  const parsed = format === 'csv' ? parseCsvInventory(text) : parseJsonInventory(text);
  // Rows that did not parse are reported together with what the registry finds in the rest.
  if (parsed.records.length === 0 && parsed.problems.length) throw new InvalidInputError(options.file, parsed.problems);
  if (parsed.records.length === 0) {
    throw new InvalidInputError(options.file, [{ field: '(file)', message: 'holds no records' }]);
  }
  const storage = configuredAdapters(databaseUrls(ctx.config), storageOptions(ctx.config));
  const total = parsed.records.length;
  let lastReport = 0;
  try {
    const summary = await importInventory(ctx.registry(), {
      sourceName: basename(options.file),
      sourceSha256: sha256Hex(text),
      policyVersion: options.policy,
      records: parsed.records,
      fileProblems: parsed.problems,
      hmacKey: loadKeys(ctx.config).hmacKey,
      adapters: storage.adapters,
      onProgress: (done, of, stage) => {
        if (total < 2000 || (done < of && Date.now() - lastReport < 1000)) return;
        lastReport = Date.now();
        ctx.progress(`  ${stage} ${done}/${of} records (${Math.round((100 * done) / of)}%)`);
      },
    });
    ctx.out(
      `Imported ${options.file}: ${summary.added} record(s) added, ${summary.unchanged} already present and unchanged` +
        (summary.batchId !== undefined ? ` (import batch ${summary.batchId}, policy ${options.policy})` : '; nothing was changed'),
    );
  } finally {
    await storage.close();
  }
}
