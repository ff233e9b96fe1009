import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import type { InventoryItem } from '../activities/registry/import-inventory';
import { parseLocationText } from '../schemas/inventory';
import { shownName } from '../schemas/zod-problems';
import { PendingProblems, validatedRecord } from './inventory-record';

export const csvDelimiters = [',', ';', '\t'] as const;
export type CsvDelimiter = (typeof csvDelimiters)[number];

/** How the separator was chosen, said back to the coordinator. */
export interface CsvDialect {
  readonly delimiter: CsvDelimiter;
  readonly how: 'detected from the header line' | 'given with --delimiter' | 'given by the sep= line';
}

export const delimiterName = (d: CsvDelimiter) => (d === '\t' ? 'tabs' : d === ';' ? 'semicolons (;)' : 'commas (,)');

/** CSV header names accepted for each field (camelCase or snake_case). */
const CSV_COLUMNS = new Map<string, 'recordId' | 'dossier' | 'subjectRef' | 'locations'>([
  ['recordid', 'recordId'],
  ['record_id', 'recordId'],
  ['dossier', 'dossier'],
  ['subjectref', 'subjectRef'],
  ['subject_ref', 'subjectRef'],
  ['locations', 'locations'],
]);
const REQUIRED_COLUMNS = ['recordId', 'dossier', 'subjectRef', 'locations'] as const;

/** A record longer than this is a quote that was never closed, not a record (and is not held in memory). */
const MAX_RECORD_CHARS = 16_000_000;

/** csv-parse's own messages quote the offending field; these say what is wrong without it. */
const CSV_ERRORS: Record<string, string> = {
  CSV_QUOTE_NOT_CLOSED: 'a quoted field is not closed; add the closing double quote',
  CSV_INVALID_CLOSING_QUOTE: 'a double quote inside a quoted field must be doubled ("")',
  CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: 'text follows a closing double quote; put the whole field in quotes',
  CSV_INVALID_OPENING_QUOTE:
    'a double quote inside a field that does not start with one; put the whole field in double quotes and double the quote inside ("")',
  CSV_MAX_RECORD_SIZE: `a record longer than ${MAX_RECORD_CHARS} characters: a double quote is probably never closed`,
};

const LINE_BREAK = /\r\n|\r|\n/g;
const breaks = (text: string) => text.match(LINE_BREAK)?.length ?? 0;

/**
 * The separator the header line uses: the most frequent of `;`, `,` and tab outside
 * double quotes (Excel writes `;` in the Dutch locale, `,` in the English one, tabs in
 * its "Unicode text"); a header with none of them is one column, read with `,`.
 */
export function detectDelimiter(header: string): CsvDelimiter {
  const counts = new Map<CsvDelimiter, number>(csvDelimiters.map((d) => [d, 0]));
  let quoted = false;
  for (const ch of header) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && counts.has(ch as CsvDelimiter)) counts.set(ch as CsvDelimiter, (counts.get(ch as CsvDelimiter) ?? 0) + 1);
  }
  let best: CsvDelimiter = ',';
  for (const d of csvDelimiters) if ((counts.get(d) ?? 0) > (counts.get(best) ?? 0)) best = d;
  return best;
}

/** The text up to and including the first line break (or all of it), and the chunks after. */
async function firstLine(it: AsyncIterator<string>, head: string): Promise<{ head: string; ended: boolean }> {
  let text = head;
  while (!/[\r\n]/.test(text)) {
    const next = await it.next();
    if (next.done) return { head: text, ended: true };
    text += next.value;
  }
  return { head: text, ended: false };
}

interface CsvRow {
  readonly record: string[];
  readonly raw: string;
}

/**
 * CSV inventories, streamed: a header line (record_id, dossier, subject_ref, locations),
 * then one record per line, separated by `;`, `,` or tabs (detected from the header
 * line, given by an Excel `sep=` line, or by `--delimiter`). Quoted fields may hold the
 * separator and line breaks; in `locations`, `system:locator` entries are separated by
 * `;` or by line breaks (one per line in a cell). Line numbers are where a record starts.
 */
export async function* csvRecords(
  text: AsyncIterable<string>,
  options: { readonly delimiter?: CsvDelimiter },
  onDialect: (dialect: CsvDialect) => void,
): AsyncGenerator<InventoryItem> {
  const problems = new PendingProblems();
  const it = text[Symbol.asyncIterator]();
  let { head, ended } = await firstLine(it, '');
  let nextLine = 1;
  let dialect: CsvDialect | undefined;
  const sep = /^"?sep=([,;\t])"?\r?(\n|$)/i.exec(head);
  if (sep) {
    head = head.slice(sep[0].length);
    nextLine = 2;
    if (!options.delimiter) dialect = { delimiter: sep[1] as CsvDelimiter, how: 'given by the sep= line' };
    if (!ended) ({ head, ended } = await firstLine(it, head));
  }
  dialect = options.delimiter
    ? { delimiter: options.delimiter, how: 'given with --delimiter' }
    : (dialect ?? { delimiter: detectDelimiter(head.split(/[\r\n]/)[0] ?? ''), how: 'detected from the header line' });
  onDialect(dialect);
  const { delimiter } = dialect;
  const separated = `${delimiterName(delimiter)}, ${dialect.how}`;

  async function* chunks(): AsyncGenerator<string> {
    if (head) yield head;
    if (ended) return;
    for (let next = await it.next(); !next.done; next = await it.next()) yield next.value;
  }
  const parser = parse({ delimiter, raw: true, skip_empty_lines: true, trim: true, bom: true, relax_column_count: true, max_record_size: MAX_RECORD_CHARS });
  // The parser's own errors reach the loop below; the feeding side's are the same ones.
  pipeline(Readable.from(chunks()), parser).catch(() => undefined);

  let columns: ('recordId' | 'dossier' | 'subjectRef' | 'locations' | undefined)[] | undefined;
  try {
    for await (const row of parser as AsyncIterable<CsvRow>) {
      const line = nextLine + breaks(/^\s*/.exec(row.raw)?.[0] ?? '');
      nextLine += breaks(row.raw);
      if (!columns) {
        const names = row.record;
        const found = names.map((name) => CSV_COLUMNS.get(name.toLowerCase()));
        let bad = false;
        names.forEach((name, i) => {
          const column = found[i];
          if (!column)
            problems.add({
              line,
              field: `column ${shownName(name)}`,
              message: `is not an inventory column; use record_id, dossier, subject_ref, locations (columns separated by ${separated})`,
            });
          else if (found.indexOf(column) !== i) problems.add({ line, field: `column ${shownName(name)}`, message: `repeats the ${column} column; keep one` });
          bad ||= !column || found.indexOf(column) !== i;
        });
        for (const required of REQUIRED_COLUMNS) {
          if (!found.includes(required)) {
            problems.add({ line, field: required, message: 'column is missing from the header line' });
            bad = true;
          }
        }
        if (bad) {
          yield* problems.drain();
          return;
        }
        columns = found;
        continue;
      }
      if (row.record.length !== columns.length) {
        problems.add({
          line,
          field: '(csv)',
          message: `has ${row.record.length} fields where the header has ${columns.length}; check the separators (${separated}) and the quoting`,
        });
        continue;
      }
      const candidate: Record<string, unknown> = {};
      row.record.forEach((value, i) => {
        const column = (columns as unknown[])[i];
        if (column === 'locations')
          candidate.locations = value
            .split(/[;\r\n]/)
            .filter((part) => part.trim() !== '')
            .map(parseLocationText);
        else if (typeof column === 'string') candidate[column] = value;
      });
      const record = validatedRecord(line, candidate, problems);
      yield* problems.drain();
      if (record) yield record;
    }
  } catch (err) {
    const e = err as Error & { lines?: number; code?: string };
    if (!e.code?.startsWith('CSV_')) throw err;
    const message = CSV_ERRORS[e.code] ?? `not valid CSV (${e.code}); check the quoting`;
    problems.add({ ...(e.lines ? { line: e.lines + (sep ? 1 : 0) } : {}), field: '(csv)', message });
    yield* problems.drain();
    return;
  } finally {
    parser.destroy();
  }
  if (!columns) problems.add({ line: 1, field: '(header)', message: 'the file is empty; it needs a header line: record_id,dossier,subject_ref,locations' });
  yield* problems.drain();
}
