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
const CSV_COLUMNS: Record<string, 'recordId' | 'dossier' | 'subjectRef' | 'locations'> = {
  recordid: 'recordId',
  record_id: 'recordId',
  dossier: 'dossier',
  subjectref: 'subjectRef',
  subject_ref: 'subjectRef',
  locations: 'locations',
};
const REQUIRED_COLUMNS = ['recordId', 'dossier', 'subjectRef', 'locations'] as const;

function validate(line: number, candidate: unknown, into: ParsedInventory): void {
  const result = inventoryRecordSchema.safeParse(candidate);
  if (result.success) into.records.push({ line, record: result.data });
  else into.problems.push(...zodProblems(result.error, line));
}

/**
 * CSV: a header line (record_id, dossier, subject_ref, locations), then one record per
 * line; locations are `system:locator` entries separated by `;`.
 */
export function parseCsvInventory(text: string): ParsedInventory {
  const out: ParsedInventory = { records: [], problems: [] };
  let rows: { record: string[]; info: { lines: number } }[];
  try {
    rows = parseCsv(text, { info: true, skip_empty_lines: true, trim: true, bom: true, relax_column_count: false }) as unknown as typeof rows;
  } catch (err) {
    const e = err as Error & { lines?: number };
    out.problems.push({ ...(e.lines ? { line: e.lines } : {}), field: '(csv)', message: `${e.message}; check the quoting and the number of columns` });
    return out;
  }
  const header = rows.shift();
  if (!header) {
    out.problems.push({ line: 1, field: '(header)', message: 'the file is empty; it needs a header line: record_id,dossier,subject_ref,locations' });
    return out;
  }
  const columns = header.record.map((name) => CSV_COLUMNS[name.toLowerCase()]);
  header.record.forEach((name, i) => {
    if (!columns[i]) out.problems.push({ line: header.info.lines, field: `column "${name}"`, message: 'is not an inventory column; use record_id, dossier, subject_ref, locations' });
  });
  for (const required of REQUIRED_COLUMNS) {
    if (!columns.includes(required)) out.problems.push({ line: header.info.lines, field: required, message: 'column is missing from the header line' });
  }
  if (out.problems.length) return out;
  for (const { record, info } of rows) {
    const candidate: Record<string, unknown> = {};
    record.forEach((value, i) => {
      const column = columns[i];
      if (column === 'locations') {
        candidate.locations = value.split(';').filter((part) => part.trim() !== '').map(parseLocationText);
      } else if (column) {
        candidate[column] = value;
      }
    });
    validate(info.lines, candidate, out);
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
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    out.problems.push({ field: '(json)', message: `not valid JSON: ${(err as Error).message}` });
    return out;
  }
  if (!Array.isArray(data)) {
    out.problems.push({ line: 1, field: '(json)', message: 'the file must hold a JSON array of records, e.g. [{"recordId": "R-1", ...}]' });
    return out;
  }
  const lines = arrayElementLines(text);
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
