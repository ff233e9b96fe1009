import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { readJsonFile } from '../../cli/json-file';
import { TextDecoding, localFile, readTextFile } from '../../cli/text-file';
import { InvalidInputError } from '../../schemas/errors';

const subjectSchema = z.strictObject({ name: z.string(), residence: z.string(), email: z.string().optional() });

/** What a refusal says, and that it says nothing of the file's text. */
function refusal(run: () => unknown): InvalidInputError {
  try {
    run();
  } catch (err) {
    if (err instanceof InvalidInputError) return err;
    throw err;
  }
  throw new Error('not refused');
}

const utf16 = (text: string, order: 'le' | 'be') => {
  const bytes = Buffer.from(text, 'utf16le');
  if (order === 'be') bytes.swap16();
  return Buffer.concat([Buffer.from(order === 'le' ? [0xff, 0xfe] : [0xfe, 0xff]), bytes]);
};

describe('text files - every file the product reads', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'text-file-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, bytes: Buffer) => {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return path;
  };

  it('readJsonFile - a Latin-1 inquiry file - is refused naming the encoding, its line and column and "save the file as UTF-8", never its text', () => {
    const latin1 = Buffer.from('{"name": "\xD6mer Yilmaz",\n "residence": "Utrecht", "email": "omer@example.org"}', 'latin1');
    const error = refusal(() => readJsonFile(localFile(file('inquiry-latin1.json', latin1)), subjectSchema));
    expect(error.problems).toEqual([
      { line: 1, column: 11, field: '(encoding)', message: expect.stringContaining('not valid UTF-8 here: the bytes look like Latin-1 or Windows-1252') },
    ]);
    expect(error.message).toContain('save the file as UTF-8 (in Excel: Save As "CSV UTF-8"');
    for (const text of ['mer Yilmaz', 'Yilmaz', 'Utrecht', 'omer@example.org']) expect(error.message).not.toContain(text);
  });

  it('readJsonFile - UTF-8 with a BOM (Windows Notepad), UTF-16 LE and BE with a BOM - are read as the same text', () => {
    const text = '{"name": "Ömer Yılmaz", "residence": "’s-Hertogenbosch"}';
    const expected = { name: 'Ömer Yılmaz', residence: '’s-Hertogenbosch' };
    expect(readJsonFile(localFile(file('bom.json', Buffer.from(`\uFEFF${text}`))), subjectSchema)).toEqual(expected);
    expect(readJsonFile(localFile(file('le.json', utf16(text, 'le'))), subjectSchema)).toEqual(expected);
    expect(readJsonFile(localFile(file('be.json', utf16(text, 'be'))), subjectSchema)).toEqual(expected);
    expect(readTextFile(localFile(file('bom2.json', Buffer.from(`\uFEFF${text}`)))).encoding).toBe('UTF-8 with BOM');
  });

  it.each([
    [
      'UTF-16 without a byte-order mark',
      Buffer.from('{"name": "Jan Jansen", "residence": "Utrecht"}', 'utf16le'),
      'looks like UTF-16 LE without a byte-order mark',
    ],
    ['UTF-32 with its byte-order mark', Buffer.concat([Buffer.from([0xff, 0xfe, 0, 0]), Buffer.from('{\0\0\0}\0\0\0')]), 'is UTF-32'],
    ['an Excel workbook', Buffer.from('PK\x03\x04 xl/workbook.xml Jan Jansen', 'latin1'), 'is a ZIP archive (an Excel .xlsx workbook is one)'],
  ])('readTextFile - %s - is refused by name', (_what, bytes, says) => {
    const error = refusal(() => readTextFile(localFile(file('other.json', bytes))));
    expect(error.problems).toEqual([{ line: 1, column: 1, field: '(encoding)', message: expect.stringContaining(says) }]);
    expect(error.message).not.toContain('Jan Jansen');
  });

  it('readTextFile - a replacement character already in the file (a lossy conversion earlier) - is refused with its position', () => {
    const error = refusal(() => readTextFile(localFile(file('fffd.json', Buffer.from('{\n  "name": "\uFFFDmer Yilmaz"\n}')))));
    expect(error.problems).toEqual([{ line: 2, column: 12, field: '(encoding)', message: expect.stringContaining('holds a replacement character (U+FFFD)') }]);
  });

  it('readTextFile - UTF-8 cut short in the middle of a character - is refused saying so', () => {
    const bytes = Buffer.from('{"name": "€"}');
    const error = refusal(() => readTextFile(localFile(file('cut.json', bytes.subarray(0, 12)))));
    expect(error.problems[0]).toMatchObject({ line: 1, column: 11, message: expect.stringContaining('ends in the middle of a UTF-8 character') });
  });

  it('TextDecoding - fed one byte at a time - gives the same text, and the same position for a bad byte', () => {
    const text = 'record_id;dossier\r\nR-1;"Ömer 😀 Yılmaz\n2e regel"\r\n';
    const decoding = new TextDecoding('chunks.csv');
    const bytes = Buffer.from(`\uFEFF${text}`);
    let out = '';
    for (const b of bytes) out += decoding.write(Uint8Array.of(b));
    expect(out + decoding.end()).toBe(text);

    const bad = Buffer.concat([Buffer.from('a\nbc 😀 d'), Buffer.from([0xe9]), Buffer.from('t\n')]);
    const whole = refusal(() => {
      const d = new TextDecoding('x');
      d.write(bad);
      d.end();
    });
    const oneByOne = refusal(() => {
      const d = new TextDecoding('x');
      for (const b of bad) d.write(Uint8Array.of(b));
      d.end();
    });
    expect(whole.problems).toEqual([{ line: 2, column: 7, field: '(encoding)', message: expect.stringContaining('Latin-1') }]);
    expect(oneByOne.problems).toEqual(whole.problems);
  });
});
