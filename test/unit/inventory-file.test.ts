import { parseCsvInventory, parseJsonInventory, detectFormat } from '../../cli/inventory-file';
import { InvalidInputError } from '../../schemas/errors';

describe('inventory file - CSV', () => {
  it('parses records with their line numbers and locations', async () => {
    const parsed = await parseCsvInventory(
      'record_id,dossier,subject_ref,locations\nR-1,D-1,P-1,case-admin:persons/P-1\n\nR-2,D-1,P-2,"case-admin:persons/P-2;case-admin:persons/P-3"\n',
    );
    expect(parsed.problems).toEqual([]);
    expect(parsed.records).toEqual([
      { line: 2, record: { recordId: 'R-1', dossier: 'D-1', subjectRef: 'P-1', locations: [{ system: 'case-admin', locator: 'persons/P-1' }] } },
      {
        line: 4,
        record: {
          recordId: 'R-2',
          dossier: 'D-1',
          subjectRef: 'P-2',
          locations: [
            { system: 'case-admin', locator: 'persons/P-2' },
            { system: 'case-admin', locator: 'persons/P-3' },
          ],
        },
      },
    ]);
  });

  it('names the line, the field and the fix for every bad row', async () => {
    const parsed = await parseCsvInventory(
      [
        'recordId,dossier,subjectRef,locations',
        'R-1,D-1,P-1,case-admin:persons/P-1',
        ',D-1,P-2,case-admin:persons/P-2',
        'R-3,D-1,Jan de Vries,case-admin:persons/P-3',
        'R-4,D-1,P-4,filing-cabinet:drawer/4',
        'R-5,D-1,P-5,',
      ].join('\n'),
    );
    expect(parsed.problems).toEqual([
      { line: 3, field: 'recordId', message: expect.stringContaining('recordId is empty') },
      { line: 4, field: 'subjectRef', message: expect.stringContaining('never a name') },
      { line: 5, field: 'locations[0].system', message: expect.stringContaining('"case-admin"') },
      { line: 6, field: 'locations', message: expect.stringContaining('at least one location') },
    ]);
  });

  it('refuses an unknown or missing column in the header', async () => {
    const parsed = await parseCsvInventory('record_id,dossier,name,locations\nR-1,D-1,Jan,case-admin:persons/P-1\n');
    expect(parsed.problems.map((p) => [p.line, p.field])).toEqual([
      [1, 'column "name"'],
      [1, 'subjectRef'],
    ]);
    expect(parsed.records).toEqual([]);
  });

  it('reports every row with the wrong number of columns with its line, without echoing its content', async () => {
    const parsed = await parseCsvInventory('record_id,dossier,subject_ref,locations\nR-1,D-1,P-1,case-admin:persons/P-1,Jan Jansen\nR-2,D-1\n');
    expect(parsed.problems).toEqual([
      {
        line: 2,
        field: '(csv)',
        message: 'has 5 fields where the header has 4; check the separators (commas (,), detected from the header line) and the quoting',
      },
      {
        line: 3,
        field: '(csv)',
        message: 'has 2 fields where the header has 4; check the separators (commas (,), detected from the header line) and the quoting',
      },
    ]);
  });

  it.each([
    ['LF', '\n'],
    ['CRLF', '\r\n'],
  ])('counts lines where records start when a quoted field spans lines (%s)', async (_name, eol) => {
    const text = [
      'record_id,dossier,subject_ref,locations',
      'R-1,D-1,P-1,"case-admin:persons/P-1;',
      'case-admin:persons/P-9"',
      '',
      'R-2,D-1,,case-admin:persons/P-2',
      '',
    ].join(eol);
    const parsed = await parseCsvInventory(text);
    expect(parsed.records.map((r) => [r.line, r.record.locations.length])).toEqual([[2, 2]]);
    expect(parsed.problems).toEqual([{ line: 5, field: 'subjectRef', message: expect.stringContaining('subjectRef is empty') }]);
  });

  it('refuses a column given twice and a quote that is never closed', async () => {
    expect((await parseCsvInventory('record_id,recordId,dossier,subject_ref,locations\n')).problems).toEqual([
      { line: 1, field: 'column "recordId"', message: 'repeats the recordId column; keep one' },
    ]);
    expect((await parseCsvInventory('record_id,dossier,subject_ref,locations\nR-1,D-1,P-1,"case-admin:persons/P-1\n')).problems).toEqual([
      { line: 2, field: '(csv)', message: 'a quoted field is not closed; add the closing double quote' },
    ]);
  });
});

describe('inventory file - JSON', () => {
  it('gives each array element the line it starts on', async () => {
    const text = `[
  {"recordId": "R-1", "dossier": "D-1", "subjectRef": "P-1",
   "locations": [{"system": "case-admin", "locator": "persons/P-1"}]},
  {"recordId": "R-2", "dossier": "D-1", "subjectRef": "P-2", "locations": [], "note": "x"}
]`;
    const parsed = await parseJsonInventory(text);
    expect(parsed.records.map((r) => r.line)).toEqual([2]);
    expect(parsed.problems).toEqual([
      { line: 4, field: 'locations', message: expect.stringContaining('at least one location') },
      { line: 4, field: '', message: expect.stringContaining('unknown field(s) "note"') },
    ]);
  });

  it('refuses a locator that climbs out with ".."', async () => {
    const parsed = await parseJsonInventory('[{"recordId":"R-1","dossier":"D","subjectRef":"P","locations":[{"system":"documents","locator":"a/../../etc"}]}]');
    expect(parsed.problems).toEqual([{ line: 1, field: 'locations[0].locator', message: 'a locator may not contain ".." segments' }]);
  });

  it('accepts a byte-order mark and names the line of a syntax error', async () => {
    expect((await parseJsonInventory(Buffer.from('\uFEFF[]'))).problems).toEqual([]);
    expect((await parseJsonInventory('[\n  {"recordId": "R-1"},\n  {"recordId" "R-2"}\n]')).problems).toEqual([
      ...['dossier', 'subjectRef', 'locations'].map((field) => ({ line: 2, field, message: expect.stringContaining('is missing') })),
      { line: 3, column: 15, field: '(json)', message: 'not valid JSON: a colon (:) is expected after the field name' },
    ]);
  });

  it('refuses text that is not a JSON array', async () => {
    expect((await parseJsonInventory('{"recordId": "R-1"}')).problems[0]?.message).toMatch(/JSON array/);
    expect((await parseJsonInventory('[{')).problems[0]?.message).toMatch(/not valid JSON/);
  });
});

describe('inventory file - format', () => {
  it('is taken from --format or the file name', () => {
    expect(detectFormat('a.CSV')).toBe('csv');
    expect(detectFormat('a.json')).toBe('json');
    expect(detectFormat('a.txt', 'json')).toBe('json');
    expect(detectFormat('a.txt')).toBeUndefined();
    expect(detectFormat('a.csv', 'xml')).toBeUndefined();
  });
});

describe('inventory file - encodings and dialects as Excel and editors write them', () => {
  const utf16 = (text: string, order: 'le' | 'be') => {
    const bytes = Buffer.from(text, 'utf16le');
    if (order === 'be') bytes.swap16();
    return Buffer.concat([Buffer.from(order === 'le' ? [0xff, 0xfe] : [0xfe, 0xff]), bytes]);
  };
  const locations = (...ls: string[]) => ls.map((l) => ({ system: l.split(':')[0], locator: l.split(':')[1] }));

  it('a Dutch Excel CSV (BOM, CRLF, ";", a quoted field with ";" and a line break) - is read, and the separator said', async () => {
    const text =
      '\uFEFFrecord_id;dossier;subject_ref;locations\r\n' +
      'R-1;D-2024-01;P-1;"case-admin:persons/P-1;documents:reports/R-1.pdf"\r\n' +
      'R-2;D-2024-01;P-2;"case-admin:persons/P-2\r\ndocuments:reports/R-2.pdf"\r\n' +
      'R-3;D-2024-01;P-3;case-admin:persons/P-3\r\n';
    const parsed = await parseCsvInventory(Buffer.from(text));
    expect(parsed.problems).toEqual([]);
    expect(parsed.dialect).toEqual({ delimiter: ';', how: 'detected from the header line' });
    expect(parsed.records).toEqual([
      {
        line: 2,
        record: { recordId: 'R-1', dossier: 'D-2024-01', subjectRef: 'P-1', locations: locations('case-admin:persons/P-1', 'documents:reports/R-1.pdf') },
      },
      {
        line: 3,
        record: { recordId: 'R-2', dossier: 'D-2024-01', subjectRef: 'P-2', locations: locations('case-admin:persons/P-2', 'documents:reports/R-2.pdf') },
      },
      { line: 5, record: { recordId: 'R-3', dossier: 'D-2024-01', subjectRef: 'P-3', locations: locations('case-admin:persons/P-3') } },
    ]);
  });

  it.each([
    [
      'UTF-16 LE with tabs (Excel "Unicode text")',
      utf16('record_id\tdossier\tsubject_ref\tlocations\r\nR-1\tD-1\tP-1\tcase-admin:persons/P-1\r\n', 'le'),
      '\t',
    ],
    ['UTF-16 BE with ";"', utf16('record_id;dossier;subject_ref;locations\nR-1;D-1;P-1;case-admin:persons/P-1\n', 'be'), ';'],
    ['an Excel "sep=" line', Buffer.from('sep=;\r\nrecord_id;dossier;subject_ref;locations\r\nR-1;D-1;P-1;case-admin:persons/P-1\r\n'), ';'],
  ])('%s - is decoded and read', async (_what, bytes, delimiter) => {
    const parsed = await parseCsvInventory(bytes);
    expect(parsed.dialect?.delimiter).toBe(delimiter);
    expect(parsed.problems).toEqual([]);
    expect(parsed.records).toEqual([
      { line: expect.any(Number), record: { recordId: 'R-1', dossier: 'D-1', subjectRef: 'P-1', locations: locations('case-admin:persons/P-1') } },
    ]);
  });

  it('a Latin-1 CSV - is refused naming the encoding, the line and "save the file as UTF-8", never its text', async () => {
    const latin1 = Buffer.from('record_id;dossier;subject_ref;locations\r\nR-1;Dossier G\xF6khan;P-1;case-admin:persons/P-1\r\n', 'latin1');
    const error = (await parseCsvInventory(latin1).catch((err: unknown) => err)) as InvalidInputError;
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.problems).toEqual([{ line: 2, column: 14, field: '(encoding)', message: expect.stringContaining('Latin-1 or Windows-1252') }]);
    expect(error.message).toContain('save the file as UTF-8');
    expect(error.message).not.toMatch(/G.khan/);
  });

  it('--delimiter - wins over detection, and a header split at it names the separator', async () => {
    const text = 'record_id;dossier;subject_ref;locations\nR-1;D-1;P-1;case-admin:persons/P-1\n';
    const parsed = await parseCsvInventory(text, { delimiter: ',' });
    expect(parsed.dialect).toEqual({ delimiter: ',', how: 'given with --delimiter' });
    expect(parsed.problems[0]).toEqual({
      line: 1,
      field: 'column "record_id;dossier;subject_ref;locations"',
      message: 'is not an inventory column; use record_id, dossier, subject_ref, locations (columns separated by commas (,), given with --delimiter)',
    });
  });

  it('a row with a field too many - names the separator used', async () => {
    const parsed = await parseCsvInventory('record_id;dossier;subject_ref;locations\nR-1;D-1;P-1;case-admin:persons/P-1;x\n');
    expect(parsed.problems).toEqual([
      {
        line: 2,
        field: '(csv)',
        message: 'has 5 fields where the header has 4; check the separators (semicolons (;), detected from the header line) and the quoting',
      },
    ]);
  });
});

describe('inventory file - JSON read element by element', () => {
  const element = (i: number) => ({
    recordId: `R-${i}`,
    dossier: 'D-1',
    subjectRef: `P-${i}`,
    locations: [{ system: 'case-admin', locator: `persons/P-${i}` }],
  });

  it('a minified file of many elements on one line - gives every element, each validated alone', async () => {
    const elements = Array.from({ length: 3000 }, (_, i) => element(i));
    elements[1500] = { ...element(1500), subjectRef: 'Jan Jansen' };
    const parsed = await parseJsonInventory(JSON.stringify(elements));
    expect(parsed.records).toHaveLength(2999);
    expect(parsed.problems).toEqual([{ line: 1, field: 'subjectRef', message: expect.stringContaining('never a name') }]);
    expect(parsed.problems[0]?.message).not.toContain('Jan Jansen');
  });

  it.each([
    [
      'a trailing comma in the array',
      '[\n  {"recordId": "R-1"},\n]',
      { line: 2, column: 22, message: "not valid JSON: a trailing comma before the closing ']'; JSON allows none: remove it" },
    ],
    [
      'a syntax error inside an element',
      '[\n  {"recordId": "R-1",\n   "dossier" "Jan Jansen"}\n]',
      { line: 3, column: 14, message: 'not valid JSON: a colon (:) is expected after the field name' },
    ],
    [
      'text after the array',
      '[]\n{"recordId": "R-1"}',
      { line: 2, column: 1, message: "not valid JSON: more follows the array's closing ']'; the file holds one array" },
    ],
    [
      'a file cut short',
      '[\n  {"recordId": "R-1", "dossier": "Jan',
      { line: 2, column: 34, message: expect.stringContaining('not valid JSON: a string that is not closed') },
    ],
    ['brackets that do not match', '[{"locations": [{"system": "case-admin"}}]', { line: 1, column: 41, message: expect.stringContaining('not valid JSON') }],
  ])('%s - is named by line and column, never quoting the file', async (_what, text, expected) => {
    const parsed = await parseJsonInventory(text);
    expect(parsed.problems.at(-1)).toEqual({ field: '(json)', ...expected });
    for (const p of parsed.problems) expect(p.message).not.toContain('Jan');
  });

  it('an empty file - says it is empty', async () => {
    expect((await parseJsonInventory('\n')).problems).toEqual([{ line: 1, field: '(json)', message: expect.stringContaining('the file is empty') }]);
  });
});
