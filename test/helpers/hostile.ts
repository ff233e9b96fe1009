import fc from 'fast-check';
import type { InputProblem } from '../../schemas/errors';

/**
 * Hostile input for the property-based tests of the input validators: SQL
 * metacharacters, path traversal, control characters, huge strings, unicode look-alikes,
 * blanks and wrong types. Every value here is one that an id field must refuse; each
 * carries a kind so that a failing case says at a glance what it was.
 */
export interface Hostile<T = unknown> {
  readonly kind: string;
  readonly value: T;
}

const tagged = <T>(kind: string, values: readonly T[]): fc.Arbitrary<Hostile<T>> => fc.constantFrom(...values).map((value) => ({ kind, value }));

export const sqlMetacharacters = [
  "'; DROP TABLE records;--",
  '" OR 1=1',
  "R-1' OR '1'='1",
  "R-1'); DELETE FROM import_batches; --",
  '$1',
  'R-1\\',
  '\\x00',
  'R-1; SELECT pg_sleep(10)',
  "E'\\\\'",
  '%',
  'R_%',
  'R-1/*comment*/',
];

export const pathTraversal = [
  '../',
  '..\\',
  '../../etc/passwd',
  '..\\..\\windows\\system32',
  '/etc/passwd',
  'C:\\Windows\\system32',
  '%2e%2e/',
  '%2e%2e%2fetc%2fpasswd',
  '..%2f..%2f',
  '....//....//etc',
  '~/.ssh/id_rsa',
  'file:///etc/passwd',
  '\\\\server\\share',
  'link -> /etc',
  '/proc/self/environ',
  '.',
  '..',
];

/** Control characters inside an otherwise valid id (at the ends, trimming would remove some of them). */
export const controlCharacters = ['\u0000', '\r\n', '\n', '\r', '\u001b[31m', '\u202e', '\u0007', '\b', '\t', '\u2028', '\u200b', '\u007f', '\ud800', '\uffff'];

export const unicodeOddities = ['Ｒ-1', 'R‐1', 'R-1\u0301x', 'ℝ-1', 'R-😀', 'Ω-1', 'İd', 'R\u00a01', 'R\ufeff1', '\u212a-1', 'ʀ-1', 'R-١'];

export const blanks = ['', ' ', '   ', '\t', '\r\n', '\u00a0', '\u3000', '\ufeff'];

/** 10^5 to 10^6 characters; some made only of characters an id may hold, so that length alone refuses them. */
export const hugeString: fc.Arbitrary<Hostile<string>> = fc
  .record({ n: fc.integer({ min: 100_000, max: 1_000_000 }), unit: fc.constantFrom('R', 'a1', "'", '../', '\u0000', 'é') })
  .map(({ n, unit }) => ({ kind: `huge (${n} x ${JSON.stringify(unit)})`, value: unit.repeat(Math.ceil(n / unit.length)) }));

/** Strings an identifier (recordId, dossier, subjectRef, an actor's user, a reference) must refuse. */
export const hostileText: fc.Arbitrary<Hostile<string>> = fc.oneof(
  { weight: 3, arbitrary: tagged('sql', sqlMetacharacters) },
  { weight: 3, arbitrary: tagged('path', pathTraversal) },
  { weight: 3, arbitrary: fc.constantFrom(...controlCharacters).map((c) => ({ kind: `control ${JSON.stringify(c)}`, value: `R-${c}1` })) },
  { weight: 2, arbitrary: tagged('unicode', unicodeOddities) },
  { weight: 2, arbitrary: tagged('blank', blanks) },
  { weight: 1, arbitrary: hugeString },
);

/** JSON values of the wrong type where a string is expected. */
export const wrongType: fc.Arbitrary<Hostile> = tagged('wrong type', [0, 17, -1, 1.5, 1e21, null, true, false, [], ['R-1'], {}, { value: 'R-1' }]);

/** Unknown field names (short ones: long or control-character names are a known echo bug, tested apart). */
export const unknownFieldName = fc.constantFrom(
  'name',
  'note',
  '__proto__',
  'constructor',
  'toString',
  'record_id',
  'recordid',
  '$where',
  "'; DROP TABLE records;--",
  '../x',
);

/** Storage systems that are not in the schema's list (the schema's own list is never hostile here). */
export const hostileSystem: fc.Arbitrary<Hostile<string>> = fc.oneof(
  tagged('unknown system', ['filing-cabinet', 'CASE-ADMIN', 'case_admin', 'caseadmin', 'toString', '__proto__', 'constructor', 'documents/../case-admin', 'x']),
  fc.constantFrom(...controlCharacters).map((c) => ({ kind: `control system ${JSON.stringify(c)}`, value: `case${c}admin` })),
  tagged('blank system', ['', ' ', '\t']),
  tagged('sql system', ["case-admin' OR 1=1", 'case-admin"']),
  fc.integer({ min: 100_000, max: 300_000 }).map((n) => ({ kind: 'huge system', value: 'case-admin'.repeat(Math.floor(n / 10)) })),
);

/** Case-administration locators the inventory schema refuses already. */
export const locatorRefusedByParse: fc.Arbitrary<Hostile<string>> = fc.oneof(
  tagged('sql locator', ["persons/P-1'; DROP TABLE records;--", 'persons/P-1" OR 1=1', 'persons/$1', 'persons\\P-1', 'persons/P 1']),
  tagged('traversal locator', [
    '../../etc/passwd',
    'persons/../../etc/shadow',
    '..',
    'persons/..',
    '..\\..\\windows',
    '%2e%2e/%2e%2e/etc/passwd',
    'link -> /etc',
    '~/.ssh/id_rsa',
  ]),
  fc.constantFrom(...controlCharacters).map((c) => ({ kind: `control locator ${JSON.stringify(c)}`, value: `persons/P${c}1` })),
  tagged('unicode locator', ['persons/Ｐ-1', 'persons/P‐1', 'persons/P-😀']),
  tagged('blank locator', ['', ' ', '\u00a0']),
  fc.integer({ min: 100_000, max: 1_000_000 }).map((n) => ({ kind: 'huge locator', value: `persons/${'P'.repeat(n)}` })),
);

/** Locators the schema lets through and the case-administration adapter refuses at import. */
export const locatorRefusedByAdapter: fc.Arbitrary<Hostile<string>> = tagged('adapter locator', [
  '/etc/passwd',
  '/proc/self/environ',
  'file:///etc/passwd',
  '//server/share',
  'persons//P-1',
  'persons/./P-1',
  'persons/P-1/notes',
  '....//....//etc/passwd',
  'persons/',
  'people/P-1',
  'PERSONS/P-1',
  'persons/P-1@evil.example',
  'persons/P=1+1',
]);

/** Ids an inventory accepts. */
export const validId = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,24}$/);

export interface Row {
  recordId: unknown;
  dossier: unknown;
  subjectRef: unknown;
  locations: unknown;
  [extra: string]: unknown;
}

export const validRow = (recordId: string, dossier: string, personId: string): Row => ({
  recordId,
  dossier,
  subjectRef: personId,
  locations: [{ system: 'case-admin', locator: `persons/${personId}` }],
});

/**
 * One hostile change to a valid row, with the field the refusal must name (a prefix:
 * `locations` covers `locations[0].locator`). `csv` is false for changes a CSV file
 * cannot express (wrong types, extra fields).
 */
export interface RowMutation {
  readonly kind: string;
  readonly field: string;
  readonly csv: boolean;
  /** The row after the change; `undefined` values are dropped (a missing field). */
  apply(row: Row): unknown;
  /** For the echo check: a value that must not come back in full in a message. */
  readonly value?: unknown;
  /** Text the message must contain (the name of an unknown field). */
  readonly mentions?: string;
}

const idFields = ['recordId', 'dossier', 'subjectRef'] as const;
const locationOf = (row: Row) => (row.locations as { system: string; locator: string }[])[0] as { system: string; locator: string };

/** Hostile changes the inventory parsers (and the zod schema) must refuse. */
export const parseRowMutation: fc.Arbitrary<RowMutation> = fc.oneof(
  fc
    .record({ field: fc.constantFrom(...idFields), h: fc.oneof({ weight: 4, arbitrary: hostileText }, { weight: 1, arbitrary: wrongType }) })
    .map(({ field, h }) => ({
      kind: `${field}: ${h.kind}`,
      field,
      csv: typeof h.value === 'string',
      value: h.value,
      apply: (row: Row) => ({ ...row, [field]: h.value }),
    })),
  fc.constantFrom(...idFields, 'locations' as const).map((field) => ({
    kind: `${field}: missing`,
    field,
    csv: false,
    apply: (row: Row) => Object.fromEntries(Object.entries(row).filter(([k]) => k !== field)),
  })),
  hostileSystem.map((h) => ({
    kind: `system: ${h.kind}`,
    field: 'locations',
    csv: true,
    value: h.value,
    apply: (row: Row) => ({ ...row, locations: [{ ...locationOf(row), system: h.value }] }),
  })),
  locatorRefusedByParse.map((h) => ({
    kind: `locator: ${h.kind}`,
    field: 'locations',
    csv: true,
    value: h.value,
    apply: (row: Row) => ({ ...row, locations: [{ ...locationOf(row), locator: h.value }] }),
  })),
  fc.constantFrom<unknown>([], 'case-admin:persons/P-1', null, 5, {}, [null], ['case-admin:persons/P-1'], [{}], [[]]).map((locations) => ({
    kind: `locations: ${JSON.stringify(locations)}`,
    field: 'locations',
    csv: Array.isArray(locations) && locations.length === 0,
    apply: (row: Row) => ({ ...row, locations }),
  })),
  fc.record({ key: unknownFieldName, nested: fc.boolean() }).map(({ key, nested }) => ({
    kind: `extra field ${nested ? 'in a location' : ''} ${JSON.stringify(key)}`,
    field: nested ? 'locations' : '',
    csv: false,
    mentions: key,
    // A computed key makes even "__proto__" an own field, as JSON.parse does.
    apply: (row: Row) => (nested ? { ...row, locations: [{ [key]: 'x', ...locationOf(row) }] } : { ...row, [key]: 'x' }),
  })),
  fc.constantFrom<unknown>(null, 7, 'R-1', [], true, [{ recordId: 'R-1' }]).map((element) => ({
    kind: `element: ${JSON.stringify(element)}`,
    field: '',
    csv: false,
    apply: () => element,
  })),
);

/** Puts elements in a JSON array, one to a line or pretty-printed; gives the line each element starts on. */
export function jsonFile(elements: readonly unknown[], pretty: boolean): { text: string; lines: number[] } {
  const lines: number[] = [];
  let text = '[\n';
  elements.forEach((element, i) => {
    lines.push(text.split('\n').length);
    const body = pretty ? JSON.stringify(element, null, 2).replace(/\n/g, '\n  ') : JSON.stringify(element);
    text += `  ${body}${i < elements.length - 1 ? ',' : ''}\n`;
  });
  return { text: `${text}]\n`, lines };
}

export const csvColumns = ['recordId', 'dossier', 'subjectRef', 'locations'] as const;
export type CsvColumn = (typeof csvColumns)[number];
const snake: Record<CsvColumn, string> = { recordId: 'record_id', dossier: 'dossier', subjectRef: 'subject_ref', locations: 'locations' };

const csvCell = (value: string) => (/[",;\s]|^$/.test(value) || value !== value.trim() ? `"${value.replace(/"/g, '""')}"` : value);

/**
 * A CSV file of rows (cells as strings; a row of the wrong length stays that way) under a
 * header in the given column order; gives the line each row starts on.
 */
export function csvFile(
  rows: readonly (readonly string[])[],
  order: readonly CsvColumn[],
  snakeCase: boolean,
  eol: '\n' | '\r\n',
): { text: string; lines: number[] } {
  let text = order.map((c) => (snakeCase ? snake[c] : c)).join(',') + eol;
  const lines: number[] = [];
  for (const row of rows) {
    lines.push((text.match(/\r\n|\r|\n/g)?.length ?? 0) + 1);
    text += row.map(csvCell).join(',') + eol;
  }
  return { text, lines };
}

/** A row as CSV cells in the column order, or undefined when a cell is not a string (CSV cannot say it). */
export function csvCells(row: unknown, order: readonly CsvColumn[]): string[] | undefined {
  if (typeof row !== 'object' || row === null || Array.isArray(row)) return undefined;
  const r = row as Record<string, unknown>;
  const cells: string[] = [];
  for (const column of order) {
    const value = r[column];
    if (column === 'locations') {
      if (!Array.isArray(value)) return undefined;
      const parts: string[] = [];
      for (const l of value as unknown[]) {
        const { system, locator } = (l ?? {}) as { system?: unknown; locator?: unknown };
        if (typeof system !== 'string' || typeof locator !== 'string') return undefined;
        parts.push(`${system}:${locator}`);
      }
      cells.push(parts.join(';'));
    } else if (typeof value === 'string') cells.push(value);
    else return undefined;
  }
  return cells;
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f\u202a-\u202e\u2066-\u2069]/;

/**
 * Why a problem is not a clear refusal, or undefined when it is: it has a message, names
 * a field (or the whole entry), carries no stack trace, no raw control characters and no
 * long echo of the input.
 */
export function unclearProblem(p: InputProblem, echoes: readonly unknown[] = []): string | undefined {
  if (typeof p.message !== 'string' || p.message.trim() === '') return 'the message is empty';
  if (/\n\s+at \S/.test(p.message) || /\bat .*\.(ts|js):\d+/.test(p.message)) return 'the message holds a stack trace';
  if (p.message.length > 1000) return `the message is ${p.message.length} characters long`;
  if (p.field.length > 200) return `the field name is ${p.field.length} characters long`;
  if (CONTROL.test(p.message) || CONTROL.test(p.field)) return 'the message or field holds raw control characters';
  for (const value of echoes) {
    if (typeof value === 'string' && value.length >= 1024 && p.message.includes(value)) return 'the message echoes a long input value in full';
  }
  return undefined;
}

/** fast-check settings: a fixed seed (fast-check prints it with any counterexample). */
export const fuzzSettings = (numRuns: number, seed = 20_240_601) => ({ numRuns, seed });
