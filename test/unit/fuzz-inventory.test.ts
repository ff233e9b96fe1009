import fc from 'fast-check';
import { parseCsvInventory, parseJsonInventory, type ParsedInventory } from '../../cli/inventory-file';
import { inventoryRecordSchema } from '../../schemas/inventory';
import { zodProblems } from '../../schemas/zod-problems';
import {
  csvCells,
  csvColumns,
  csvFile,
  fuzzSettings,
  jsonFile,
  parseRowMutation,
  unclearProblem,
  validId,
  validRow,
  wrongType,
  type CsvColumn,
  type Row,
  type RowMutation,
} from '../helpers/hostile';

/** One row of a generated file: valid, or a valid row with one hostile change. */
interface Entry {
  readonly row: Row;
  readonly mutation?: RowMutation;
}

const ids = fc.record({ recordId: validId, dossier: validId, person: validId });
const validEntry = (i: number) => ids.map(({ recordId, dossier, person }): Entry => ({ row: validRow(`${recordId}-${i}`, dossier, person) }));

/** A file's rows: valid ones and hostile ones mixed, at least one hostile row somewhere. */
function entries(mutation: fc.Arbitrary<RowMutation>): fc.Arbitrary<Entry[]> {
  const hostile = fc.tuple(ids, mutation).map(([{ recordId, dossier, person }, m]): Entry => ({ row: validRow(recordId, dossier, person), mutation: m }));
  return fc.tuple(hostile, fc.array(fc.oneof(validEntry(0), hostile), { maxLength: 5 }), fc.nat()).map(([first, rest, at]) => {
    const all = [...rest];
    all.splice(at % (rest.length + 1), 0, first);
    // Valid rows get distinct record ids, so that a file's valid rows would all import.
    return all.map((e, i) => (e.mutation ? e : { row: { ...e.row, recordId: `${String(e.row.recordId)}-${i}` } }));
  });
}

const tally = { json: 0, csv: 0, header: 0, schema: 0, refused: 0, accepted: 0, valid: 0 };

/**
 * The hostile rows of a parsed file are each refused with a problem on their line that
 * names the field; the valid rows parse, on their own lines; no other line has problems.
 */
function expectRefusedRowByRow(parsed: ParsedInventory, rows: readonly Entry[], lines: readonly number[]): void {
  const hostileLines = new Set(rows.flatMap((e, i) => (e.mutation ? [lines[i]] : [])));
  expect(parsed.records).toEqual(rows.flatMap((e, i) => (e.mutation ? [] : [{ line: lines[i], record: e.row }])));
  rows.forEach((e, i) => {
    if (!e.mutation) return;
    const mine = parsed.problems.filter((p) => p.line === lines[i]);
    const { field, mentions } = e.mutation;
    if (!mine.some((p) => p.field.startsWith(field) && (mentions === undefined || p.message.includes(mentions)))) {
      throw new Error(`row on line ${lines[i]} (${e.mutation.kind}): no problem naming ${field || 'the entry'}; got ${JSON.stringify(mine).slice(0, 500)}`);
    }
  });
  const echoes = rows.map((e) => e.mutation?.value);
  for (const p of parsed.problems) {
    expect(hostileLines.has(p.line)).toBe(true);
    const why = unclearProblem(p, echoes);
    if (why) throw new Error(`line ${p.line ?? '?'}, ${p.field}: ${why}`);
  }
}

/** A file with any problem is refused whole (the import refuses it); row-by-row checks are above. */
function count(parsed: ParsedInventory): void {
  if (parsed.problems.length > 0) tally.refused += 1;
  else tally.accepted += 1;
}

describe('inventory file - hostile rows (property-based)', () => {
  afterAll(() => {
    const tried = tally.json + tally.csv + tally.header + tally.schema;
    console.log(
      `fuzz inventory rows: ${tried} cases tried (${tally.json} JSON files, ${tally.csv} CSV files, ${tally.header} CSV headers, ${tally.schema} records at the schema), ` +
        `${tally.refused} refused whole, ${tally.accepted} accepted; ${tally.valid} all-valid files parsed whole`,
    );
  });

  it('parseJsonInventory - refuses every hostile row with its line, field and a clear message, and parses the valid ones', async () => {
    await fc.assert(
      fc.asyncProperty(entries(parseRowMutation), fc.boolean(), async (rows, pretty) => {
        tally.json += 1;
        const { text, lines } = jsonFile(
          rows.map((e) => (e.mutation ? e.mutation.apply(e.row) : e.row)),
          pretty,
        );
        const parsed = await parseJsonInventory(text);
        expectRefusedRowByRow(parsed, rows, lines);
        count(parsed);
      }),
      fuzzSettings(800),
    );
  });

  const csvShape = fc.constantFrom('extra cell', 'missing cell').map((kind): RowMutation => ({ kind, field: '(csv)', csv: true, apply: (row) => row }));

  it('parseCsvInventory - refuses every hostile row with its line, field and a clear message, and parses the valid ones', async () => {
    await fc.assert(
      fc.asyncProperty(
        entries(fc.oneof({ weight: 6, arbitrary: parseRowMutation.filter((m) => m.csv) }, { weight: 1, arbitrary: csvShape })),
        fc.shuffledSubarray([...csvColumns], { minLength: 4 }),
        fc.boolean(),
        fc.constantFrom('\n' as const, '\r\n' as const),
        async (rows, order, snakeCase, eol) => {
          tally.csv += 1;
          const cells = rows.map((e) => {
            if (e.mutation?.kind === 'extra cell') return [...(csvCells(e.row, order) ?? []), 'Jan Jansen'];
            if (e.mutation?.kind === 'missing cell') return (csvCells(e.row, order) ?? []).slice(1);
            const c = csvCells(e.mutation ? e.mutation.apply(e.row) : e.row, order);
            if (!c) throw new Error(`${e.mutation?.kind ?? 'valid row'} cannot be written as CSV`);
            return c;
          });
          const { text, lines } = csvFile(cells, order, snakeCase, eol);
          const parsed = await parseCsvInventory(text);
          expectRefusedRowByRow(parsed, rows, lines);
          count(parsed);
        },
      ),
      fuzzSettings(800),
    );
  });

  it('parseCsvInventory - refuses the whole file when the header names an unknown column', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('name', 'full_name', 'note', "'; DROP TABLE records;--", '../x', '$1', 'locations ', 'RECORD-ID'),
        fc.array(ids, { minLength: 1, maxLength: 3 }),
        async (column, people) => {
          tally.header += 1;
          const header = `record_id,dossier,subject_ref,locations,"${column.replace(/"/g, '""')}"`;
          const body = people.map((p, i) => `R-${i},${p.dossier},${p.person},case-admin:persons/${p.person},x`);
          const parsed = await parseCsvInventory([header, ...body].join('\n'));
          expect(parsed.records).toEqual([]);
          expect(parsed.problems.length).toBeGreaterThan(0);
          for (const p of parsed.problems) {
            expect(p.line).toBe(1);
            expect(unclearProblem(p)).toBeUndefined();
          }
          tally.refused += 1;
        },
      ),
      fuzzSettings(200),
    );
  });

  it('inventoryRecordSchema - refuses every hostile record and names the field', () => {
    fc.assert(
      fc.property(ids, parseRowMutation, ({ recordId, dossier, person }, mutation) => {
        tally.schema += 1;
        const result = inventoryRecordSchema.safeParse(mutation.apply(validRow(recordId, dossier, person)));
        expect(result.success).toBe(false);
        const problems = result.success ? [] : zodProblems(result.error, 1);
        expect(problems.some((p) => p.field.startsWith(mutation.field))).toBe(true);
        for (const p of problems) expect(unclearProblem(p, [mutation.value])).toBeUndefined();
        tally.refused += 1;
      }),
      fuzzSettings(400),
    );
  });

  it('parseJsonInventory and parseCsvInventory - files of valid rows parse whole', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(ids, { minLength: 1, maxLength: 6 }), fc.boolean(), async (people, pretty) => {
        const rows = people.map((p, i) => validRow(`${p.recordId}-${i}`, p.dossier, p.person));
        const json = jsonFile(rows, pretty);
        expect(await parseJsonInventory(json.text)).toEqual({ records: rows.map((record, i) => ({ line: json.lines[i], record })), problems: [] });
        const order: CsvColumn[] = ['subjectRef', 'locations', 'recordId', 'dossier'];
        const csv = csvFile(
          rows.map((r) => csvCells(r, order) ?? []),
          order,
          pretty,
          '\r\n',
        );
        expect(await parseCsvInventory(csv.text)).toEqual({
          records: rows.map((record, i) => ({ line: csv.lines[i], record })),
          problems: [],
          dialect: { delimiter: ',', how: 'detected from the header line' },
        });
        tally.valid += 2;
      }),
      fuzzSettings(200),
    );
  });
});

/** Defects fuzzing found once, fixed since: kept as ordinary tests so that they stay fixed. */
describe('inventory file - defects found by fuzzing, fixed', () => {
  const row = validRow('R-1', 'D-1', 'P-1');

  it('zodProblems - an unknown field name, huge or with control characters (JSON) - is shown quoted, escaped and cut short', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.integer({ min: 2_000, max: 100_000 }).map((n) => 'k'.repeat(n)),
          fc.constantFrom('\u001b[2J\u001b[31mx', 'a\r\nline 1, recordId: ok', '\u202etxt.exe'),
        ),
        async (key) => {
          const parsed = await parseJsonInventory(JSON.stringify([{ ...row, [key]: 1 }]));
          expect(parsed.problems).toHaveLength(1);
          expect(unclearProblem(parsed.problems[0]!, [key])).toBeUndefined();
        },
      ),
      fuzzSettings(20),
    );
  });

  it('parseCsvInventory - an unknown column name, huge or with control characters - is shown quoted, escaped and cut short', async () => {
    for (const column of ['c'.repeat(100_000), '\u001b[2J\u001b[31mx']) {
      const parsed = await parseCsvInventory(`record_id,dossier,subject_ref,locations,"${column}"\nR-1,D-1,P-1,case-admin:persons/P-1,x\n`);
      expect(parsed.problems).toHaveLength(1);
      expect(unclearProblem(parsed.problems[0]!, [column])).toBeUndefined();
    }
  });

  it('zodProblems - a value of the wrong type - says what was expected and what came, never "is missing"', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('recordId', 'dossier', 'subjectRef', 'locations'),
        wrongType.filter((h) => h.value !== null),
        async (field, h) => {
          if (field === 'locations' && Array.isArray(h.value)) return;
          const parsed = await parseJsonInventory(JSON.stringify([{ ...row, [field]: h.value }]));
          expect(parsed.problems).toEqual([{ line: 1, field, message: expect.not.stringContaining('is missing') }]);
        },
      ),
      fuzzSettings(50),
    );
  });
});
