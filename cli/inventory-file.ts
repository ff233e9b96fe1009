import type { InventoryItem, NumberedRecord } from '../activities/registry/import-inventory';
import type { InputProblem } from '../schemas/errors';
import { csvRecords, type CsvDelimiter, type CsvDialect } from './inventory-csv';
import { jsonRecords } from './inventory-json';
import { TextDecoding, textChunks } from './text-file';

export type InventoryFormat = 'csv' | 'json';

/** An inventory being read: its records as they are parsed, and what was detected on the way. */
export interface InventoryReading {
  /** Records and problems, in file order. */
  readonly items: AsyncIterable<InventoryItem>;
  /** The CSV separator and how it was chosen, once the header line was read. */
  readonly dialect: () => CsvDialect | undefined;
}

/**
 * Reads an inventory from decoded text (see text-file.ts), record by record: valid
 * records and problems come out in file order, each with its line. Nothing holds the
 * whole file.
 */
export function readInventory(text: AsyncIterable<string>, format: InventoryFormat, options: { readonly delimiter?: CsvDelimiter } = {}): InventoryReading {
  let dialect: CsvDialect | undefined;
  const items = format === 'csv' ? csvRecords(text, options, (d) => (dialect = d)) : jsonRecords(text);
  return { items, dialect: () => dialect };
}

export interface ParsedInventory {
  readonly records: NumberedRecord[];
  readonly problems: readonly InputProblem[];
}

async function* once<T>(value: T): AsyncGenerator<T> {
  yield await Promise.resolve(value);
}

/**
 * A whole inventory parsed into memory (small files: tests, examples): text as it is, or
 * a file's bytes, decoded the way a file is.
 */
async function parseAll(
  input: string | Uint8Array,
  format: InventoryFormat,
  options: { readonly delimiter?: CsvDelimiter } = {},
): Promise<ParsedInventory & { dialect?: CsvDialect }> {
  const text = typeof input === 'string' ? once(input) : textChunks(once(input), new TextDecoding('inventory'));
  const reading = readInventory(text, format, options);
  const records: NumberedRecord[] = [];
  const problems: InputProblem[] = [];
  for await (const item of reading.items) {
    if ('problem' in item) problems.push(item.problem);
    else records.push(item);
  }
  const dialect = reading.dialect();
  return { records, problems, ...(dialect ? { dialect } : {}) };
}

export const parseCsvInventory = (input: string | Uint8Array, options: { readonly delimiter?: CsvDelimiter } = {}) => parseAll(input, 'csv', options);
export const parseJsonInventory = (input: string | Uint8Array) => parseAll(input, 'json');

export function detectFormat(path: string, explicit?: string): InventoryFormat | undefined {
  if (explicit === 'csv' || explicit === 'json') return explicit;
  if (explicit) return undefined;
  if (/\.csv$/i.test(path)) return 'csv';
  if (/\.json$/i.test(path)) return 'json';
  return undefined;
}
