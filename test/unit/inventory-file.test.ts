import { parseCsvInventory, parseJsonInventory, detectFormat } from '../../cli/inventory-file';

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
      { line: 2, field: '(csv)', message: 'has 5 fields where the header has 4; check the separators (commas (,), detected from the header line) and the quoting' },
      { line: 3, field: '(csv)', message: 'has 2 fields where the header has 4; check the separators (commas (,), detected from the header line) and the quoting' },
    ]);
  });

  it.each([
    ['LF', '\n'],
    ['CRLF', '\r\n'],
  ])('counts lines where records start when a quoted field spans lines (%s)', async (_name, eol) => {
    const text = ['record_id,dossier,subject_ref,locations', 'R-1,D-1,P-1,"case-admin:persons/P-1;', 'case-admin:persons/P-9"', '', 'R-2,D-1,,case-admin:persons/P-2', ''].join(eol);
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
