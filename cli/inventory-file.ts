import { shownName } from '../schemas/zod-problems';
import { parse as parseCsv } from 'csv-parse/sync';
import type { InputProblem } from '../schemas/errors';
import { inventoryRecordSchema, parseLocationText } from '../schemas/inventory';
import { zodProblems } from '../schemas/zod-problems';
import type { NumberedRecord } from '../activities/registry/import-inventory';

export type InventoryFormat = 'csv' | 'json';

export interface ParsedInventory {
  readonly records: NumberedRecord[];
  readonly problems: InputProblem[];
}

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

/** csv-parse's own messages quote the offending field; these say what is wrong without it. */
const CSV_ERRORS: Record<string, string> = {
  CSV_QUOTE_NOT_CLOSED: 'a quoted field is not closed; add the closing double quote',
  CSV_INVALID_CLOSING_QUOTE: 'a double quote inside a quoted field must be doubled ("")',
  CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: 'text follows a closing double quote; put the whole field in quotes',
};

function validate(line: number, candidate: unknown, into: ParsedInventory): void {
  const result = inventoryRecordSchema.safeParse(candidate);
  if (result.success) into.records.push({ line, record: result.data });
  else into.problems.push(...zodProblems(result.error, line));
}

const LINE_BREAK = /\r\n|\r|\n/g;
const breaks = (text: string) => text.match(LINE_BREAK)?.length ?? 0;

interface CsvRow {
  readonly record: string[];
  readonly raw: string;
}

/**
 * CSV: a header line (record_id, dossier, subject_ref, locations), then one record per
 * line; locations are `system:locator` entries separated by `;`. Line numbers are where
 * a record starts, counted from the raw text (quoted fields may span lines).
 */
export function parseCsvInventory(text: string): ParsedInventory {
  const out: ParsedInventory = { records: [], problems: [] };
  let rows: CsvRow[];
  try {
    rows = parseCsv(text, { raw: true, skip_empty_lines: true, trim: true, bom: true, relax_column_count: true }) as unknown as CsvRow[];
  } catch (err) {
    const e = err as Error & { lines?: number; code?: string };
    const message = (e.code && CSV_ERRORS[e.code]) ?? `not valid CSV (${e.code ?? 'parse error'}); check the quoting`;
    out.problems.push({ ...(e.lines ? { line: e.lines } : {}), field: '(csv)', message });
    return out;
  }
  let nextLine = 1;
  const numbered = rows.map((row) => {
    const leading = breaks(/^[\s]*/.exec(row.raw)?.[0] ?? '');
    const line = nextLine + leading;
    nextLine += breaks(row.raw);
    return { ...row, line };
  });
  const header = numbered.shift();
  if (!header) {
    out.problems.push({ line: 1, field: '(header)', message: 'the file is empty; it needs a header line: record_id,dossier,subject_ref,locations' });
    return out;
  }
  const columns = header.record.map((name) => CSV_COLUMNS.get(name.toLowerCase()));
  header.record.forEach((name, i) => {
    const column = columns[i];
    if (!column) out.problems.push({ line: header.line, field: `column ${shownName(name)}`, message: 'is not an inventory column; use record_id, dossier, subject_ref, locations' });
    else if (columns.indexOf(column) !== i) out.problems.push({ line: header.line, field: `column ${shownName(name)}`, message: `repeats the ${column} column; keep one` });
  });
  for (const required of REQUIRED_COLUMNS) {
    if (!columns.includes(required)) out.problems.push({ line: header.line, field: required, message: 'column is missing from the header line' });
  }
  if (out.problems.length) return out;
  for (const { record, line } of numbered) {
    if (record.length !== columns.length) {
      out.problems.push({ line, field: '(csv)', message: `has ${record.length} fields where the header has ${columns.length}; check the commas and quoting` });
      continue;
    }
    const candidate: Record<string, unknown> = {};
    record.forEach((value, i) => {
      const column = columns[i];
      if (column === 'locations') {
        candidate.locations = value.split(';').filter((part) => part.trim() !== '').map(parseLocationText);
      } else if (column) {
        candidate[column] = value;
      }
    });
    validate(line, candidate, out);
  }
  return out;
}

/** Line numbers at which each element of a top-level JSON array starts. */
function arrayElementLines(text: string): number[] {
  const lines: number[] = [];
  let line = 1;
  let depth = 0;
  let inString = false;
  let expectElement = false;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i];
    if (ch === '\n') line += 1;
    if (inString) {
      if (ch === '\\') i += 1;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n') continue;
    if (expectElement && depth === 1 && ch !== ']') {
      lines.push(line);
      expectElement = false;
    }
    if (ch === '"') inString = true;
    else if (ch === '[' || ch === '{') {
      depth += 1;
      if (depth === 1 && ch === '[') expectElement = true;
    } else if (ch === ']' || ch === '}') depth -= 1;
    else if (ch === ',' && depth === 1) expectElement = true;
  }
  return lines;
}

/** JSON: an array of `{ recordId, dossier, subjectRef, locations: [{ system, locator }] }`. */
export function parseJsonInventory(text: string): ParsedInventory {
  const out: ParsedInventory = { records: [], problems: [] };
  const body = text.replace(/^\uFEFF/, '');
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch (err) {
    const position = /position (\d+)/.exec((err as Error).message);
    const line = position ? breaks(body.slice(0, Number(position[1]))) + 1 : undefined;
    out.problems.push({ ...(line ? { line } : {}), field: '(json)', message: 'not valid JSON here; check commas, quotes and brackets' });
    return out;
  }
  if (!Array.isArray(data)) {
    out.problems.push({ line: 1, field: '(json)', message: 'the file must hold a JSON array of records, e.g. [{"recordId": "R-1", ...}]' });
    return out;
  }
  const lines = arrayElementLines(body);
  data.forEach((element, i) => validate(lines[i] ?? 1, element, out));
  return out;
}

export function detectFormat(path: string, explicit?: string): InventoryFormat | undefined {
  if (explicit === 'csv' || explicit === 'json') return explicit;
  if (explicit) return undefined;
  if (/\.csv$/i.test(path)) return 'csv';
  if (/\.json$/i.test(path)) return 'json';
  return undefined;
}
